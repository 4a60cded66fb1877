"""Conversions shared by the backends: autogen messages and tools to OpenAI-style dicts.

Both llama-cpp-python and the ``openai`` SDK take OpenAI chat messages, so the two
clients share these helpers. ``plain=True`` flattens tool traffic into ordinary user and
assistant text, for chat templates that know only system/user/assistant roles.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from autogen_core import FunctionCall, Image
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    LLMMessage,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel


def text_of(message: LLMMessage) -> str:
    """All the text in a message (images and call structure dropped), for token estimates."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for item in content:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, FunctionCall):
            parts.append(f"{item.name} {item.arguments}")
        elif not isinstance(item, Image):
            parts.append(getattr(item, "content", ""))
    return "\n".join(parts)


def _call_json(call: FunctionCall) -> str:
    try:
        arguments = json.loads(call.arguments or "{}")
    except json.JSONDecodeError:
        arguments = call.arguments
    return json.dumps({"name": call.name, "arguments": arguments})


def to_openai_messages(messages: Sequence[LLMMessage], *, plain: bool = False) -> list[dict[str, Any]]:
    """Convert autogen messages to OpenAI chat messages (``plain``: no tool roles, no images)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if isinstance(m, SystemMessage):
            out.append({"role": "system", "content": m.content})
        elif isinstance(m, UserMessage):
            if isinstance(m.content, str):
                out.append({"role": "user", "content": m.content})
            elif plain:
                text = "\n".join(p if isinstance(p, str) else "[image]" for p in m.content)
                out.append({"role": "user", "content": text})
            else:
                parts = [
                    {"type": "text", "text": p} if isinstance(p, str) else p.to_openai_format()
                    for p in m.content
                ]
                out.append({"role": "user", "content": parts})
        elif isinstance(m, AssistantMessage):
            if isinstance(m.content, str):
                out.append({"role": "assistant", "content": m.content})
            elif plain:
                out.append({"role": "assistant", "content": "\n".join(_call_json(c) for c in m.content)})
            else:
                calls = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in m.content
                ]
                out.append({"role": "assistant", "content": m.thought, "tool_calls": calls})
        elif isinstance(m, FunctionExecutionResultMessage):
            for r in m.content:
                if plain:
                    out.append({"role": "user", "content": f"Result of tool {r.name}: {r.content}"})
                else:
                    out.append({"role": "tool", "tool_call_id": r.call_id, "content": r.content})
        else:  # pragma: no cover - the LLMMessage union is closed
            raise TypeError(f"unsupported message type {type(m).__name__}")
    return out


def tool_schema(tool: Tool | ToolSchema) -> ToolSchema:
    return tool.schema if isinstance(tool, Tool) else tool


def to_openai_tools(tools: Sequence[Tool | ToolSchema]) -> list[dict[str, Any]]:
    out = []
    for tool in tools:
        s = tool_schema(tool)
        fn: dict[str, Any] = {"name": s["name"], "parameters": s.get("parameters", {"type": "object", "properties": {}})}
        if s.get("description"):
            fn["description"] = s["description"]
        if "strict" in s:
            fn["strict"] = s["strict"]
        out.append({"type": "function", "function": fn})
    return out


def schema_of(json_output: bool | type[BaseModel] | None) -> dict[str, Any] | None:
    """The JSON schema asked for by ``json_output`` (None for free text or plain JSON)."""
    if isinstance(json_output, type) and issubclass(json_output, BaseModel):
        return json_output.model_json_schema()
    return None


def add_usage(a: RequestUsage, b: RequestUsage) -> RequestUsage:
    return RequestUsage(prompt_tokens=a.prompt_tokens + b.prompt_tokens, completion_tokens=a.completion_tokens + b.completion_tokens)
