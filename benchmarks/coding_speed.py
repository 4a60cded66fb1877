"""ICD-10-CM search latency: the FTS5 index against a linear scan of every code.

The baseline is the fastest honest linear scan: every code's words (description and
inclusion terms, stemmed and stop-worded like the index) are pre-split into Python sets
in memory before timing, and each query intersects its words with all ~47k text-bearing
codes, ranking by coverage, then billable, then shorter description. Both sides answer
the same queries; the script prints per-query medians, the ratio, and how often each
puts the expected code in its top 3. Goal: under 5 ms per query and at least 50x faster.

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
    """All codes in memory as word sets; a query scans every one."""

    def __init__(self) -> None:
        db = coder().db
        self.rows = [
            (r["code"], r["description"], bool(r["billable"]), frozenset(r["stems"].split()), len(r["description"]))
            for r in db.execute("SELECT code, description, billable, stems FROM codes WHERE stems != ''")
        ]

    def search(self, query: str, limit: int = 10) -> list[str]:
        words = {ix.stem(w) for w in ix.words(coder().expand(query)) if w not in ix.STOPWORDS}
        scored = []
        for code, _desc, billable, stems, length in self.rows:
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
    t = time.perf_counter()
    scan = LinearScan()
    load_ms = (time.perf_counter() - t) * 1000
    fts = lambda q: [h.code for h in icd.search(q, limit=10)]  # noqa: E731
    for q in QUERIES:  # warm both paths
        fts(q), scan.search(q)

    print(f"{'query':32} {'fts ms':>8} {'scan ms':>8} {'ratio':>7}  fts top3 / scan top3")
    fts_ms, scan_ms, fts_ok, scan_ok = [], [], 0, 0
    for q, expected in QUERIES.items():
        a, fts_codes = timed(fts, q, args.repeat)
        b, scan_codes = timed(scan.search, q, args.repeat)
        fts_ms.append(a)
        scan_ms.append(b)
        fts_ok += expected in fts_codes[:3]
        scan_ok += expected in scan_codes[:3]
        mark = lambda codes: "yes" if expected in codes[:3] else "no"  # noqa: E731
        print(f"{q:32} {a:8.2f} {b:8.2f} {b / a:7.0f}x  {mark(fts_codes)} / {mark(scan_codes)}")
    fm, sm = statistics.median(fts_ms), statistics.median(scan_ms)
    print()
    print(f"codes scanned: {len(scan.rows)} (in-memory baseline load {load_ms:.0f} ms, not timed per query)")
    print(f"median latency: fts {fm:.2f} ms, linear scan {sm:.2f} ms, ratio {sm / fm:.0f}x "
          f"(goal < 5 ms and >= 50x: {'met' if fm < 5 and sm / fm >= 50 else 'NOT met'})")
    print(f"p90 latency: fts {statistics.quantiles(fts_ms, n=10)[-1]:.2f} ms")
    print(f"expected code in top 3: fts {fts_ok}/{len(QUERIES)}, linear scan {scan_ok}/{len(QUERIES)}")


if __name__ == "__main__":
    main()
