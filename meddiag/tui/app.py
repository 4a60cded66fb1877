"""The consultation room: a Textual app that shows a chat session's events as they happen.

The consultation runs in a worker on the app's event loop; every event is committed to
the session store by :class:`ChatSession` before the app sees it, then routed to the
widget that shows it. The user's side is :class:`ScreenHuman`: the answer box feeds a
queue that the consultation awaits.
"""

from __future__ import annotations

import asyncio

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Input, Static, TabbedContent, TabPane

from meddiag.models import ScriptedClient
from meddiag.schema import (
    AgentMessage,
    CaseState,
    CriticVerdict,
    DifferentialUpdated,
    Fallback,
    FindingsUpdated,
    Finished,
    PhaseChanged,
    QuestionChosen,
    RedFlagRaised,
    Started,
    TestResult,
    TokenDelta,
    Turn,
    Utterance,
)
from meddiag.tui.driver import ChatSession, load_model_or_problem
from meddiag.tui.screens import HelpScreen, ModelProblemScreen, Settings, SettingsScreen
from meddiag.tui.widgets import (
    Conversation,
    DifferentialPanel,
    EmergencyBanner,
    EvidencePanel,
    FindingsPanel,
    SafetyPanel,
    TracePanel,
)

TITLES = {"patient": "you are the patient", "doctor": "OSCE practice: you are the doctor",
          "watch": "watching a simulated consultation"}
PROMPTS = {"patient": "Type your answer and press Enter", "doctor": "Ask the patient, or /exam, /test NAME, /dx NAME",
           "watch": "Watching — F8 stops"}


