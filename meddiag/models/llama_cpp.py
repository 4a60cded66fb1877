"""Our own llama.cpp chat client (``LlamaCppClient``), built on llama-cpp-python.

One ``Llama`` per (file, n_ctx, n_threads, n_gpu_layers) is loaded per process and shared
by every client and agent; a lock serialises generation because a ``Llama`` object is not
thread-safe. The prompt is rendered with the chat template stored in the GGUF metadata
(ChatML when the file has none). Generation runs in a worker thread: ``create_stream``
yields text deltas as tokens arrive, then a ``CreateResult``; a cancelled call stops at
the next token and frees the model.

Constrained output: ``json_output=Model`` compiles the model's JSON schema to a grammar,
so the reply always parses as that model; ``json_output=True`` allows any JSON object.
Tools are offered the same way: the model must answer with a JSON tool call (or, under
``tool_choice="auto"``, a JSON reply). Grammars are checked lazily (``grammar_sampling``),
so constrained decoding costs about what free text costs.

llama.cpp's own C-level logging goes to the ``meddiag.llama_cpp`` logger at DEBUG level,
never to the terminal.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncGenerator, Callable, Literal, Mapping, Optional, Sequence, Union

import llama_cpp
from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import CreateResult, LLMMessage, ModelFamily, ModelInfo, RequestUsage
from autogen_core.tools import Tool, ToolSchema
from llama_cpp import StoppingCriteriaList, llama_chat_format, llama_grammar
from pydantic import BaseModel

from .base import BaseChatClient
from .errors import ModelError, ModelLoadError
from .grammar_sampling import use_lazy_grammar
from .messages import schema_of, to_openai_messages, tool_schema

log = logging.getLogger("meddiag.llama_cpp")

DEFAULT_N_CTX = 4096
SAMPLING_ARGS = frozenset(
    "max_tokens temperature top_p top_k min_p typical_p stop seed repeat_penalty presence_penalty "
    "frequency_penalty tfs_z mirostat_mode mirostat_tau mirostat_eta logit_bias".split()
)
_CANCELLED = object()
_DONE = object()


@dataclass
class SharedModel:
    """A loaded ``Llama`` with its lock and chat formatter, shared process-wide."""

    llama: Any
    lock: threading.Lock
    formatter: Any
    path: str
    name: str


_MODELS: dict[tuple[str, int, int, int], SharedModel] = {}
_MODELS_LOCK = threading.Lock()
_LOG_HOOK: list[Any] = []  # keeps the ctypes log callback alive


def _route_llama_logs() -> None:
    """Send llama.cpp's C-level log lines to ``log.debug`` instead of stderr (once)."""
    if _LOG_HOOK:
        return

    @llama_cpp.llama_log_callback
    def hook(level: int, text: bytes, user_data: Any) -> None:
        log.debug("%s", text.decode("utf-8", "replace").rstrip())

    llama_cpp.llama_log_set(hook, None)
    _LOG_HOOK.append(hook)


def _check_gguf(path: Path) -> None:
    if not path.is_file():
        raise ModelLoadError(f"GGUF file not found: {path}")
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelLoadError(f"not a GGUF model file (bad magic bytes): {path}")


def default_threads() -> int:
    """All cores but one: the event loop, the graph and the terminal keep a core (1 on a 1-2 core machine)."""
    return max(1, (os.cpu_count() or 2) - 1)


def shared_model(path: str | os.PathLike[str], *, n_ctx: int = DEFAULT_N_CTX, n_threads: int | None = None, n_gpu_layers: int = 0) -> SharedModel:
    """Load (once per process) and return the shared model for these parameters."""
    file = Path(path).expanduser().resolve()
    threads = n_threads or default_threads()
    key = (str(file), n_ctx, threads, n_gpu_layers)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key]
        _check_gguf(file)
        _route_llama_logs()
        try:
            llama = llama_cpp.Llama(
                model_path=str(file), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                n_gpu_layers=n_gpu_layers, verbose=False,
            )
        except Exception as e:  # llama-cpp-python raises ValueError/RuntimeError with C-level detail
            raise ModelLoadError(f"cannot load GGUF model {file}: {e}") from None
        use_lazy_grammar(llama)
        template = llama.metadata.get("tokenizer.chat_template")
        if template:
            eos, bos = llama.token_eos(), llama.token_bos()
            formatter = llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
                stop_token_ids=[eos],
            )
        else:
            formatter = llama_chat_format.format_chatml
        name = llama.metadata.get("general.name") or file.stem
        model = SharedModel(llama=llama, lock=threading.Lock(), formatter=formatter, path=str(file), name=name)
        _MODELS[key] = model
        return model


@functools.lru_cache(maxsize=64)
def _grammar(schema_json: str | None) -> Any:
    """A compiled-once grammar for a JSON schema (any JSON value when None)."""
    if schema_json is None:
        return llama_grammar.LlamaGrammar.from_string(llama_grammar.JSON_GBNF, verbose=False)
    return llama_grammar.LlamaGrammar.from_json_schema(schema_json, verbose=False)


