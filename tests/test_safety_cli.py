"""The ``meddiag safety`` subcommand, driven through an argparse parser as cli.py builds it."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from meddiag.safety.commands import register


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="meddiag")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["safety", "Worst headache of my life, came on in seconds", "--json"], capsys)
    data = json.loads(out)
    assert code == 0 and set(data) == {"level", "red_flags", "advice"}
    assert data["level"] == "emergency"
    assert data["red_flags"][0] == {"rule": "subarachnoid_haemorrhage", "evidence": "Worst headache"}
    assert "emergency services" in data["advice"]


def test_text_output_routine(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["safety", "I have a runny nose"], capsys)
    assert code == 0 and out.startswith("level: routine") and "advice:" in out


def test_stdin_and_empty_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("I found a lump in my breast"))
    code, out, _ = run(["safety", "-", "--json"], capsys)
    assert code == 0 and json.loads(out)["level"] == "urgent"
    code, out, err = run(["safety", "   "], capsys)
    assert code == 2 and out == "" and err.strip() == "meddiag safety: empty patient text"
