"""Chat sessions in SQLite: every turn and event is committed before anyone is shown it.

The database lives in ``$MEDDIAG_HOME/sessions.db`` (default ``~/.meddiag``), in WAL mode,
so a process killed at any moment (even SIGKILL) leaves every committed turn readable
and a session can be resumed from its transcript. ``SessionStore.memory()`` keeps
nothing on disk (``--no-log``). A session records who the user played (``patient``,
``doctor`` or ``watch``), the scenario, model and turn budget, its turns, and the
consultation's events (without streamed draft tokens), from which exports are built.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from meddiag.schema import (
    CaseState,
    Differential,
    DifferentialUpdated,
    Event,
    EventAdapter,
    Finished,
    FindingsUpdated,
    RedFlag,
    RedFlagRaised,
    TokenDelta,
    Turn,
    Utterance,
)

ChatRole = Literal["patient", "doctor", "watch"]
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, created TEXT NOT NULL, updated TEXT NOT NULL, role TEXT NOT NULL,
    scenario TEXT, model TEXT NOT NULL, max_turns INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'active', final_diagnosis TEXT, title TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS turns (
    session_id TEXT NOT NULL REFERENCES sessions(id), idx INTEGER NOT NULL, role TEXT NOT NULL,
    text TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (session_id, idx));
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL REFERENCES sessions(id), seq INTEGER NOT NULL, type TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (session_id, seq));
"""


class SessionError(ValueError):
    """A session that does not exist or cannot be used as asked."""


class SessionInfo(BaseModel):
    id: str
    created: datetime
    updated: datetime
    role: ChatRole
    scenario: str | None = None
    model: str
    max_turns: int
    status: Literal["active", "finished"] = "active"
    final_diagnosis: str | None = None
    title: str = ""
    turns: int = 0


class SessionRecord(BaseModel):
    """Everything stored about one session."""

    info: SessionInfo
    turns: list[Turn]
    events: list[Event]

    def last(self, kind: type):
        return next((e for e in reversed(self.events) if isinstance(e, kind)), None)

    @property
    def state(self) -> CaseState:
        found = self.last(FindingsUpdated)
        return found.state if found else CaseState()

    @property
    def differential(self) -> Differential:
        found = self.last(DifferentialUpdated)
        return found.differential if found else Differential()

    @property
    def red_flags(self) -> list[RedFlag]:
        return [e.flag for e in self.events if isinstance(e, RedFlagRaised)]


def home() -> Path:
    return Path(os.environ.get("MEDDIAG_HOME") or Path.home() / ".meddiag").expanduser()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class SessionStore:
    """The session database. Each write is its own committed transaction."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            path = home() / "sessions.db"
        if str(path) != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SessionError(f"cannot create the session folder {Path(path).parent}: {exc.strerror}") from None
        self.path = str(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # durable against a killed process
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise SessionError(f"cannot open the session database {self.path}: {exc}") from None

    @classmethod
    def memory(cls) -> "SessionStore":
        """A store that keeps nothing on disk."""
        return cls(":memory:")

    def close(self) -> None:
        self.db.close()

    # ----------------------------------------------------------------- writing

    def create(self, role: ChatRole, model: str, max_turns: int, scenario: str | None = None,
               title: str = "", session_id: str | None = None) -> SessionInfo:
        sid, now = session_id or uuid.uuid4().hex[:12], _now()
        self.db.execute("INSERT INTO sessions (id, created, updated, role, scenario, model, max_turns, title) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (sid, now, now, role, scenario, model, max_turns, title))
        return self.info(sid)

    def add_turn(self, session_id: str, turn: Turn) -> None:
        """Store a turn (a turn restored on resume rewrites its own row unchanged)."""
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?, ?)",
                            (session_id, turn.index, turn.role, turn.text, turn.at.isoformat()))
            if turn.role == "patient" and turn.index == 1:
                self.db.execute("UPDATE sessions SET title = ? WHERE id = ? AND title = ''",
                                (turn.text[:80], session_id))
            self.db.execute("UPDATE sessions SET updated = ? WHERE id = ?", (_now(), session_id))

    def add_event(self, session_id: str, event: Event) -> None:
        """Store an event; an utterance stores its turn; streamed draft tokens are not kept."""
        if isinstance(event, TokenDelta):
            return
        if isinstance(event, Utterance):
            self.add_turn(session_id, event.turn)
            return
        with self.db:
            (seq,) = self.db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM events WHERE session_id = ?",
                                     (session_id,)).fetchone()
            self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?)",
                            (session_id, seq, event.type, event.model_dump_json()))
            if isinstance(event, Finished):
                self.db.execute("UPDATE sessions SET status = 'finished', final_diagnosis = ?, updated = ? "
                                "WHERE id = ?", (event.final_diagnosis, _now(), session_id))

    def update(self, session_id: str, *, model: str | None = None, max_turns: int | None = None) -> None:
        if model is not None:
            self.db.execute("UPDATE sessions SET model = ? WHERE id = ?", (model, session_id))
        if max_turns is not None:
            self.db.execute("UPDATE sessions SET max_turns = ? WHERE id = ?", (max_turns, session_id))

    def reset_events(self, session_id: str) -> None:
        """Forget a session's events before a resume replays them."""
        self.db.execute("DELETE FROM events WHERE session_id = ?", (session_id,))

    # ----------------------------------------------------------------- reading

    def _resolve(self, session_id: str) -> str:
        rows = self.db.execute("SELECT id FROM sessions WHERE id LIKE ? ORDER BY created DESC",
                               (session_id.strip() + "%",)).fetchall() if session_id.strip() else []
        if len(rows) == 1 or (rows and rows[0][0] == session_id):
            return rows[0][0]
        if not rows:
            raise SessionError(f"no session {session_id!r} in {self.path}; see `meddiag sessions list`")
        raise SessionError(f"{session_id!r} matches {len(rows)} sessions; give more characters of the id")

    def info(self, session_id: str) -> SessionInfo:
        sid = self._resolve(session_id)
        row = self.db.execute("SELECT s.id, s.created, s.updated, s.role, s.scenario, s.model, s.max_turns, "
                              "s.status, s.final_diagnosis, s.title, (SELECT COUNT(*) FROM turns t "
                              "WHERE t.session_id = s.id) FROM sessions s WHERE s.id = ?", (sid,)).fetchone()
        return _info(row)

    def list(self, limit: int = 50) -> list[SessionInfo]:
        rows = self.db.execute("SELECT s.id, s.created, s.updated, s.role, s.scenario, s.model, s.max_turns, "
                               "s.status, s.final_diagnosis, s.title, (SELECT COUNT(*) FROM turns t "
                               "WHERE t.session_id = s.id) FROM sessions s ORDER BY s.updated DESC LIMIT ?",
                               (limit,)).fetchall()
        return [_info(r) for r in rows]

    def turns(self, session_id: str) -> list[Turn]:
        sid = self._resolve(session_id)
        rows = self.db.execute("SELECT idx, role, text, at FROM turns WHERE session_id = ? ORDER BY idx",
                               (sid,)).fetchall()
        return [Turn(index=i, role=r, text=t, at=datetime.fromisoformat(a)) for i, r, t, a in rows]

    def load(self, session_id: str) -> SessionRecord:
        sid = self._resolve(session_id)
        rows = self.db.execute("SELECT body FROM events WHERE session_id = ? ORDER BY seq", (sid,)).fetchall()
        return SessionRecord(info=self.info(sid), turns=self.turns(sid),
                             events=[EventAdapter.validate_json(b) for (b,) in rows])