def _tool_prompt(schemas: list[ToolSchema], allow_reply: bool) -> str:
    lines = ["You can call these tools:"]
    for s in schemas:
        params = json.dumps(s.get("parameters", {}).get("properties", {}))
        lines.append(f"- {s['name']}: {s.get('description', '')} Arguments: {params}")
    lines.append('To call a tool, answer with JSON {"name": TOOL, "arguments": {...}}.')
    if allow_reply:
        lines.append('To answer without a tool, answer with JSON {"reply": "your answer"}.')
    return "\n".join(lines)


def _tool_schema_json(schemas: list[ToolSchema], allow_reply: bool) -> str:
    options: list[dict[str, Any]] = [
        {
            "type": "object",
            "properties": {"name": {"const": s["name"]}, "arguments": s.get("parameters", {"type": "object"})},
            "required": ["name", "arguments"],
        }
        for s in schemas
    ]
    if allow_reply:
        options.append({"type": "object", "properties": {"reply": {"type": "string"}}, "required": ["reply"]})
    return json.dumps(options[0] if len(options) == 1 else {"anyOf": options})


@dataclass
class _Request:
    chat: list[dict[str, Any]]
    args: dict[str, Any]
    schema_json: str | None
    constrained: bool
    tools: bool


class LlamaCppClient(BaseChatClient):
    """A ``ChatCompletionClient`` over a local GGUF model, shared process-wide."""

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        n_ctx: int = DEFAULT_N_CTX,
        n_threads: int | None = None,
        n_gpu_layers: int = 0,
        max_tokens: int = 512,
        temperature: float = 0.2,
        seed: int | None = None,
        model_info: ModelInfo | None = None,
        **sampling: Any,
    ) -> None:
        unknown = set(sampling) - SAMPLING_ARGS
        if unknown:
            raise ValueError(f"unknown llama.cpp sampling option(s): {', '.join(sorted(unknown))}")
        self._model = shared_model(model_path, n_ctx=n_ctx, n_threads=n_threads, n_gpu_layers=n_gpu_layers)
        info = model_info or ModelInfo(
            vision=False, function_calling=True, json_output=True, structured_output=True,
            family=ModelFamily.UNKNOWN, multiple_system_messages=False,
        )
        super().__init__(info, self._model.llama.n_ctx())
        self._defaults: dict[str, Any] = {
            "max_tokens": max_tokens, "temperature": temperature, "top_p": 0.95, "top_k": 40,
            "min_p": 0.05, "repeat_penalty": 1.1, **({"seed": seed} if seed is not None else {}), **sampling,
        }

    @property
    def model_path(self) -> str:
        return self._model.path

    @property
    def model_name(self) -> str:
        return self._model.name

    @property
    def llama(self) -> Any:
        """The shared ``llama_cpp.Llama``; hold ``self.lock`` while using it."""
        return self._model.llama

    @property
    def lock(self) -> threading.Lock:
        return self._model.lock

    # -- request preparation (event-loop side, no model access) --------------------------

    def _request(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: Tool | Literal["auto", "required", "none"],
        json_output: Optional[bool | type[BaseModel]],
        extra: Mapping[str, Any],
    ) -> _Request:
        unknown = set(extra) - SAMPLING_ARGS
        if unknown:
            raise ValueError(f"unknown llama.cpp create argument(s): {', '.join(sorted(unknown))}")
        chat = to_openai_messages(messages, plain=True)
        args = {**self._defaults, **extra}
        use_tools = bool(tools) and tool_choice != "none"
        if use_tools:
            schemas = [tool_schema(t) for t in tools]
            if isinstance(tool_choice, Tool):
                schemas = [s for s in schemas if s["name"] == tool_choice.name] or [tool_choice.schema]
            allow_reply = tool_choice == "auto"
            text = _tool_prompt(schemas, allow_reply)
            if chat and chat[0]["role"] == "system":
                chat[0] = {"role": "system", "content": f"{chat[0]['content']}\n\n{text}"}
            else:
                chat.insert(0, {"role": "system", "content": text})
            return _Request(chat, args, _tool_schema_json(schemas, allow_reply), True, True)
        schema = schema_of(json_output)
        return _Request(chat, args, json.dumps(schema) if schema else None, bool(json_output), False)

    def _prompt_tokens(self, chat: list[dict[str, Any]]) -> tuple[list[int], Any, Any]:
        llama = self._model.llama
        try:
            rendered = self._model.formatter(messages=chat)
        except Exception as e:  # e.g. a template that insists on alternating user/assistant turns
            raise ModelError(f"the model's chat template rejected these messages: {e}") from None
        tokens = llama.tokenize(rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True)
        return tokens, rendered.stop, rendered.stopping_criteria

    # -- generation (worker-thread side, under the model lock) ----------------------------

    def _generate(self, req: _Request, cancel: threading.Event, emit: Callable[[str], None] | None) -> CreateResult:
        llama = self._model.llama
        with self._model.lock:
            if cancel.is_set():
                raise asyncio.CancelledError()
            tokens, stop, criteria = self._prompt_tokens(req.chat)
            n_ctx = llama.n_ctx()
            if len(tokens) >= n_ctx:
                raise ModelError(f"prompt of {len(tokens)} tokens does not fit the model's {n_ctx}-token context")
            args = dict(req.args)
            stops = [args.pop("stop")] if isinstance(args.get("stop"), str) else list(args.pop("stop", None) or [])
            stops += [stop] if isinstance(stop, str) else list(stop or [])
            stopping = StoppingCriteriaList([*(criteria or []), lambda ids, logits: cancel.is_set()])
            try:
                grammar = _grammar(req.schema_json) if req.constrained else None
            except Exception as e:  # a schema feature the GBNF converter does not support
                raise ModelError(f"cannot turn the JSON schema into a grammar: {e}") from None
            out = llama.create_completion(
                prompt=tokens, stop=stops, stopping_criteria=stopping, grammar=grammar, stream=emit is not None, **args
            )
            if emit is None:
                choice = out["choices"][0]
                text, finish = choice["text"], choice["finish_reason"]
                completion = out["usage"]["completion_tokens"]
            else:
                parts, finish = [], "unknown"
                for chunk in out:
                    choice = chunk["choices"][0]
                    if choice["text"]:
                        parts.append(choice["text"])
                        if not req.tools:
                            emit(choice["text"])
                    finish = choice["finish_reason"] or finish
                    if cancel.is_set():
                        break
                out.close()
                text = "".join(parts)
                completion = len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0
            if cancel.is_set():
                raise asyncio.CancelledError()
            usage = self._record(RequestUsage(prompt_tokens=len(tokens), completion_tokens=completion))
        content: str | list[FunctionCall] = text
        if req.tools:
            content, finish = self._tool_result(text, finish)
        return CreateResult(finish_reason=_finish(finish), content=content, usage=usage, cached=False)

    @staticmethod
    def _tool_result(text: str, finish: str) -> tuple[str | list[FunctionCall], str]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return text, finish  # cut off by max_tokens: hand back the raw text
        if isinstance(data, dict) and "name" in data:
            call = FunctionCall(id=f"call_{uuid.uuid4().hex[:12]}", name=data["name"], arguments=json.dumps(data.get("arguments", {})))
            return [call], "function_calls"
        if isinstance(data, dict) and "reply" in data:
            return str(data["reply"]), finish
        return text, finish

    # -- ChatCompletionClient --------------------------------------------------------------

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: Optional[bool | type[BaseModel]] = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: Optional[CancellationToken] = None,
    ) -> CreateResult:
        req = self._request(messages, tools, tool_choice, json_output, extra_create_args)
        cancel = threading.Event()
        future = asyncio.get_running_loop().run_in_executor(None, self._generate, req, cancel, None)
        if cancellation_token is not None:
            cancellation_token.link_future(future)
        try:
            return await future
        except asyncio.CancelledError:
            cancel.set()
            raise

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: Optional[bool | type[BaseModel]] = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: Optional[CancellationToken] = None,
    ) -> AsyncGenerator[Union[str, CreateResult], None]:
        req = self._request(messages, tools, tool_choice, json_output, extra_create_args)
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()
        # Worker -> loop hand-off: items pile up in a deque and one scheduled flush moves them
        # all, so a busy loop is woken once per batch rather than once per token.
        pending: collections.deque[Any] = collections.deque()
        scheduled = [False]

        def flush() -> None:
            scheduled[0] = False
            while pending:
                queue.put_nowait(pending.popleft())

        def send(item: Any) -> None:
            pending.append(item)
            if not scheduled[0]:
                scheduled[0] = True
                loop.call_soon_threadsafe(flush)

        def work() -> None:
            try:
                result: Any = self._generate(req, cancel, send)
            except asyncio.CancelledError:
                result = _CANCELLED
            except BaseException as e:  # handed to the consumer, raised there
                result = e
            try:
                send((_DONE, result))
            except RuntimeError:  # the loop closed while we were generating
                pass

        loop.run_in_executor(None, work)
        if cancellation_token is not None:
            cancellation_token.add_callback(cancel.set)
        try:
            while True:
                item = await queue.get()
                if isinstance(item, str):
                    yield item
                    continue
                result = item[1]
                if result is _CANCELLED:
                    raise asyncio.CancelledError()
                if isinstance(result, BaseException):
                    raise result
                if isinstance(result.content, str) and req.tools and result.content:
                    yield result.content
                yield result
                return
        finally:
            cancel.set()  # no-op after a normal finish; stops generation after an early exit

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []) -> int:
        req = self._request(messages, tools, "auto", None, {})
        return len(self._prompt_tokens(req.chat)[0])

    async def close(self) -> None:
        """Nothing to release per client: the model is shared for the life of the process."""
        return None


def _finish(reason: str | None) -> Literal["stop", "length", "function_calls", "content_filter", "unknown"]:
    return reason if reason in ("stop", "length", "function_calls", "content_filter") else "unknown"  # type: ignore[return-value]
