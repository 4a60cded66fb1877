"""CRAFT-MD diagnostic vignettes: the CSV loader and the ``bench vignettes`` scoring.

A CSV row holds ``case_vignette``, ``choice_1..4``, ``answer`` (and optional ``category``,
``dataset``, ``case_id``). Rows that are malformed (missing text or answer) are skipped
and reported with their line number. The rows split into two fixed halves by a hash of
the vignette text: ``tune`` for choosing parameters and ``test`` for reporting.

Scoring uses the knowledge graph alone (no model): the vignette text becomes a case
state (findings and demographics), and
- ``mcq``: the four choices are looked up in the graph and ordered by their log-odds; a
  choice the graph cannot name ranks last (ties keep the CSV order);
- ``free``: the graph answers from the list the question asks for (``asks.ask_of``): all
  diseases for a diagnosis (top-k counts when a hypothesis is the answer or a subtype of
  it, ``KnowledgeGraph.is_a``), all investigations for a test (``suggest_tests``' order),
  the expected findings for a finding; ``coverage`` is the share of answers the graph can
  name (a disease, an investigation or a finding).
"""

from __future__ import annotations

import csv
import json
import sys
import re
import zlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from meddiag.knowledge.umls_graph.text import name_key

Half = Literal["tune", "test", "all"]
REQUIRED = ("case_vignette", "choice_1", "choice_2", "choice_3", "choice_4", "answer")


class VignetteError(ValueError):
    """The vignette file cannot be read; the message says why."""


class Vignette(BaseModel):
    line: int
    text: str
    choices: list[str]
    answer: str
    category: str = ""
    dataset: str = ""
    case_id: str = ""

    @property
    def half(self) -> Literal["tune", "test"]:
        return "tune" if zlib.crc32(self.text.encode()) % 2 == 0 else "test"


def load_vignettes(path: str | Path) -> tuple[list[Vignette], list[str]]:
    """(vignettes, one problem line per skipped row)."""
    path = Path(path)
    if not path.is_file():
        raise VignetteError(f"vignette file not found: {path}")
    out: list[Vignette] = []
    problems: list[str] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:  # a bad byte spoils a row, not the run
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise VignetteError(f"{path.name}: not a CRAFT-MD vignette CSV (missing columns {', '.join(missing)})")
        line = reader.line_num + 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if None in row or any(v is None for v in row.values()):
                problems.append(f"line {start}: wrong number of columns")
                continue
            vals = {k: (v or "").strip() for k, v in row.items()}
            empty = [c for c in REQUIRED if not vals[c]]
            if empty:
                problems.append(f"line {start}: empty {', '.join(empty)}")
                continue
            out.append(Vignette(line=start, text=vals["case_vignette"],
                                choices=[vals[f"choice_{i}"] for i in range(1, 5)], answer=vals["answer"],
                                category=vals.get("category", ""), dataset=vals.get("dataset", ""),
                                case_id=vals.get("case_id", "")))
    return out, problems


def select(vignettes: list[Vignette], half: Half = "all", limit: int | None = None) -> list[Vignette]:
    chosen = [v for v in vignettes if half == "all" or v.half == half]
    return chosen[:limit] if limit else chosen


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def case_states(kg, vignettes: list[Vignette]) -> list:
    """The case state of each vignette (its findings and demographics as the graph reads them)."""
    from meddiag.knowledge.umls_graph.commands import case_from_text

    return [case_from_text(kg, v.text) for v in vignettes]


PLAN_FLOOR = 0.05  # a choice the likely diseases' work-up or treatment covers this much counts log(2) x plan_weight


class ChoiceSpec(BaseModel):
    """What the graph makes of one answer choice: the diseases it names, else the findings in it."""

    ids: list[str] = []
    findings: list[str] = []
    text: str = ""  # the choice's own words ("Urine metanephrines"), matched to disease profiles and plans


# a choice that names a test, a result or a statement, not a disease ("Measles-specific IgM antibodies",
# "Renal angiomyolipoma on abdominal MRI", "Glucose: ↓, Proteins: ↑"): only its exact name may name one
_NOT_A_NAME = re.compile(r"\b(?:ig[mga]|elisa|assay|serolog(?:y|ies)|titers?|tests?|testing|mri|ct|x-ray|"
                         r"ultrasound|biopsy|cultures?|consult|screening|risk factor|levels?)\b|[:\u2191\u2193]", re.I)


