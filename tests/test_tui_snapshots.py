"""SVG snapshots of the consultation room at 80x24 and 120x40 (baselines in __snapshots__/).

The screen is fed a recorded consultation (``data/tui/chat_*.jsonl``: the events of
a real scripted run, recorded once) so a change in the knowledge graph's numbers does
not move the pictures; the live path is covered by the Pilot tests. Delete a recording
to record it again. Each baseline was converted to PNG and looked at before it was
accepted; update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from meddiag.models import ScriptedClient
from meddiag.orchestrator import Consultation, ConsultationConfig
from meddiag.schema import EventAdapter, Finished
from meddiag.sessions import SessionStore
from meddiag.tui.app import ChatApp
from meddiag.tui.driver import ChatOptions, ChatSession
from meddiag.tui.practice import Practice
from textual.widgets import Input

RECORDINGS = Path(__file__).parent / "data" / "tui"
ANSWERS = ["I have had a cough and fever for 3 days", "yes", "no, not really"]
CHEST = "I have crushing chest pain going down my left arm and I'm sweating buckets."
OSCE = ["What brings you in today?", "Are you short of breath?", "/exam"]


class Exhausted(Exception):
    """The recorded user has nothing more to say: the recording stops here, waiting for them."""


class Lines:
    def __init__(self, lines):
        self.lines = list(lines)

    async def reply(self, utterance=""):
        if not self.lines:
            raise Exhausted
        return self.lines.pop(0)

    ask = reply


def recording(name: str, graph, engine, lines) -> list:
    """The events of a real run, recorded to a file the first time."""
    path = RECORDINGS / f"chat_{name}.jsonl"
    if not path.exists():
        async def go():
            out = []
            try:
                async for e in engine.run(Lines(lines)):
                    out.append(e)
            except Exhausted:
                pass
            return out

        events = asyncio.run(go())
        path.write_text("".join(e.model_dump_json() + "\n" for e in events), encoding="utf-8")
    return [EventAdapter.validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]


def app_for(graph, events, **options) -> ChatApp:
    session = ChatSession(ChatOptions(model="scripted", **options), SessionStore.memory(), graph=graph,
                          session_id="3f9c2a71d0e4")

    async def replay(model, human):
        for e in events:
            yield e
        if not isinstance(events[-1], Finished):
            await human.ask()

    session.start = replay
    return ChatApp(session, reveal=0.0)


def patient_events(graph, answers, name):
    consultation = Consultation(ConsultationConfig(max_turns=12), model=ScriptedClient(), graph=graph)
    return recording(name, graph, consultation, answers)


def settled(keys: tuple[str, ...] = ()):
    async def run_before(pilot) -> None:
        app = pilot.app
        for _ in range(500):
            await pilot.pause(0.02)
            if app.human.waiting.is_set() or app.finished is not None:
                break
        if keys:
            await pilot.press(*keys)
        for field in app.query(Input):  # a blinking cursor makes the picture depend on timing
            field.cursor_blink = False
        await pilot.pause(0.2)

    return run_before


def test_main_screen_80x24(snap_compare, graph):
    app = app_for(graph, patient_events(graph, ANSWERS, "patient"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_main_screen_120x40(snap_compare, graph):
    app = app_for(graph, patient_events(graph, ANSWERS, "patient"))
    assert snap_compare(app, terminal_size=(120, 40), run_before=settled())


def test_emergency_banner_80x24(snap_compare, graph):
    app = app_for(graph, patient_events(graph, [CHEST], "emergency"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled())


def test_osce_practice_with_the_trace_120x40(snap_compare, graph):
    from meddiag.simulation.case import load_scenario

    practice = Practice(load_scenario("community-acquired-pneumonia"), graph)
    events = recording("osce", graph, practice, OSCE)
    app = app_for(graph, events, role="doctor", scenario="community-acquired-pneumonia")
    assert snap_compare(app, terminal_size=(120, 40), run_before=settled(keys=("f3",)))
