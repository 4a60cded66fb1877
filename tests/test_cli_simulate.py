"""`meddiag simulate` as a user runs it: a real process, its output and its exit status."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from meddiag.simulation.case import bundled_scenarios

KEYS = {"scenario", "model", "turns", "differential", "final_diagnosis", "correct", "seconds", "tokens",
        "suggested_tests", "leading_workup", "leading_treatment"}


def meddiag(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meddiag.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ})


@pytest.mark.parametrize("name", bundled_scenarios())
def test_simulate_scripted_json(name):
    proc = meddiag("simulate", "--scenario", name, "--model", "scripted", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) == KEYS
    assert result["scenario"] == name and result["model"] == "scripted"
    assert result["differential"] and all({"name", "icd10", "probability"} <= set(d) for d in result["differential"])
    assert result["turns"] >= 2 and result["tokens"] == 0
    assert isinstance(result["suggested_tests"], list) and len(result["suggested_tests"]) <= 3
    assert result["leading_workup"] and result["leading_treatment"]  # every scenario's leader is curated
    assert result["correct"], result["final_diagnosis"]  # the deterministic consultation names every bundled case


def test_simulate_writes_the_encounter_summary(tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    base = tmp_path / "encounter"
    proc = meddiag("simulate", "--scenario", "community-acquired-pneumonia", "--model", "scripted",
                   "--max-turns", "4", "--json", "--summary", str(base))
    assert proc.returncode == 0, proc.stderr
    note = (tmp_path / "encounter.md").read_text()
    assert "Assessment" in note and "Plan" in note
    assert "Investigations to consider" in note  # the graph's most informative tests for the differential
    bundle = Bundle.model_validate_json((tmp_path / "encounter.fhir.json").read_text())
    kinds = {e.resource.__resource_type__ for e in bundle.entry}
    assert {"Encounter", "Condition", "Observation"} <= kinds


def test_simulate_prints_a_transcript_and_a_differential():
    proc = meddiag("simulate", "--scenario", "migraine", "--model", "scripted", "--max-turns", "4")
    assert proc.returncode == 0, proc.stderr
    assert "Doctor: " in proc.stdout and "Patient: " in proc.stdout and "Differential:" in proc.stdout


@pytest.mark.llm
def test_simulate_on_the_embedded_local_model():
    proc = meddiag("simulate", "--scenario", "acute-cystitis", "--model", "local", "--max-turns", "3",
                   "--threads", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["model"] == "local" and result["differential"] and result["tokens"] > 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("args,needle", [
    (["--model", "gpt5"], "model spec"),
    (["--model", "gguf:/nonexistent/model.gguf"], "/nonexistent/model.gguf"),
    (["--scenario", "no-such-case"], "unknown scenario"),
    (["--max-turns", "0"], "--max-turns"),
])
def test_bad_input_gives_one_line_and_no_traceback(args, needle):
    base = {"--scenario": "migraine", "--model": "scripted"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    proc = meddiag("simulate", *[x for kv in base.items() for x in kv], "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle.lower() in lines[0].lower(), proc.stderr


def test_an_unreachable_server_is_a_logged_fallback_and_the_consultation_completes():
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    proc = meddiag("simulate", "--scenario", "migraine", "--model", f"openai:any@{url}", "--max-turns", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["differential"]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "falling back" in lines[0] and "Traceback" not in proc.stderr
