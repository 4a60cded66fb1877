"""The graph compiled into flat arrays for fast queries (this is what the cache stores).

Diseases and findings get integer positions. Disease -> finding weights are stored per
finding as sparse columns (``ptr``/``dis``/``w``, CSR-style): ``direct`` holds the
annotations as written, ``closure`` applies the HPO true-path rule (a disease annotated
with a specific term also has every ancestor term, with the largest weight; ``src`` keeps
the annotated term for the evidence path), ``negated`` holds the NOT edges. ``f_wsum``
and ``f_count`` (the summed closure weight and the number of visible diseases with each
finding) let the ranker compute how often a finding turns up across all diseases for
any leak probability. The extraction lexicon (normalised token tuples -> finding id),
the misspelling index and the disease-name index are compiled here as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

from meddiag.knowledge.umls_graph.lay import CLINICAL_PHRASES, LAY_PHRASES, NEUTRAL, NEUTRAL_PHRASES
from meddiag.knowledge.umls_graph.text import key, name_key

if TYPE_CHECKING:
    import networkx as nx

T = TypeVar("T")
SEX_CODE = {"any": 0, "male": 1, "female": 2}
_GENERIC = frozenset("abnormality abnormal disease disorder syndrome normal increased decreased high low "
                     "finding symptom sign problem history left right severe mild".split())
# single words too ambiguous to stand for a finding on their own ("fit and well", "thin plaques",
# "yellow scale", "runs 50 miles a week"); phrases containing them still match
_AMBIGUOUS = frozenset("fit run thin nail sick yellow club mouth edge jerk self hypersensitivity affected order dullness".split())
_HEAD_NOUNS = frozenset("pain ache swell swelling rash bleed bleeding itch discharge tenderness weakness "
                        "numbness stiffness cramp lump".split())
_REVERSIBLE = frozenset(key(" ".join(_HEAD_NOUNS)))


@dataclass(eq=False)
class Sparse:
    """Per-finding sparse columns over diseases."""

    ptr: np.ndarray
    dis: np.ndarray
    w: np.ndarray
    src: np.ndarray | None = None

    def col(self, f: int) -> slice:
        return slice(int(self.ptr[f]), int(self.ptr[f + 1]))


@dataclass(eq=False)
class Index:
    disease_ids: list[str]
    disease_pos: dict[str, int]
    d_name: list[str]
    d_icd10: list[str | None]
    d_prior_class: list[str]  # very_common .. very_rare (curated), hpo, umls
    d_age: np.ndarray  # (n, 2), nan when unknown
    d_sex: np.ndarray  # 0 any, 1 male, 2 female
    d_red: np.ndarray
    d_mnm: np.ndarray
    d_hidden: np.ndarray
    d_source: list[str]
    d_synonyms: list[list[str]]
    d_specialty: list[str]
    d_workup: list[list[str]]  # a curated disease's confirming / first investigations, by name
    d_treatment: list[list[str]]  # and its first-line management
    d_complications: list[list[str]]  # and the diseases it leads to, by name
    d_facts: list[list[str]]  # and what exam choices say of it (cause, risk factors, pathology ...)
    d_requires: list[list[str]]  # and the findings one of which a written case must state (an adverse effect's drug)
    d_parents: dict[str, list[str]]  # disease is-a and same-as links: child -> parents
    finding_ids: list[str]
    finding_pos: dict[str, int]
    f_label: list[str]
    f_lay: list[str]  # the plainest name, for questions
    f_kind: list[str]
    f_question: list[str | None]
    direct: Sparse
    closure: Sparse
    negated: Sparse
    anc_ptr: np.ndarray
    anc_idx: np.ndarray  # strict ancestors of each finding (is-a), nearest first
    f_wsum: np.ndarray
    f_count: np.ndarray
    n_active: int
    lexicon: dict[str, str]  # space-joined normalised content tokens -> finding id
    max_phrase: int
    deletes: dict[str, str]  # misspelling index: token with one letter deleted -> space-joined tokens
    vocab: frozenset[str]
    names: dict[str, str]  # normalised disease name -> disease id
    stats: dict = field(default_factory=dict)
    investigations: Any = None  # investigations.Investigations, set when the graph is built

    def ancestors(self, f: int) -> np.ndarray:
        return self.anc_idx[self.anc_ptr[f]:self.anc_ptr[f + 1]]

    def kept(self, name: str, build: Callable[[], T]) -> T:
        """A structure derived from the index (profiles, neighbours, plans ...), built on first use
        and kept with it, so a cache written after the build stores it too."""
        built = self.__dict__.get(name)
        if built is None:
            built = self.__dict__[name] = build()
        return built


def _sparse(cols: list[list[tuple[int, float, int]]]) -> Sparse:
    ptr = np.zeros(len(cols) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(c) for c in cols])
    flat = [x for c in cols for x in c]
    return Sparse(ptr, np.array([x[0] for x in flat], dtype=np.int32),
                  np.array([x[1] for x in flat], dtype=np.float32),
                  np.array([x[2] for x in flat], dtype=np.int32))


def _ancestors(g: nx.DiGraph, fids: list[str], fpos: dict[str, int]) -> list[list[int]]:
    parents = {f: [v for v in g.successors(f) if g.edges[f, v]["rel"] == "is_a" and v in fpos] for f in fids}
    out: list[list[int]] = []
    for f in fids:  # breadth-first so nearer ancestors come first
        seen: dict[str, None] = {}
        frontier = parents[f]
        while frontier:
            nxt = []
            for p in frontier:
                if p not in seen and p != f:
                    seen[p] = None
                    nxt.extend(parents[p])
            frontier = nxt
        out.append([fpos[p] for p in seen])
    return out


def _closure(n_f: int, anc: list[list[int]], direct: Sparse) -> Sparse:
    """True-path rule in numpy: every (disease, annotated term) also annotates the term's ancestors."""
    terms = np.repeat(np.arange(n_f, dtype=np.int32), np.diff(direct.ptr))
    a_ptr = np.zeros(n_f + 1, dtype=np.int64)
    a_ptr[1:] = np.cumsum([len(a) + 1 for a in anc])
    a_idx = np.array([x for i, a in enumerate(anc) for x in (i, *a)], dtype=np.int32)
    counts = (a_ptr[terms + 1] - a_ptr[terms]).astype(np.int64)
    starts = np.repeat(a_ptr[terms], counts)
    offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    f = a_idx[starts + offs]
    d = np.repeat(direct.dis, counts)
    w = np.repeat(direct.w, counts)
    s = np.repeat(terms, counts)
    order = np.lexsort((-w, d, f))  # by finding, disease, then largest weight first
    f, d, w, s = f[order], d[order], w[order], s[order]
    first = np.ones(len(f), dtype=bool)
    first[1:] = (f[1:] != f[:-1]) | (d[1:] != d[:-1])
    f, d, w, s = f[first], d[first], w[first], s[first]
    ptr = np.zeros(n_f + 1, dtype=np.int64)
    np.add.at(ptr, f + 1, 1)
    return Sparse(np.cumsum(ptr), d, w, s)


