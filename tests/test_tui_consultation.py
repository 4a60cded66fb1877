"""Pilot tests: whole consultations in the TUI in each role, on the scripted model."""

from __future__ import annotations

import asyncio
import re

from textual.widgets import Button, Input, RichLog

from meddiag.sessions import SessionStore
from meddiag.tui.app import ChatApp
from meddiag.tui.driver import ChatOptions, ChatSession
from meddiag.tui.screens import HelpScreen, ModelProblemScreen, SettingsScreen
from meddiag.tui.widgets import Bubble, DifferentialPanel, EmergencyBanner, FindingsPanel

CHEST = "I have crushing chest pain going down my left arm and I'm sweating buckets."


async def settle(app, pilot, timeout: float = 30.0) -> None:
    """Wait until the consultation waits for the user again (or has finished)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    await pilot.pause()
    while not app.human.waiting.is_set() and app.finished is None:
        assert loop.time() < end, "the consultation did not come back to the user"
        await pilot.pause(0.02)
    await pilot.pause()


async def background(app, pilot) -> None:
    """Answer the questions that open every history (the story, other conditions, medicines, habits)."""
    for text in ("It started three days ago, nothing else", "No, I'm usually well", "No medicines and no allergies", "I don't smoke"):
        await say(app, pilot, text)


async def say(app, pilot, text: str, keys: bool = False) -> None:
    """Answer in the answer box: key by key, or pasted whole (faster)."""
    box = app.query_one("#answer", Input)
    box.focus()
    if keys:
        await pilot.press(*text)
    else:
        box.value = text
    assert box.value == text
    await pilot.press("enter")
    await settle(app, pilot)


def bubbles(app) -> list[tuple[str, str]]:
    return [(b.turn.role, b.turn.text) for b in app.query(Bubble)]


def trace_lines(app) -> list[str]:
    return ["".join(seg.text for seg in strip) for strip in app.query_one("#trace-log", RichLog).lines]


def make_app(graph, store=None, model=None, reveal=0.0, **options) -> ChatApp:
    session = ChatSession(ChatOptions(model="scripted", **options), store or SessionStore.memory(), graph=graph)
    return ChatApp(session, model=model, reveal=reveal)


def test_the_patient_role_interviews_the_user_and_the_differential_moves(graph):
    store = SessionStore.memory()
    app = make_app(graph, store, max_turns=4)

    async def go():
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(app, pilot)
            assert bubbles(app)[0][0] == "doctor" and "What brings you in" in bubbles(app)[0][1]
            await say(app, pilot, "I have had a cough and fever for 3 days", keys=True)
            table = app.query_one(DifferentialPanel)
            first = [(h.name, round(h.probability, 3)) for h in table.hypotheses]
            assert first and table.row_count == len(first)
            assert "Cough" in str(app.query_one(FindingsPanel).render())
            await background(app, pilot)
            await say(app, pilot, "yes")
            await say(app, pilot, "no, not at all")
            later = [(h.name, round(h.probability, 3)) for h in table.hypotheses]
            assert later != first, "the differential panel changes as answers come in"
            said = bubbles(app)
            assert [r for r, _ in said[:12]] == ["doctor", "patient"] * 6
            assert said[1][1] == "I have had a cough and fever for 3 days"
            assert all(t.endswith("?") for r, t in said if r == "doctor")  # questions, one per turn
            assert not app.query_one(EmergencyBanner).display
            await pilot.press("f8")  # the patient leaves
            await settle(app, pilot)
            assert app.finished is not None and app.finished.reason == "patient_left"
            assert "Finished" in str(app.query_one("#status").render())
        return said

    said = asyncio.run(go())
    record = store.load(app.session.info.id)
    assert record.info.status == "finished"
    assert [(t.role, t.text) for t in record.turns] == said, "every shown turn is stored"


def test_a_red_flag_answer_raises_the_emergency_banner(graph):
    app = make_app(graph)

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert not app.query_one(EmergencyBanner).display
            await say(app, pilot, CHEST)
            banner = app.query_one(EmergencyBanner)
            assert banner.display and banner.has_class("-emergency")
            assert "EMERGENCY" in str(banner.render())
            assert app.finished is not None and app.finished.reason == "escalated"
            last = bubbles(app)[-1]
            assert last[0] == "doctor" and re.search(r"999|911|112|emergency", last[1], re.I)
            assert "EMERGENCY" in str(app.query_one("#safety").render())

    asyncio.run(go())


def test_replies_appear_word_by_word_and_only_critic_approved_text_is_shown(graph):
    finals = []
    app = make_app(graph, reveal=0.04, max_turns=3)
    original = app.show

    def spy(event):
        if event.type == "verdict":
            finals.append(event.final)
        original(event)

    app.show = spy

    async def go():
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            greeting = app.query(Bubble).first()
            seen = set()
            while not greeting.complete:
                seen.add(str(greeting.render()))
                await pilot.pause(0.01)
            full = greeting.turn.text
            assert str(greeting.render()) == full
            partial = {t for t in seen if t and t != full}
            assert partial and all(full.startswith(t) for t in partial), "the reply streams in, in order"
            await say(app, pilot, "I have had a cough and fever for 3 days")
            await background(app, pilot)
            await pilot.press("f3")
            await pilot.pause(0.3)
            assert app.query_one("#trace").display
            lines = trace_lines(app)
            assert any("safety_critic → orchestrator: approved" in line for line in lines)
            assert any("kg_reasoner → history_taker: ask about" in line for line in lines)
            return [t for r, t in bubbles(app) if r == "doctor"]

    doctor = asyncio.run(go())
    assert len(doctor) >= 2 and all(text in finals for text in doctor), "only critic-approved text is shown"


def test_doctor_role_osce_practice_ends_with_feedback(graph):
    store = SessionStore.memory()
    app = make_app(graph, store, role="doctor", scenario="community-acquired-pneumonia")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert bubbles(app)[0][0] == "system" and "OSCE" in bubbles(app)[0][1]
            await say(app, pilot, "What brings you in today?")
            assert bubbles(app)[-1] == ("patient", "I'm 67 and I've had a bad cough and a fever for three days now.")
            table = app.query_one(DifferentialPanel)
            first = [h.name for h in table.hypotheses]
            await say(app, pilot, "Are you coughing anything up?")
            assert "phlegm" in bubbles(app)[-1][1]
            await say(app, pilot, "/exam")
            assert bubbles(app)[-1][0] == "examiner" and "crackles" in bubbles(app)[-1][1]
            await say(app, pilot, "/test chest x-ray")
            assert "consolidation" in bubbles(app)[-1][1]
            assert [h.name for h in table.hypotheses] != first
            await say(app, pilot, "/dx community acquired pneumonia")
            assert app.finished is not None
            feedback = bubbles(app)[-1]
            assert feedback[0] == "system" and "The answer: Community-acquired pneumonia" in feedback[1]
            assert "is correct" in feedback[1] and "History you did not elicit" in feedback[1]
            assert app.query_one("#answer", Input).disabled

    asyncio.run(go())
    assert store.load(app.session.info.id).info.final_diagnosis == "community acquired pneumonia"


def test_watch_role_plays_a_whole_consultation(graph):
    app = make_app(graph, role="watch", scenario="community-acquired-pneumonia", max_turns=4)

    async def go():
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            assert app.finished is not None and app.finished.reason in ("confident", "turn_budget")
            roles = [r for r, _ in bubbles(app)]
            assert roles[:2] == ["doctor", "patient"] and "examiner" in roles and roles[-1] == "doctor"
            assert app.query_one(DifferentialPanel).hypotheses
            assert app.query_one("#answer", Input).disabled

    asyncio.run(go())


def test_help_settings_theme_and_an_unloadable_model(graph, tmp_path):
    app = make_app(graph, max_turns=5)
    app.session.options = app.session.options.model_copy(update={"model": f"gguf:{tmp_path}/missing.gguf"})

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            assert isinstance(app.screen, ModelProblemScreen), "a notice, not a crash"
            assert "missing.gguf" in str(app.screen.query_one("#problem").render())
            await pilot.click("#scripted")
            await settle(app, pilot)
            assert app.session.options.model == "scripted" and bubbles(app)
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            dark = app.theme
            await pilot.press("f4")
            assert app.theme != dark
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, SettingsScreen)
            turns = app.screen.query_one("#max-turns", Input)
            turns.value = "2"
            app.screen.query_one("#apply", Button).press()
            await pilot.pause()
            assert app.session.options.max_turns == 2 and app.session.engine.config.max_turns == 2
            await say(app, pilot, "I have had a cough and fever for 3 days")
            await background(app, pilot)
            await say(app, pilot, "yes")
            await say(app, pilot, "no")
            assert app.finished is not None and app.finished.reason == "turn_budget"

    asyncio.run(go())


def test_quit_mid_consultation_and_resume_in_the_tui(graph, tmp_path):
    store = SessionStore(tmp_path / "sessions.db")
    first = make_app(graph, store, max_turns=4)

    async def quit_early():
        async with first.run_test(size=(80, 24)) as pilot:
            await settle(first, pilot)
            await say(first, pilot, "I have had a cough and fever for 3 days")
            await say(first, pilot, "yes")
            shown = bubbles(first)
            await pilot.press("ctrl+q")
        return shown

    shown = asyncio.run(quit_early())
    sid = first.session.info.id
    assert store.info(sid).status == "active"
    session = ChatSession(ChatOptions(resume=sid[:6]), store, graph=graph)
    assert session.options.model == "scripted" and session.options.max_turns == 4
    again = ChatApp(session, reveal=0.0)

    async def resume():
        async with again.run_test(size=(80, 24)) as pilot:
            await settle(again, pilot)
            assert bubbles(again)[: len(shown)] == shown, "every turn before the quit is back"
            assert again.query_one(DifferentialPanel).hypotheses
            await say(again, pilot, "no")
            await pilot.press("f8")
            await settle(again, pilot)
            return bubbles(again)

    after = asyncio.run(resume())
    assert after[len(shown)] == ("patient", "no"), "it continues with the question left open"
    record = store.load(sid)
    assert record.info.status == "finished" and [(t.role, t.text) for t in record.turns] == after
