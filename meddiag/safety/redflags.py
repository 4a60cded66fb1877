"""Deterministic red-flag engine: patient text (and case state) -> emergency / urgent / routine.

The rules live in ``data/redflags.yaml``. *Concepts* are synonym lists (see
:mod:`meddiag.safety.matcher` for the phrase syntax) that may include other concepts
as ``@name``; *vital concepts* are numeric tests on measures read from the text or the
case state (``rr >= 22``); a *rule* fires when every concept of any one of its ``any``
alternatives is present (not negated), none of its ``unless`` concepts is, and its
age/sex limits hold. The assessment's level is the most severe fired rule's level.

    >>> assess("crushing pain in my chest and I'm sweating").level
    'emergency'
"""

from __future__ import annotations

import functools
import operator
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from meddiag.safety import matcher
from meddiag.safety.vitals import Measures, from_state, read_measures
from meddiag.schema import CaseState, Level, RedFlag

RULES_PATH = Path(__file__).parent / "data" / "redflags.yaml"
LEVEL_ORDER: dict[str, int] = {"routine": 0, "urgent": 1, "emergency": 2}
LEVEL_ADVICE: dict[str, str] = {
    "emergency": (
        "This could be a medical emergency. Call emergency services now (999 in the UK, 911 in the US, "
        "112 in Europe) or go to the nearest A&E / emergency department now. Do not wait to see if it passes."
    ),
    "urgent": (
        "Please get medical advice today: contact your doctor for a same-day appointment, or call 111 "
        "(UK) or an urgent care service. If it gets worse, call emergency services."
    ),
    "routine": (
        "I did not find emergency warning signs in what you described. If it is not improving within a "
        "few days, or you are worried, see a doctor."
    ),
}
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEST = re.compile(r"^\s*(\w+)\s*(>=|<=|>|<)\s*(\d+(?:\.\d+)?)\s*$")


class RuleError(ValueError):
    """The rule file is malformed (one-line message)."""


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    level: Level
    label: str
    advice: str
    any: list[list[str]] = Field(min_length=1)
    unless: list[str] = Field(default_factory=list)
    age_min: float | None = None
    age_max: float | None = None
    sex: str | None = None


class Assessment(BaseModel):
    level: Level = "routine"
    flags: list[RedFlag] = Field(default_factory=list)
    advice: str = LEVEL_ADVICE["routine"]


