"""OSCE practice: the user is the doctor, a simulated patient from a scenario answers.

``Practice(case, graph).run(trainee)`` yields the same typed events as a consultation,
so the chat screen, plain mode and the session store need nothing special. ``trainee``
is anything with ``async ask() -> str | None`` giving the doctor's next line: a
question for the patient, or a command — ``/exam`` (general examination), ``/test
NAME`` (a test or targeted examination), ``/dx DIAGNOSIS`` (commit to a diagnosis and
end), ``/end`` (end without one). Behind the scenes the knowledge graph reads every
answer, so the differential panel shows what the answers so far support. At the end
the scenario's answer is revealed with feedback on what was missed.
"""

from __future__ import annotations

import time
import uuid
from typing import AsyncIterator, Protocol

from meddiag.agents.kg_reasoner import KGReasoner, ReasonRequest
from meddiag.agents.safety_critic import SafetyCritic
from meddiag.schema import (
    AgentMessage,
    CaseState,
    Differential,
    DifferentialUpdated,
    Event,
    FindingsUpdated,
    Finished,
    PhaseChanged,
    RedFlag,
    RedFlagRaised,
    Source,
    Started,
    TestResult,
    Turn,
    Utterance,
)
from meddiag.simulation.case import Case
from meddiag.simulation.patient import SimulatedPatient

COMMANDS = "/exam (examine), /test NAME (order a test), /dx DIAGNOSIS (commit and finish), /end"


class Trainee(Protocol):
    async def ask(self) -> str | None: ...


class Practice:
    """One OSCE station: the user's questions, the scenario's patient, the graph watching."""

    def __init__(self, case: Case, graph, max_turns: int = 30) -> None:
        self.case = case
        self.graph = graph
        self.max_turns = max_turns
        self.id = uuid.uuid4().hex[:12]
        self.patient = SimulatedPatient(case, graph)
        self.reasoner = KGReasoner(graph)
        self.critic = SafetyCritic()
        self.state = CaseState()
        self.differential = Differential()
        self.flags: list[RedFlag] = []
        self.transcript: list[Turn] = []
        self._stored: list[Turn] = []

    async def run(self, trainee: Trainee, resume: list[Turn] | None = None) -> AsyncIterator[Event]:
        """Run the station; ``resume`` replays a stored transcript's doctor lines first."""
        started = time.perf_counter()
        self._stored = list(resume or [])
        replay = [t.text for t in self._stored if t.role == "doctor"]
        yield Started(consultation_id=self.id, model="scripted", max_turns=self.max_turns)
        yield PhaseChanged(phase="history")
        intro = f"OSCE station: {self.case.title or self.case.id}. {self.case.objective}".strip()
        for e in self._turn("system", f"{intro} You are the doctor: ask your questions. Commands: {COMMANDS}."):
            yield e
        questions, diagnosis, reason = 0, None, "patient_left"
        while True:
            if questions >= self.max_turns:
                reason = "turn_budget"
                break
            line = replay.pop(0) if replay else await trainee.ask()
            if line is None or line.strip().lower() in ("/end", "/quit"):
                break
            line = line.strip()
            if not line:
                continue
            command, _, rest = line.partition(" ")
            if command.lower() in ("/dx", "/diagnosis"):
                diagnosis, reason = rest.strip() or None, "confident"
                for e in self._turn("doctor", f"My diagnosis: {diagnosis or 'none'}"):
                    yield e
                break
            if command.lower() in ("/exam", "/test"):
                request = "general physical examination and vital signs" if command.lower() == "/exam" else rest
                if not request.strip():
                    continue
                for e in self._turn("doctor", f"Request: {request.strip()}"):
                    yield e
                self.state.tests_done.append(request.strip())
                result = await self.patient.examine(request.strip()) or "No result."
                yield TestResult(name=request.strip(), result=result)
                for e in self._turn("examiner", result):
                    yield e
                async for e in self._absorb(result, "exam" if command.lower() == "/exam" else "test"):
                    yield e
                continue
            questions += 1
            for e in self._turn("doctor", line):
                yield e
            answer = await self.patient.reply(line)
            for e in self._turn("patient", answer or "..."):
                yield e
            async for e in self._absorb(answer or "", "patient"):
                yield e
        yield PhaseChanged(phase="closing")
        correct = bool(diagnosis) and self._matches(diagnosis)
        feedback = self.feedback(diagnosis, correct)
        for e in self._turn("system", feedback):
            yield e
        yield Finished(reason=reason, differential=self.differential, final_diagnosis=diagnosis,
                       turns=sum(t.role == "doctor" for t in self.transcript), tokens=0,
                       seconds=round(time.perf_counter() - started, 3), summary=feedback)

    def _turn(self, role, text: str) -> list[Event]:
        index = len(self.transcript)
        stored = self._stored[index] if index < len(self._stored) else None
        if stored is not None and stored.role == role and stored.text == text:
            turn = stored  # a restored turn keeps its original time
        else:
            turn = Turn(index=index, role=role, text=text)
        self.transcript.append(turn)
        return [Utterance(turn=turn)]

    async def _absorb(self, text: str, source: Source) -> AsyncIterator[Event]:
        for flag in self.critic.screen(text, self.state).flags:
            if all(flag.rule != f.rule for f in self.flags):
                self.flags.append(flag)
                yield RedFlagRaised(flag=flag)
        result = await self.reasoner.ask(ReasonRequest(state=self.state, text=text, source=source,
                                                       turn=len(self.transcript)))
        self.state, self.differential = result.state, result.differential
        if result.new:
            yield FindingsUpdated(new=result.new, state=self.state)
            yield AgentMessage(sender="kg_reasoner", recipient="trainee", content="; ".join(result.trace))
        yield DifferentialUpdated(differential=self.differential)

    def _matches(self, name: str) -> bool:
        from meddiag.simulation.judge import matches

        return matches(name, self.case.diagnosis, self.graph)

    def feedback(self, diagnosis: str | None, correct: bool) -> str:
        """What the scenario was, how the user did, and what they did not find out."""
        from meddiag.simulation.judge import rank_of

        code = f" ({self.case.icd10})" if self.case.icd10 else ""
        lines = [f"The answer: {self.case.diagnosis}{code}."]
        if diagnosis:
            lines.append(f"Your diagnosis, {diagnosis}, is {'correct' if correct else 'not a match'}.")
        else:
            lines.append("You did not commit to a diagnosis.")
        rank = rank_of([h.name for h in self.differential.top(10)], self.case.diagnosis, self.graph)
        lines.append(f"On the findings you gathered, the knowledge graph ranks the answer "
                     f"{f'#{rank}' if rank else 'outside its top 10'}.")
        told = set(self.patient.told)
        missed = [f.text for f in self.case.facts if f.text not in told]
        if missed:
            lines.append("History you did not elicit: " + " | ".join(missed))
        done = " ".join(self.state.tests_done).lower()
        if self.case.exam and "examination" not in done:
            lines.append("You did not examine the patient (/exam).")
        untested = [name for name in self.case.tests if name.lower() not in " ".join(
            t.text.lower() for t in self.transcript if t.role == "examiner")]
        if untested:
            lines.append("Tests with results you did not request: " + ", ".join(untested))
        if self.flags:
            lines.append("Red flags in the answers: " + ", ".join(f"{f.rule} ({f.level})" for f in self.flags))
        asks = self.graph.next_questions(self.state, top=3)
        if asks:
            lines.append("Informative questions still open: " + " ".join(q.text for q in asks))
        return "\n".join(lines)
