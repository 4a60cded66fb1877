"""Calling a model safely: timeouts, validation, bounded retries, never an exception.

Agents ask for text or for a pydantic-typed object. Whatever the backend does — time
out, raise, return prose where JSON was asked for, return JSON of the wrong shape —
these helpers return an :class:`Outcome` whose ``value`` is None and whose ``error`` is
one line, so the calling agent can fall back to its deterministic path.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Awaitable, Callable, Generic, TypeVar

from autogen_core.models import ChatCompletionClient, CreateResult, LLMMessage, SystemMessage, UserMessage
from pydantic import BaseModel, ValidationError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

TokenSink = Callable[[str], Awaitable[None]]
Validator = Callable[[T], "str | None"]  # returns a problem description, or None when fine


@dataclass
class Outcome(Generic[T]):
    value: T | None
    tokens: int = 0
    error: str | None = None
    rejected: bool = False  # the model answered, but its output failed validation

    @property
    def kind(self) -> str:
        return "invalid" if self.rejected else "error"


def prompt(system: str, user: str) -> list[LLMMessage]:
    return [SystemMessage(content=system), UserMessage(content=user, source="user")]


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip().rstrip(":")


def _usage(result: CreateResult) -> int:
    return result.usage.prompt_tokens + result.usage.completion_tokens


async def structured(
    client: ChatCompletionClient,
    messages: list[LLMMessage],
    output_type: type[M],
    *,
    max_tokens: int = 256,
    retries: int = 1,
    timeout: float = 120.0,
    validate: Callable[[M], str | None] | None = None,
) -> Outcome[M]:
    """Ask for a ``output_type`` object (schema-constrained where the backend can)."""
    tokens, error = 0, None
    for _ in range(retries + 1):
        try:
            result = await asyncio.wait_for(
                client.create(messages, json_output=output_type, extra_create_args={"max_tokens": max_tokens}),
                timeout,
            )
        except asyncio.TimeoutError:
            return Outcome(None, tokens, f"model timed out after {timeout:g} s")
        except Exception as exc:  # a backend failure is data here, not a crash
            return Outcome(None, tokens, one_line(exc))
        tokens += _usage(result)
        raw = result.content if isinstance(result.content, str) else ""
        try:
            value = output_type.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            error = f"invalid JSON from model ({one_line(exc)[:120]})"
            continue
        problem = validate(value) if validate else None
        if problem is None:
            return Outcome(value, tokens)
        error = f"rejected model output: {problem}"
    return Outcome(None, tokens, error, rejected=True)


async def text(
    client: ChatCompletionClient,
    messages: list[LLMMessage],
    *,
    max_tokens: int = 96,
    retries: int = 1,
    timeout: float = 120.0,
    on_token: TokenSink | None = None,
    validate: Callable[[str], str | None] | None = None,
) -> Outcome[str]:
    """Stream plain text, passing deltas to ``on_token``; validate the whole."""
    tokens, error = 0, None
    for _ in range(retries + 1):
        parts: list[str] = []

        async def consume() -> CreateResult | None:
            last = None
            async for chunk in client.create_stream(messages, extra_create_args={"max_tokens": max_tokens}):
                if isinstance(chunk, str):
                    parts.append(chunk)
                    if on_token is not None:
                        await on_token(chunk)
                else:
                    last = chunk
            return last

        try:
            result = await asyncio.wait_for(consume(), timeout)
        except asyncio.TimeoutError:
            return Outcome(None, tokens, f"model timed out after {timeout:g} s")
        except Exception as exc:
            return Outcome(None, tokens, one_line(exc))
        if result is not None:
            tokens += _usage(result)
            body = result.content if isinstance(result.content, str) else "".join(parts)
        else:
            body = "".join(parts)
        body = body.strip()
        problem = "empty reply" if not body else (validate(body) if validate else None)
        if problem is None:
            return Outcome(body, tokens)
        error = f"rejected model output: {problem}"
    return Outcome(None, tokens, error, rejected=True)
