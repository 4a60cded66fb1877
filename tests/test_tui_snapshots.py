"""SVG snapshots of the consultation room at 80x24 and 120x40 (baselines in __snapshots__/).

Each baseline was converted to PNG and looked at before it was accepted. Update with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and look again.
"""

from __future__ import annotations

import asyncio


from meddiag.sessions import SessionStore
from meddiag.tui.app import ChatApp
from meddiag.tui.driver import ChatOptions, ChatSession

ANSWERS = ["I have had a cough and fever for 3 days", "yes", "no, not really"]
CHEST = "I have crushing chest pain going down my left arm and I'm sweating buckets."


def app_for(graph, **options) -> ChatApp:
    session = ChatSession(ChatOptions(model="scripted", **options), SessionStore.memory(), graph=graph,
                          session_id="3f9c2a71d0e4")
    return ChatApp(session, reveal=0.0)


def answering(*answers: str, keys: tuple[str, ...] = ()):
    async def run_before(pilot) -> None:
        app = pilot.app

        async def settle():
            await pilot.pause()
            for _ in range(1500):
                if app.human.waiting.is_set() or app.finished is not None:
                    break
                await asyncio.sleep(0.02)
            await pilot.pause()

        await settle()
        for text in answers:
            app.query_one("#answer").value = text
            await pilot.press("enter")
            await settle()
        if keys:
            await pilot.press(*keys)
        await pilot.pause(0.2)

    return run_before


def test_main_screen_80x24(snap_compare, graph):
    assert snap_compare(app_for(graph), terminal_size=(80, 24), run_before=answering(*ANSWERS))


def test_main_screen_120x40(snap_compare, graph):
    assert snap_compare(app_for(graph), terminal_size=(120, 40), run_before=answering(*ANSWERS))


def test_emergency_banner_80x24(snap_compare, graph):
    assert snap_compare(app_for(graph), terminal_size=(80, 24), run_before=answering(CHEST))


def test_osce_practice_with_the_trace_120x40(snap_compare, graph):
    app = app_for(graph, role="doctor", scenario="community-acquired-pneumonia")
    steps = answering("What brings you in today?", "Are you short of breath?", "/exam", keys=("f3",))
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps)
