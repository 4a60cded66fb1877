"""Work-up, first-line treatment and facts of the curated conditions, matched against free text.

A curated condition may name the investigations that confirm it or come first (``workup``:
"CT pulmonary angiography", "amniocentesis with karyotype"), its first-line management
(``treatment``: "burr hole evacuation", "ethosuximide") and facts an exam asks about (``facts``:
"dopamine D2 receptor blockade", "osmotic fragility test positive"). ``Plans.match(text)`` says, for every
disease, how much of a short text — an exam choice such as "Amniocentesis" or "CT angiography" —
its best-matching item covers: the share of the text's content words (weighted by how rare each
word is among all items, so "serum ... level" counts little) that the item also holds; 0 when
none. Wordings of one test ("echocardiogram", "echo") read alike and a drug also reads as its
classes and mechanisms ("paroxetine" matches "SSRIs", "Dihydrofolate reductase" an item naming
methotrexate; ``plan_words.yaml``), at half the credit of the drug itself, so "Rifaximin" beats
"Ceftriaxone" for an item that names rifaximin though both are antibiotics. Multiple-choice
scoring uses it for choices the graph cannot name as a disease.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.text import key, postings


# how a test looks: a choice naming one ("CT Chest") is not what an item naming only another ("chest X-ray") holds
MODALITIES = frozenset("mri ct ultrasound radiograph echocardiography ecg eeg emg ercp mrcp egd pet biopsy culture pcr "
                       "colonoscopy endoscopy angiography bronchoscopy laparoscopy cystoscopy scintigraphy".split())
CLASS_CREDIT = 0.5  # a choice's drug found in an item only through a class it shares ("Ceftriaxone" in "rifaximin")
WORDS_FILE = Path(__file__).with_name("plan_words.yaml")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[re.Pattern, dict[str, str], dict[str, tuple[frozenset[str], ...]]]:
    """(a pattern of every wording of ``same``, wording -> its group's first wording, drug -> its classes)."""
    doc = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    first = {w.lower(): group[0].lower() for group in doc["same"] for w in group[1:]}
    alts = sorted(first, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, alts)) + r")(?![\w-])")
    classes = {}
    for drug, names in doc["classes"].items():
        classes[" ".join(key(drug))] = tuple(_plain_words(pattern, first, n) for n in names)
    return pattern, first, classes


def _plain_words(pattern: re.Pattern, first: dict[str, str], text: str) -> frozenset[str]:
    text = pattern.sub(lambda m: first[m.group(1)], text.lower())
    return frozenset(key(text.replace("(", " ").replace(")", " ")))


def _words(text: str) -> frozenset[str]:
    pattern, first, _ = _vocabulary()
    return _plain_words(pattern, first, text)


def _with_classes(words: frozenset[str]) -> frozenset[str]:
    """An item's words and the words of the classes of the drugs it names ("sertraline" -> "ssri")."""
    classes = _vocabulary()[2]
    extra = [c for w in words for c in classes.get(w, ())]
    return words.union(*extra) if extra else words


class Plans:
    """Every curated disease's work-up and treatment items as word sets, with an inverted index."""

    def __init__(self, ix: Index):
        self.n = len(ix.disease_ids)
        self.items: list[tuple[int, frozenset[str]]] = []
        for d, (workup, treatment, facts) in enumerate(zip(ix.d_workup, ix.d_treatment, ix.d_facts)):
            self.items += [(d, _with_classes(ws)) for ws in map(_words, [*workup, *treatment, *facts]) if ws]
        self.by_word = postings(self.items)
        self.idf = {w: math.log(1 + len(self.items) / len(at)) for w, at in self.by_word.items()}

    def match(self, text: str) -> np.ndarray:
        """Per disease, the weighted share of ``text``'s words found in its best item (0..1)."""
        out = np.zeros(self.n)
        words = _words(text)
        weight = {w: self.idf.get(w, math.log(1 + len(self.items))) for w in words}
        total = sum(weight.values())
        if not total:
            return out
        classes = {w: c for w in words if (c := _vocabulary()[2].get(w))}
        looked = words.union(*(c for cs in classes.values() for c in cs))
        shown = words & MODALITIES
        for i in {i for w in looked for i in self.by_word.get(w, ())}:
            d, ws = self.items[i]
            if shown and not shown & ws and ws & MODALITIES:
                continue
            got = sum(weight[w] * (1.0 if w in ws else CLASS_CREDIT) for w in words
                      if w in ws or any(c <= ws for c in classes.get(w, ())))
            out[d] = max(out[d], got / total)
        return out


class Complications:
    """Each curated disease's complications resolved to diseases of the graph (a name, its family
    members and its kinds), for questions that ask what a case leads to."""

    def __init__(self, kg):
        ix = kg.index
        self.of: dict[int, frozenset[int]] = {}
        for d, names in enumerate(ix.d_complications):
            found = {ix.disease_pos[i] for n in names
                     for i in (kg.lookup_diseases(n, contained=True) + kg.namer.kinds(n)) if i in ix.disease_pos}
            found.discard(d)
            if found:
                self.of[d] = frozenset(found)

    def covered(self, post: np.ndarray, choice: set[int]) -> float:
        """Posterior mass of the diseases one of whose complications the choice names."""
        return float(sum(post[d] for d, comps in self.of.items() if comps & choice))


def complications_of(kg) -> Complications:
    """The graph's resolved complications, kept with it (built on first use)."""
    return kg.index.kept("_complications", lambda: Complications(kg))  # shared by every parameter set


def plans_of(ix: Index) -> Plans:
    """The index's plans, kept with it (built on first use)."""
    return ix.kept("_plans", lambda: Plans(ix))
