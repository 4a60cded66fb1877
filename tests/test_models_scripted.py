"""ScriptedClient: the no-model marker and the scripted replies that logic/fault tests use."""

from __future__ import annotations

import asyncio
import json

import pytest
from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import CreateResult, SystemMessage, UserMessage
from pydantic import BaseModel

from meddiag.models import HANG, ModelError, ModelUnavailableError, ScriptedClient, is_model_free, load_model

MSGS = [SystemMessage(content="You are a doctor."), UserMessage(content="I have a headache", source="patient")]


class Question(BaseModel):
    question: str


def run(coro):
    return asyncio.run(coro)


def test_unscripted_client_is_model_free_and_refuses_calls():
    client = load_model("scripted")
    assert isinstance(client, ScriptedClient)
    assert is_model_free(client) and is_model_free(None)
    assert not is_model_free(ScriptedClient(["x"]))
    with pytest.raises(ModelUnavailableError) as err:
        run(client.create(MSGS))
    assert "\n" not in str(err.value)


def test_list_script_replies_in_order_then_runs_out():
    client = ScriptedClient(["plain text", Question(question="Where does it hurt?"), {"a": 1}])
    first = run(client.create(MSGS))
    assert first.content == "plain text" and first.finish_reason == "stop"
    second = run(client.create(MSGS, json_output=Question))
    assert Question.model_validate_json(second.content).question == "Where does it hurt?"
    assert json.loads(run(client.create(MSGS)).content) == {"a": 1}
    with pytest.raises(ModelError, match="exhausted after 3"):
        run(client.create(MSGS))
    assert len(client.calls) == 4 and client.calls[0][1].content == "I have a headache"


def test_usage_is_counted_per_call_and_in_total():
    client = ScriptedClient(["one two three", "four"])
    a = run(client.create(MSGS))
    b = run(client.create(MSGS))
    assert a.usage.completion_tokens == 3 and b.usage.completion_tokens == 1
    prompt = client.count_tokens(MSGS)
    assert a.usage.prompt_tokens == prompt == 8  # words: 4 + 4
    assert client.total_usage().completion_tokens == 4 == client.actual_usage().completion_tokens
    assert client.remaining_tokens(MSGS) == 8192 - prompt


def test_exceptions_and_invalid_json_are_replayed():
    client = ScriptedClient(["{not json", TimeoutError("model stalled"), ValueError])
    with pytest.raises(json.JSONDecodeError):
        json.loads(run(client.create(MSGS, json_output=True)).content)
    with pytest.raises(TimeoutError, match="stalled"):
        run(client.create(MSGS))
    with pytest.raises(ValueError):
        run(client.create(MSGS))


def test_callable_script_sees_the_messages():
    def echo(messages):
        return f"you said: {messages[-1].content}"

    async def shout(messages):
        return messages[-1].content.upper()

    assert run(ScriptedClient(echo).create(MSGS)).content == "you said: I have a headache"
    assert run(ScriptedClient(shout).create(MSGS)).content == "I HAVE A HEADACHE"


def test_function_calls_are_returned_as_tool_calls():
    call = FunctionCall(id="1", name="icd10_lookup", arguments='{"term": "migraine"}')
    result = run(ScriptedClient([[call]]).create(MSGS))
    assert result.finish_reason == "function_calls" and result.content == [call]


def test_stream_yields_deltas_then_result():
    async def collect():
        return [x async for x in ScriptedClient(["Any fever or neck stiffness?"]).create_stream(MSGS)]

    items = run(collect())
    *deltas, result = items
    assert len(deltas) == 5 and all(isinstance(d, str) for d in deltas)
    assert isinstance(result, CreateResult) and "".join(deltas) == result.content


def test_hang_waits_until_cancelled():
    async def by_timeout():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ScriptedClient([HANG]).create(MSGS), timeout=0.05)

    async def by_token():
        token = CancellationToken()
        task = asyncio.create_task(ScriptedClient(["ok", HANG]).create(MSGS, cancellation_token=token))
        assert (await task).content == "ok"
        client = ScriptedClient([HANG])
        task = asyncio.create_task(client.create(MSGS, cancellation_token=token))
        await asyncio.sleep(0)
        token.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(by_timeout())
    run(by_token())