def _lay_label(data: dict) -> str:
    lay = data.get("lay") or []
    if lay:
        return min(lay, key=len)
    return data["label"]


def _lexicon(g: nx.DiGraph, fids: list[str], degree: dict[str, int]) -> dict[str, str]:
    best: dict[tuple[str, ...], tuple[tuple, str]] = {}

    def offer(surface: str, fid: str, rank: int, trusted: bool) -> None:
        k = key(surface)
        if not k or (len(k) == 1 and k[0] in _AMBIGUOUS) or not any(sum(c.isalpha() for c in t) >= 2 for t in k):
            return  # a synonym needs a word: "18)" (a YAML list split "t(11, 18)") would read every age
        if not trusted:
            bare = surface.strip()
            if (len(k) == 1 and (len(k[0]) < 4 or k[0] in _GENERIC)) or (bare.isupper() and len(bare) <= 6):
                return
        prio = (rank, -degree.get(fid, 0))
        if k not in best or prio < best[k][0]:
            best[k] = (prio, fid)
        if len(k) == 2 and k[0] in _REVERSIBLE and (k[1], k[0]) not in best:  # "pain in my chest"
            best[(k[1], k[0])] = ((rank + 10, prio[1]), fid)

    for fid in fids:
        data = g.nodes[fid]
        curated = data.get("source") == "curated"
        offer(data["label"], fid, 0, curated)
        for s in data.get("lay") or ():
            offer(s, fid, 2, False)
        for s in data.get("synonyms") or ():
            offer(s, fid, 1 if curated else 3, curated)
        for s in (*LAY_PHRASES.get(fid, ()), *CLINICAL_PHRASES.get(fid, ()), *data.get("phrases", ())):
            offer(s, fid, 1, True)
    for s in NEUTRAL_PHRASES:  # before any finding that shares their words
        best[key(s)] = ((-1, 0), NEUTRAL)
    return {" ".join(k): v[1] for k, v in best.items()}


def _deletes(vocab: frozenset[str]) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for t in sorted(vocab):
        for i in range(len(t)):
            out.setdefault(t[:i] + t[i + 1:], []).append(t)
    return {k: " ".join(v) for k, v in out.items()}


def _names(g: nx.DiGraph, dids: list[str]) -> dict[str, str]:
    rank = {"curated": 0, "umls": 1, "hpo": 2}
    best: dict[str, tuple[tuple[int, int], str]] = {}

    def offer(name: str, did: str, r: tuple[int, int]) -> None:
        for k in {name_key(name), " ".join(sorted(name_key(name).split()))}:
            if k and (k not in best or r < best[k][0]):
                best[k] = (r, did)

    for did in dids:
        data = g.nodes[did]
        src = rank.get(data.get("source", "hpo"), 2)
        for i, n in enumerate([data["label"], *data.get("synonyms", [])]):
            offer(n, did, (src, 0 if i == 0 else 1))
    return {k: v[1] for k, v in best.items()}


