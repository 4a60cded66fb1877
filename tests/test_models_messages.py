"""Conversions from autogen messages and tools to the OpenAI chat format both backends speak."""

from __future__ import annotations

import base64
import io
import json

from autogen_core import FunctionCall, Image
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    FunctionExecutionResult,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import FunctionTool
from PIL import Image as PILImage
from pydantic import BaseModel

from meddiag.models.messages import schema_of, text_of, to_openai_messages, to_openai_tools

CALL = FunctionCall(id="c1", name="bmi", arguments='{"weight_kg": 70, "height_m": 1.75}')
HISTORY = [
    SystemMessage(content="sys"),
    UserMessage(content="hello", source="patient"),
    AssistantMessage(content=[CALL], source="doctor"),
    FunctionExecutionResultMessage(content=[FunctionExecutionResult(content="22.9", name="bmi", call_id="c1")]),
    AssistantMessage(content="Your BMI is 22.9.", source="doctor"),
]


def _png() -> Image:
    buf = io.BytesIO()
    PILImage.new("RGB", (2, 2)).save(buf, format="PNG")
    return Image.from_base64(base64.b64encode(buf.getvalue()).decode())


def test_openai_form_keeps_tool_traffic():
    out = to_openai_messages(HISTORY)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool", "assistant"]
    assert out[2]["tool_calls"] == [{"id": "c1", "type": "function", "function": {"name": "bmi", "arguments": CALL.arguments}}]
    assert out[3] == {"role": "tool", "tool_call_id": "c1", "content": "22.9"}


def test_plain_form_flattens_tools_and_images_for_simple_chat_templates():
    out = to_openai_messages([*HISTORY, UserMessage(content=["look:", _png()], source="patient")], plain=True)
    assert [m["role"] for m in out] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert json.loads(out[2]["content"]) == {"name": "bmi", "arguments": {"weight_kg": 70, "height_m": 1.75}}
    assert out[3]["content"] == "Result of tool bmi: 22.9"
    assert out[5]["content"] == "look:\n[image]"
    assert all(isinstance(m["content"], str) for m in out)


def test_images_become_image_url_parts():
    (msg,) = to_openai_messages([UserMessage(content=["what is this?", _png()], source="patient")])
    text, image = msg["content"]
    assert text == {"type": "text", "text": "what is this?"}
    assert image["type"] == "image_url" and image["image_url"]["url"].startswith("data:image/png;base64,")


def test_tools_and_schemas():
    def bmi(weight_kg: float, height_m: float) -> float:
        return weight_kg / height_m**2

    (tool,) = to_openai_tools([FunctionTool(bmi, description="Body-mass index.")])
    assert tool["type"] == "function" and tool["function"]["name"] == "bmi"
    assert set(tool["function"]["parameters"]["properties"]) == {"weight_kg", "height_m"}

    class Q(BaseModel):
        question: str

    assert schema_of(Q)["required"] == ["question"]
    assert schema_of(True) is None and schema_of(None) is None
    assert text_of(HISTORY[2]) == f"bmi {CALL.arguments}" and text_of(HISTORY[3]) == "22.9"
