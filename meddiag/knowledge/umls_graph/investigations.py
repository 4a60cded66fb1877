"""Investigations: the tests a clinician orders, what each reports, and which one a case needs.

The curated layer names investigations (``investigations:`` in a data file: a name,
synonyms, ``shows`` — finding ids it reports — and ``mentions`` — words that a test or
sign finding's name carries when it is this test's result: "Coombs" links "positive direct
Coombs test"). ``compile_investigations`` links each one to its findings when the graph is
built. ``Investigations.lookup`` names them in text ("Serum TSH levels", "Transvaginal
ultrasound in 4 days"); ``value`` scores every investigation for a case: the log of how much
more likely its most telling result is under the case's posterior than across all diseases
— the test whose positive result would best confirm what the case most likely is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from meddiag.knowledge.umls_graph.text import key, name_key

# words that qualify a test's name without naming another test ("Serum TSH level", "Test for X")
_FILLER = frozenset(("serum", "plasma", "blood", "level", "test", "testing", "measurement", "assay", "study",
                     "for", "with", "check", "perform", "order", "obtain", "repeat", "now", "confirmatory",
                     "diagnostic", "analysis", "evaluation", "determination", "concentration", "value"))
_PAREN = re.compile(r"\(([^)]*)\)")
_SHORT_OK = frozenset(("ct", "mri", "ecg", "ekg", "eeg", "emg", "pet", "ana", "tsh", "pcr", "dat", "hcg", "psa"))


@dataclass
class Investigations:
    ids: list[str]  # "test:slug"
    names: list[str]
    shows: list[np.ndarray]  # finding positions each one reports
    keys: dict[str, list[int]]  # normalised name -> investigation positions

    def lookup(self, text: str) -> list[str]:
        """The investigations a name stands for: exactly, without filler words, else the longest
        investigation name found inside it (its other words being filler or numbers)."""
        forms = [text, *(m.group(1) for m in _PAREN.finditer(text)), _PAREN.sub(" ", text)]
        for f in forms:
            k = name_key(f)
            for cand in (k, _strip(k)):
                if cand and cand in self.keys:
                    return [self.ids[i] for i in self.keys[cand]]
        words = set(_strip(name_key(_PAREN.sub(" ", text))).split())
        best: list[int] = []
        best_len = 0
        for k, pos in self.keys.items():
            toks = k.split()
            if len(toks) > best_len and set(toks) <= words and (len(toks) > 1 or len(toks[0]) >= 5 or toks[0] in _SHORT_OK):
                best, best_len = pos, len(toks)
        return [self.ids[i] for i in best]

    def value(self, ranker, state, pool: int = 50) -> np.ndarray:
        """For every investigation: log E_posterior[max over its findings of P(f|d) / base_f],
        over the ``pool`` best diseases, leaving out findings the case already knows (0 where it
        reports nothing new those diseases have)."""
        return self.telling(ranker, state, pool)[0]

    def telling(self, ranker, state, pool: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """(``value`` of every investigation, the position of its most telling result: the finding
        whose lift under the posterior is highest, -1 where it reports nothing new)."""
        out, best_f = np.zeros(len(self.ids)), np.full(len(self.ids), -1)
        dis, pi = ranker.pool(state, pool)
        cands = np.unique(np.concatenate([x for x in self.shows if x.size] or [np.zeros(0, dtype=np.int64)]))
        if dis.size == 0 or cands.size == 0:
            return out, best_f
        lr = ranker.lift(cands, dis)
        row = {int(f): i for i, f in enumerate(cands)}
        ix = ranker.ix
        known = {ix.finding_pos[f] for f in state.findings if f in ix.finding_pos}
        known |= {int(a) for f in state.present if f in ix.finding_pos for a in ix.ancestors(ix.finding_pos[f])}
        for t, fs in enumerate(self.shows):
            rows = [row[int(f)] for f in fs if int(f) not in known]
            if rows:
                per = pi @ lr[rows].T  # each result's expected lift
                best = lr[rows].max(axis=0)
                out[t] = float(np.log(max(float(pi @ best), 1e-12)))
                best_f[t] = int(cands[rows[int(np.argmax(per))]])
        return out, best_f


def _strip(k: str) -> str:
    return " ".join(t for t in k.split() if t not in _FILLER)


def compile_investigations(layer, index) -> Investigations:
    """Link the layer's investigations to the index's findings (explicit ``shows`` plus ``mentions``)."""
    ids, names, shows = [], [], []
    keys: dict[str, list[int]] = {}
    fkeys = _finding_keys(index)
    for t, inv in enumerate(layer.investigations):
        ids.append(f"test:{inv.id}")
        names.append(inv.name)
        found = {index.finding_pos[f] for f in inv.shows if f in index.finding_pos}
        for m in inv.mentions:
            want = set(key(m))
            if want:
                found.update(f for f, toks in fkeys if want <= toks)
        shows.append(np.array(sorted(found), dtype=np.int64))
        for n in (inv.name, *inv.synonyms):
            for k in {name_key(n), _strip(name_key(n))}:
                if k and t not in keys.setdefault(k, []):
                    keys[k].append(t)
    return Investigations(ids=ids, names=names, shows=shows, keys=keys)


def _finding_keys(index) -> list[tuple[int, set[str]]]:
    """(finding position, all words of its label and synonyms) for test and sign findings."""
    words: dict[int, set[str]] = {}
    for phrase, fid in index.lexicon.items():
        f = index.finding_pos.get(fid)
        if f is not None:
            words.setdefault(f, set()).update(phrase.split())
    for f, label in enumerate(index.f_label):
        words.setdefault(f, set()).update(key(label))
    return [(f, w) for f, w in words.items() if index.f_kind[f] in ("test", "sign")]
