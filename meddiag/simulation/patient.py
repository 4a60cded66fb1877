"""The simulated patient and examiner: they answer only from the case, only when asked.

Answers are grounded retrieval: the doctor's question and every case fact are read
into knowledge-graph concepts, and a fact is told when its concepts (or its ``about``
words) match what was asked. A question about something the case lists as absent gets
a plain "no"; anything the case is silent about gets "I'm not sure". Facts that would
give the diagnosis away are never said. The examiner reports examination findings and
test results only on request; a request the case holds no result for gets
"no result" (not "normal": requests name findings, and a wrong "normal" would be false
evidence against them).
"""

from __future__ import annotations

import re

from meddiag.simulation.case import Case

UNSURE = "I'm not sure about that."
NO_RESULT = "No result is available for that request."
_COMMON = {"test", "level", "count", "blood", "serum", "the", "of", "and", "in", "on", "a", "an", "with", "abnormal",
           "increased", "decreased", "elevated", "positive", "negative", "result", "findings", "finding"}
_OPENERS = re.compile(r"what brings you|how can i help|what seems to be|tell me what|what is the problem", re.I)
_WORDS = re.compile(r"[a-z]+")
_QUESTION = re.compile(r"[^.!?\n]*\?")


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


class SimulatedPatient:
    """Answers a doctor's utterances from a :class:`Case`."""

    def __init__(self, case: Case, graph) -> None:
        self.case = case
        self.graph = graph
        self.told: list[str] = []
        secret = _norm(case.diagnosis)
        self._facts = [
            (f.text, self._concepts(f.text + ". " + ". ".join(f.about)), [_norm(a) for a in f.about if a.strip()])
            for f in case.facts
            if secret not in _norm(f.text)
        ]
        self._denied = [(d, self._concepts(d), _norm(d)) for d in case.denies if d.strip()]

    def _concepts(self, text: str) -> set[str]:
        return {c.id for c in self.graph.extract(text)}

    def _related(self, asked: set[str], have: set[str]) -> bool:
        if asked & have:
            return True
        return any(self.graph.is_a(h, a) for h in have for a in asked)

    async def reply(self, utterance: str) -> str | None:
        if not self.told and _OPENERS.search(utterance):
            self.told.append(self.case.opening)
            return self.case.opening
        questions = [q for q in _QUESTION.findall(utterance) if q.strip()]
        asked_text = " ".join(questions) or utterance  # answer the question, not the advice around it
        asked = self._concepts(asked_text)
        words = f" {_norm(asked_text)} "
        answers = [text for text, concepts, about in self._facts
                   if self._related(asked, concepts) or any(a and f" {a} " in words for a in about)]
        if answers:
            self.told.extend(answers)
            return " ".join(dict.fromkeys(answers))
        for phrase, concepts, norm in self._denied:
            if self._related(asked, concepts) or (norm and f" {norm} " in words):
                return f"No, I haven't had {phrase}."
        return UNSURE

    async def examine(self, request: str) -> str | None:
        """Examination findings or a test result, only for what was requested."""
        if "physical examination" in request or "vital signs" in request:
            return " ".join(self.case.exam) or "Examination is unremarkable."
        asked = self._concepts(request)
        words = set(_WORDS.findall(request.lower())) - _COMMON
        hits = [f"{name}: {result}" for name, result in self.case.tests.items()
                if self._related(asked, self._concepts(f"{name}. {result}"))
                or words & (set(_WORDS.findall(f"{name} {result}".lower())) - _COMMON)]
        return " ".join(hits) if hits else NO_RESULT
