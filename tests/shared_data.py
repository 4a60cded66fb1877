"""Where the external benchmark files are: $MEDDIAG_BENCHMARKS, ../shared/benchmarks, or /work/shared/benchmarks."""

from __future__ import annotations

import os
from pathlib import Path


def _find() -> Path:
    candidates = [os.environ.get("MEDDIAG_BENCHMARKS", ""), Path(__file__).resolve().parents[2] / "shared" / "benchmarks",
                  "/work/shared/benchmarks"]
    for c in candidates:
        if c and (Path(c) / "agentclinic_medqa_dev.jsonl").exists():
            return Path(c)
    return Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


SHARED = _find()
AGENTCLINIC = SHARED / "agentclinic_medqa_dev.jsonl"
CRAFTMD = SHARED / "craftmd_vignettes_dev.csv"
