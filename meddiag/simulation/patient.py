"""The simulated patient: it answers only from the case, only what is asked, in lay words.

Answers are grounded retrieval: the doctor's question and every case fact are read into
knowledge-graph concepts, and a fact is told when its concepts (or its ``about`` words)
match what was asked — the same finding or a more specific one. An open question ("tell me
more, have you noticed anything else?") gets the story of the complaint not yet told
(``Fact.story``: the history and other symptoms of a dataset case). A question about
something the case lists as absent gets a plain "no"; anything the case is silent about
gets "I'm not sure". Facts that would give the diagnosis away (its name or a graph
synonym of it) are never said. In dataset cases (not our lay-written scenarios) a formal
term said exactly as the graph's label ("dysuria") is swapped for the graph's lay label
("painful or difficult urination") when that reads back to the same concept.

With a ``model``, the grounded answer is rephrased by it; the phrasing is used only when
it names no concept (with its polarity), number or diagnosis the grounded answer lacks,
else the grounded answer stands. ``biases`` adds AgentClinic-style behaviour (see
:data:`BIASES`), deterministic for a given ``seed``. Examination and test requests go to
the case's :class:`~meddiag.simulation.examiner.Examiner`.
"""

from __future__ import annotations

import random
import re
from typing import Iterable

from autogen_core.models import ChatCompletionClient

from meddiag.simulation.case import Case
from meddiag.simulation.examiner import NO_RESULT, Examiner

__all__ = ["BIASES", "NO_RESULT", "UNSURE", "SimulatedPatient", "secrets_of"]

UNSURE = "I'm not sure about that."
BIASES = {
    "self_diagnosis": "opens by insisting on a wrong diagnosis read online",
    "recency": "mentions a friend recently diagnosed with a wrong diagnosis",
    "anxious": "prefaces answers with worry",
    "reticent": "tells only the first matching fact per question",
}
_WORRY = ["I'm really worried about this.", "This has been frightening, honestly.", "I keep thinking it's something bad."]
_OPENERS = re.compile(r"what brings you|how can i help|what seems to be|tell me what|what is the problem", re.I)
# an open question about the complaint: the patient tells the story (``Fact.story``) not told yet
_OPEN = re.compile(r"tell me more|anything else|any other (symptoms|problems)|what else|noticed anything", re.I)
NOTHING_ELSE = "Nothing else that I've noticed."
_WORDS = re.compile(r"[a-z]+")
_QUESTION = re.compile(r"[^.!?\n]*\?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
PHRASE_SYSTEM = (
    "You are a patient talking to a doctor. Say the statements you are given as you would say them, "
    "in the first person and in plain everyday words. Do not add any symptom, number, name or detail "
    "that is not in the statements. Reply with what you say only."
)


def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower().replace("’", "'").replace("'s", "")))


def secrets_of(case: Case, graph) -> list[str]:
    """Normalised names that would give the diagnosis away: the answer and its graph synonyms."""
    names = {case.diagnosis, re.sub(r"\s*\(.*?\)", "", case.diagnosis)}
    names |= set(re.findall(r"\(([^)]+)\)", case.diagnosis))
    did = graph.lookup_disease(case.diagnosis) or graph.lookup_disease(re.sub(r"\s*\(.*?\)", "", case.diagnosis))
    if did is not None:
        info = graph.disease_info(did)
        names |= {info.name, *info.synonyms}
    return sorted({n for n in map(_norm, names) if len(n) >= 4 or (len(n) >= 3 and n.upper() == n)})


def _says(text: str, secrets: Iterable[str]) -> bool:
    padded = f" {_norm(text)} "
    return any(f" {s} " in padded for s in secrets)


