"""The real llama.cpp backend on the embedded SmolLM2-135M model (loaded once per module)."""

from __future__ import annotations

import asyncio
import json

import pytest
from autogen_core import CancellationToken
from autogen_core.models import CreateResult, SystemMessage, UserMessage
from autogen_core.tools import FunctionTool
from pydantic import BaseModel, Field

from meddiag.models import LlamaCppClient, ModelError, ModelLoadError, load_model, local_gguf_path

pytestmark = pytest.mark.llm

MSGS = [
    SystemMessage(content="You are a careful doctor taking a history."),
    UserMessage(content="I have had a cough for two weeks.", source="patient"),
]
PAIN = [  # a prompt this small model answers with a short JSON object
    SystemMessage(content="Answer with a JSON object."),
    UserMessage(content='Does the patient have pain? Answer {"pain": true} or {"pain": false}.', source="user"),
]


class Question(BaseModel):
    question: str = Field(max_length=60)


@pytest.fixture(scope="module")
def client() -> LlamaCppClient:
    # one thread: the test machine is small and shared, and llama.cpp's thread pool spins badly under contention
    return LlamaCppClient(local_gguf_path(), n_ctx=1024, n_threads=1, max_tokens=24, temperature=0.0, seed=1)


def run(coro):
    return asyncio.run(coro)


def test_create_returns_text_and_counts_usage(client):
    before = client.total_usage()
    result = run(client.create(MSGS))
    assert isinstance(result.content, str) and result.content.strip()
    assert result.finish_reason in ("stop", "length")
    assert result.usage.prompt_tokens == client.count_tokens(MSGS)  # same template, same tokenizer
    assert 0 < result.usage.completion_tokens <= 24
    after = client.total_usage()
    assert after.completion_tokens - before.completion_tokens == result.usage.completion_tokens
    assert client.remaining_tokens(MSGS) == 1024 - result.usage.prompt_tokens


def test_stream_yields_several_deltas_before_the_result(client):
    async def collect():
        return [x async for x in client.create_stream(MSGS, extra_create_args={"max_tokens": 16})]

    *deltas, result = run(collect())
    assert isinstance(result, CreateResult)
    assert len(deltas) >= 3 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == result.content
    assert 0 < result.usage.completion_tokens <= 16


def test_greedy_stream_and_create_agree(client):
    async def both():
        plain = await client.create(MSGS, extra_create_args={"max_tokens": 12})
        items = [x async for x in client.create_stream(MSGS, extra_create_args={"max_tokens": 12})]
        return plain, items[-1]

    plain, streamed = run(both())
    assert plain.content == streamed.content


def test_schema_constrained_output_validates(client):
    messages = [
        SystemMessage(content="Reply with the next question to ask the patient, as JSON."),
        UserMessage(content="I have chest pain.", source="patient"),
    ]
    result = run(client.create(messages, json_output=Question, extra_create_args={"max_tokens": 48}))
    parsed = Question.model_validate_json(result.content)
    assert parsed.question.strip()


def test_plain_json_mode_gives_json(client):
    result = run(client.create(PAIN, json_output=True, extra_create_args={"max_tokens": 64}))
    assert result.finish_reason == "stop"
    assert isinstance(json.loads(result.content), dict)


def test_tool_calls_are_grammar_constrained_and_parsed(client):
    def bmi(weight_kg: float, height_m: float) -> float:
        return weight_kg / height_m**2

    tool = FunctionTool(bmi, description="Body-mass index from weight in kg and height in metres.")
    messages = [UserMessage(content="What is the BMI of a 70 kg, 1.75 m man?", source="user")]
    result = run(client.create(messages, tools=[tool], tool_choice=tool, extra_create_args={"max_tokens": 40}))
    assert result.finish_reason == "function_calls"
    (call,) = result.content
    arguments = json.loads(call.arguments)
    assert call.name == "bmi" and set(arguments) == {"weight_kg", "height_m"}
    assert all(isinstance(v, (int, float)) for v in arguments.values())
    plain = run(client.create(messages, tools=[tool], tool_choice="none", extra_create_args={"max_tokens": 8}))
    assert isinstance(plain.content, str)


def test_one_model_is_shared_and_calls_are_serialised(client):
    other = load_model("local", n_ctx=1024, n_threads=1, max_tokens=8, temperature=0.0)
    assert other.llama is client.llama and other.lock is client.lock

    async def together():
        return await asyncio.gather(client.create(MSGS, extra_create_args={"max_tokens": 8}), other.create(MSGS))

    a, b = run(together())
    assert a.content == b.content  # greedy decoding on one shared model: same answer


def test_cancellation_stops_generation_and_frees_the_model(client):
    async def cancel_midway():
        token = CancellationToken()
        stream = client.create_stream(MSGS, extra_create_args={"max_tokens": 400}, cancellation_token=token)
        first = await stream.__anext__()
        token.cancel()
        with pytest.raises(asyncio.CancelledError):
            async for _ in stream:
                pass
        task = asyncio.create_task(client.create(MSGS, extra_create_args={"max_tokens": 400}))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        early = client.create_stream(MSGS, extra_create_args={"max_tokens": 400})
        await early.__anext__()
        await early.aclose()  # a consumer that stops reading
        return first, await client.create(MSGS, extra_create_args={"max_tokens": 4})

    first, after = run(cancel_midway())
    assert isinstance(first, str)
    assert 0 < after.usage.completion_tokens <= 4  # the lock was released each time


def test_invalid_gguf_is_a_one_line_load_error_and_llama_cpp_stays_quiet(tmp_path, capfd):
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + b"\x00" * 64)
    with pytest.raises(ModelLoadError) as err:
        load_model(f"gguf:{fake}")
    assert "\n" not in str(err.value) and "cannot load" in str(err.value)
    out, errout = capfd.readouterr()
    assert out == "" and errout == ""  # llama.cpp's C-level log went to logging, not the terminal


def test_prompt_longer_than_the_context_is_a_one_line_error(client):
    huge = [UserMessage(content="cough " * 1500, source="patient")]
    with pytest.raises(ModelError) as err:
        run(client.create(huge))
    assert "1024-token context" in str(err.value) and "\n" not in str(err.value)


def test_unknown_create_argument_is_rejected(client):
    with pytest.raises(ValueError, match="nucleus"):
        run(client.create(MSGS, extra_create_args={"nucleus": 0.9}))
