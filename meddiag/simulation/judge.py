"""Does a predicted diagnosis match the answer? Names are normalised through the graph.

A match is the same graph disease (through synonyms and abbreviations), or a subtype
of the answer; a supertype is not a match. Without a graph node for either name, the
normalised strings must be equal.
"""

from __future__ import annotations

import re

_NOISE = re.compile(r"\b(the|a|an|of|disease|syndrome|disorder)\b|[^a-z0-9 ]")


def normalise(name: str) -> str:
    name = name.lower().replace("'s", "").replace("’s", "")
    return " ".join(_NOISE.sub(" ", name).split())


def matches(predicted: str, answer: str, graph) -> bool:
    if not predicted or not answer:
        return False
    if normalise(predicted) == normalise(answer):
        return True
    p, a = graph.lookup_disease(predicted), graph.lookup_disease(answer)
    if p is None or a is None:
        return False
    return p == a or graph.is_a(p, a)


def rank_of(candidates: list[str], answer: str, graph) -> int | None:
    """1-based position of the first candidate matching the answer, or None."""
    for i, name in enumerate(candidates, 1):
        if matches(name, answer, graph):
            return i
    return None