def choice_spec(kg, choice: str) -> ChoiceSpec:
    """The diseases a choice names (with the kinds of it: "Pneumothorax" covers tension and
    traumatic pneumothorax), else the findings and words in it."""
    if _NOT_A_NAME.search(choice):
        ids = [d for d in [kg.namer.names.get(name_key(choice))] if d]
    else:
        ids = kg.lookup_diseases(choice) or [d for d in [kg.namer.contained(choice)] if d]
        ids = list(dict.fromkeys(ids + kg.namer.kinds(choice)))
    if ids:
        return ChoiceSpec(ids=ids, text=choice)
    found = {x.id for x in kg.extract(choice) if x.polarity == "present" and x.id in kg.index.finding_pos}
    return ChoiceSpec(findings=sorted(found), text=choice)


def question_specs(kg, choices: list[str]) -> list[ChoiceSpec]:
    """Each choice's spec, a general choice ceding the kinds another choice names itself
    ("Melanoma" next to "Acral melanoma" does not count acral melanoma)."""
    specs = [choice_spec(kg, c) for c in choices]
    own = [set(s.ids[:1]) for s in specs]
    for i, s in enumerate(specs):
        taken = set().union(*(o for j, o in enumerate(own) if j != i)) - own[i]
        if taken & set(s.ids):
            specs[i] = s.model_copy(update={"ids": [d for d in s.ids if d not in taken]})
    return specs


def choice_scores(kg, state, specs: list[ChoiceSpec], scores=None, text: str = "") -> list[float]:
    """How well each answer choice fits the case, on one log-odds scale (higher is better).

    A choice the graph names (itself, a family of diseases, or the most specific disease
    named inside it) scores its log-odds relative to the best disease of the whole
    differential. A choice it cannot name scores ``unknown_choice``, plus how much more
    likely the findings named in the choice ("granular casts", "elevated urine VMA") and
    the choice's words (matched to the diseases' word profiles, ``choice_text_weight``)
    are under the case's posterior than on average, plus ``plan_weight`` x how much of the
    choice the likely diseases' work-up, first-line treatment or facts cover (``plans.py``:
    "Amniocentesis" for Down syndrome, "Obesity" for renal cell carcinoma) — so an unnamed
    choice is neither automatically last nor automatically first. (Scoring test choices by
    the value of the investigations they name was tried and lost 4 of 85 tune-half questions:
    not used.) ``text`` is the vignette or its question. When the question asks for something
    other than the diagnosis (``asks.asks_disease``: a risk factor, an association, a cause), a named choice scores the
    better of the two ways, the second only when the likely diseases' plans or facts name it
    ("Obesity" is a disease too). When it asks for a complication (``asks.asks_complication``),
    a named choice also gains ``complication_weight`` x how much of the posterior lies on
    diseases that lead to it (``plans.Complications``). A diagnosis the text states outright
    (``asks.stated_diagnoses``) leads that posterior by ``STATED_LEAD`` when the question asks
    something else ("Which test can confirm the diagnosis of Down syndrome in utero?").
    """
    import numpy as np

    from meddiag.knowledge.umls_graph.plans import complications_of, plans_of
    from meddiag.knowledge.umls_graph.profile import profiles_of
    from meddiag.simulation.asks import asks_complication, asks_disease

    ix, prm, ranker = kg.index, kg.params, kg._ranker
    complication = asks_complication(text)
    beyond = bool(text) and not asks_disease(text)
    s = ranker.scores(state) if scores is None else scores
    finite = np.isfinite(s)
    top = float(s[finite].max()) if finite.any() else 0.0
    told = s.copy()
    if beyond:  # the text names the diagnosis ("confirm the diagnosis of Down syndrome"): the plans are its plans
        for d in stated_positions(kg, text):
            told[d] = top + STATED_LEAD
    high = float(told[finite].max()) if finite.any() else 0.0
    z = np.where(finite, np.exp(np.where(finite, told - high, -50.0)), 0.0)
    post = z / z.sum()

    def lift(weight: float, share: float) -> float:  # a share of the posterior, as log-odds
        return weight * float(np.log1p(share / PLAN_FLOOR))

    def unnamed(spec: ChoiceSpec) -> float:
        score = prm.unknown_choice
        lr = np.zeros(len(s))
        if spec.findings:
            lr += sum(ranker.terms(ix.finding_pos[f], "present") for f in spec.findings)
        if spec.text and prm.choice_text_weight:
            lr += prm.choice_text_weight * profiles_of(ix).scores(spec.text)
        if lr.any():
            score += float(np.log(max((post * np.exp(np.minimum(lr, 30))).sum(), 1e-12)))
        if spec.text and prm.plan_weight:  # "Amniocentesis" for Down syndrome, "Burr hole" for a subdural
            score += lift(prm.plan_weight, float((post * plans_of(ix).match(spec.text)).sum()))
        return score

    out: list[float] = []
    for spec in specs:
        pos = [ix.disease_pos[i] for i in spec.ids if np.isfinite(s[ix.disease_pos[i]])]
        if not pos:
            out.append(unnamed(spec))
            continue
        v = s[pos]
        score = float(v.max() + np.log(np.exp(v - v.max()).sum())) - top
        if complication and prm.complication_weight:
            led = complications_of(kg).covered(post, {ix.disease_pos[i] for i in spec.ids})
            score += lift(prm.complication_weight, led)
        if beyond and spec.text:
            alt = unnamed(ChoiceSpec(text=spec.text))
            if alt > prm.unknown_choice:
                score = max(score, alt)
        out.append(score)
    return out


