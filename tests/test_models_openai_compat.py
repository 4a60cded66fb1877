"""The OpenAI-compatible backend over real HTTP, against a real llama.cpp-backed server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from autogen_core.models import CreateResult, SystemMessage, UserMessage
from pydantic import BaseModel, Field

from meddiag.models import ModelError, ModelUnavailableError, OpenAICompatClient, load_model, local_gguf_path

pytestmark = pytest.mark.llm

SERVER = Path(__file__).parent / "servers" / "openai_server.py"
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
def base_url():
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(local_gguf_path()), "--port", "0", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("LISTENING"), f"server did not start: {line!r}"
        url = f"http://127.0.0.1:{int(line.split()[1])}/v1"
        for _ in range(100):  # ready when /v1/models answers
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=1) as r:
                    assert json.load(r)["data"][0]["id"] == "smollm2"
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def client(base_url):
    return OpenAICompatClient("smollm2", base_url=base_url, max_retries=0, timeout=60, temperature=0.0, max_tokens=12)


def run(coro):
    return asyncio.run(coro)


def test_create_over_http(client):
    result = run(client.create(MSGS))
    assert isinstance(result.content, str) and result.content.strip()
    assert result.finish_reason in ("stop", "length")
    assert result.usage.prompt_tokens > 0 and 0 < result.usage.completion_tokens <= 12
    assert client.total_usage().completion_tokens >= result.usage.completion_tokens


def test_stream_over_sse(client):
    async def collect():
        return [x async for x in client.create_stream(MSGS)]

    *deltas, result = run(collect())
    assert isinstance(result, CreateResult)
    assert len(deltas) >= 3 and "".join(deltas) == result.content
    assert 0 < result.usage.completion_tokens <= 12  # from the server's include_usage chunk


def test_structured_output_json_schema_and_json_object(base_url):
    messages = [
        SystemMessage(content="Reply with the next question to ask the patient, as JSON."),
        UserMessage(content="I have chest pain.", source="patient"),
    ]
    schema_client = load_model(f"openai:smollm2@{base_url}", temperature=0.0, max_tokens=48, max_retries=0)
    result = run(schema_client.create(messages, json_output=Question))
    assert Question.model_validate_json(result.content).question.strip()
    object_client = OpenAICompatClient("smollm2", base_url=base_url, json_mode="json_object", temperature=0.0, max_tokens=48)
    result = run(object_client.create(PAIN, json_output=True))
    assert isinstance(json.loads(result.content), dict)


def test_unknown_model_is_a_one_line_unavailable_error(base_url):
    client = OpenAICompatClient("no-such-model", base_url=base_url, max_retries=0)
    with pytest.raises(ModelUnavailableError) as err:
        run(client.create(MSGS))
    assert "404" in str(err.value) and "\n" not in str(err.value)


def test_dead_server_fails_fast_with_one_line(monkeypatch):
    with socket.socket() as s:  # a port that was free a moment ago and now has no listener
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = load_model(f"openai:smollm2@http://127.0.0.1:{port}/v1", max_retries=0, timeout=5)

    async def both():
        with pytest.raises(ModelUnavailableError) as a:
            await client.create(MSGS)
        with pytest.raises(ModelUnavailableError) as b:
            async for _ in client.create_stream(MSGS):
                pass
        return a, b

    for err in run(both()):
        text = str(err.value)
        assert "cannot reach" in text and f"127.0.0.1:{port}" in text and "\n" not in text
        assert isinstance(err.value, ModelError)


def test_forced_tool_call_streams_back_as_function_calls(client):
    from autogen_core.tools import FunctionTool

    def bmi(weight_kg: float, height_m: float) -> float:
        return weight_kg / height_m**2

    tool = FunctionTool(bmi, description="Body-mass index from weight in kg and height in metres.")
    messages = [UserMessage(content="What is the BMI of a 70 kg, 1.75 m man?", source="user")]

    async def collect():
        return [x async for x in client.create_stream(messages, tools=[tool], tool_choice=tool, extra_create_args={"max_tokens": 40})]

    result = run(collect())[-1]
    (call,) = result.content
    assert call.name == "bmi" and call.id
    assert set(json.loads(call.arguments)) == {"weight_kg", "height_m"}
