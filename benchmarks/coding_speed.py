"""ICD-10-CM search latency: the FTS5 index against linear scans of the codes.

Two baselines, both with their data already in memory before timing (loading is not
counted), both ranking by words matched, then billable, then shorter description:

* ``scan``: every one of the ~98k codes, description and inclusion terms lowercased once;
  a query word counts when it occurs in the text (substring test). This is the linear
  scan of all codes one writes without an index, and the one the goal refers to.
* ``sets``: a generous baseline: only the ~47k codes that carry text of their own (7th
  character extensions left out, as in the index), each pre-split into a set of stemmed
  words, so a query is one set intersection per code.

Both sides answer the same queries; the script prints per-query medians, the ratios, and
how often each puts the expected code in its top 3. Goal: under 5 ms per query and at
least 50x faster than the linear scan of all codes.

    python benchmarks/coding_speed.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

from meddiag.tools import icd10_index as ix
from meddiag.tools.coding import coder

QUERIES = {
    "community acquired pneumonia": "J18.9", "heart attack": "I21.9", "chest pain": "R07.9",
    "urinary tract infection": "N39.0", "atrial fibrillation": "I48.91", "hypertension": "I10",
    "COPD exacerbation": "J44.1", "sore throat": "J02.9", "strep throat": "J02.0",
    "acute kidney injury": "N17.9", "pulmonary embolism": "I26.99", "sepsis": "A41.9",
    "asthma": "J45.909", "migraine": "G43.909", "gout": "M10.9", "anemia": "D64.9",
    "headache": "R51.9", "fever": "R50.9", "pneumothorax": "J93.9", "meningitis": "G03.9",
    "influenza": "J11.1", "depression": "F32.A", "panic attack": "F41.0", "kidney stone": "N20.0",
    "low back pain": "M54.50", "appendicitis": "K37", "bacterial meningitis": "G00.9",
    "subarachnoid hemorrhage": "I60.9", "type 2 diabetes": "E11.9", "cellulitis": "L03.90",
    "ectopic pregnancy": "O00.90", "acute pancreatitis": "K85.90", "dehydration": "E86.0",
    "syncope": "R55", "palpitations": "R00.2", "constipation": "K59.00", "vertigo": "R42",
    "conjunctivitis": "H10.9", "otitis media": "H66.90", "heart failure": "I50.9",
}


class LinearScan:
    """All ~98k codes as lowercased text; a query tests each word against every code."""

    def __init__(self) -> None:
        db = coder().db
        self.rows = [
            (r["code"], f"{r['description']} {r['terms']}".lower(), bool(r["billable"]), len(r["description"]))
            for r in db.execute("SELECT code, description, billable, terms FROM codes WHERE kind NOT IN ('chapter', 'block')")
        ]

    def search(self, query: str, limit: int = 10) -> list[str]:
        words = [ix.stem(w) for w in ix.words(coder().expand(query)) if w not in ix.STOPWORDS]
        scored = []
        for code, text, billable, length in self.rows:
            hit = sum(w in text for w in words)
            if hit:
                scored.append((-hit, not billable, length, code))
        scored.sort()
        return [s[3] for s in scored[:limit]]


class WordSetScan:
    """The text-bearing codes pre-split into stemmed word sets; one intersection per code."""

    def __init__(self) -> None:
        db = coder().db
        self.rows = [
            (r["code"], bool(r["billable"]), frozenset(r["stems"].split()), len(r["description"]))
            for r in db.execute("SELECT code, description, billable, stems FROM codes WHERE stems != ''")
        ]

    def search(self, query: str, limit: int = 10) -> list[str]:
        words = {ix.stem(w) for w in ix.words(coder().expand(query)) if w not in ix.STOPWORDS}
        scored = []
        for code, billable, stems, length in self.rows:
            hit = len(words & stems)
            if hit:
                scored.append((-hit, not billable, length, code))
        scored.sort()
        return [s[3] for s in scored[:limit]]


def timed(fn, query: str, repeat: int) -> tuple[float, list[str]]:
    times, result = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(query)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per query (median taken)")
    args = parser.parse_args()

    icd = coder()
    scan, sets = LinearScan(), WordSetScan()
    methods = {
        "fts": lambda q: [h.code for h in icd.search(q, limit=10)],
        "scan": scan.search,
        "sets": sets.search,
    }
    for q in QUERIES:  # warm every path
        for fn in methods.values():
            fn(q)

    ms = {m: [] for m in methods}
    ok = {m: 0 for m in methods}
    print(f"{'query':30} {'fts ms':>7} {'scan ms':>8} {'sets ms':>8}  top-3 hit fts/scan/sets")
    for q, expected in QUERIES.items():
        row = []
        for m, fn in methods.items():
            t, codes = timed(fn, q, args.repeat)
            ms[m].append(t)
            ok[m] += expected in codes[:3]
            row.append((t, "y" if expected in codes[:3] else "n"))
        print(f"{q:30} {row[0][0]:7.2f} {row[1][0]:8.2f} {row[2][0]:8.2f}  {'/'.join(r[1] for r in row)}")
    med = {m: statistics.median(v) for m, v in ms.items()}
    print()
    print(f"codes: scan {len(scan.rows)}, sets {len(sets.rows)}; {len(QUERIES)} queries, median of {args.repeat} runs each")
    print(f"median latency: fts {med['fts']:.2f} ms | linear scan {med['scan']:.2f} ms | word sets {med['sets']:.2f} ms")
    print(f"fts p90: {statistics.quantiles(ms['fts'], n=10)[-1]:.2f} ms")
    ratio = med["scan"] / med["fts"]
    print(f"ratio: {ratio:.0f}x vs the linear scan of all codes, {med['sets'] / med['fts']:.0f}x vs pre-split word sets")
    print(f"goal (< 5 ms and >= 50x vs the linear scan): {'met' if med['fts'] < 5 and ratio >= 50 else 'NOT met'}")
    print(f"expected code in top 3: fts {ok['fts']}, scan {ok['scan']}, sets {ok['sets']} of {len(QUERIES)}")


if __name__ == "__main__":
    main()
