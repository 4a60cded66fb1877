"""Simulated consultations per minute for ``--team kg``, at concurrency 1 and 2, and their ratio.

Both runs play the same AgentClinic cases through :func:`meddiag.simulation.runner.run_bench`
in one process, sharing one loaded graph (its load is not timed), each into a fresh run
folder, so writing transcripts, traces and fsync'd results is included. The KG team has no
model calls to wait on, so asyncio concurrency can only overlap file I/O: a ratio near 1.0
is the expected answer, and the number to watch is consultations per minute at
concurrency 1. Usage: python benchmarks/sim_throughput.py [PATH] [--limit N] [--repeat R]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "agentclinic_medqa_dev.jsonl"


def measure(cases, graph, concurrency: int, dataset: str) -> float:
    from meddiag.simulation.runner import BenchConfig, run_bench

    config = BenchConfig(dataset=dataset, team="kg", concurrency=concurrency)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = asyncio.run(run_bench(cases, config, graph=graph, model=None, out=Path(tmp)))
        seconds = time.perf_counter() - t0
    assert summary.n == len(cases) and summary.errors == 0
    return 60.0 * len(cases) / seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", default=str(DEFAULT), help="AgentClinic JSONL")
    ap.add_argument("--limit", type=int, default=40, help="cases per measurement (default 40)")
    ap.add_argument("--repeat", type=int, default=3, help="measurements per setting; the median is reported")
    args = ap.parse_args()

    from meddiag.knowledge.umls_graph import load_graph
    from meddiag.simulation.datasets import load_cases

    cases = load_cases(args.path)[0][:args.limit]
    graph = load_graph()
    measure(cases[:3], graph, 1, args.path)  # warm caches (imports, first extractions)
    rates = {}
    for k in (1, 2):
        runs = [measure(cases, graph, k, args.path) for _ in range(args.repeat)]
        rates[k] = statistics.median(runs)
        print(f"concurrency {k}: {rates[k]:7.1f} consultations/min  (median of {args.repeat}; "
              f"runs {', '.join(f'{r:.1f}' for r in runs)}; {len(cases)} cases each)")
    print(f"ratio concurrency 2 / concurrency 1: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
