"""The typed case every loader produces, and the loader for our scenario YAML files.

A case holds what the patient knows (opening words, facts revealed only when asked,
findings they do not have), what an examiner can report (examination and test
results), what the doctor is told up front (``objective``), and the answer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from meddiag.schema import Sex


class CaseError(ValueError):
    """A case file is missing or malformed; the message says which and how to fix it."""


class Fact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str  # what the patient says, in lay words
    about: list[str] = Field(default_factory=list)  # words a question uses to ask for it
    story: bool = False  # part of the story of the complaint: told when asked "tell me more, anything else?"


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    title: str = ""
    specialty: str = ""
    diagnosis: str
    icd10: str | None = None
    objective: str = ""  # what the doctor team is told before the consultation
    age: float | None = None
    sex: Sex | None = None
    opening: str  # the patient's answer to "what brings you in?"
    facts: list[Fact] = Field(default_factory=list)
    denies: list[str] = Field(default_factory=list)  # things the patient does not have
    exam: list[str] = Field(default_factory=list)  # physical examination findings
    tests: dict[str, str] = Field(default_factory=dict)  # test name -> result
    choices: list[str] = Field(default_factory=list)  # answer options, for multiple-choice use
    source: str = "scenario"
    line: int | None = None  # where the case starts in its dataset file
    # what the examiner says for a named test the case holds no result for: "normal"
    # (AgentClinic's convention) or "unavailable" (nothing is reported; the default)
    unlisted: Literal["normal", "unavailable"] = "unavailable"


def scenario_dirs() -> list[Path]:
    """Where bundled scenarios are looked up: $MEDDIAG_SCENARIOS, then the repository's scenarios/."""
    dirs = [Path(p) for p in os.environ.get("MEDDIAG_SCENARIOS", "").split(os.pathsep) if p]
    return dirs + [Path(__file__).resolve().parents[2] / "scenarios"]


def bundled_scenarios() -> list[str]:
    return sorted({p.stem for d in scenario_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def load_case(path: Path) -> Case:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CaseError(f"{path.name}: not UTF-8 text; save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise CaseError(f"{path.name}: not valid YAML{where}; fix the file's syntax") from None
    if not isinstance(raw, dict):
        raise CaseError(f"{path.name}: expected a mapping of case fields (id, diagnosis, opening, ...)")
    raw.setdefault("id", path.stem)
    try:
        return Case.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"]) or "file"
        raise CaseError(f"{path.name}: {loc}: {err['msg']}") from None


def load_scenario(name_or_path: str) -> Case:
    """A bundled scenario by name, or a scenario YAML file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise CaseError(f"scenario file {path} does not exist")
        return load_case(path)
    for d in scenario_dirs():
        candidate = d / f"{name_or_path}.yaml"
        if candidate.exists():
            return load_case(candidate)
    names = ", ".join(bundled_scenarios()) or "none found"
    raise CaseError(f"unknown scenario {name_or_path!r}; bundled scenarios: {names}")
