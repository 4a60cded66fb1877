"""The session store: WAL on disk, turns and events round-trip, ids, exports and the CLI."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from meddiag.cli import build_parser, main
from meddiag.orchestrator import Consultation, ConsultationConfig
from meddiag.schema import Turn
from meddiag.sessions import SessionError, SessionStore, export, transcript_markdown

from patients import ListPatient  # noqa: E402

ANSWERS = ["I have had a cough and fever for 3 days", "yes", "no", "yes", "no"]


@pytest.fixture(scope="module")
def recorded(graph, tmp_path_factory):
    """A real consultation recorded event by event into a store on disk."""
    store = SessionStore(tmp_path_factory.mktemp("home") / "sessions.db")
    info = store.create("patient", "scripted", 4)
    consultation = Consultation(ConsultationConfig(max_turns=4), graph=graph)

    async def go():
        return [e async for e in consultation.run(ListPatient(ANSWERS))]

    events = asyncio.run(go())
    for e in events:
        store.add_event(info.id, e)
    return store, info.id, consultation, events


def test_a_recorded_consultation_round_trips(recorded):
    store, sid, consultation, events = recorded
    record = store.load(sid)
    assert [(t.index, t.role, t.text) for t in record.turns] == \
        [(t.index, t.role, t.text) for t in consultation.transcript]
    assert record.info.status == "finished" and record.info.turns == len(consultation.transcript)
    assert record.info.title == ANSWERS[0]
    assert record.differential == consultation.differential
    assert record.state.findings == consultation.state.findings
    assert not any(e.type == "utterance" for e in record.events), "turns live in their own table"


def test_the_database_is_in_wal_mode_and_readable_by_a_second_connection(recorded):
    store, sid, consultation, _ = recorded
    other = sqlite3.connect(store.path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT COUNT(*) FROM turns WHERE session_id = ?", (sid,)).fetchone()[0] == \
        len(consultation.transcript)


def test_ids_resolve_by_unique_prefix_and_bad_ids_are_one_line_errors(tmp_path):
    store = SessionStore(tmp_path / "s.db")
    a = store.create("patient", "scripted", 3, session_id="abc111")
    store.create("patient", "scripted", 3, session_id="abc222")
    assert store.info("abc1").id == a.id
    with pytest.raises(SessionError, match="matches 2 sessions"):
        store.info("abc")
    with pytest.raises(SessionError, match="no session 'zzz'"):
        store.info("zzz")
    store.add_turn(a.id, Turn(index=0, role="doctor", text="Hello?"))
    store.add_turn(a.id, Turn(index=0, role="doctor", text="Hello?"))  # a restored turn rewrites its row
    assert len(store.turns(a.id)) == 1


def test_memory_store_keeps_nothing_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDDIAG_HOME", str(tmp_path))
    store = SessionStore.memory()
    store.add_turn(store.create("patient", "scripted", 3).id, Turn(index=0, role="doctor", text="Hi?"))
    assert list(tmp_path.iterdir()) == []


def test_exports(recorded):
    store, sid, consultation, _ = recorded
    record = store.load(sid)
    md = export(record, "md")
    assert md == transcript_markdown(record)
    assert f"# meddiag session {sid}" in md and "**Patient:** " + ANSWERS[0] in md
    lead = consultation.differential.leading
    assert f"| 1 | {lead.name} |" in md and (lead.icd10 or "-") in md
    data = json.loads(export(record, "json"))
    assert [t["text"] for t in data["turns"]] == [t.text for t in consultation.transcript]
    bundle = json.loads(export(record, "fhir"))
    assert bundle["resourceType"] == "Bundle"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert "Encounter" in kinds and "Condition" in kinds and "Observation" in kinds
    codes = [c["code"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"
             for c in e["resource"]["code"]["coding"]]
    from meddiag.tools.coding import coder

    assert codes and all(coder().is_valid(c) for c in codes)  # the coder's index of simple_icd_10_cm


def test_sessions_cli(recorded, monkeypatch, capsys, tmp_path):
    store, sid, consultation, _ = recorded
    monkeypatch.setenv("MEDDIAG_HOME", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    # point the CLI at the recorded database by copying it into the home folder
    dst = sqlite3.connect(tmp_path / "elsewhere" / "sessions.db")
    store.db.backup(dst)
    dst.close()
    assert main(["sessions", "list"]) == 0
    out = capsys.readouterr().out
    assert sid in out and "finished" in out
    assert main(["sessions", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == sid
    assert main(["sessions", "show", sid[:6]]) == 0
    assert consultation.transcript[0].text in capsys.readouterr().out
    target = tmp_path / "out.json"
    assert main(["sessions", "export", sid, "--format", "fhir", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["type"] == "collection"
    capsys.readouterr()
    assert main(["sessions", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("meddiag: no session 'nope'") and err.count("\n") == 1


def test_chat_arguments_are_checked(capsys):
    parser = build_parser()
    args = parser.parse_args(["chat", "--as", "doctor", "--plain", "--model", "scripted", "--no-log"])
    assert args.role == "doctor" and args.no_log
    assert main(["chat", "--as", "doctor", "--plain", "--model", "scripted", "--no-log"]) == 2
    assert "needs --scenario" in capsys.readouterr().err
    assert main(["chat", "--plain", "--model", "nonsense:x", "--no-log"]) == 2
    assert "unknown model spec" in capsys.readouterr().err
