"""Clinical calculators: one registry over open-medicine's scores, with a uniform call.

The scores themselves are open-medicine's (``open_medicine.mcp.calculators.*``: plain
pydantic parameter models and pure functions; only those modules are imported, not the
MCP server). They were checked against their primary sources before being wrapped:
CURB-65 (Lim 2003), HEART (Six 2008), Wells PE (Wells 2000), Wells DVT (Wells 1997/2003),
qSOFA (Seymour 2016), NEWS2 (RCP 2017), CHA2DS2-VASc (Lip 2010), Centor/McIsaac
(McIsaac 1998). Ours adds names and aliases, ``key=value`` parsing with one-line errors,
a UK urea input for CURB-65 (``urea`` in mmol/L, > 7 scores), and a typed result.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

_OM = "open_medicine.mcp.calculators."


class CalculatorError(ValueError):
    """Unknown calculator or a missing/bad argument; the message is one line for the user."""


class CalcResult(BaseModel):
    calculator: str
    title: str
    score: float | int | None
    interpretation: str
    source: str  # the reference the score comes from
    doi: str = ""
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Calculator:
    name: str
    title: str
    module: str  # open-medicine module
    params: str  # its parameter model
    function: str  # its function
    aliases: tuple[str, ...] = ()
    adapt: Callable[[dict[str, str]], dict[str, str]] | None = None  # input conversions
    note: str = ""  # extra inputs the adapter accepts

    def model(self) -> type[BaseModel]:
        """open-medicine's parameter model for this score."""
        return self._load()[0]

    def _load(self) -> tuple[type[BaseModel], Callable]:
        mod = importlib.import_module(_OM + self.module)
        return getattr(mod, self.params), getattr(mod, self.function)

    def fields(self) -> dict[str, str]:
        """Argument name -> description (with 'required' or its default)."""
        model, _ = self._load()
        out = {}
        for name, f in model.model_fields.items():
            kind = getattr(f.annotation, "__name__", str(f.annotation))
            need = "required" if f.is_required() else f"default {getattr(f.default, 'value', f.default)!r}"
            out[name] = f"{kind}, {need}: {f.description or ''}".strip()
        return out

    def __call__(self, **raw: Any) -> CalcResult:
        if self.adapt:
            raw = self.adapt(raw)
        model, fn = self._load()
        unknown = sorted(set(raw) - set(model.model_fields))
        if unknown:
            raise CalculatorError(f"{self.name}: unknown argument(s) {', '.join(unknown)}; expected {', '.join(model.model_fields)}")
        missing = [n for n, f in model.model_fields.items() if f.is_required() and n not in raw]
        if missing:
            raise CalculatorError(f"{self.name}: missing argument(s) {', '.join(missing)}")
        try:
            params = model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise CalculatorError(f"{self.name}: bad value for {where}: {err['msg']} (got {err.get('input')!r})") from None
        result = fn(params)
        return CalcResult(
            calculator=self.name, title=self.title, score=result.value, interpretation=result.interpretation,
            source=result.evidence.description, doi=result.evidence.source_doi,
            inputs=params.model_dump(mode="json"),
        )


def _curb65_urea(raw: dict[str, str]) -> dict[str, str]:
    """Accept ``urea`` in mmol/L (UK CURB-65: > 7 mmol/L) as well as ``bun`` in mg/dL (> 20)."""
    if "urea" not in raw:
        return raw
    out = dict(raw)
    try:
        urea = float(out.pop("urea"))
    except ValueError:
        raise CalculatorError(f"curb65: bad value for urea: not a number (got {raw['urea']!r})") from None
    if "bun" in out:
        raise CalculatorError("curb65: give urea (mmol/L) or bun (mg/dL), not both")
    # urea mmol/L x 2.8 = BUN mg/dL; the criterion is applied on the urea scale, then carried
    # over as a BUN value on the same side of the 20 mg/dL threshold.
    bun = urea * 2.8
    out["bun"] = str(max(bun, 20.01) if urea > 7 else min(bun, 20.0))
    return out


CALCULATORS: dict[str, Calculator] = {
    c.name: c
    for c in (
        Calculator("curb65", "CURB-65 pneumonia severity", "curb65", "CURB65Params", "calculate_curb65",
                   ("curb-65", "curb"), adapt=_curb65_urea, note="urea=<mmol/L> may replace bun (UK: urea > 7 scores)"),
        Calculator("heart", "HEART score for chest pain (MACE at 6 weeks)", "heart_score", "HEARTScoreParams",
                   "calculate_heart_score", ("heart_score", "heart-score")),
        Calculator("wells_pe", "Wells score for pulmonary embolism", "wells_pe", "WellsPEParams",
                   "calculate_wells_pe", ("wells-pe", "wellspe")),
        Calculator("wells_dvt", "Wells score for deep vein thrombosis", "wells_dvt", "WellsDVTParams",
                   "calculate_wells_dvt", ("wells-dvt", "wellsdvt")),
        Calculator("qsofa", "qSOFA (quick SOFA) for suspected infection", "qsofa", "QSOFAParams",
                   "calculate_qsofa", ("q-sofa",)),
        Calculator("news2", "NEWS2 National Early Warning Score 2", "news2", "NEWS2Params",
                   "calculate_news2", ("news", "news-2")),
        Calculator("cha2ds2_vasc", "CHA2DS2-VASc stroke risk in atrial fibrillation", "chadsvasc",
                   "CHADSVAScParams", "calculate_chadsvasc", ("cha2ds2-vasc", "chadsvasc", "chads2vasc", "chads_vasc")),
        Calculator("centor", "Modified Centor (McIsaac) score for streptococcal pharyngitis", "centor_mcisaac",
                   "CentorMcIsaacParams", "calculate_centor_mcisaac", ("mcisaac", "centor_mcisaac", "centor-mcisaac")),
    )
}


def get_calculator(name: str) -> Calculator:
    key = name.strip().lower()
    for c in CALCULATORS.values():
        if key == c.name or key in c.aliases:
            return c
    raise CalculatorError(f"unknown calculator {name!r}; known: {', '.join(CALCULATORS)}")


def calculate(name: str, **inputs: Any) -> CalcResult:
    return get_calculator(name)(**inputs)


def parse_assignments(items: list[str]) -> dict[str, str]:
    """``["age=72", "confusion=yes"]`` -> ``{"age": "72", "confusion": "yes"}``."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CalculatorError(f"expected key=value, got {item!r}")
        out[key.strip().replace("-", "_")] = value.strip()
    return out
