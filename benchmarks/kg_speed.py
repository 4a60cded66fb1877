"""Speed of the meddiag knowledge graph against pyhpo set similarity, side by side.

Each side runs in its own subprocess (clean memory numbers):
- meddiag: cold build (sources -> graph -> cache), cached load, peak memory, and the time
  to rank every disease for a 10-finding case (median of repeated runs);
- pyhpo: loading its ontology with annotations, peak memory, and the time to score the
  same case against every OMIM and ORPHA disease with HPOSet similarity (funSimAvg,
  graphic), which is how one ranks diseases for a phenotype set with pyhpo.

The case is ten annotated phenotypes of one real disease, so both sides can also be
asked where they rank that disease. Usage: python benchmarks/kg_speed.py [--peer-limit N]
(N > 0 scores only the first N pyhpo diseases and extrapolates the time).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DISEASE = "OMIM:154700"  # Marfan syndrome: many annotations, a familiar picture


def case_terms() -> list[str]:
    from meddiag.knowledge.umls_graph import hpo

    d = hpo.parse_hpoa()[DISEASE]
    terms = [a.hpo_id for a in sorted(d.annotations, key=lambda a: -a.freq) if not a.negated]
    return list(dict.fromkeys(terms))[:10]


def side_meddiag(terms: list[str]) -> dict:
    from meddiag.schema import CaseState, Finding

    t0 = time.perf_counter()
    from meddiag.knowledge.umls_graph import load_graph
    from meddiag.knowledge.umls_graph.curated import DATA_DIR

    t_import = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"  # a snapshot, so that files being edited meanwhile cannot invalidate it
        shutil.copytree(DATA_DIR, data)
        t0 = time.perf_counter()
        kg = load_graph(cache_dir=tmp, data_dir=data)
        cold = time.perf_counter() - t0
        assert kg.built
        t0 = time.perf_counter()
        kg = load_graph(cache_dir=tmp, data_dir=data)
        cached = time.perf_counter() - t0
        assert not kg.built
    state = CaseState()
    for t in terms:
        state.update(Finding(id=t, label=t, status="present"))
    times = []
    for _ in range(30):
        t0 = time.perf_counter()
        diff = kg.rank(state, top=10)
        times.append(time.perf_counter() - t0)
    full = kg.rank(state, top=20_000)
    # a curated condition of the same name hides the HPO entry: its rank stands for the disease's
    pos = next((i for i, h in enumerate(full.hypotheses, 1)
                if h.disease_id == DISEASE or kg.is_a(DISEASE, h.disease_id)), None)
    return {"import_s": t_import, "cold_build_s": cold, "cached_load_s": cached, "rank_ms": 1000 * statistics.median(times),
            "diseases": kg.stats()["diseases"], "rank_of_true": pos, "top1": diff.leading.name,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def side_pyhpo(terms: list[str], limit: int) -> dict:
    t0 = time.perf_counter()
    from pyhpo import HPOSet, Ontology

    Ontology()
    load = time.perf_counter() - t0
    case = HPOSet.from_queries(terms)
    diseases = sorted(list(Ontology.omim_diseases) + list(Ontology.orpha_diseases), key=lambda d: str(d.id))
    total = len(diseases)
    if limit:
        diseases = diseases[:limit]
    t0 = time.perf_counter()
    scores = []
    for d in diseases:
        scores.append((case.similarity(d.hpo_set(), kind="omim", method="graphic"), d))
    elapsed = time.perf_counter() - t0
    rank_ms = 1000 * elapsed * total / len(diseases)
    scores.sort(key=lambda x: -x[0])
    want = int(DISEASE.split(":")[1])
    pos = next((i for i, (_, d) in enumerate(scores, 1) if type(d).__name__ == "OmimDisease" and d.id == want), None)
    return {"load_s": load, "rank_ms": rank_ms, "diseases": total, "scored": len(diseases),
            "rank_of_true": pos if not limit else None,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_side(name: str, terms: list[str], limit: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--side", name, "--terms", ",".join(terms),
                          "--peer-limit", str(limit)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", choices=["meddiag", "pyhpo"])
    ap.add_argument("--terms", default="")
    ap.add_argument("--peer-limit", type=int, default=0)
    args = ap.parse_args()
    if args.side:
        terms = args.terms.split(",")
        res = side_meddiag(terms) if args.side == "meddiag" else side_pyhpo(terms, args.peer_limit)
        print(json.dumps(res))
        return 0
    terms = case_terms()
    print(f"case: {len(terms)} phenotypes of {DISEASE}: {', '.join(terms)}")
    ours = run_side("meddiag", terms, 0)
    peer = run_side("pyhpo", terms, args.peer_limit)
    rows = [
        ("cold build / ontology load (s)", ours["cold_build_s"], peer["load_s"]),
        ("cached load (s)", ours["cached_load_s"], peer["load_s"]),
        ("peak memory (MB)", ours["peak_rss_mb"], peer["peak_rss_mb"]),
        ("rank all diseases, 10 findings (ms)", ours["rank_ms"], peer["rank_ms"]),
    ]
    print(f"{'':40}{'meddiag':>12}{'pyhpo':>14}{'pyhpo/meddiag':>16}")
    for name, a, b in rows:
        print(f"{name:40}{a:12.3f}{b:14.3f}{b / a:15.1f}x")
    print(f"{'diseases ranked':40}{ours['diseases']:12d}{peer['diseases']:14d}"
          + (f"   (pyhpo time extrapolated from {peer['scored']})" if args.peer_limit else ""))
    print(f"{'rank of ' + DISEASE:40}{ours['rank_of_true']!s:>12}{peer['rank_of_true']!s:>14}")
    print(f"import of meddiag.knowledge.umls_graph: {ours['import_s']:.3f} s (not in the cached-load figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
