"""Assemble the knowledge graph (networkx) from its sources.

Node ids are stable strings. Findings are keyed by their HPO id (``HP:0001945``) when
HPO has the term, the UMLS CUI being kept as the ``cui`` attribute; a UMLS concept that
is the xref of an HPO term merges into that term's node (its names become synonyms);
other UMLS concepts are keyed by their CUI (``C0015967``); curated findings HPO lacks
are ``local:slug``. Diseases are ``curated:slug``, ``OMIM:n``, ``ORPHA:n``,
``DECIPHER:n`` or a CUI. HPO ids are preferred over CUIs as keys because every source
we ship (HPO annotations, curated files) speaks HPO, while CUIs come only with the
licensed UMLS files; keying by HPO keeps ids identical with and without UMLS.

Node attribute ``type``: ``disease``, ``finding``, ``test`` (a test result) or ``risk``
(a demographic or risk factor). Edge attribute ``rel``: ``has_finding`` (disease ->
finding, ``w`` = P(finding | disease)), ``not_finding`` (the finding argues against the
disease), ``is_a`` (child -> parent, findings or diseases) and ``same_as`` (a curated
condition -> the HPO disease it cross-references; that disease is then ``hidden`` from
ranking so a condition is not counted twice).
"""

from __future__ import annotations

import re

import networkx as nx

from meddiag.knowledge.umls_graph import hpo
from meddiag.knowledge.umls_graph.curated import CuratedLayer
from meddiag.knowledge.umls_graph.text import name_key
from meddiag.knowledge.umls_graph.umls_rrf import UmlsData

PRIORS = {  # prevalence class -> prior probability of the condition in a consultation
    "very_common": 3e-2,
    "common": 1e-2,
    "uncommon": 2e-3,
    "rare": 2e-4,
    "very_rare": 3e-5,
}
HPO_PRIOR = 2e-6  # a rare Mendelian disease from phenotype.hpoa
UMLS_PRIOR = 1e-5  # a disease known only from the UMLS files
UMLS_WEIGHT = 0.3  # P(finding | disease) for an unweighted UMLS relation

_TEST_NAME = re.compile(
    r"\b(level|levels|concentration|count|serum|plasma|urine|urinary|circulating|activity|titer|titre|"
    r"antibod\w*|biopsy|histolog\w*|radiograph\w*|imaging|mri|ct|eeg|ecg|ekg|electroencephalo\w*|"
    r"electrocardiog\w*|echocardiog\w*|ultrasound|on [a-z]+ scan|csf|cerebrospinal|glucose|protein|"
    r"sedimentation|urea nitrogen|creatinine|bilirubin|\w*aminotransferase|transaminases?|ferritin|esr|"
    r"proteinuria|acidosis|alkalosis|hyperglycemia|hypoglycemia|anemia|\w+kalemia|\w+natremia|\w+calcemia|lipid\w*|\w*lipidemia|cholesterol\w*|triglycerid\w*)\b",
    re.IGNORECASE,
)
_EXAM_NAME = re.compile(
    r"(megaly|murmur|tenderness|reflex|rales|crackles|rhonchi|bruit|tachycardia|bradycardia|tachypnea|bradypnea|"
    r"hypotension|hypertension|hypoxemia|papilledema|nystagmus|clonus|\bsign\b|auscultation|palpa\w*|guarding|"
    r"rebound|pallor|cyanosis|mass\b|effusion)",
    re.IGNORECASE,
)
_LAB_ROOTS = ("HP:0001871", "HP:0001939", "HP:0003110")  # blood, metabolism/homeostasis, urine


def _descendants(children: dict[str, list[str]], root: str) -> set[str]:
    seen, stack = {root}, [root]
    while stack:
        for c in children.get(stack.pop(), ()):
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return seen


def _hpo_kind(term: hpo.Term, lab: bool, history: bool) -> str:
    if history:
        return "history"
    names = [term.name, *term.synonyms]
    if any(_TEST_NAME.search(n) for n in names) or (lab and not term.lay):
        return "test"
    if _EXAM_NAME.search(term.name):
        return "sign"
    return "symptom" if term.lay else "sign"


def node_type(kind: str) -> str:
    return {"test": "test", "risk": "risk"}.get(kind, "finding")


def add_hpo(g: nx.DiGraph, terms: dict[str, hpo.Term], diseases: dict[str, hpo.Disease],
            extra: set[str] = frozenset()) -> None:
    """HPO phenotype and history terms (plus ``extra`` terms the curated layer uses) and diseases."""
    children: dict[str, list[str]] = {}
    for t in terms.values():
        for p in t.parents:
            children.setdefault(p, []).append(t.id)
    history = _descendants(children, hpo.ROOT_HISTORY) & terms.keys()
    keep = (_descendants(children, hpo.ROOT_PHENOTYPE) & terms.keys()) | history | (extra & terms.keys())
    lab = set().union(*(_descendants(children, r) for r in _LAB_ROOTS))
    alt = {a: t.id for t in terms.values() for a in t.alt_ids}
    for tid in keep:
        t = terms[tid]
        kind = _hpo_kind(t, tid in lab, tid in history)
        g.add_node(tid, type=node_type(kind), kind=kind, label=t.name, synonyms=t.synonyms, lay=t.lay,
                   cui=t.umls, snomed=t.snomed, source="hpo")
    for tid in keep:
        for p in terms[tid].parents:
            if p in keep:
                g.add_edge(tid, p, rel="is_a")
    edges: dict[tuple[str, str], tuple[str, float]] = {}
    for d in diseases.values():
        g.add_node(d.id, type="disease", label=d.name, synonyms=[], icd10=None, prior=HPO_PRIOR, prior_class="hpo",
                   sex="any", age=d.age, red_flag=False, must_not_miss=False, specialty="rare disease",
                   source="hpo")
        for a in d.annotations:
            fid = alt.get(a.hpo_id, a.hpo_id)
            if fid not in keep:
                continue
            rel = "not_finding" if a.negated else "has_finding"
            old = edges.get((d.id, fid))
            if old is None or (rel == old[0] and a.freq > old[1]):
                edges[(d.id, fid)] = (rel, a.freq)
    g.add_edges_from((u, v, {"rel": rel, "w": w}) for (u, v), (rel, w) in edges.items())


