"""The consultation: a deterministic state machine over the agents that yields events.

    async for event in Consultation(config).run(patient):
        ...

Phases run in a fixed order — intake, history, examination (when the patient side can
be examined), differential, critique, closing. The history opens with what every
clinician asks (the story of the complaint, other conditions, medicines and allergies, habits:
``BACKGROUND``); the
knowledge graph chooses every question after that; models only phrase and explain. Each
outgoing doctor message goes through the safety critic and is delivered only as the critic's sealed :class:`ApprovedMessage`.
The consultation stops on confidence, on the turn budget, on an emergency (when so
configured) or when the patient leaves. ``patient`` is anything with
``async reply(utterance) -> str | None``; an optional ``async examine(request) -> str |
None`` lets the team ask for examination findings and test results.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import AsyncIterator, Protocol, runtime_checkable

from autogen_core.models import ChatCompletionClient
from pydantic import BaseModel, Field

from meddiag.agents.ddx_proposer import DdxProposer, DdxRequest
from meddiag.agents.history_taker import AskRequest, Draft, HistoryTaker
from meddiag.agents.kg_reasoner import KGReasoner, ReasonRequest, ReasonResult
from meddiag.agents.safety_critic import ApprovedMessage, CritiqueRequest, SafetyCritic, SafetyGateError
from meddiag.safety.injection import neutralise
from meddiag.schema import (
    AgentMessage,
    CaseState,
    CriticVerdict,
    Differential,
    DifferentialUpdated,
    Event,
    Fallback,
    FindingsUpdated,
    Finished,
    PhaseChanged,
    Question,
    QuestionChosen,
    RedFlag,
    RedFlagRaised,
    Source,
    Started,
    TestResult,
    Turn,
    Utterance,
)

GREETING = ("Hello, I'm meddiag, a diagnostic assistant (not a doctor). "
            "I'll ask you some questions. What brings you in today?")
EXAM_REQUEST = "general physical examination and vital signs"
# what every history asks after the presenting complaint, once each: the story of it, then the background
BACKGROUND = ("Tell me more about it: when did it start, and have you noticed anything else?",
              "Do you have any other medical conditions, or have you had any operations?",
              "Do you take any medicines, and do you have any allergies?",
              "Do you smoke, drink alcohol or use any recreational drugs?")


@runtime_checkable
class Patient(Protocol):
    async def reply(self, utterance: str) -> str | None: ...


class ConsultationConfig(BaseModel):
    model: str = "scripted"  # a model spec (see meddiag.models); ignored when a client is injected
    max_turns: int = Field(12, ge=1, le=200)  # history questions at most
    max_tests: int = Field(5, ge=0, le=50)  # investigations ordered after the general examination
    min_turns: int = Field(3, ge=0)  # history questions before confidence may stop the interview
    confidence: float = Field(0.85, gt=0.0, le=1.0)
    stop_on_emergency: bool = True
    top: int = Field(10, ge=1, le=50)  # size of the differential reported
    n_threads: int | None = None
    model_timeout: float = 120.0


class Consultation:
    """One consultation. Inject ``model`` (a ChatCompletionClient) and ``graph`` to share them."""

    def __init__(self, config: ConsultationConfig | None = None, *, model: ChatCompletionClient | None = None,
                 graph=None) -> None:
        self.config = config or ConsultationConfig()
        self.id = uuid.uuid4().hex[:12]
        if graph is None:
            from meddiag.knowledge.umls_graph import load_graph

            graph = load_graph()
        if model is None:
            from meddiag.models import load_model

            model = load_model(self.config.model, n_threads=self.config.n_threads)
        from meddiag.models import is_model_free

        self.model = model
        llm = None if is_model_free(model) else model
        self.graph = graph
        self.reasoner = KGReasoner(graph)
        self.taker = HistoryTaker(llm, timeout=self.config.model_timeout)
        self.proposer = DdxProposer(llm, timeout=self.config.model_timeout)
        self.critic = SafetyCritic()
        self.state = CaseState()
        self.transcript: list[Turn] = []
        self.differential = Differential()
        self.flags: list[RedFlag] = []
        self._announced: set[str] = set()  # rules whose escalation advice was already given
        self.tokens = 0
        self._queue: asyncio.Queue[Event | BaseException | None] = asyncio.Queue()
        self._replay: list[Turn] = []  # stored turns still to restore when resuming
        self._brief = ""

    # ----------------------------------------------------------------- public

    async def run(self, patient: Patient, resume: list[Turn] | None = None, brief: str = "") -> AsyncIterator[Event]:
        """Run the consultation to its end, yielding every event as it happens.

        ``brief`` is what the doctor team is told before it meets the patient (a referral
        line such as "a 32-year-old woman with urinary symptoms"); it is read like intake
        notes, never shown to the patient.

        ``resume`` is the stored transcript of an interrupted consultation: its answered
        questions are restored as they were (no model call, nothing sent to the patient),
        each stored answer is re-read through the reasoner to rebuild the case state, and
        the consultation goes on live from the first question left unanswered.
        """
        self._replay = [t for t in resume or [] if t.role in ("doctor", "patient")]
        self._brief = brief
        driver = asyncio.ensure_future(self._drive(patient))
        try:
            while True:
                item = await self._queue.get()
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            if not driver.done():
                driver.cancel()
                try:
                    await driver
                except (asyncio.CancelledError, Exception):
                    pass

    # ----------------------------------------------------------------- plumbing

    def _emit(self, event: Event) -> None:
        self._queue.put_nowait(event)

    def _turn(self, role, text: str) -> Turn:
        turn = Turn(index=len(self.transcript), role=role, text=text)
        self.transcript.append(turn)
        self._emit(Utterance(turn=turn))
        return turn

    def _account(self, agent: str, result) -> None:
        self.tokens += result.tokens
        if result.fallback:
            self._emit(Fallback(agent=agent, reason=result.fallback, kind=result.fallback_kind))

    async def _say(self, draft: str, kind: str, patient_text: str = "") -> ApprovedMessage:
        """Have the critic review a draft. A red flag is escalated in the first message after
        it fires and again at the close, not repeated in every question."""
        closing = kind in ("closing", "escalation")
        flags = self.flags if closing else [f for f in self.flags if f.rule not in self._announced]
        verdict = await self.critic.ask(CritiqueRequest(draft=draft, patient_text=patient_text,
                                                        flags=flags, kind=kind))
        self._announced.update(f.rule for f in flags)
        self._emit(CriticVerdict(approved=verdict.approved, draft=draft, final=verdict.final,
                                 reasons=verdict.reasons))
        return verdict.message

    def _deliver(self, message: ApprovedMessage) -> str:
        """The only way text reaches the patient: a verified critic seal."""
        if not isinstance(message, ApprovedMessage):
            raise SafetyGateError("refusing to send a message the safety critic did not approve")
        message.verify()
        self._turn("doctor", message.text)
        return message.text

    def use_model(self, model: ChatCompletionClient) -> None:
        """Switch the model for the rest of the consultation (e.g. to ``scripted`` when a server is down)."""
        from meddiag.models import is_model_free

        self.model = model
        self.taker.model = self.proposer.model = None if is_model_free(model) else model

    def _replayed_draft(self, question: Question) -> Draft | None:
        """When resuming, the stored wording of the next question instead of a new draft."""
        if self._replay and self._replay[0].role == "doctor":
            return Draft(text=self._replay[0].text, question=question)
        return None

    def _restore(self) -> str | None:
        """When resuming, restore a stored question and its answer; None when it was never answered."""
        if len(self._replay) < 2 or self._replay[0].role != "doctor" or self._replay[1].role != "patient":
            self._replay.clear()  # an unanswered question (or the closing) is said again, through the gate
            return None
        for stored in self._replay[:2]:
            turn = stored.model_copy(update={"index": len(self.transcript)})
            self.transcript.append(turn)
            self._emit(Utterance(turn=turn))
        del self._replay[:2]
        return self.transcript[-1].text

    async def _exchange(self, patient: Patient, message: ApprovedMessage) -> str | None:
        restored = self._restore() if self._replay else None
        if restored is not None:
            return restored
        text = self._deliver(message)
        answer = await patient.reply(text)
        if answer is not None:
            self._turn("patient", answer)
        return answer

    async def _absorb(self, text: str, source: Source, asked: Question | None,
                      kinds=("history",)) -> ReasonResult:
        """Red-flag screen and graph reasoning over one piece of incoming text."""
        screen = self.critic.screen(text, self.state)
        for flag in screen.flags:
            if all(flag.rule != f.rule for f in self.flags):
                self.flags.append(flag)
                self._emit(RedFlagRaised(flag=flag))
        result = await self.reasoner.ask(ReasonRequest(state=self.state, text=text, source=source,
                                                       turn=len(self.transcript), asked=asked,
                                                       question_kinds=kinds, top=self.config.top))
        self.state = result.state
        if result.new:
            self._emit(FindingsUpdated(new=result.new, state=self.state))
            self._emit(AgentMessage(sender="kg_reasoner", recipient="orchestrator", content="; ".join(result.trace)))
        self.differential = result.differential
        self._emit(DifferentialUpdated(differential=self.differential))
        return result

    def _emergency(self) -> RedFlag | None:
        return next((f for f in self.flags if f.level == "emergency"), None)

    # ----------------------------------------------------------------- the state machine

    async def _drive(self, patient: Patient) -> None:
        try:
            await self._consult(patient)
        except BaseException as exc:  # hand the failure to the consumer, then stop
            self._queue.put_nowait(exc)
        finally:
            self._queue.put_nowait(None)

    async def _consult(self, patient: Patient) -> None:
        cfg, started = self.config, time.perf_counter()
        model_name = cfg.model if isinstance(cfg.model, str) else str(cfg.model)
        self._emit(Started(consultation_id=self.id, model=model_name, max_turns=cfg.max_turns))

        self._emit(PhaseChanged(phase="intake"))
        if self._brief:
            await self._absorb(self._brief, "intake", None)
        answer = await self._exchange(patient, await self._say(GREETING, "greeting"))
        reason = "patient_left" if answer is None else "turn_budget"
        last = ""
        if answer is not None:
            self.state.chief_complaint = answer.strip()[:200]
            last = neutralise(answer).text
            result = await self._absorb(answer, "patient", None)

            self._emit(PhaseChanged(phase="history"))
            for text in BACKGROUND:
                if self._emergency() and cfg.stop_on_emergency:
                    break
                answer = await self._exchange(patient, await self._say(text, "question", last))
                if answer is None:
                    break
                last = neutralise(answer).text
                result = await self._absorb(answer, "patient", None)
            reason = "patient_left" if answer is None else reason
            asked = 0
            while answer is not None:
                if self._emergency() and cfg.stop_on_emergency:
                    reason = "escalated"
                    break
                lead = self.differential.leading
                if asked >= cfg.min_turns and lead is not None and lead.probability >= cfg.confidence:
                    reason = "confident"
                    break
                if asked >= cfg.max_turns or not result.questions:
                    reason = "turn_budget"
                    break
                question = result.questions[0]
                self._emit(QuestionChosen(question=question, alternatives=result.questions[1:]))
                draft = self._replayed_draft(question) or await self.taker.ask(AskRequest(
                    question=question, last_patient=last, lay_label=self.graph.lay_label(question.finding_id)))
                self._account("history_taker", draft)
                self.state.asked.append(question.finding_id)
                answer = await self._exchange(patient, await self._say(draft.text, "question", last))
                asked += 1
                if answer is None:
                    reason = "patient_left"
                    break
                last = neutralise(answer).text
                result = await self._absorb(answer, "patient", question)

            examine = getattr(patient, "examine", None)
            if reason not in ("patient_left", "escalated") and callable(examine):
                await self._examination(examine)

        self._emit(PhaseChanged(phase="differential"))
        ddx = await self.proposer.ask(DdxRequest(differential=self.differential, state=self.state))
        self._account("ddx_proposer", ddx)
        self.differential = ddx.differential
        self._emit(DifferentialUpdated(differential=self.differential))

        self._emit(PhaseChanged(phase="critique"))
        closing = await self._say(self._closing_text(), "escalation" if self._emergency() else "closing", last)
        self._emit(PhaseChanged(phase="closing"))
        if reason != "patient_left":
            self._deliver(closing)
        lead = self.differential.leading
        self._emit(Finished(reason=reason, differential=self.differential,
                            final_diagnosis=lead.name if lead else None,
                            turns=sum(t.role == "doctor" for t in self.transcript), tokens=self.tokens,
                            seconds=round(time.perf_counter() - started, 3)))

    async def _examination(self, examine) -> None:
        """A general examination first, then the investigations the graph finds most worth ordering, by name."""
        self._emit(PhaseChanged(phase="examination"))
        await self._request(examine, None)
        for _ in range(self.config.max_tests):
            test = self.graph.next_test(self.state, skip=self.state.tests_done)
            if test is None:
                break
            await self._request(examine, test)

    async def _request(self, examine, q: Question | None) -> None:
        label = EXAM_REQUEST if q is None else q.label
        self._emit(AgentMessage(sender="history_taker", recipient="examiner", content=f"request: {label}"))
        self.state.tests_done.append(label)
        if q is not None:
            self._emit(QuestionChosen(question=q))
            self.state.asked.append(q.finding_id)
        found = await examine(label)
        if found:
            self._emit(TestResult(name=label, result=found))
            await self._absorb(found, "exam" if q is None else "test", q, kinds=("exam", "test"))

    def _closing_text(self) -> str:
        names = [h.name for h in self.differential.top(3)]
        flag = self._emergency() or next((f for f in self.flags if f.level == "urgent"), None)
        text = "Thank you for answering my questions. "
        if names:
            text += ("From what you have told me, the possibilities I would want a doctor to consider are: "
                     + "; ".join(names) + ". This is not a diagnosis. ")
        if flag is not None:
            text += flag.advice or "Please seek medical help urgently."
        else:
            text += ("Please see a doctor, who can examine you and arrange any tests. "
                     "If you get worse or develop new symptoms, seek medical help sooner.")
        return text.strip()
