"""``meddiag kg ...``: inspect the knowledge graph from the command line.

``stats`` (sizes and sources), ``rank "free text"`` (the differential the graph alone
gives for a case description), ``ask "free text"`` (the next best questions), ``find
"phrase"`` (the curation helper: HPO terms and ICD-10-CM codes for a phrase) and
``coverage PATH`` (the benchmark answers and choices the graph cannot name, by specialty).
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from meddiag.schema import CaseState, Finding

_STATUS = {"present": "present", "absent": "absent", "uncertain": "unknown"}


# in a child's case, the mother's pregnancy, labour and puerperium ("born to a primigravid woman", "the
# pregnancy was complicated by preeclampsia", "delivered vaginally"), never the child's own
_MOTHERS = frozenset(("local:pregnancy", "local:early_pregnancy", "local:late_pregnancy", "local:gestation_42_weeks",
                      "local:second_trimester_pregnancy", "local:missed_period", "local:positive_pregnancy_test",
                      "local:postpartum_period", "local:recently_postpartum", "local:within_year_after_delivery",
                      "local:during_labor_or_delivery", "local:primigravida", "local:nulliparity",
                      "local:new_hypertension_in_pregnancy", "local:heavy_bleeding_after_delivery", "HP:0100602"))


_XY_FEMALE = "local:karyotype_46xy_female_phenotype"


def case_from_text(kg, text: str) -> CaseState:
    """A case state holding the demographics and findings stated in a written case (loose matching); the words of
    its closing question ("Which of the following tumor markers ...") are not findings of the case."""
    state = CaseState(demographics=kg.demographics(text), chief_complaint=text[:200], narrative=text)
    age = state.demographics.age
    asked = _asked_from(text)
    for c in kg.extract(text, loose=True, age=age):
        if c.span and c.span[0] >= asked:
            continue  # the question's own words ("Which of the following tumor markers ...") are not the case's
        if age is not None and age < 10 and c.id in _MOTHERS:
            continue
        if c.id == _XY_FEMALE and state.demographics.sex == "male":
            continue  # a boy's or man's 46,XY is his own normal karyotype
        had = state.findings.get(c.id)
        if had is not None and had.status == "present" and c.polarity != "present":
            continue  # "history of hypertension ... BP 118/76": the stated finding stands
        state.update(Finding(id=c.id, label=c.label, status=_STATUS[c.polarity], source="intake",
                             span=c.span, text=c.text, value=c.value, unit=c.unit))
    return state


_ASKING = re.compile(r"\b(?:which|what|how|if|given|in addition to)\b", re.I)


def _asked_from(text: str) -> int:
    """Where a written case's closing question begins (its length when it ends with none)."""
    from meddiag.simulation.asks import question_of

    q = question_of(text)
    at = text.rfind(q) if q else -1
    if at <= 0 or (not q.rstrip('"').endswith("?") and text[at + len(q):].strip(' "\n')):
        return len(text)  # no question, or a heading ("Vital signs:") in the middle of the case
    m = _ASKING.search(text, at)
    return m.start() if m else at


def _graph(args):
    """The graph a command works on: ``args.graph`` when a caller supplies one, else loaded."""
    if getattr(args, "graph", None) is not None:
        return args.graph
    from meddiag.knowledge.umls_graph import load_graph

    return load_graph(umls_dir=getattr(args, "umls", None))


def _text(args) -> str:
    text = " ".join(args.text).strip()
    if not text:
        raise ValueError("give the case as free text, e.g. meddiag kg rank \"fever and cough for 3 days\"")
    return text


def cmd_stats(args) -> int:
    stats = _graph(args).stats()
    if args.json:
        print(json.dumps(stats))
    else:
        for k, v in stats.items():
            print(f"{k:18} {', '.join(v) if isinstance(v, list) else v}")
    return 0


def cmd_rank(args) -> int:
    text = _text(args)
    kg = _graph(args)
    state = case_from_text(kg, text)
    diff = kg.rank(state, top=args.top)
    words = kg._ranker.text_scores(state.narrative) if kg.params.text_weight or kg.params.fact_weight else None
    rows = [{"name": h.name, "icd10": h.icd10, "score": round(h.probability, 4), "log_odds": h.score, "id": h.disease_id,
             "text": round(float(words[kg.index.disease_pos[h.disease_id]]), 3) if words is not None else 0.0,
             "evidence": [{"finding": e.label, "status": e.status, "weight": e.weight, "path": e.path}
                          for e in h.evidence]} for h in diff.hypotheses]
    if args.json:
        print(json.dumps(rows))
        return 0
    found = ", ".join(f"{f.label} ({f.status})" for f in state.findings.values()) or "none"
    print(f"findings: {found}")
    for i, r in enumerate(rows, 1):
        why = "; ".join([f"{e['finding']} {e['weight']:+.2f}" for e in r["evidence"][:4]]
                        + ([f"case wording {r['text']:+.2f}"] if r["text"] >= 0.05 else []))
        print(f"{i:2}. {r['name']} [{r['icd10'] or r['id']}] p={r['score']:.3f}  {why}")
    return 0