def add_curated(g: nx.DiGraph, layer: CuratedLayer) -> None:
    """Curated findings and conditions; an HPO disease a condition cross-references or shares a
    name with becomes ``same_as`` it and is hidden from ranking (not counted twice)."""
    hpo_names: dict[str, list[str]] = {}
    for nid, data in g.nodes(data=True):
        if data.get("type") == "disease" and data.get("source") == "hpo":
            hpo_names.setdefault(name_key(data["label"]), []).append(nid)
    for lf in layer.local_findings.values():
        g.add_node(lf.id, type=node_type(lf.kind), kind=lf.kind, label=lf.name, synonyms=lf.synonyms, lay=[],
                   cui=[], snomed=[], question=lf.question, source="curated")
    for hid, words in layer.phrases.items():
        if hid in g:
            g.nodes[hid]["phrases"] = words
    for child, parents in layer.is_a.items():
        g.add_edges_from((child, p, {"rel": "is_a"}) for p in parents if child in g and p in g and child != p)
    facts, requires = layer.facts, layer.requires
    for specialty, c in layer.conditions:
        cid = f"curated:{c.id}"
        g.add_node(cid, type="disease", label=c.name, synonyms=c.synonyms, icd10=c.icd10, prior=PRIORS[c.prior],
                   prior_class=c.prior, sex=c.sex, age=tuple(c.age), red_flag=c.red_flag, must_not_miss=c.must_not_miss,
                   specialty=specialty, source="curated", workup=list(c.workup), treatment=list(c.treatment),
                   complications=list(c.complications), facts=facts.get(c.id, []), requires=requires.get(c.id, []))
        for r in c.findings:
            if r.id in g:
                g.add_edge(cid, r.id, rel="has_finding" if r.w > 0.02 else "not_finding", w=r.w)
        same = {x for x in c.xrefs if x in g}
        for n in (c.name, *c.synonyms):  # an HPO disease of the same name is the same condition
            same.update(hpo_names.get(name_key(n), ()))
        for x in sorted(same):
            g.add_edge(cid, x, rel="same_as")
            g.nodes[x]["hidden"] = True


def add_umls(g: nx.DiGraph, umls: UmlsData) -> dict[str, str]:
    """Add UMLS concepts; returns CUI -> node id (an HPO id where HPO has the CUI)."""
    by_cui: dict[str, str] = {}
    for nid, data in g.nodes(data=True):
        for cui in data.get("cui") or ():
            by_cui.setdefault(cui, nid)
    for c in umls.concepts.values():
        nid = by_cui.get(c.cui)
        if nid is not None and c.kind != "disease":  # a disease is never merged into a phenotype term
            data = g.nodes[nid]
            data["synonyms"] = data["synonyms"] + [s for s in c.synonyms if s != data["label"]
                                                   and s not in data["synonyms"]]
            continue
        by_cui[c.cui] = c.cui
        if c.kind == "disease":
            g.add_node(c.cui, type="disease", label=c.name, synonyms=c.synonyms, icd10=None, prior=UMLS_PRIOR, prior_class="umls",
                       sex="any", age=None, red_flag=False, must_not_miss=False, specialty="", source="umls")
        else:
            kind = "test" if c.kind == "test" else "symptom"
            g.add_node(c.cui, type=node_type(kind), kind=kind, label=c.name, synonyms=c.synonyms, lay=[],
                       cui=[c.cui], snomed=[], source="umls")
    for child, parent in umls.is_a:
        a, b = by_cui[child], by_cui[parent]
        if a != b and not g.has_edge(a, b):
            g.add_edge(a, b, rel="is_a")
    for dis, fnd in umls.manifests:
        a, b = by_cui[dis], by_cui[fnd]
        if g.nodes[a]["type"] == "disease" and g.nodes[b]["type"] != "disease" and not g.has_edge(a, b):
            g.add_edge(a, b, rel="has_finding", w=UMLS_WEIGHT)
    return by_cui


def build_graph(terms: dict[str, hpo.Term], diseases: dict[str, hpo.Disease], layer: CuratedLayer | None = None,
                umls: UmlsData | None = None) -> nx.DiGraph:
    g = nx.DiGraph()
    used = {r.id for _, c in layer.conditions for r in c.findings} if layer is not None else set()
    add_hpo(g, terms, diseases, used)
    if layer is not None:
        add_curated(g, layer)
    if umls is not None:
        add_umls(g, umls)
    return g
