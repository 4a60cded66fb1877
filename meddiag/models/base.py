"""Bookkeeping every meddiag backend shares: usage totals, model info, remaining tokens.

Subclasses implement ``create``, ``create_stream``, ``count_tokens`` and ``close`` and call
``_record(usage)`` once per finished request. No request is ever served from a cache, so
``actual_usage`` and ``total_usage`` are the same running totals.
"""

from __future__ import annotations

from typing import Sequence

from autogen_core.models import ChatCompletionClient, LLMMessage, ModelCapabilities, ModelInfo, RequestUsage
from autogen_core.tools import Tool, ToolSchema

from .messages import add_usage


class BaseChatClient(ChatCompletionClient):
    """Usage totals and static model facts for a concrete backend."""

    def __init__(self, model_info: ModelInfo, context_window: int) -> None:
        self._model_info = model_info
        self._context_window = context_window
        self._usage = RequestUsage(prompt_tokens=0, completion_tokens=0)

    def _record(self, usage: RequestUsage) -> RequestUsage:
        self._usage = add_usage(self._usage, usage)
        return usage

    def actual_usage(self) -> RequestUsage:
        return self._usage

    def total_usage(self) -> RequestUsage:
        return self._usage

    def remaining_tokens(self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []) -> int:
        return max(0, self._context_window - self.count_tokens(messages, tools=tools))

    @property
    def model_info(self) -> ModelInfo:
        return self._model_info

    @property
    def capabilities(self) -> ModelCapabilities:  # type: ignore[override]  # deprecated upstream
        info = self._model_info
        return ModelCapabilities(vision=info["vision"], function_calling=info["function_calling"], json_output=info["json_output"])