class SimulatedPatient:
    """Answers a doctor's utterances from a :class:`Case`; ``examine`` answers test requests."""

    def __init__(self, case: Case, graph, *, model: ChatCompletionClient | None = None,
                 biases: Iterable[str] = (), seed: int = 0, timeout: float = 120.0) -> None:
        unknown = set(biases) - set(BIASES)
        if unknown:
            raise ValueError(f"unknown patient bias {sorted(unknown)[0]!r}; choose from {', '.join(BIASES)}")
        self.case = case
        self.graph = graph
        self.model = model
        self.biases = tuple(biases)
        self.timeout = timeout
        self.rng = random.Random(f"{seed}:{case.id}")
        self.told: list[str] = []
        self.tokens = 0
        self.rephrased = 0
        self.secrets = secrets_of(case, graph)
        self.examiner = Examiner(case, graph)
        self.lay = case.source != "scenario"
        self.opening = self._lay(case.opening) if not _says(case.opening, self.secrets) else "I haven't been well."
        self._facts = [
            (self._lay(f.text), self._concepts(f.text + ". " + ". ".join(f.about)),
             [_norm(a) for a in f.about if a.strip()], f.story)
            for f in case.facts
            if not _says(f.text, self.secrets)
        ]
        self._denied = [(d, self._concepts(d), _norm(d)) for d in case.denies
                        if d.strip() and not _says(d, self.secrets)]
        self._decoy = self._pick_decoy() if {"self_diagnosis", "recency"} & set(self.biases) else None

    # ----------------------------------------------------------------- grounding

    def _concepts(self, text: str) -> set[str]:
        return {c.id for c in self.graph.extract(text)}

    def _lay(self, text: str) -> str:
        """Medical terms replaced by the graph's lay labels, where the swap keeps the concept."""
        if not self.lay:
            return text
        out, last = [], 0
        for c in sorted(self.graph.extract(text), key=lambda c: (c.span or (0, 0))[0]):
            if not c.span or c.span[0] < last:
                continue
            lay = self.graph.lay_label(c.id)
            surface = text[c.span[0]:c.span[1]]
            if not lay or surface.lower() != c.label.lower() or lay.lower() == surface.lower():
                continue  # only a formal term, said as the graph's label, is swapped
            lay = lay[0].lower() + lay[1:] if not lay[:2].isupper() else lay
            if c.id not in self._concepts(lay) or set(_NUMBER.findall(lay)) - set(_NUMBER.findall(surface)):
                continue
            out += [text[last:c.span[0]], lay]
            last = c.span[1]
        return "".join(out) + text[last:] if out else text

    def _related(self, asked: set[str], have: set[str]) -> bool:
        if asked & have:
            return True
        return any(self.graph.is_a(h, a) for h in have for a in asked)

    def _pick_decoy(self) -> str | None:
        """A plausible wrong diagnosis for the biases: the graph's best guess from the opening
        that is not the answer (nor a kind of it)."""
        from meddiag.schema import CaseState, Finding

        state = CaseState()
        for c in self.graph.extract(self.case.opening):
            state.update(Finding(id=c.id, label=c.label, status="present"))
        target = self.graph.lookup_disease(self.case.diagnosis)
        for h in self.graph.rank(state, top=10).hypotheses:
            if h.disease_id == target or (target and self.graph.is_a(h.disease_id, target)):
                continue
            if not _says(h.name, self.secrets):
                return h.name
        return None

    def grounded(self, utterance: str) -> str:
        """The deterministic answer to one doctor utterance."""
        if not self.told and _OPENERS.search(utterance):
            self.told.append(self.opening)
            if "self_diagnosis" in self.biases and self._decoy:
                return f"{self.opening} I read about it online and I'm sure it's {self._decoy}."
            if "recency" in self.biases and self._decoy:
                return f"{self.opening} A friend of mine was just diagnosed with {self._decoy}, so I'm worried."
            return self.opening
        questions = [q for q in _QUESTION.findall(utterance) if q.strip()]
        asked_text = " ".join(questions) or utterance  # answer the question, not the advice around it
        asked = self._concepts(asked_text)
        words = f" {_norm(asked_text)} "
        open_question = _OPEN.search(asked_text) is not None
        answers = [text for text, concepts, about, story in self._facts
                   if (open_question and story and text not in self.told)
                   or self._related(asked, concepts) or any(a and f" {a} " in words for a in about)]
        if answers:
            answers = list(dict.fromkeys(answers))[:1 if "reticent" in self.biases else None]
            self.told.extend(answers)
            return " ".join(answers)
        for phrase, concepts, norm in self._denied:
            if self._related(asked, concepts) or (norm and f" {norm} " in words):
                return f"No, I haven't had {phrase}."
        return NOTHING_ELSE if open_question else UNSURE

    # ----------------------------------------------------------------- the protocol

    async def reply(self, utterance: str) -> str | None:
        answer = self.grounded(utterance)
        if self.model is not None and answer != UNSURE:
            answer = await self._phrase(utterance, answer)
        if "anxious" in self.biases and answer != UNSURE:
            answer = f"{self.rng.choice(_WORRY)} {answer}"
        return answer

    async def examine(self, request: str) -> str | None:
        """Examination findings or a test result, only for what was requested."""
        return await self.examiner.examine(request)

    # ----------------------------------------------------------------- model phrasing

    def check_phrasing(self, phrased: str, grounded: str) -> str | None:
        """Why a model's phrasing may not be said, or None when it adds nothing to the grounded answer."""
        if len(phrased) > 2 * len(grounded) + 80:
            return "too long"
        if _says(phrased, self.secrets):
            return "names the diagnosis"
        allowed = {(c.id, c.polarity) for c in self.graph.extract(grounded)}
        extra = [c.label for c in self.graph.extract(phrased)
                 if (c.id, c.polarity) not in allowed
                 and not any(self.graph.is_a(a, c.id) and p == c.polarity for a, p in allowed)]
        if extra:
            return f"adds {extra[0]!r}"
        if set(_NUMBER.findall(phrased)) - set(_NUMBER.findall(grounded)):
            return "adds a number"
        return None

    async def _phrase(self, utterance: str, grounded: str) -> str:
        from meddiag.agents import llm

        out = await llm.text(self.model, llm.prompt(PHRASE_SYSTEM, f"The doctor asked: {utterance}\n"
                                                                   f"Your statements: {grounded}"),
                             max_tokens=96, retries=0, timeout=self.timeout,
                             validate=lambda t: self.check_phrasing(t, grounded))
        self.tokens += out.tokens
        if out.value is None:
            return grounded
        self.rephrased += 1
        return out.value