class RuleSet:
    """A compiled rule file: phrases, vocabulary index, vital tests and rules."""

    def __init__(self, data: dict[str, Any]) -> None:
        aliases = {matcher.normalise_word(str(k)): matcher.normalise_word(str(v)) for k, v in (data.get("aliases") or {}).items()}
        self.vocab = matcher.Vocabulary(protected=frozenset(data.get("protected") or []), aliases=aliases)
        self._all: list[tuple[str, matcher.Phrase]] = []
        self.by_key: dict[str, list[tuple[str, matcher.Phrase]]] = {}
        for group in ("negation", "pseudo_negation", "context", "mask"):
            for entry in data.get(group) or []:
                self._add(f"_{group}", entry, gap=0, fuzzy=False)
        self.concept_names: list[str] = list(data.get("concepts") or {})
        self.refs: dict[str, list[str]] = {}
        for name, entries in (data.get("concepts") or {}).items():
            self.refs[name] = [e[1:] for e in entries if isinstance(e, str) and e.startswith("@")]
            for entry in entries:
                if not (isinstance(entry, str) and entry.startswith("@")):
                    self._add(name, entry)
        self.vitals: dict[str, list[tuple[str, str, float]]] = {}
        for name, expr in (data.get("vitals") or {}).items():
            tests = [_TEST.match(part) for part in str(expr).split(" or ")]
            if not all(tests):
                raise RuleError(f"bad vital test for {name}: {expr!r}")
            self.vitals[name] = [(t.group(1), t.group(2), float(t.group(3))) for t in tests if t]
        self.rules = [Rule.model_validate(r) for r in data.get("rules") or []]
        known = set(self.concept_names) | set(self.vitals)
        for name, refs in self.refs.items():
            if missing := [r for r in refs if r not in known]:
                raise RuleError(f"concept {name} refers to unknown {missing[0]}")
        for rule in self.rules:
            used = {c for alt in rule.any for c in alt} | set(rule.unless)
            if missing := sorted(used - known):
                raise RuleError(f"rule {rule.id} uses unknown concept {missing[0]}")
        self.vocab.build()
        self._index()

    def _add(self, group: str, entry: object, gap: int = 2, fuzzy: bool = True) -> None:
        if not isinstance(entry, str):  # YAML reads a bare no/yes/on as a boolean
            raise RuleError(f"{group}: phrase {entry!r} must be a quoted string")
        phrase = matcher.compile_phrase(entry, gap=gap)
        self.vocab.add(phrase, fuzzy=fuzzy)
        self._all.append((group, phrase))

    def _index(self) -> None:
        """Index each phrase under the keys of its rarest slot, so a text only visits likely phrases."""
        freq: dict[str, int] = {}
        for _, phrase in self._all:
            for key in {k for slot in phrase.slots for k in slot.keys}:
                freq[key] = freq.get(key, 0) + 1
        for group, phrase in self._all:
            rarest = min(phrase.slots, key=lambda slot: max(freq[k] for k in slot.keys))
            for key in rarest.keys:
                self.by_key.setdefault(key, []).append((group, phrase))

    def concepts(self, text: str, measures: Measures) -> dict[str, str]:
        """Present (non-negated) concepts in the text, each with the text that evidences it."""
        tokens = matcher.tokenise(text)
        keys = [self.vocab.keys(t) for t in tokens]
        where = matcher.index(keys)
        hits: dict[str, list[matcher.Match]] = {}
        seen: set[int] = set()
        for key in where:
            for group, phrase in self.by_key.get(key, ()):
                if id(phrase) not in seen:
                    seen.add(id(phrase))
                    if all(any(k in where for k in slot.keys) for slot in phrase.slots):
                        hits.setdefault(group, []).extend(matcher.find(phrase, tokens, keys, where))
        pseudo = hits.get("_pseudo_negation", [])
        cues = [c for c in hits.get("_negation", []) if not any(p.start <= c.start <= p.end for p in pseudo)]
        cues += hits.get("_context", [])
        masks = hits.get("_mask", [])
        direct: dict[str, str] = {}
        for name in self.concept_names:
            for m in sorted(hits.get(name, []), key=lambda m: m.start):
                masked = any(k.start <= m.end and m.start <= k.end for k in masks)
                if not masked and not matcher.negated(m, cues, tokens):
                    direct[name] = text[tokens[m.start].start : tokens[m.end].end]
                    break
        for name, tests in self.vitals.items():
            for key, op, limit in tests:
                measure = getattr(measures, key)
                if measure is not None and _OPS[op](measure.value, limit):
                    direct[name] = measure.text
                    break
        return {name: ev for name in self.concept_names if (ev := self._resolve(name, direct, set()))} | {
            name: direct[name] for name in self.vitals if name in direct
        }

    def _resolve(self, name: str, direct: dict[str, str], seen: set[str]) -> str:
        if name in direct or name in seen:
            return direct.get(name, "")
        seen.add(name)
        for ref in self.refs.get(name, []):
            if ev := self._resolve(ref, direct, seen):
                return ev
        return ""

    def fire(self, present: dict[str, str], measures: Measures) -> list[RedFlag]:
        flags = []
        for rule in self.rules:
            if any(c in present for c in rule.unless) or not _demographics_ok(rule, measures):
                continue
            for alt in rule.any:
                if all(c in present for c in alt):
                    evidence = "; ".join(dict.fromkeys(present[c] for c in alt))
                    flags.append(RedFlag(level=rule.level, rule=rule.id, evidence=evidence, advice=rule.advice))
                    break
        return sorted(flags, key=lambda f: -LEVEL_ORDER[f.level])


def _demographics_ok(rule: Rule, measures: Measures) -> bool:
    age = measures.age.value if measures.age else None
    if (rule.age_min is not None or rule.age_max is not None) and age is None:
        return False
    if rule.age_min is not None and age is not None and age < rule.age_min:
        return False
    if rule.age_max is not None and age is not None and age > rule.age_max:
        return False
    return not (rule.sex and measures.sex and measures.sex != rule.sex)


@functools.cache
def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """Parse and compile a rule file (cached per path)."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"cannot read red-flag rules {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise RuleError(f"red-flag rules {path} must be a mapping")
    try:
        return RuleSet(data)
    except (TypeError, ValueError) as exc:
        raise RuleError(f"bad red-flag rules {path}: {str(exc).splitlines()[0]}") from None


def _state_text(state: CaseState) -> str:
    parts = [state.chief_complaint] + [f.text or f.label for f in state.with_status("present")]
    return "\n".join(p for p in parts if p)


def assess(text: str, state: CaseState | None = None, *, rules: RuleSet | None = None) -> Assessment:
    """Red flags in patient text (plus the present findings and measures of a case state)."""
    rules = rules or load_rules()
    text = text if isinstance(text, str) else str(text)
    measures = read_measures(text)
    if state is not None:
        text = f"{text}\n{_state_text(state)}"
        measures = measures.merge(from_state(state))
        if state.demographics.pregnant:
            text += "\npregnant"
    flags = rules.fire(rules.concepts(text, measures), measures)
    level: Level = flags[0].level if flags else "routine"
    return Assessment(level=level, flags=flags, advice=LEVEL_ADVICE[level])
