"""The curated facts of each condition found in a written case.

A curated condition's ``facts`` (``data/facts_*.yaml``: "non-caseating granulomas", "asbestos
exposure", "Reed-Sternberg cells") are what an exam case often states outright in its history,
pathology or imaging and what no finding's synonym spells out. ``Facts.scores(text)`` gives every
disease the summed rarity (inverse item frequency) of the words of the facts whose every word the
text holds, divided by the square root of the number of its facts (a condition with many facts
does not win by bulk). The ranker adds ``fact_weight`` times this score for a written case, as it
adds the word profiles'. (Counting a fact when the text holds three quarters of it was tried: no
better on the tune half, worse on held-out questions.)
"""

from __future__ import annotations

import math

import numpy as np

from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.profile import text_words
from meddiag.knowledge.umls_graph.text import postings


class Facts:
    """Every curated disease's facts as word sets, with an inverted index."""

    def __init__(self, ix: Index):
        self.n = len(ix.disease_ids)
        self.items: list[tuple[int, frozenset[str]]] = []
        count = np.zeros(self.n)
        for d, facts in enumerate(ix.d_facts):
            for fact in facts:
                if ws := frozenset(text_words(fact)):
                    self.items.append((d, ws))
                    count[d] += 1
        self.by_word = postings(self.items)
        idf = {w: math.log(len(self.items) / len(at)) for w, at in self.by_word.items()}
        self.weight = [sum(idf[w] for w in ws) for _, ws in self.items]  # what stating a fact whole adds
        self.norm = 1.0 / np.sqrt(1.0 + count / 10.0)

    def scores(self, text: str) -> np.ndarray:
        """Per disease, the weighted words of its facts the text holds whole (0 where none)."""
        out = np.zeros(self.n)
        words = text_words(text)
        for i in {i for w in words for i in self.by_word.get(w, ())}:
            d, ws = self.items[i]
            if ws <= words:
                out[d] += self.weight[i]
        return out * self.norm


def facts_of(ix: Index) -> Facts:
    """The index's facts, kept with it: built with the graph cache (``cache.build``), else on first use."""
    return ix.kept("_facts", lambda: Facts(ix))
