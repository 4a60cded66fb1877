"""Plain mode: a whole consultation on stdin/stdout, as a pipe would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meddiag.sessions import SessionStore


def chat(home, stdin: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MEDDIAG_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "meddiag.cli", "chat", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def home(tmp_path, graph, meddiag_home):
    """A fresh MEDDIAG_HOME that shares this run's built knowledge-graph cache."""
    (tmp_path / "cache").symlink_to(Path(meddiag_home) / "cache", target_is_directory=True)
    return tmp_path


def test_a_piped_consultation_runs_to_the_end(home):
    # stdin is not a terminal, so plain mode is chosen without --plain
    answers = "I have had a cough and fever for 3 days\nno other illnesses\nno medicines\nI don't smoke\nyes\n\nno\nyes, green phlegm\nno\nno\nyes\nno\n"
    done = chat(home, answers, "--model", "scripted", "--max-turns", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("# meddiag chat — session ")
    turns = [line for line in lines if line.startswith(("Doctor: ", "You: "))]
    assert turns[0].startswith("Doctor: Hello") and turns[1] == "You: I have had a cough and fever for 3 days"
    assert [t.split(":")[0] for t in turns[:-1]] == ["Doctor", "You"] * (len(turns) // 2), "blank lines are skipped"
    assert len(turns) >= 9 and "You: no" in turns, "the answer after the blank line was read"
    assert any(line.startswith("   (leading: ") for line in lines)
    end = next(i for i, line in enumerate(lines) if line.startswith("Consultation finished ("))
    assert "patient left" not in lines[end]
    assert lines[end + 1].startswith("  1. ") and "[" in lines[end + 1] and "%" in lines[end + 1]
    assert turns[-1].startswith("Doctor: Thank you"), "the team closes the consultation"
    (info,) = SessionStore(home / "sessions.db").list()
    assert info.status == "finished" and info.turns == len(turns)


def test_a_red_flag_in_plain_mode_and_no_log(home):
    done = chat(home, "I have crushing chest pain going down my left arm and I'm sweating buckets.\n",
                "--plain", "--model", "scripted", "--no-log")
    assert done.returncode == 0, done.stderr
    assert "!! EMERGENCY:" in done.stdout
    assert "Consultation finished (escalated)" in done.stdout
    assert not (home / "sessions.db").exists(), "--no-log keeps nothing on disk"


def test_doctor_role_in_plain_mode_and_an_unloadable_model_is_a_notice(home):
    lines = "What brings you in today?\nAre you coughing anything up?\n/exam\n/dx pneumonia\n"
    done = chat(home, lines, "--as", "doctor", "--scenario", "community-acquired-pneumonia",
                "--model", f"gguf:{home}/missing.gguf")
    assert done.returncode == 0, done.stderr
    notice = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(notice) == 1 and "missing.gguf" in notice[0] and "continuing on 'scripted'" in notice[0]
    out = done.stdout
    assert "Patient: I'm 67" in out and "Examiner: " in out and "Note: The answer: Community-acquired pneumonia" in out