STATED_LEAD = 5.0  # log-odds a diagnosis the text states leads the rest of the differential by


def stated_positions(kg, text: str) -> list[int]:
    """The graph's diseases for the diagnoses a text states outright (``asks.stated_diagnoses``)."""
    from meddiag.simulation.asks import stated_diagnoses

    ix = kg.index
    ids = [i for name in stated_diagnoses(text) for i in kg.lookup_diseases(name, contained=True)]
    return sorted({ix.disease_pos[i] for i in ids if i in ix.disease_pos})


def chosen(scores: list[float]) -> int:
    """The choice a set of scores picks: the highest, the first of equals."""
    return max(range(len(scores)), key=lambda k: (scores[k], -k))


def score_mcq(kg, vignettes: list[Vignette], states: list | None = None,
              specs: list[list[ChoiceSpec]] | None = None) -> dict:
    states = states if states is not None else case_states(kg, vignettes)
    specs = specs if specs is not None else [question_specs(kg, v.choices) for v in vignettes]
    right = named = n = 0
    skipped: list[str] = []
    for v, st, sp in zip(vignettes, states, specs):
        if not any(_same(c, v.answer) for c in v.choices):
            skipped.append(f"line {v.line}: the answer is not one of the choices")
            continue
        n += 1
        sc = choice_scores(kg, st, sp, text=v.text)
        best = chosen(sc)
        named += any(x.ids for x in sp)
        right += _same(v.choices[best], v.answer)
    return {"n": n, "accuracy": round(right / n, 4) if n else 0.0, "choices_named": named, "skipped": skipped}


def answer_ids(kg, answer: str) -> list[str]:
    """The diseases that count as naming the answer: it, its family members, or the disease it
    qualifies ("Infantile seborrheic dermatitis" -> seborrheic dermatitis), and its kinds."""
    return list(dict.fromkeys(kg.lookup_diseases(answer, contained=True) + kg.namer.kinds(answer)))


class AnswerTargets(BaseModel):
    """What an answer names in the graph: diseases, else investigations and findings."""

    diseases: list[str] = []
    tests: list[str] = []
    findings: list[str] = []

    @property
    def named(self) -> bool:
        return bool(self.diseases or self.tests or self.findings)


def answer_targets(kg, answer: str) -> AnswerTargets:
    diseases = answer_ids(kg, answer)
    if diseases:
        return AnswerTargets(diseases=diseases)
    return AnswerTargets(tests=kg.lookup_investigations(answer), findings=answer_findings(kg, answer))


def answer_findings(kg, answer: str) -> list[str]:
    """The signs, symptoms and test results an answer states, when they make up at least half of
    its words ("Non-caseating granulomas", "Granular casts"; not "Chronic NSAID use", and never
    a drug or exposure: those are risk findings, not answers about what a case shows)."""
    from meddiag.knowledge.umls_graph.text import key

    ix = kg.index
    words = len(key(answer))
    found = [c for c in kg.extract(answer) if c.polarity == "present" and c.id in ix.finding_pos
             and ix.f_kind[ix.finding_pos[c.id]] not in ("risk", "history")]
    covered = sum(len(key(c.text)) for c in found)
    return sorted({c.id for c in found}) if words and covered * 2 >= words else []