def _info(row) -> SessionInfo:
    keys = ("id", "created", "updated", "role", "scenario", "model", "max_turns", "status", "final_diagnosis",
            "title", "turns")
    return SessionInfo.model_validate(dict(zip(keys, row)))


# --------------------------------------------------------------------- exports

_WHO = {"doctor": "Doctor", "patient": "Patient", "examiner": "Examiner", "system": "Note"}


def transcript_markdown(record: SessionRecord) -> str:
    """The session as a Markdown document: header, transcript, differential, red flags."""
    i = record.info
    played = {"patient": "you were the patient", "doctor": "you were the doctor",
              "watch": "simulated patient, watched"}[i.role]
    lines = [f"# meddiag session {i.id}", "",
             f"- Started: {i.created:%Y-%m-%d %H:%M} UTC ({played})",
             f"- Model: `{i.model}`" + (f", scenario: `{i.scenario}`" if i.scenario else ""),
             f"- Status: {i.status}" + (f", final diagnosis: {i.final_diagnosis}" if i.final_diagnosis else ""),
             "", "## Transcript", ""]
    for t in record.turns:
        text = t.text.replace("\n", "\n> ")
        lines += [f"**{_WHO.get(t.role, t.role)}:** {text}", ""]
    flags = record.red_flags
    if flags:
        lines += ["## Red flags", ""]
        lines += [f"- **{f.level.upper()}** {f.rule}: {f.advice or f.evidence}".rstrip(": ") for f in flags]
        lines.append("")
    hyps = record.differential.top(10)
    if hyps:
        lines += ["## Differential (not a diagnosis)", "", "| # | Diagnosis | Probability | ICD-10-CM |",
                  "|---|---|---|---|"]
        lines += [f"| {n} | {h.name} | {h.probability:.0%} | {h.icd10 or '-'} |" for n, h in enumerate(hyps, 1)]
        lines.append("")
    return "\n".join(lines)


def export(record: SessionRecord, fmt: Literal["md", "json", "fhir"]) -> str:
    if fmt == "md":
        return transcript_markdown(record)
    if fmt == "json":
        return record.model_dump_json(indent=2)
    if fmt == "fhir":
        from meddiag.tools.summary import fhir_bundle
        from meddiag.tools.coding import coder

        coding = coder().code_differential(record.differential, top=5)
        return json.dumps(fhir_bundle(record.state, record.differential, record.turns, coding,
                                      encounter_id=record.info.id), indent=2)
    raise SessionError(f"unknown export format {fmt!r}; use md, json or fhir")
