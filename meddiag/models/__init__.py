"""Model backends for meddiag, each an autogen-core ``ChatCompletionClient``.

``load_model(spec)`` turns a model spec (``local``, ``gguf:PATH``, ``openai:MODEL``,
``openai:MODEL@URL``, ``scripted``) into a client; ``is_model_free(client)`` tells agents
to skip model calls and use their deterministic templates. Heavy backends (llama.cpp,
openai) are imported only when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ModelError, ModelLoadError, ModelSpecError, ModelUnavailableError
from .registry import BACKENDS, VALID_FORMS, ModelOptions, describe, load_model, local_gguf_path
from .scripted import HANG, ScriptedClient

if TYPE_CHECKING:
    from .llama_cpp import LlamaCppClient
    from .openai_compat import OpenAICompatClient

__all__ = [
    "BACKENDS", "HANG", "VALID_FORMS", "LlamaCppClient", "ModelError", "ModelLoadError", "ModelOptions",
    "ModelSpecError", "ModelUnavailableError", "OpenAICompatClient", "ScriptedClient", "describe",
    "is_model_free", "load_model", "local_gguf_path",
]


def is_model_free(client: Any) -> bool:
    """True when there is no language model behind ``client`` (None or an unscripted ScriptedClient)."""
    return client is None or (isinstance(client, ScriptedClient) and client.model_free)


def __getattr__(name: str) -> Any:
    if name == "LlamaCppClient":
        from .llama_cpp import LlamaCppClient

        return LlamaCppClient
    if name == "OpenAICompatClient":
        from .openai_compat import OpenAICompatClient

        return OpenAICompatClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