def free_rank(kg, ask: str, targets: AnswerTargets, state) -> int | None:
    """The answer's rank in the list the question asks for — diseases for a diagnosis,
    investigations for a test, expected findings for a finding (None: not in that list)."""
    import numpy as np

    if ask == "test" and targets.tests:
        inv = kg.investigations
        v = inv.value(kg._ranker, state)
        best = max(v[inv.ids.index(t)] for t in targets.tests)
        return int((v > best).sum()) + 1 if best > 0 else None
    if ask == "finding" and targets.findings:
        cands, lift = kg._ranker.expected_findings(state)
        ix = kg.index
        pos = np.isin(cands, [ix.finding_pos[f] for f in targets.findings])
        if not pos.any():
            return None
        return int((lift > lift[pos].max()).sum()) + 1
    if ask in ("diagnosis", "treatment") and targets.diseases:
        return hit_rank(kg, targets.diseases, kg._ranker.scores(state))
    return None


def hit_rank(kg, targets: list[str], scores) -> int | None:
    """1-based rank of the best-placed disease that is a target or a kind of one (None: unranked)."""
    import numpy as np

    ix = kg.index
    hits = [ix.disease_pos[t] for t in targets]
    for d in _subtypes(kg, tuple(targets)):
        hits.append(d)
    best = max(scores[h] for h in hits)
    if not np.isfinite(best):
        return None
    return int((scores > best).sum()) + 1


def _subtypes(kg, targets: tuple[str, ...]) -> list[int]:
    cache = kg.__dict__.setdefault("_subtype_cache", {})
    if targets not in cache:
        ix = kg.index
        cands = {d for d, src in zip(ix.disease_ids, ix.d_source) if src == "curated"} | set(ix.d_parents)
        cache[targets] = [ix.disease_pos[d] for d in sorted(cands)
                          if d not in targets and any(kg.is_a(d, t) for t in targets)]
    return cache[targets]


def score_free(kg, vignettes: list[Vignette], states: list | None = None,
               targets: list[AnswerTargets] | None = None) -> dict:
    """Top-k in the list each question asks for (``asks.ask_of``); coverage: answers the graph names
    (a disease, an investigation or a finding)."""
    from meddiag.simulation.asks import ask_of

    states = states if states is not None else case_states(kg, vignettes)
    targets = targets if targets is not None else [answer_targets(kg, v.answer) for v in vignettes]
    hits = {1: 0, 3: 0, 10: 0}
    covered = 0
    for v, st, tg in zip(vignettes, states, targets):
        if not tg.named:
            continue
        covered += 1
        pos = free_rank(kg, ask_of(v.text), tg, st)
        for k in hits:
            hits[k] += pos is not None and pos <= k
    n = len(vignettes)
    return {"n": n, **{f"top{k}": round(h / n, 4) if n else 0.0 for k, h in hits.items()},
            "coverage": round(covered / n, 4) if n else 0.0}


def cmd_vignettes(args) -> int:
    from meddiag.knowledge.umls_graph.commands import _graph

    if args.limit is not None and args.limit < 1:
        raise VignetteError("--limit must be a positive number")
    vignettes, problems = load_vignettes(args.path)
    for p in problems:
        print(f"skipped {p}", file=sys.stderr)
    chosen = select(vignettes, args.half, args.limit)
    kg = _graph(args)
    res = score_mcq(kg, chosen) if args.mode == "mcq" else score_free(kg, chosen)
    for p in res.pop("skipped", []):
        print(f"skipped {p}", file=sys.stderr)
    if args.json:
        print(json.dumps(res))
    else:
        print("  ".join(f"{k}={v}" for k, v in res.items()))
    return 0


def register_bench(bench_sub) -> None:
    """Add ``vignettes`` to the ``bench`` subcommands."""
    p = bench_sub.add_parser("vignettes", help="score the knowledge graph on CRAFT-MD vignettes (CSV)")
    p.add_argument("path", help="a CRAFT-MD vignette CSV, e.g. ../shared/benchmarks/craftmd_vignettes_dev.csv")
    p.add_argument("--mode", choices=["mcq", "free"], default="mcq",
                   help="mcq: rank the 4 choices; free: rank all diseases")
    p.add_argument("--limit", type=int, default=None, help="score only the first N vignettes")
    p.add_argument("--half", choices=["tune", "test", "all"], default="all",
                   help="a fixed half of the rows (tune for tuning, test for reporting)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_vignettes)
