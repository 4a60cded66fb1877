"""Does a predicted diagnosis match the answer? Names are normalised through the graph.

A match is the same graph disease (through synonyms and abbreviations, also after
dropping a parenthesis such as "(PML)" or using it alone), or a subtype of the answer; a
supertype is not a match. When the graph names both, it alone decides; otherwise the
normalised strings must be equal. Subtypes come from the graph's is-a, except a link
that only an "unspecified" ICD-10-CM code read as its whole category could make (see
:func:`subtype`). :class:`Judge` adds an optional LLM judge for names the graph cannot
settle; its reply is normalised ("Yes." and "yes, they are" are yes) and anything that is
not a clear yes counts as no.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from autogen_core.models import ChatCompletionClient

_NOISE = re.compile(r"\b(the|a|an|of|disease|syndrome|disorder)\b|[^a-z0-9 ]")
_PAREN = re.compile(r"\s*\(([^)]*)\)")
_YES = re.compile(r"^\W*(yes|y|true|correct|same|match(es)?)\b")
_NO = re.compile(r"^\W*(no|n|false|incorrect|different|not)\b")
LLM_SYSTEM = ("You compare two diagnoses. Reply Yes if the predicted diagnosis is the same condition as the "
              "correct one or a more specific form of it, otherwise reply No. Reply with one word.")


def normalise(name: str) -> str:
    name = name.lower().replace("’", "'").replace("'s", "")
    return " ".join(_NOISE.sub(" ", name).split())


def variants(name: str) -> list[str]:
    """The name, the name without parentheses, and what a parenthesis holds ("... (PML)" -> "PML")."""
    name = name.replace("’", "'").strip()
    out = [name, _PAREN.sub("", name).strip(), *(m.strip() for m in _PAREN.findall(name))]
    return [v for v in dict.fromkeys(out) if v]


def disease_id(name: str, graph) -> str | None:
    for v in variants(name):
        found = graph.lookup_disease(v)
        if found is not None:
            return found
    return None


def matches(predicted: str, answer: str, graph, predicted_id: str | None = None) -> bool:
    """True when ``predicted`` names the answer or a subtype of it."""
    if not predicted or not answer:
        return False
    p, a = predicted_id or disease_id(predicted, graph), disease_id(answer, graph)
    if p is not None and p in graph.namer.kinds(answer):  # "Tension pneumothorax" for "Pneumothorax"
        return True
    if p is not None and a is not None:  # the graph knows both: it decides ("Cushing disease" is not
        return p == a or subtype(p, a, graph, predicted, answer)  # "Cushing syndrome", though both normalise alike)
    return bool({normalise(v) for v in variants(predicted)} & {normalise(v) for v in variants(answer)})


def subtype(p: str, a: str, graph, predicted: str = "", answer: str = "") -> bool:
    """``p`` is a kind of ``a``. The graph's is-a is trusted except where it can only come from
    reading an ICD-10-CM code ending in 9 as its whole category (F10.239 would then hold every
    F10 code): there the code must be a true prefix, or the answer's words part of the prediction."""
    if not graph.is_a(p, a):
        return False
    cp, ca = graph.disease_info(p).icd10 or "", graph.disease_info(a).icd10 or ""
    if not ca.endswith("9") or (cp and cp.startswith(ca.rstrip("X"))):
        return True
    words_a = set(normalise(answer or graph.label(a)).split())
    return bool(words_a) and words_a <= set(normalise(predicted or graph.label(p)).split())


def rank_of(candidates: list[str], answer: str, graph) -> int | None:
    """1-based position of the first candidate matching the answer, or None."""
    for i, name in enumerate(candidates, 1):
        if matches(name, answer, graph):
            return i
    return None


def read_verdict(reply: str) -> bool | None:
    """A judge model's reply as yes (True), no (False) or unclear (None)."""
    text = reply.strip().lower()
    if _YES.match(text):
        return True
    if _NO.match(text):
        return False
    return None


class Judge:
    """Ranks a differential against the answer: the graph first, then (optionally) a model."""

    def __init__(self, graph, model: ChatCompletionClient | None = None, timeout: float = 60.0) -> None:
        self.graph = graph
        self.model = model
        self.timeout = timeout
        self.tokens = 0

    async def same(self, predicted: str, answer: str) -> bool:
        """The LLM judge on one pair (False without a model or on an unclear reply)."""
        if self.model is None:
            return False
        from meddiag.agents import llm

        out = await llm.text(self.model, llm.prompt(LLM_SYSTEM, f"Correct diagnosis: {answer}\n"
                                                                f"Predicted diagnosis: {predicted}\nSame?"),
                             max_tokens=4, retries=0, timeout=self.timeout)
        self.tokens += out.tokens
        return bool(out.value) and read_verdict(out.value) is True

    async def rank(self, predictions: Sequence[tuple[str | None, str]] | Iterable[str], answer: str,
                   top: int = 10) -> tuple[int | None, str]:
        """(1-based rank of the first match within ``top``, how it matched: "graph", "llm" or "")."""
        pairs = [(None, p) if isinstance(p, str) else p for p in predictions][:top]
        for i, (pid, name) in enumerate(pairs, 1):
            if matches(name, answer, self.graph, pid):
                return i, "graph"
        if self.model is not None:
            for i, (_, name) in enumerate(pairs, 1):
                if await self.same(name, answer):
                    return i, "llm"
        return None, ""
