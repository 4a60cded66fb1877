"""One entry point for case files of every kind: ``load_cases(path) -> (cases, problems)``.

``.jsonl`` is AgentClinic OSCE, ``.csv`` is CRAFT-MD vignettes, ``.yaml``/``.yml`` is one
scenario, and a folder is every scenario YAML in it. ``problems`` lists the records that
were skipped, each as ``line N: why`` (or ``FILE: why`` for scenarios).
"""

from __future__ import annotations

from pathlib import Path

from meddiag.simulation.case import Case, CaseError, load_case


def load_cases(path: str | Path) -> tuple[list[Case], list[str]]:
    path = Path(path)
    if path.is_dir():
        cases, problems = [], []
        for p in sorted(path.glob("*.y*ml")):
            try:
                cases.append(load_case(p))
            except CaseError as exc:
                problems.append(str(exc))
        if not cases and not problems:
            raise CaseError(f"no scenario YAML files in {path}")
        return cases, problems
    if not path.exists():
        raise CaseError(f"case file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        from meddiag.simulation.agentclinic import load_agentclinic

        return load_agentclinic(path)
    if suffix == ".csv":
        from meddiag.simulation.craftmd import load_craftmd

        return load_craftmd(path)
    if suffix in (".yaml", ".yml"):
        return [load_case(path)], []
    raise CaseError(f"{path.name}: unknown case file type (expected .jsonl, .csv, .yaml or a folder)")
