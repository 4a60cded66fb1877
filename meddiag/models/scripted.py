"""``ScriptedClient``: a deterministic stand-in for a language model.

Without a script it is "no model": ``is_model_free`` is true, agents skip their model
calls and use their deterministic templates, and a call that happens anyway raises
``ModelUnavailableError``. With a script it answers from it, one reply per call, which is
how logic and fault tests drive the agents. A reply is one of:

- ``str`` (returned as is), a ``dict``/``list`` or pydantic model (returned as JSON),
- a list of ``FunctionCall`` (a tool-call result),
- an exception instance or class (raised),
- ``HANG`` (the call waits until cancelled),
- a callable ``messages -> reply`` (sync or async), which is called for every turn.

A list script is consumed in order; when it runs out the client raises ``ModelError``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, AsyncGenerator, Awaitable, Callable, Literal, Mapping, Optional, Sequence, Union

from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import CreateResult, LLMMessage, ModelFamily, ModelInfo, RequestUsage
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from .base import BaseChatClient
from .errors import ModelError, ModelUnavailableError
from .messages import text_of

HANG = object()
"""A scripted reply that never arrives: the call waits until it is cancelled."""

Reply = Any
Script = Union[Sequence[Reply], Callable[[Sequence[LLMMessage]], Union[Reply, Awaitable[Reply]]]]

_INFO = ModelInfo(vision=False, function_calling=True, json_output=True, structured_output=True, family=ModelFamily.UNKNOWN)


def _words(text: str) -> int:
    return len(text.split())


class ScriptedClient(BaseChatClient):
    """A model that says what its script says (or nothing at all, when it has none)."""

    def __init__(self, script: Script | None = None, *, context_window: int = 8192) -> None:
        super().__init__(_INFO, context_window)
        self.script = script
        self.calls: list[list[LLMMessage]] = []  # the messages of every call, for tests
        self._turn = 0

    @property
    def model_free(self) -> bool:
        return self.script is None

    async def _next_reply(self, messages: Sequence[LLMMessage], cancellation_token: CancellationToken | None) -> Reply:
        if self.script is None:
            raise ModelUnavailableError("the 'scripted' model has no language model behind it; use the deterministic path")
        self.calls.append(list(messages))
        turn, self._turn = self._turn, self._turn + 1
        if callable(self.script):
            reply = self.script(messages)
            if inspect.isawaitable(reply):
                reply = await reply
        elif turn < len(self.script):
            reply = self.script[turn]
        else:
            raise ModelError(f"scripted model: script exhausted after {len(self.script)} replies")
        if reply is HANG:
            waiter = asyncio.get_running_loop().create_future()
            if cancellation_token is not None:
                cancellation_token.link_future(waiter)
            await waiter  # resolves only by cancellation
        if isinstance(reply, BaseException) or (isinstance(reply, type) and issubclass(reply, BaseException)):
            raise reply
        return reply

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
        reply = await self._next_reply(messages, cancellation_token)
        if isinstance(reply, list) and reply and all(isinstance(c, FunctionCall) for c in reply):
            content: str | list[FunctionCall] = reply
            finish, text = "function_calls", " ".join(f"{c.name} {c.arguments}" for c in reply)
        else:
            if isinstance(reply, BaseModel):
                text = reply.model_dump_json()
            elif isinstance(reply, (dict, list)):
                text = json.dumps(reply)
            else:
                text = str(reply)
            content, finish = text, "stop"
        usage = RequestUsage(prompt_tokens=sum(_words(text_of(m)) for m in messages), completion_tokens=_words(text))
        return CreateResult(finish_reason=finish, content=content, usage=self._record(usage), cached=False)

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
        result = await self.create(messages, tools=tools, tool_choice=tool_choice, json_output=json_output, cancellation_token=cancellation_token)
        if isinstance(result.content, str) and result.content:
            for i, word in enumerate(result.content.split(" ")):
                yield word if i == 0 else " " + word
        yield result

    def count_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []) -> int:
        return sum(_words(text_of(m)) for m in messages)

    async def close(self) -> None:
        return None
