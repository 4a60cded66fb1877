"""Word profiles of diseases: how much of a written case's vocabulary a disease's findings share.

Finding extraction turns text into concepts and misses what no synonym spells out. A
profile is the complementary, bag-of-words view: each disease gets the canonical words
(``loose.canon``) of its findings' names and synonyms, each word weighted by the largest
weight of a finding that uses it. A text scores a disease by the summed inverse
document frequency of the words they share, times those weights, divided by the square
root of the profile's size (so a disease with hundreds of annotations does not win by
bulk). Disease names are left out: a case report that mentions "treated for eczema" is
not evidence of eczema. The ranker adds ``text_weight`` times this score when it is given
the case's text (vignettes, ``meddiag kg rank TEXT``).
"""

from __future__ import annotations

import numpy as np

from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.loose import canon
from meddiag.knowledge.umls_graph.text import STOP, tokens

_SKIP = STOP | frozenset(
    "with and or without not no other than into over under after before during patient history present left "
    "right both bilateral area type level finding sign symptom abnormal abnormality normal".split())


def _words(phrase: str) -> set[str]:
    return {canon(t) for t in phrase.split() if len(t) > 2 and t not in _SKIP and not t.isdigit()}


def text_words(text: str) -> set[str]:
    """The canonical content words of a text, as profiles and facts compare them."""
    return _words(" ".join(t for t, _, _ in tokens(text)))


class Profiles:
    """Per-word sparse columns over diseases, with inverse document frequencies."""

    def __init__(self, ix: Index):
        vocab: dict[str, int] = {}
        f_words: list[set[int]] = [set() for _ in ix.finding_ids]
        for f, label in enumerate(ix.f_label):
            f_words[f] |= {vocab.setdefault(w, len(vocab)) for w in _words(" ".join(t for t, _, _ in tokens(label)))}
        for phrase, fid in ix.lexicon.items():
            if fid in ix.finding_pos:  # not a neutral wording
                f_words[ix.finding_pos[fid]] |= {vocab.setdefault(w, len(vocab)) for w in _words(phrase)}
        d = ix.direct
        n_dis = np.diff(d.ptr)
        n_wrd = np.array([len(w) for w in f_words])
        flat_words = np.array([w for ws in f_words for w in sorted(ws)], dtype=np.int64)
        w_ptr = np.concatenate([[0], np.cumsum(n_wrd)])
        # every (word of finding f) x (disease annotated with f): repeat each edge once per word of its finding
        f_of_edge = np.repeat(np.arange(len(f_words)), n_dis)
        reps = n_wrd[f_of_edge]
        dis = np.repeat(d.dis.astype(np.int64), reps)
        wt = np.repeat(d.w, reps)
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        word = flat_words[np.repeat(w_ptr[f_of_edge], reps) + offs]
        n = len(ix.disease_ids)
        pair = word * n + dis
        order = np.lexsort((-wt, pair))
        pair, wt = pair[order], wt[order]
        first = np.ones(len(pair), dtype=bool)
        first[1:] = pair[1:] != pair[:-1]
        pair, wt = pair[first], wt[first]  # the largest weight of each (word, disease)
        word, dis = pair // n, pair % n
        self.norm = 1.0 / np.sqrt(1.0 + np.bincount(dis, minlength=n) / 20.0)
        self.n = n
        self.vocab = vocab
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(word, minlength=len(vocab)))])
        self.dis, self.w = dis.astype(np.int32), wt.astype(np.float32)
        with np.errstate(divide="ignore"):
            self.idf = np.log(n / np.diff(self.ptr))

    def scores(self, text: str) -> np.ndarray:
        """Similarity of every disease's profile to the text (0 where nothing is shared)."""
        out = np.zeros(self.n)
        for word in text_words(text):
            i = self.vocab.get(word)
            if i is not None and self.ptr[i + 1] > self.ptr[i]:
                sl = slice(self.ptr[i], self.ptr[i + 1])
                np.add.at(out, self.dis[sl], self.idf[i] * self.w[sl])
        return out * self.norm


def profiles_of(ix: Index) -> Profiles:
    """The index's profiles, kept with it: built with the graph cache (``cache.build``), else on first use."""
    return ix.kept("_profiles", lambda: Profiles(ix))