def compile_index(g: nx.DiGraph) -> Index:
    dids = sorted(n for n, d in g.nodes(data=True) if d["type"] == "disease")
    fids = sorted(n for n, d in g.nodes(data=True) if d["type"] != "disease")
    dpos = {d: i for i, d in enumerate(dids)}
    fpos = {f: i for i, f in enumerate(fids)}
    direct: list[list[tuple[int, float, int]]] = [[] for _ in fids]
    negated: list[list[tuple[int, float, int]]] = [[] for _ in fids]
    n_edges = g.number_of_edges()
    d_parents: dict[str, list[str]] = {}
    for u, v, e in g.edges(data=True):
        if e["rel"] == "has_finding":
            direct[fpos[v]].append((dpos[u], min(max(e["w"], 0.005), 0.99), fpos[v]))
        elif e["rel"] == "not_finding":
            negated[fpos[v]].append((dpos[u], min(e["w"], 0.02), fpos[v]))
        elif u in dpos and v in dpos:  # disease is-a, and same-as (the HPO disease is the curated one)
            child, parent = (u, v) if e["rel"] == "is_a" else (v, u)
            d_parents.setdefault(child, []).append(parent)
    direct_s, negated_s = _sparse(direct), _sparse(negated)
    anc = _ancestors(g, fids, fpos)
    closure = _closure(len(fids), anc, direct_s)
    nodes = [g.nodes[d] for d in dids]
    hidden = np.array([bool(n.get("hidden")) for n in nodes])
    n_act = int((~hidden).sum())
    f_of = np.repeat(np.arange(len(fids)), np.diff(closure.ptr))
    act = ~hidden[closure.dis]
    sums = np.bincount(f_of[act], weights=closure.w[act], minlength=len(fids))
    counts = np.bincount(f_of[act], minlength=len(fids))
    degree = {f: len(direct[fpos[f]]) for f in fids}
    lexicon = _lexicon(g, fids, degree)
    vocab = frozenset(t for k in lexicon for t in k.split() if len(t) >= 5)
    a_ptr = np.zeros(len(fids) + 1, dtype=np.int64)
    a_ptr[1:] = np.cumsum([len(a) for a in anc])
    ages = np.array([n["age"] if n.get("age") else (np.nan, np.nan) for n in nodes], dtype=float).reshape(-1, 2)
    fnodes = [g.nodes[f] for f in fids]
    return Index(
        disease_ids=dids, disease_pos=dpos, d_name=[n["label"] for n in nodes],
        d_icd10=[n.get("icd10") for n in nodes],
        d_prior_class=[n.get("prior_class", n.get("source", "hpo")) for n in nodes],
        d_age=ages, d_sex=np.array([SEX_CODE[n.get("sex", "any")] for n in nodes], dtype=np.int8),
        d_red=np.array([bool(n.get("red_flag")) for n in nodes]),
        d_mnm=np.array([bool(n.get("must_not_miss")) for n in nodes]),
        d_hidden=hidden, d_source=[n.get("source", "") for n in nodes],
        d_synonyms=[list(n.get("synonyms") or []) for n in nodes], d_specialty=[n.get("specialty", "") for n in nodes],
        d_workup=[list(n.get("workup") or []) for n in nodes], d_treatment=[list(n.get("treatment") or []) for n in nodes],
        d_complications=[list(n.get("complications") or []) for n in nodes],
        d_facts=[list(n.get("facts") or []) for n in nodes],
        d_requires=[list(n.get("requires") or []) for n in nodes],
        d_parents=d_parents,
        finding_ids=fids, finding_pos=fpos, f_label=[n["label"] for n in fnodes],
        f_lay=[_lay_label(n) for n in fnodes], f_kind=[n.get("kind", "symptom") for n in fnodes],
        f_question=[n.get("question") for n in fnodes],
        direct=direct_s, closure=closure, negated=negated_s,
        anc_ptr=a_ptr, anc_idx=np.array([x for a in anc for x in a], dtype=np.int32),
        f_wsum=sums, f_count=counts, n_active=n_act,
        lexicon=lexicon, max_phrase=max((k.count(" ") + 1 for k in lexicon), default=1),
        deletes=_deletes(vocab), vocab=vocab, names=_names(g, dids),
        stats={"diseases": len(dids), "findings": len(fids), "edges": n_edges,
               "curated_diseases": sum(1 for n in nodes if n.get("source") == "curated"),
               "sources": sorted({n.get("source", "") for n in nodes} | {n.get("source", "") for n in fnodes})},
    )
