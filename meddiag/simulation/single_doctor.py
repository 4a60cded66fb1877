"""The ``single`` team: one language-model doctor, prompted the way AgentClinic prompts its doctor.

The model sees the objective and the dialogue so far, and each reply is one of: a
question to the patient, ``REQUEST TEST: <test>`` (answered by the examiner), or
``DIAGNOSIS READY: <most likely>; <next>; ...`` which ends the consultation. When the
question budget is spent it is told to give its diagnosis now. No knowledge graph helps
it and no safety critic reviews it: this is the baseline the multi-agent team is
compared against. The consultation opens with a fixed greeting (the patient's first words
go to the model), as the multi-agent team's does. It yields the same event types as :class:`~meddiag.orchestrator.Consultation`,
so the runner scores both alike. A model that fails or never names a diagnosis ends
with an empty differential (counted as wrong).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import AsyncIterator

from autogen_core.models import AssistantMessage, ChatCompletionClient, LLMMessage, SystemMessage, UserMessage

from meddiag.agents import llm
from meddiag.schema import (
    Differential, DifferentialUpdated, Event, Fallback, Finished, Hypothesis, PhaseChanged, Started,
    TestResult, Turn, Utterance,
)

DOCTOR_BIASES = {
    "recency": "You recently saw several patients with a viral infection and it is on your mind.",
    "confirmation": "You tend to settle on your first impression and look for facts that support it.",
}
SYSTEM = (
    "You are a doctor seeing a patient. {objective} Find the diagnosis by asking the patient questions, "
    "one short question per reply; you may ask at most {questions} questions. To get an examination "
    "finding or a test result, reply exactly 'REQUEST TEST: <name of test>'. When you are ready, reply "
    "exactly 'DIAGNOSIS READY: <most likely diagnosis>; <second>; <third>'. {bias}"
)
GREETING = "Hello, I'm the doctor today. What brings you in?"
FINAL = "You have no questions left. Reply now with 'DIAGNOSIS READY: <most likely diagnosis>; <second>; <third>'."
_READY = re.compile(r"diagnosis\s+ready\s*:\s*(.+)", re.I | re.S)
_TEST = re.compile(r"request\s+test\s*:\s*([^\n]+)", re.I)


def parse_diagnoses(text: str, limit: int = 10) -> list[str]:
    """The names after ``DIAGNOSIS READY:`` (split on ``;``, newlines or numbered items)."""
    m = _READY.search(text)
    if not m:
        return []
    parts = re.split(r";|\n|\s\d+[.)]\s", m.group(1))
    names = [re.sub(r"^\W*\d*[.)]?\s*", "", p).strip(" .*\"'") for p in parts]
    return list(dict.fromkeys(n for n in names if 2 < len(n) < 120))[:limit]


class SingleDoctor:
    """One model plays the whole doctor; ``run(patient)`` yields events like a Consultation."""

    def __init__(self, model: ChatCompletionClient, graph, *, objective: str = "", max_questions: int = 12,
                 max_tests: int = 3, biases: tuple[str, ...] = (), timeout: float = 120.0,
                 model_name: str = "") -> None:
        unknown = set(biases) - set(DOCTOR_BIASES)
        if unknown:
            raise ValueError(f"unknown doctor bias {sorted(unknown)[0]!r}; choose from {', '.join(DOCTOR_BIASES)}")
        self.model = model
        self.graph = graph
        self.objective = objective
        self.max_questions = max_questions
        self.max_tests = max_tests
        self.biases = biases
        self.timeout = timeout
        self.model_name = model_name
        self.id = uuid.uuid4().hex[:12]
        self.tokens = 0
        self.transcript: list[Turn] = []

    def _turn(self, role, text: str) -> Utterance:
        turn = Turn(index=len(self.transcript), role=role, text=text)
        self.transcript.append(turn)
        return Utterance(turn=turn)

    def differential(self, names: list[str]) -> Differential:
        from meddiag.simulation.judge import disease_id

        total = sum(range(1, len(names) + 1)) or 1
        hyps = []
        for i, name in enumerate(names):
            did = disease_id(name, self.graph)
            hyps.append(Hypothesis(disease_id=did or f"free:{name.lower()}", name=name,
                                   icd10=self.graph.disease_info(did).icd10 if did else None,
                                   probability=round((len(names) - i) / total, 4), reason="named by the doctor model"))
        return Differential(hypotheses=hyps)

    async def run(self, patient) -> AsyncIterator[Event]:
        started = time.perf_counter()
        yield Started(consultation_id=self.id, model=self.model_name, max_turns=self.max_questions)
        yield PhaseChanged(phase="history")
        bias = " ".join(DOCTOR_BIASES[b] for b in self.biases)
        system = SYSTEM.format(objective=self.objective, questions=self.max_questions, bias=bias).strip()
        yield self._turn("doctor", GREETING)
        opening = await patient.reply(GREETING)
        names: list[str] = []
        reason = "turn_budget" if opening is not None else "patient_left"
        if opening is not None:
            yield self._turn("patient", opening)
        messages: list[LLMMessage] = [SystemMessage(content=system),
                                      AssistantMessage(content=GREETING, source="doctor"),
                                      UserMessage(content=f"Patient: {opening}", source="patient")]
        asked = tests = 0
        examine = getattr(patient, "examine", None)
        while opening is not None:
            final = asked >= self.max_questions
            if final:
                messages.append(UserMessage(content=FINAL, source="user"))
            out = await llm.text(self.model, messages, max_tokens=80, retries=0, timeout=self.timeout)
            self.tokens += out.tokens
            if out.value is None:
                yield Fallback(agent="single_doctor", reason=out.error or "no reply", kind=out.kind)
                break
            reply = out.value.strip()
            messages.append(AssistantMessage(content=reply, source="doctor"))
            names = parse_diagnoses(reply)
            if names or final:
                if names:
                    reason = "confident" if not final else "turn_budget"
                break
            test = _TEST.search(reply)
            if test and callable(examine) and tests < self.max_tests:
                tests += 1
                name = test.group(1).strip(" .")
                result = await examine(name) or "No result."
                yield TestResult(name=name, result=result)
                messages.append(UserMessage(content=f"Result of {name}: {result}", source="examiner"))
                continue
            asked += 1
            yield self._turn("doctor", reply)
            answer = await patient.reply(reply)
            if answer is None:
                reason = "patient_left"
                break
            yield self._turn("patient", answer)
            messages.append(UserMessage(content=f"Patient: {answer}", source="patient"))
        yield PhaseChanged(phase="differential")
        diff = self.differential(names)
        yield DifferentialUpdated(differential=diff)
        yield PhaseChanged(phase="closing")
        lead = diff.leading
        yield Finished(reason=reason, differential=diff, final_diagnosis=lead.name if lead else None,
                       turns=sum(t.role == "doctor" for t in self.transcript), tokens=self.tokens,
                       seconds=round(time.perf_counter() - started, 3))
