"""``OpenAICompatClient``: the OpenAI API or any OpenAI-compatible server (llama.cpp server,
vLLM, Ollama, LM Studio), through the ``openai`` SDK's ``AsyncOpenAI``.

Structured output asks for ``response_format`` of type ``json_schema`` (OpenAI, vLLM,
llama.cpp) or ``json_object`` (servers that only know JSON mode), chosen by ``json_mode``.
Streaming asks the server to report usage in its last chunk and falls back to counting
chunks when it does not. Every transport or API failure becomes a one-line
``ModelUnavailableError`` (server unreachable, timeout, key refused, unknown model, 5xx)
or ``ModelError`` (any other refusal), never an SDK traceback.
"""

from __future__ import annotations

import os
from typing import Any, AsyncGenerator, Literal, Mapping, Optional, Sequence, Union

import openai
from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import CreateResult, LLMMessage, ModelFamily, ModelInfo, RequestUsage
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from .base import BaseChatClient
from .errors import ModelError, ModelUnavailableError
from .messages import schema_of, text_of, to_openai_messages, to_openai_tools

JsonMode = Literal["json_schema", "json_object"]
NO_KEY = "sk-no-key"
_UNAVAILABLE_STATUS = {401, 403, 404, 408, 429}


def _family(model: str) -> str:
    for prefix, family in (("gpt-5", ModelFamily.GPT_5), ("gpt-4.1", ModelFamily.GPT_41), ("gpt-4o", ModelFamily.GPT_4O),
                           ("o1", ModelFamily.O1), ("o3", ModelFamily.O3), ("o4", ModelFamily.O4), ("gpt-4", ModelFamily.GPT_4)):
        if model.startswith(prefix):
            return family
    return ModelFamily.UNKNOWN


def _finish(reason: str | None) -> Literal["stop", "length", "function_calls", "content_filter", "unknown"]:
    if reason in ("tool_calls", "function_call"):
        return "function_calls"
    return reason if reason in ("stop", "length", "content_filter") else "unknown"  # type: ignore[return-value]


class OpenAICompatClient(BaseChatClient):
    """A ``ChatCompletionClient`` for an OpenAI-style ``/v1/chat/completions`` endpoint."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 120.0,
        connect_timeout: float = 5.0,
        max_retries: int = 2,
        json_mode: JsonMode = "json_schema",
        model_info: ModelInfo | None = None,
        context_window: int = 8192,
        stream_usage: bool = True,
        **create_args: Any,
    ) -> None:
        if json_mode not in ("json_schema", "json_object"):
            raise ValueError(f"json_mode must be 'json_schema' or 'json_object', not {json_mode!r}")
        self.model = model
        self.json_mode: JsonMode = json_mode
        self.stream_usage = stream_usage
        key = api_key or os.environ.get("OPENAI_API_KEY") or NO_KEY
        self._client = openai.AsyncOpenAI(
            api_key=key, base_url=base_url, max_retries=max_retries,
            timeout=openai.Timeout(timeout, connect=min(connect_timeout, timeout)),
        )
        self.base_url = str(self._client.base_url).rstrip("/")
        self._create_args = create_args
        info = model_info or ModelInfo(
            vision=base_url is None, function_calling=True, json_output=True,
            structured_output=json_mode == "json_schema", family=_family(model) if base_url is None else ModelFamily.UNKNOWN,
        )
        super().__init__(info, context_window)

    def _params(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: Tool | Literal["auto", "required", "none"],
        json_output: Optional[bool | type[BaseModel]],
        extra: Mapping[str, Any],
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.model, "messages": to_openai_messages(messages), **self._create_args, **extra}
        schema = schema_of(json_output)
        if schema is not None and self.json_mode == "json_schema":
            name = json_output.__name__  # type: ignore[union-attr]
            params["response_format"] = {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}
        elif json_output:
            params["response_format"] = {"type": "json_object"}
        if tools:
            params["tools"] = to_openai_tools(tools)
            if isinstance(tool_choice, Tool):
                params["tool_choice"] = {"type": "function", "function": {"name": tool_choice.name}}
            else:
                params["tool_choice"] = tool_choice
        return params

    def _error(self, e: Exception) -> ModelError:
        where = f"{self.model} at {self.base_url}"
        if isinstance(e, openai.APITimeoutError):
            return ModelUnavailableError(f"{where}: request timed out")
        if isinstance(e, openai.APIConnectionError):
            cause = e.__cause__ or e
            return ModelUnavailableError(f"cannot reach {where}: {type(cause).__name__}: {cause}")
        if isinstance(e, openai.APIStatusError):
            message = getattr(e, "message", "") or str(e)
            kind = ModelUnavailableError if e.status_code in _UNAVAILABLE_STATUS or e.status_code >= 500 else ModelError
            return kind(f"{where} answered HTTP {e.status_code}: {message[:200]}")
        return ModelError(f"{where}: {type(e).__name__}: {e}")

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
        params = self._params(messages, tools, tool_choice, json_output, extra_create_args)
        try:
            response = await self._client.chat.completions.create(**params)
        except openai.OpenAIError as e:
            raise self._error(e) from None
        if not response.choices:
            raise ModelError(f"{self.model} at {self.base_url} returned no choices")
        choice = response.choices[0]
        calls = choice.message.tool_calls or []
        content: str | list[FunctionCall] = (
            [FunctionCall(id=c.id, name=c.function.name, arguments=c.function.arguments) for c in calls]
            if calls else (choice.message.content or "")
        )
        u = response.usage
        usage = RequestUsage(prompt_tokens=u.prompt_tokens if u else 0, completion_tokens=u.completion_tokens if u else 0)
        return CreateResult(
            finish_reason=_finish(choice.finish_reason), content=content, usage=self._record(usage), cached=False,
            thought=choice.message.content if calls and choice.message.content else None,
        )

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
        params = self._params(messages, tools, tool_choice, json_output, extra_create_args)
        params["stream"] = True
        if self.stream_usage:
            params["stream_options"] = {"include_usage": True}
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        finish, usage, chunks = None, None, 0
        try:
            stream = await self._client.chat.completions.create(**params)
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        usage = chunk.usage
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    finish = choice.finish_reason or finish
                    delta = choice.delta
                    if delta.content:
                        chunks += 1
                        text.append(delta.content)
                        yield delta.content
                    for c in delta.tool_calls or []:
                        slot = calls.setdefault(c.index, {"id": "", "name": "", "arguments": ""})
                        slot["id"] = c.id or slot["id"]
                        if c.function is not None:
                            slot["name"] = c.function.name or slot["name"]  # some servers repeat it per chunk
                            slot["arguments"] += c.function.arguments or ""
        except openai.OpenAIError as e:
            raise self._error(e) from None
        content: str | list[FunctionCall] = (
            [FunctionCall(id=c["id"], name=c["name"], arguments=c["arguments"]) for _, c in sorted(calls.items())]
            if calls else "".join(text)
        )
        req = RequestUsage(
            prompt_tokens=usage.prompt_tokens if usage else self.count_tokens(messages, tools=tools),
            completion_tokens=usage.completion_tokens if usage else chunks,
        )
        yield CreateResult(
            finish_reason=_finish(finish), content=content, usage=self._record(req), cached=False,
            thought="".join(text) if calls and text else None,
        )

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []) -> int:
        """An estimate (about four characters a token): the server's tokenizer is not local."""
        chars = sum(len(text_of(m)) + 16 for m in messages) + sum(len(str(t)) for t in to_openai_tools(tools))
        return chars // 4

    async def close(self) -> None:
        await self._client.close()