class ScreenHuman:
    """The user's side: lines typed in the answer box, awaited by the consultation."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.waiting = asyncio.Event()  # set while the consultation waits for the user

    async def ask(self) -> str | None:
        self.waiting.set()
        try:
            return await self.lines.get()
        finally:
            self.waiting.clear()

    async def reply(self, utterance: str) -> str | None:
        return await self.ask()


class ChatApp(App[int]):
    CSS_PATH = "chat.tcss"
    TITLE = "meddiag"
    AUTO_FOCUS = "#answer"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f2", "settings", "Settings"),
        Binding("f3", "toggle_trace", "Trace"),
        Binding("f4", "toggle_theme", "Theme"),
        Binding("f8", "end", "End"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, session: ChatSession, model=None, reveal: float = 0.02) -> None:
        """``model``: an already loaded client (by default the session's model spec is loaded here);
        ``reveal``: seconds per word when a doctor turn appears (0 shows it at once)."""
        super().__init__()
        self.reveal = reveal
        self.session = session
        self.model = model
        self.human = ScreenHuman()
        self.finished: Finished | None = None
        self.questions = 0
        self._draft: list[str] = []
        self._warned = False
        role = session.options.role
        self.sub_title = f"{TITLES[role]} · {session.info.id}"

    def compose(self) -> ComposeResult:
        role = self.session.options.role
        yield Header(icon="✚")
        yield EmergencyBanner(id="banner")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Conversation(role, self.reveal, id="conversation")
                yield Static("", id="status")
                yield Input(placeholder=PROMPTS[role], id="answer", disabled=role == "watch")
            with Vertical(id="side"):
                yield DifferentialPanel(id="differential")
                with TabbedContent(id="tabs"):
                    with TabPane("Findings", id="tab-findings"):
                        yield FindingsPanel(id="findings")
                    with TabPane("Evidence", id="tab-evidence"):
                        yield EvidencePanel(id="evidence")
                    with TabPane("Safety", id="tab-safety"):
                        yield SafetyPanel(id="safety")
        yield TracePanel(id="trace")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FindingsPanel).show(CaseState())
        self.query_one(EvidencePanel).show(None)
        self.status("Starting…")
        self.consult()

    # ----------------------------------------------------------------- the consultation

    @work(exclusive=True, group="consultation")
    async def consult(self) -> None:
        model = self.model
        if model is None and self.session.options.model != "scripted":
            self.status(f"Loading model {self.session.options.model}…")
            model, problem = await asyncio.to_thread(load_model_or_problem, self.session.options.model,
                                                     self.session.options.threads)
            if problem:
                if not await self.push_screen_wait(ModelProblemScreen(problem)):
                    self.exit(2)
                    return
                self.session.use_model("scripted", None)
                self.notify("Continuing on the scripted model (no language model).")
        async for event in self.session.start(model, self.human):
            self.show(event)
        self.query_one("#answer", Input).disabled = True

    def show(self, event) -> None:
        """Route one (already stored) event to the widget that shows it."""
        conversation = self.query_one(Conversation)
        trace = self.query_one(TracePanel)
        if isinstance(event, Utterance):
            if self.session.options.role == "doctor" and event.turn.role == "patient":
                self.questions += 1  # the user's questions, in OSCE practice
            self._draft.clear()
            trace.draft("")
            conversation.add(event.turn, live=event.turn.index >= len(self.session.resumed))
        elif isinstance(event, TokenDelta):
            self._draft.append(event.text)
            trace.draft("".join(self._draft))
            conversation.typing(f"meddiag is writing… ({len(self._draft)} tokens drafted, awaiting safety review)")
        elif isinstance(event, QuestionChosen):
            self.questions += event.question.kind == "history"
            q = event.question
            trace.log_line("kg_reasoner", "history_taker", f"ask about {q.label} ({q.kind}, gain {q.gain:.2f} bits)")
            if q.kind == "history":
                conversation.typing("meddiag is choosing its words…")
        elif isinstance(event, DifferentialUpdated):
            self.query_one(DifferentialPanel).show(event.differential)
        elif isinstance(event, FindingsUpdated):
            self.query_one(FindingsPanel).show(event.state)
        elif isinstance(event, CriticVerdict):
            trace.log_line("history_taker" if self._draft else "orchestrator", "safety_critic", f"draft: {event.draft}")
            self.query_one(SafetyPanel).add_verdict(event)
            what = "approved" if event.approved else "changed: " + "; ".join(event.reasons)
            trace.log_line("safety_critic", "orchestrator", what)
        elif isinstance(event, RedFlagRaised):
            self.query_one(EmergencyBanner).raise_flag(event.flag)
            self.query_one(SafetyPanel).add_flag(event.flag)
            trace.log_line("safety_critic", "orchestrator", f"{event.flag.level} red flag: {event.flag.rule}")
            if event.flag.level != "routine":
                self.bell()
        elif isinstance(event, AgentMessage):
            trace.log_line(event.sender, event.recipient, event.content)
        elif isinstance(event, TestResult):
            trace.log_line("examiner", "orchestrator", f"{event.name}: {event.result}")
            if self.session.options.role == "watch":
                conversation.add(Turn(index=-1, role="examiner", text=f"{event.name}: {event.result}"))
        elif isinstance(event, Fallback):
            trace.log_line(event.agent, "orchestrator", f"fallback ({event.kind}): {event.reason}")
            if event.kind == "error" and not self._warned:
                self._warned = True
                self.model_problem(f"{self.session.options.model}: {event.agent}: {event.reason}")
        elif isinstance(event, PhaseChanged):
            trace.log_line("orchestrator", "team", f"phase: {event.phase}")
        elif isinstance(event, Started):
            trace.log_line("orchestrator", "team", f"consultation {event.consultation_id} on {event.model}")
        elif isinstance(event, Finished):
            self.finished = event
            conversation.typing("")
            hint = f" · meddiag sessions show {self.session.info.id}" if self.session.persistent else ""
            self.status(f"Finished ({event.reason.replace('_', ' ')}){hint}")
            return
        if self.finished is None:
            self.status(self._progress(event))

    def _progress(self, event) -> str:
        phase = event.phase if isinstance(event, PhaseChanged) else None
        if phase:
            self._phase = phase
        return (f"{getattr(self, '_phase', 'intake')} · question {self.questions}/{self.session.options.max_turns}"
                f" · {self.session.options.model}")

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    @work(group="model")
    async def model_problem(self, problem: str) -> None:
        if await self.push_screen_wait(ModelProblemScreen(f"The model failed: {problem}", keep_label="Keep trying")):
            self.session.use_model("scripted", ScriptedClient())
            self.notify("Continuing on the scripted model.")

    # ----------------------------------------------------------------- input and actions

    @on(Input.Submitted, "#answer")
    def answer(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text and self.finished is None:
            self.human.lines.put_nowait(text)
            event.input.value = ""

    @on(DifferentialPanel.Selected)
    def select(self, event: DifferentialPanel.Selected) -> None:
        graph = self.session.graph

        def label(node: str) -> str:
            try:
                return graph.label(node)
            except KeyError:
                return node

        self.query_one(EvidencePanel).show(event.hypothesis, label)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_trace(self) -> None:
        self.query_one(TracePanel).toggle_class("-shown")

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme != "textual-light" else "textual-dark"

    def action_end(self) -> None:
        if self.finished is None:
            if self.session.options.role == "watch":
                self.workers.cancel_group(self, "consultation")
                self.status(f"Stopped · resume: meddiag chat --resume {self.session.info.id}")
            else:
                self.human.lines.put_nowait(None)

    @work(group="settings")
    async def action_settings(self) -> None:
        o = self.session.options
        chosen = await self.push_screen_wait(SettingsScreen(Settings(model=o.model, max_turns=o.max_turns)))
        if chosen is None:
            return
        if chosen.max_turns != o.max_turns:
            self.session.set_max_turns(chosen.max_turns)
        if chosen.model != o.model:
            model, problem = await asyncio.to_thread(load_model_or_problem_safe, chosen.model, o.threads)
            if problem:
                self.notify(problem, severity="error")
            else:
                self.session.use_model(chosen.model, model)
                self.notify(f"Model: {chosen.model}")
        self.status(self._progress(None))


def load_model_or_problem_safe(spec: str, threads: int | None):
    """Like ``load_model_or_problem`` but a bad spec is a problem too (it was typed in a form)."""
    try:
        return load_model_or_problem(spec, threads)
    except ValueError as exc:
        return None, str(exc)
