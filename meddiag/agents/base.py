"""The typed agent base: an autogen-agentchat agent with one pydantic input and output.

Every meddiag agent takes a typed request and returns a typed result, carried as
autogen ``StructuredMessage`` objects so the agents stay usable in autogen teams. The
orchestrator calls :meth:`TypedAgent.ask`, which goes through ``on_messages`` like any
autogen caller would.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Literal, Sequence, TypeVar

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import BaseChatMessage, StructuredMessage
from autogen_core import CancellationToken
from pydantic import BaseModel, Field

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound="AgentResult")


class AgentResult(BaseModel):
    """What every agent result carries besides its payload: cost and any fallback."""

    tokens: int = 0
    fallback: str | None = None  # why the deterministic path was used, if a model failed
    fallback_kind: Literal["error", "invalid"] = "error"  # backend failure, or output rejected
    trace: list[str] = Field(default_factory=list)  # short notes for the agents' trace panel


class TypedAgent(BaseChatAgent, Generic[In, Out]):
    """An agent whose last incoming message is a ``StructuredMessage[In]``."""

    input_type: ClassVar[type[BaseModel]]
    output_type: ClassVar[type[BaseModel]]

    _in_message: ClassVar[type[StructuredMessage]]
    _out_message: ClassVar[type[StructuredMessage]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "input_type" in cls.__dict__:  # parametrise the message classes once, not per call
            cls._in_message = StructuredMessage[cls.input_type]  # type: ignore[name-defined]
            cls._out_message = StructuredMessage[cls.output_type]  # type: ignore[name-defined]

    def __init__(self, name: str, description: str) -> None:
        super().__init__(name, description)

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (self._out_message,)

    async def on_messages(self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken) -> Response:
        last = messages[-1]
        if not isinstance(last, StructuredMessage) or not isinstance(last.content, self.input_type):
            raise TypeError(f"{self.name} expects a {self.input_type.__name__} message")
        result = await self.handle(last.content)
        return Response(chat_message=self._out_message(content=result, source=self.name))

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        return None

    async def ask(self, request: In, sender: str = "orchestrator") -> Out:
        message = self._in_message(content=request, source=sender)
        response = await self.on_messages([message], CancellationToken())
        content: Any = response.chat_message.content  # type: ignore[attr-defined]
        return content

    async def handle(self, request: In) -> Out:  # pragma: no cover - abstract
        raise NotImplementedError
