"""Numbers a red-flag rule can test: vital signs, glucose, ketones, age and sex.

``read_measures`` pulls them out of free text ("BP 88/50", "resp rate 28", "temp 39.4",
"103F", "sats 89%", "sugar 27", "my 6 week old", "45F") and ``from_state`` out of a
``CaseState`` (demographics, and findings that carry a value). Each measure keeps the
text it came from so a red flag can quote it as evidence. Temperatures above 50 are
read as Fahrenheit; glucose above 40 as mg/dL.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from meddiag.schema import CaseState


class Measure(BaseModel):
    value: float
    text: str


class Measures(BaseModel):
    sbp: Measure | None = None
    dbp: Measure | None = None
    rr: Measure | None = None
    hr: Measure | None = None
    temp: Measure | None = None  # Celsius
    spo2: Measure | None = None
    glucose: Measure | None = None  # mmol/L
    ketones: Measure | None = None  # mmol/L
    age: Measure | None = None  # years
    sex: str | None = None

    def merge(self, other: "Measures") -> "Measures":
        """Fill the gaps of ``self`` from ``other``."""
        data = {k: v for k, v in other.model_dump().items() if v is not None}
        data.update({k: v for k, v in self.model_dump().items() if v is not None})
        return Measures.model_validate(data)


_F = re.IGNORECASE
_NUM = r"(\d{1,3}(?:\.\d+)?)"
_GAP = r"[^\d.!?\n]{0,18}?"
_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "bp": [
        re.compile(rf"\b(?:bp|blood\s*pressure|pressure)\b{_GAP}(\d{{2,3}})\s*(?:/|over)\s*(\d{{2,3}})", _F),
        re.compile(r"\b(\d{2,3})\s*/\s*(\d{2,3})\s*mm\s*hg", _F),
        re.compile(r"\b(?:systolic|sbp)\b[^\d.!?\n]{0,12}?(\d{2,3})()", _F),
    ],
    "rr": [
        re.compile(rf"\b(?:rr|resp(?:iratory|iration)?s?\s*rate|resps?|respirations?|breathing\s*rate)\b{_GAP}{_NUM}", _F),
        re.compile(rf"\b(?:breathing|breaths?)\b[^\d.!?\n]{{0,10}}?{_NUM}\s*(?:times|breaths)?\s*(?:a|per|/)\s*min", _F),
        re.compile(rf"{_NUM}\s*breaths\s*(?:a|per|/)\s*min", _F),
    ],
    "hr": [
        re.compile(rf"\b(?:hr|heart\s*rate|pulse(?:\s*rate)?)\b{_GAP}{_NUM}", _F),
        re.compile(rf"{_NUM}\s*bpm\b", _F),
    ],
    "temp": [
        re.compile(rf"\b(?:temp(?:erature)?|fever\s*of|t)\b\s*(?:is|was|of|at|:|=|reading|up\s*to|went\s*up\s*to|\s)*{_NUM}\s*(?:°|deg(?:rees?)?)?\s*([cf])?\b", _F),
        re.compile(rf"{_NUM}\s*(?:°\s*|deg(?:rees?)?\s*)([cf])\b", _F),
        re.compile(r"\b(\d{2,3}(?:\.\d)?)\s*([cf])\b(?!\w)", _F),
    ],
    "spo2": [
        re.compile(rf"\b(?:sats?|saturations?|spo2|sp02|o2|oxygen(?:\s*(?:levels?|saturations?|sats?))?)\b{_GAP}{_NUM}\s*%?", _F),
    ],
    "glucose": [
        re.compile(rf"\b(?:glucose|sugars?|bms?|bgs?|cbg)\b{_GAP}{_NUM}", _F),
    ],
    "ketones": [
        re.compile(rf"\bketones?\b{_GAP}{_NUM}", _F),
    ],
    "age": [
        re.compile(r"\b(\d{1,3})\s*(?:-|\s)?\s*(years?|yrs?|yo|y/o|y\.o\.?)(?:\s*-?\s*old)?\b", _F),
        re.compile(r"\b(\d{1,2})\s*(?:-|\s)?\s*(weeks?|wks?|months?|mo|mths?|days?)\s*(?:-|\s)?\s*old\b", _F),
        re.compile(r"\b(?:my|our|the)\s+(?:baby|son|daughter|boy|girl|newborn|infant)\s+is\s+(?:only\s+)?(\d{1,2})\s*(weeks?|wks?|months?|mths?|days?)\b", _F),
        re.compile(
            r"\b(?:i\s*am|i'?m|aged?|age:?)\s+(?:a\s+)?(\d{1,3})\b()"
            r"(?!\s*(?:weeks?|wks?|months?|mths?|days?|hours?|hrs?|mins?|minutes?|kg|kgs|lbs?|pounds?|stone|st|cm|ft|feet|"
            r"%|times|am|pm|o'?clock|and\s+a\s+half\s+(?:weeks?|months?)|/))",
            _F,
        ),
        re.compile(r"(?<![\d.])(\d{1,2})\s*([mf])\b(?![a-z/])", _F),
    ],
}
_NEWBORN = re.compile(r"\b(?:newborn|new-born|neonate|neonatal)\b", _F)
_FEMALE = re.compile(r"\b(?:i\s*am|i'?m)\s+(?:a\s+)?(?:\d+\s*(?:year|yr)s?\s*old\s+)?(?:woman|female|girl|lady|mum|mother)\b", _F)
_MALE = re.compile(r"\b(?:i\s*am|i'?m)\s+(?:a\s+)?(?:\d+\s*(?:year|yr)s?\s*old\s+)?(?:man|male|guy|boy|dad|father)\b", _F)
_AGE_UNITS = {"w": 1 / 52, "m": 1 / 12, "d": 1 / 365}


_TEMP_BEFORE = re.compile(r"(?:temp\w*|fever|°|deg\w*)\W*$", _F)


def _all(key: str, text: str) -> list[re.Match[str]]:
    found = [
        m
        for p in _PATTERNS[key]
        for m in p.finditer(text)
        if not (key == "age" and m.group(2).lower() in ("m", "f") and _TEMP_BEFORE.search(text[: m.start()]))
    ]
    return sorted(found, key=lambda m: m.start())


def _first(key: str, text: str) -> re.Match[str] | None:
    return next(iter(_all(key, text)), None)


def read_measures(text: str) -> Measures:
    """Vitals and demographics stated in the text (first mention of each)."""
    out: dict[str, Measure | str] = {}
    if m := _first("bp", text):
        out["sbp"] = Measure(value=float(m.group(1)), text=m.group())
        if m.group(2):
            out["dbp"] = Measure(value=float(m.group(2)), text=m.group())
    for key in ("rr", "hr", "spo2", "ketones"):
        if m := _first(key, text):
            out[key] = Measure(value=float(m.group(1)), text=m.group())
    for m in _all("temp", text):
        value = float(m.group(1))
        unit = (m.group(2) or "").lower()
        if unit == "f" or (unit != "c" and value > 50):
            value = (value - 32) * 5 / 9
        if 25 <= value <= 45:
            out["temp"] = Measure(value=round(value, 1), text=m.group())
            break
    if m := _first("glucose", text):
        value = float(m.group(1))
        out["glucose"] = Measure(value=value / 18 if value > 40 else value, text=m.group())
    if m := _NEWBORN.search(text):
        out["age"] = Measure(value=0.02, text=m.group())
    elif m := _first("age", text):
        unit = (m.group(2) or "y").lower()
        value = float(m.group(1)) * (1.0 if unit in ("m", "f") else _AGE_UNITS.get(unit[0], 1.0))
        if value <= 120:
            out["age"] = Measure(value=value, text=m.group())
        if unit in ("m", "f"):
            out["sex"] = "male" if unit == "m" else "female"
    if _FEMALE.search(text):
        out["sex"] = "female"
    elif _MALE.search(text):
        out["sex"] = "male"
    return Measures.model_validate(out)


_STATE_NAMES = {
    "rr": ("respiratory rate", "resp rate", "breathing rate"),
    "hr": ("heart rate", "pulse"),
    "temp": ("temperature", "temp"),
    "spo2": ("oxygen saturation", "spo2", "saturation"),
    "glucose": ("glucose", "blood sugar"),
    "ketones": ("ketone",),
    "sbp": ("systolic", "blood pressure"),
}


def from_state(state: CaseState) -> Measures:
    """Demographics and valued findings of a case state."""
    out: dict[str, Measure | str] = {}
    demo = state.demographics
    if demo.age is not None:
        out["age"] = Measure(value=demo.age, text=f"age {demo.age:g}")
    if demo.sex is not None:
        out["sex"] = demo.sex
    for finding in state.findings.values():
        if finding.value is None or finding.status != "present":
            continue
        name = finding.label.lower()
        for key, names in _STATE_NAMES.items():
            if key not in out and any(n in name for n in names):
                value = finding.value
                if key == "temp" and value > 50:
                    value = (value - 32) * 5 / 9
                out[key] = Measure(value=value, text=f"{finding.label} {finding.value:g}")
                break
    return Measures.model_validate(out)
