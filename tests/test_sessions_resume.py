"""Sessions survive anything: resume rebuilds the consultation, even after SIGKILL."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from meddiag.models import ScriptedClient
from meddiag.orchestrator import Consultation, ConsultationConfig
from meddiag.sessions import SessionStore

from patients import ListPatient  # noqa: E402

ANSWERS = ["I have had a cough and fever for 3 days", "yes", "no", "yes, a little", "no", "yes"]


@pytest.fixture
def home(tmp_path, graph, meddiag_home):
    """A fresh MEDDIAG_HOME that shares this run's built knowledge-graph cache."""
    (tmp_path / "cache").symlink_to(Path(meddiag_home) / "cache", target_is_directory=True)
    return tmp_path


def consult(graph, patient, resume=None, max_turns=5):
    consultation = Consultation(ConsultationConfig(max_turns=max_turns, min_turns=9), model=ScriptedClient(),
                                graph=graph)

    async def go():
        return [e async for e in consultation.run(patient, resume=resume)]

    return consultation, asyncio.run(go())


@pytest.mark.parametrize("cut", [1, 2, 5, 6])  # after the greeting; after an answer; mid-interview
def test_a_resumed_consultation_ends_as_the_uninterrupted_one(graph, cut):
    whole, _ = consult(graph, ListPatient(ANSWERS))
    before = whole.transcript[:cut]
    said = [t.text for t in before if t.role == "patient"]
    patient = ListPatient(ANSWERS[len(said):])
    resumed, events = consult(graph, patient, resume=before)
    assert [(t.role, t.text) for t in resumed.transcript] == [(t.role, t.text) for t in whole.transcript]
    assert [t.at for t in resumed.transcript[: len(before) - (before[-1].role == "doctor")]] == \
        [t.at for t in before[: len(before) - (before[-1].role == "doctor")]], "restored turns keep their time"
    assert resumed.state.findings == whole.state.findings
    assert resumed.differential == whole.differential
    answered = sum(t.role == "doctor" for t in before) - (before[-1].role == "doctor")
    assert patient.heard == [t.text for t in whole.transcript if t.role == "doctor"][answered:len(patient.heard) + answered]
    assert all(e.turn.index == i for i, e in enumerate(e for e in events if e.type == "utterance"))


class Chat:
    """A `meddiag chat --plain` child process with a line reader that never blocks the test."""

    def __init__(self, home, *args):
        env = {**os.environ, "MEDDIAG_HOME": str(home), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "meddiag.cli", "chat", "--plain", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, pattern: str, timeout: float = 60.0) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            assert line is not None, f"chat ended before {pattern!r}: {self.seen} {self.proc.stderr.read()}"
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def say(self, text: str) -> None:
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()


def test_sigkill_mid_consultation_then_resume_shows_every_turn(home):
    tmp_path = home
    chat = Chat(tmp_path, "--model", "scripted")
    sid = re.search(r"session (\w+)", chat.until(r"^# meddiag chat")).group(1)
    chat.until(r"^Doctor: ")
    for answer in ANSWERS[:3]:
        chat.say(answer)
        chat.until(r"^Doctor: ")  # the next question, shown only once it is stored
    os.kill(chat.proc.pid, signal.SIGKILL)
    chat.proc.wait(timeout=30)
    assert chat.proc.returncode == -signal.SIGKILL
    shown = [line for line in chat.seen if line.startswith(("Doctor: ", "You: "))]
    assert len(shown) == 7  # greeting, 3 answers, 3 questions

    stored = SessionStore(tmp_path / "sessions.db").turns(sid)
    label = {"doctor": "Doctor", "patient": "You"}
    assert [f"{label[t.role]}: {t.text}" for t in stored] == shown, "every turn shown was on disk"

    env = {**os.environ, "MEDDIAG_HOME": str(tmp_path)}
    rest = "\n".join(ANSWERS[3:]) + "\n"
    done = subprocess.run([sys.executable, "-m", "meddiag.cli", "chat", "--plain", "--resume", sid[:8]],
                          input=rest, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    replayed = [line for line in lines if line.startswith(("Doctor: ", "You: "))]
    assert replayed[: len(shown)] == shown, "the resumed chat shows every turn taken before the kill"
    assert replayed[len(shown)] == f"You: {ANSWERS[3]}", "and continues with the question left open"
    assert any(line.startswith("Consultation finished") for line in lines)
    store = SessionStore(tmp_path / "sessions.db")
    info = store.info(sid)
    assert info.status == "finished" and info.turns == len(replayed)
    assert len(store.list()) == 1, "resuming continues the same session"
    again = subprocess.run([sys.executable, "-m", "meddiag.cli", "chat", "--plain", "--resume", sid],
                           input="", capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 2 and "has finished" in again.stderr and "Traceback" not in again.stderr
