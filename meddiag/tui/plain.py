"""Plain mode: the chat as numbered-free lines on stdin/stdout, for pipes, screen readers, scripts.

One line per turn ("Doctor: ...", "You: ..."), red flags as "!! EMERGENCY ..." lines,
a short line when the leading diagnosis changes, and the differential at the end. The
user's lines are echoed when stdin is not a terminal, so the output is a whole
transcript. End of input means the user has left; the team then closes.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from meddiag.models import ScriptedClient
from meddiag.schema import DifferentialUpdated, Fallback, Finished, RedFlagRaised, TestResult, Utterance
from meddiag.tui.driver import ChatSession

LABELS = {
    "patient": {"doctor": "Doctor", "patient": "You"},
    "doctor": {"doctor": "You", "patient": "Patient"},
    "watch": {"doctor": "Doctor", "patient": "Patient"},
}


class LineHuman:
    """The user's side of the conversation, read line by line (blank lines are skipped)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    async def ask(self) -> str | None:
        while True:
            line = await asyncio.to_thread(self.stream.readline)
            if not line:
                return None
            if line.strip():
                return line.strip()

    async def reply(self, utterance: str) -> str | None:
        return await self.ask()


async def run_plain(session: ChatSession, model, out: TextIO = sys.stdout, inp: TextIO = sys.stdin,
                    err: TextIO = sys.stderr) -> int:
    role = session.options.role
    labels = {**LABELS[role], "examiner": "Examiner", "system": "Note"}
    echo = not inp.isatty()
    info = session.info
    resume = f"; resume with: meddiag chat --resume {info.id}" if session.persistent else " (not saved)"
    print(f"# meddiag chat — session {info.id}, model {session.options.model}"
          f"{f', scenario {session.options.scenario}' if session.options.scenario else ''}. "
          f"Not a doctor. End of input ends the consultation{resume}", file=out, flush=True)
    leading, warned = None, False
    async for event in session.start(model, LineHuman(inp)):
        if isinstance(event, Utterance):
            t = event.turn
            mine = labels[t.role] == "You"
            if mine and not echo and t.index >= len(session.resumed):
                continue  # the terminal already shows what the user typed
            print(f"{labels[t.role]}: {t.text}", file=out, flush=True)
        elif isinstance(event, RedFlagRaised):
            f = event.flag
            print(f"!! {f.level.upper()}: {f.rule}. {f.advice}".rstrip(), file=out, flush=True)
        elif isinstance(event, DifferentialUpdated) and event.differential.leading is not None:
            lead = event.differential.leading
            if lead.name != leading:
                leading = lead.name
                print(f"   (leading: {lead.name} {lead.probability:.0%})", file=out, flush=True)
        elif isinstance(event, TestResult) and role == "watch":
            print(f"Examiner: {event.name}: {event.result}", file=out, flush=True)
        elif isinstance(event, Fallback) and event.kind == "error" and not warned:
            warned = True
            print(f"meddiag: model problem ({event.agent}: {event.reason}); continuing on 'scripted'",
                  file=err, flush=True)
            session.use_model("scripted", ScriptedClient())
        elif isinstance(event, Finished):
            print("", file=out)
            print(f"Consultation finished ({event.reason.replace('_', ' ')}). Differential, not a diagnosis:",
                  file=out)
            for n, h in enumerate(event.differential.top(5), 1):
                print(f"  {n}. {h.name} [{h.icd10 or '-'}] {h.probability:.0%}", file=out)
            if session.persistent:
                print(f"Transcript: meddiag sessions show {info.id}", file=out)
            out.flush()
    return 0