def cmd_ask(args) -> int:
    text = _text(args)
    kg = _graph(args)
    state = case_from_text(kg, text)
    qs = kg.next_questions(state, top=args.top, kinds=tuple(args.kind or ["history"]))
    if args.json:
        print(json.dumps([q.model_dump() for q in qs]))
        return 0
    for q in qs:
        print(f"{q.text}  [{q.finding_id} {q.label}, {q.kind}, gain {q.gain:.3f} bits]")
    return 0


def cmd_tests(args) -> int:
    kg = _graph(args)
    state = case_from_text(kg, _text(args))
    tests = kg.suggest_tests(state, top=args.top) if state.findings else []
    if not state.findings:
        print("no finding recognised in the text, so no test to suggest: describe symptoms, signs or results",
              file=sys.stderr)
    if args.json:
        print(json.dumps([{"id": i, "name": n, "value": v} for i, n, v in tests]))
        return 0
    for i, (tid, name, value) in enumerate(tests, 1):
        print(f"{i:2}. {name}  [{tid}, value {value:.2f}]")
    return 0


def cmd_find(args) -> int:
    from meddiag.knowledge.umls_graph.curated import find

    res = find(_text(args), limit=args.limit)
    if args.json:
        print(json.dumps(res))
        return 0
    for i, n in res["hpo"]:
        print(f"HPO  {i}  {n}")
    for c, d in res["icd10"]:
        print(f"ICD  {c}  {d}")
    return 0


def cmd_coverage(args) -> int:
    from meddiag.knowledge.umls_graph.coverage import coverage

    rep = coverage(_graph(args), args.path, half=args.half)
    if args.json:
        print(rep.model_dump_json())
        return 0
    print(f"{rep.vignettes} vignettes: answers named {rep.answers_named:.1%}, choices named {rep.choices_named:.1%}")
    for c in rep.categories:
        n_a = sum(u.count for u in c.answers_unnamed)
        n_c = sum(u.count for u in c.choices_unnamed)
        print(f"\n## {c.category}: {n_a}/{c.answers} answers and {n_c}/{c.choices} choices unnamed")
        for label, items in (("answer", c.answers_unnamed), ("choice", c.choices_unnamed)):
            for u in items[:args.top]:
                print(f"  {label}  {u.count:3}  {u.name}  [{u.kind}]")
    return 0


def register(sub) -> None:
    kg = sub.add_parser("kg", help="query the knowledge graph (stats, rank, ask, tests, find, coverage)")
    kg_sub = kg.add_subparsers(dest="kg_command", metavar="ACTION", required=True)

    def add(name: str, func, help: str, text: bool = True) -> argparse.ArgumentParser:
        p = kg_sub.add_parser(name, help=help)
        if text:
            p.add_argument("text", nargs="+", help="free text")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--umls", metavar="DIR", help="a folder with UMLS MRCONSO/MRREL/MRSTY.RRF files")
        p.set_defaults(func=func)
        return p

    add("stats", cmd_stats, "sizes of the graph and its sources", text=False)
    add("rank", cmd_rank, "rank diseases for a free-text case").add_argument("--top", type=int, default=10)
    ask = add("ask", cmd_ask, "the next best questions for a free-text case")
    ask.add_argument("--top", type=int, default=3)
    ask.add_argument("--kind", action="append", choices=["history", "exam", "test"],
                     help="question kinds (repeatable; default history)")
    cov = add("coverage", cmd_coverage, "benchmark answers and choices the graph cannot name, by specialty",
              text=False)
    cov.add_argument("path", help="a CRAFT-MD vignette CSV, e.g. ../shared/benchmarks/craftmd_vignettes_dev.csv")
    cov.add_argument("--half", choices=["tune", "test", "all"], default="all", help="a fixed half of the rows")
    cov.add_argument("--top", type=int, default=1000, help="at most this many names per list (text output)")
    add("tests", cmd_tests, "the investigations most worth ordering for a free-text case").add_argument(
        "--top", type=int, default=5)
    add("find", cmd_find, "curation helper: HPO terms and ICD-10-CM codes for a phrase").add_argument(
        "--limit", type=int, default=10)
