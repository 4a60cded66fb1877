"""CRAFT-MD diagnostic vignettes: the CSV loader and the ``bench vignettes`` scoring.

A CSV row holds ``case_vignette``, ``choice_1..4``, ``answer`` (and optional ``category``,
``dataset``, ``case_id``). Rows that are malformed (missing text or answer) are skipped
and reported with their line number. The rows split into two fixed halves by a hash of
the vignette text: ``tune`` for choosing parameters and ``test`` for reporting.

Scoring uses the knowledge graph alone (no model): the vignette text becomes a case
state (findings and demographics), and
- ``mcq``: the four choices are looked up in the graph and ordered by their log-odds; a
  choice the graph cannot name ranks last (ties keep the CSV order);
- ``free``: all diseases are ranked; top-k counts when a hypothesis is the answer or a
  subtype of it (``KnowledgeGraph.is_a``); ``coverage`` is the share of answers the
  graph can name.
"""

from __future__ import annotations

import csv
import json
import sys
import zlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

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
    with path.open(encoding="utf-8", newline="") as fh:
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


def score_mcq(kg, vignettes: list[Vignette]) -> dict:
    from meddiag.knowledge.umls_graph.commands import case_from_text

    right = named = 0
    skipped: list[str] = []
    n = 0
    for v in vignettes:
        if not any(_same(c, v.answer) for c in v.choices):
            skipped.append(f"line {v.line}: the answer is not one of the choices")
            continue
        n += 1
        ids = [kg.lookup_disease(c) for c in v.choices]
        scores = kg.log_odds(case_from_text(kg, v.text), [i for i in ids if i])
        by_id = dict(zip([i for i in ids if i], scores))
        order = sorted(range(4), key=lambda k: (ids[k] is None, -by_id.get(ids[k], 0.0) if ids[k] else 0.0, k))
        named += any(ids)
        right += _same(v.choices[order[0]], v.answer)
    return {"n": n, "accuracy": round(right / n, 4) if n else 0.0, "choices_named": named, "skipped": skipped}


def score_free(kg, vignettes: list[Vignette]) -> dict:
    from meddiag.knowledge.umls_graph.commands import case_from_text

    hits = {1: 0, 3: 0, 10: 0}
    covered = 0
    for v in vignettes:
        target = kg.lookup_disease(v.answer)
        if target is None:
            continue
        covered += 1
        ranked = [h.disease_id for h in kg.rank(case_from_text(kg, v.text), top=10).hypotheses]
        pos = next((i for i, d in enumerate(ranked, 1) if d == target or kg.is_a(d, target)), None)
        for k in hits:
            hits[k] += pos is not None and pos <= k
    n = len(vignettes)
    res = {"n": n, **{f"top{k}": round(h / n, 4) if n else 0.0 for k, h in hits.items()},
           "coverage": round(covered / n, 4) if n else 0.0}
    return res


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
