"""``meddiag bench``: the parent of the benchmark subcommands that subsystems add."""

from __future__ import annotations

import importlib

BENCHES = [("meddiag.simulation.vignettes", "register_bench"), ("meddiag.simulation.bench_cli", "register_bench")]


def register(sub) -> None:
    bench = sub.add_parser("bench", help="score meddiag on benchmark datasets")
    bench_sub = bench.add_subparsers(dest="bench", metavar="BENCHMARK", required=True)
    for module, func in BENCHES:
        getattr(importlib.import_module(module), func)(bench_sub)
