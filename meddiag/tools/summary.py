"""The encounter summary: a SOAP note in Markdown and a FHIR R4 Bundle, from one consultation.

Input is what a consultation leaves behind: the ``CaseState``, the ``Differential``, the
transcript (``Turn``s) and the red flags raised. The differential is coded with
``coding`` (a billable ICD-10-CM code per hypothesis, with the reason), the plan cites the
best matching guideline section for the leading hypotheses (source, year, DOI), and the
safety-netting advice comes from the red flags plus general return advice.

The bundle (type ``collection``) holds a Patient, the Encounter, one Condition per coded
hypothesis (ICD-10-CM coding, system ``http://hl7.org/fhir/sid/icd-10-cm``; the leading one
``provisional``, the others ``differential``) and one Observation per present or absent
finding. It is validated with ``fhir.resources.R4B`` (fhir.resources 8 defaults to R5):
FHIR R4B (4.3) changes only a few modules of R4 (medication definition, evidence,
subscriptions), so these five resources are the same as in R4.
``write_summary(path, ...)`` writes ``<path>.md`` and ``<path>.fhir.json``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from meddiag.schema import CaseState, Differential, Finding, RedFlag, Turn
from meddiag.tools.calculators import CALCULATORS
from meddiag.tools.coding import CodingResult, Icd10Coder, coder
from meddiag.tools.guidelines import GuidelineLibrary, GuidelineSection

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
_HPO = "http://human-phenotype-ontology.org"
_UMLS = "http://www.nlm.nih.gov/research/umls"
_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_OBS_CATEGORY = {"exam": "exam", "test": "laboratory", "patient": "survey", "intake": "survey", "doctor": "exam"}
MIN_GUIDELINE_COVERAGE = 0.6  # of a hypothesis name's words, in the guideline's titles and topics

SAFETY_NET = (
    "Return or seek urgent care if symptoms get worse, new symptoms appear, or things are not "
    "improving as expected; call emergency services for severe breathlessness, chest pain, "
    "confusion, fainting, or any symptom that feels life-threatening."
)


class Citation(BaseModel):
    hypothesis: str
    guideline_id: str
    section: str
    title: str
    citation: str
    calculators: list[str] = Field(default_factory=list)  # our calculators the guideline relies on


class EncounterSummary(BaseModel):
    markdown: str
    bundle: dict
    coding: CodingResult
    citations: list[Citation] = Field(default_factory=list)


def _label(f: Finding) -> str:
    """The finding with its measured value (a value is shown only for a present finding)."""
    if f.value is None or f.status != "present":
        return f.label
    return f"{f.label} {f.value:g}{f' {f.unit}' if f.unit else ''}"


def _percent(p: float) -> str:
    return "<1%" if 0 < p < 0.005 else f"{p:.0%}"


def _cite(differential: Differential, library: GuidelineLibrary, top: int) -> list[Citation]:
    out, seen = [], set()
    for h in differential.top(top):
        hits = [x for x in library.search(h.name, limit=3) if x.title_coverage >= MIN_GUIDELINE_COVERAGE]
        if not hits or (hits[0].guideline_id, hits[0].section) in seen:
            continue
        s: GuidelineSection = library.get(hits[0].guideline_id, hits[0].section)
        seen.add((s.guideline_id, s.section))
        calcs = [c.name for c in CALCULATORS.values() if c.function in s.related_calculators]
        out.append(Citation(hypothesis=h.name, guideline_id=s.guideline_id, section=s.section, title=s.title,
                            citation=s.citation.removeprefix("Source: "), calculators=calcs))
    return out


def soap_markdown(
    state: CaseState,
    differential: Differential,
    transcript: list[Turn],
    red_flags: list[RedFlag],
    coding: CodingResult,
    citations: list[Citation],
    top: int = 5,
    tests: list[str] | None = None,
) -> str:
    d = state.demographics
    who = ", ".join(x for x in (f"{d.age:g} years" if d.age is not None else "", d.sex or "",
                                "pregnant" if d.pregnant else "") if x) or "not recorded"
    history = [f for f in state.findings.values() if f.source in ("patient", "intake")]
    objective = [f for f in state.findings.values() if f.source not in ("patient", "intake")]
    lines = ["# Encounter summary (SOAP)", "", "## Subjective", ""]
    lines += [f"- Patient: {who}", f"- Chief complaint: {state.chief_complaint or 'not recorded'}"]
    reported = [_label(f) for f in history if f.status == "present"]
    denied = [_label(f) for f in history if f.status == "absent"]
    lines += [f"- Reports: {', '.join(reported) or 'nothing further recorded'}"]
    if denied:
        lines.append(f"- Denies: {', '.join(denied)}")
    lines.append(f"- Patient turns in the consultation: {sum(t.role == 'patient' for t in transcript)}")
    lines += ["", "## Objective", ""]
    for f in objective:
        if f.status != "unknown":
            lines.append(f"- {_label(f)}: {'present' if f.status == 'present' else 'absent'} ({f.source})")
    if state.tests_done:
        lines.append(f"- Tests requested: {', '.join(state.tests_done)}")
    if not any(f.status != "unknown" for f in objective) and not state.tests_done:
        lines.append("- No examination findings or test results recorded.")
    lines += ["", "## Assessment", "", "| # | Diagnosis | Probability | ICD-10-CM | Key evidence |", "|---|---|---|---|---|"]
    codes = {p.hypothesis: p for p in coding.proposals}
    for i, h in enumerate(differential.top(top), start=1):
        p = codes.get(h.name)
        code = f"{p.code} {p.description}" if p else "not coded"
        support = ", ".join(e.label for e in sorted(h.evidence, key=lambda e: -e.weight)[:3] if e.weight > 0) or h.reason
        flag = " (must not miss)" if h.must_not_miss or h.red_flag else ""
        lines.append(f"| {i} | {h.name}{flag} | {_percent(h.probability)} | {code} | {support or '-'} |")
    if len(differential.hypotheses) > top:
        lines.append(f"\n{len(differential.hypotheses) - top} less likely hypotheses not listed.")
    if coding.proposals:
        lines += ["", "Coding notes:"] + [f"- {p.code}: {p.reason}" for p in coding.proposals]
    for c in coding.conflicts:
        lines.append(f"- Excludes1: {c.code} and {c.other} should not be coded together ({c.note}, at {c.at}).")
    lines += ["", "## Plan", ""]
    urgent = [f for f in red_flags if f.level == "emergency"]
    if urgent:
        lines.append(f"- **Emergency escalation**: {'; '.join(f.rule for f in urgent)}.")
    if tests:
        lines.append(f"- Investigations to consider (highest expected yield for this differential): {', '.join(tests)}.")
    for c in citations:
        scores = f" Score with: {', '.join(f'`meddiag calc {n}`' for n in c.calculators)}." if c.calculators else ""
        lines.append(f"- {c.hypothesis}: follow {c.title} ({c.citation}).{scores}")
    if not citations:
        lines.append("- No matching guideline section found; manage on clinical judgement.")
    lines += ["", "### Safety-netting", ""]
    for f in red_flags:
        lines.append(f"- [{f.level}] {f.rule}{f': {f.advice}' if f.advice else ''}")
    lines.append(f"- {SAFETY_NET}")
    return "\n".join(lines) + "\n"


def fhir_bundle(
    state: CaseState,
    differential: Differential,
    transcript: list[Turn],
    coding: CodingResult,
    encounter_id: str | None = None,
) -> dict:
    """A FHIR R4 collection Bundle, validated with fhir.resources (R4B models)."""
    from fhir.resources.R4B.bundle import Bundle

    enc = encounter_id or str(uuid.uuid4())

    def uid(kind: str, key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"meddiag:{enc}:{kind}:{key}"))

    patient_id, encounter_ref = uid("patient", ""), f"urn:uuid:{uid('encounter', '')}"
    subject = {"reference": f"urn:uuid:{patient_id}"}
    times = [t.at for t in transcript] or [datetime.now(timezone.utc)]
    patient: dict = {"resourceType": "Patient", "id": patient_id}
    if state.demographics.sex:
        patient["gender"] = state.demographics.sex
    encounter = {
        "resourceType": "Encounter", "id": uid("encounter", ""), "status": "finished",
        "class": {"system": _ACT_CODE, "code": "VR", "display": "virtual"},
        "subject": subject,
        "period": {"start": min(times).isoformat(), "end": max(times).isoformat()},
    }
    if state.chief_complaint:
        encounter["reasonCode"] = [{"text": state.chief_complaint}]
    resources = [patient, encounter]
    for p in coding.proposals:
        status = "provisional" if p.rank == 1 else "differential"
        resources.append({
            "resourceType": "Condition", "id": uid("condition", p.code),
            "clinicalStatus": {"coding": [{"system": _CLINICAL, "code": "active"}]},
            "verificationStatus": {"coding": [{"system": _VERIFICATION, "code": status}]},
            "code": {"coding": [{"system": ICD10CM, "code": p.code, "display": p.description}], "text": p.hypothesis},
            "subject": subject, "encounter": {"reference": encounter_ref},
            "note": [{"text": f"Rank {p.rank}, probability {p.probability:.2f}. {p.reason}"}],
        })
    for f in state.findings.values():
        if f.status == "unknown":
            continue
        obs: dict = {
            "resourceType": "Observation", "id": uid("observation", f.id), "status": "final",
            "category": [{"coding": [{"system": _CATEGORY, "code": _OBS_CATEGORY.get(f.source, "exam")}]}],
            "code": {"text": f.label}, "subject": subject, "encounter": {"reference": encounter_ref},
        }
        if f.id.startswith("HP:"):
            obs["code"]["coding"] = [{"system": _HPO, "code": f.id, "display": f.label}]
        elif f.id[:1] == "C" and f.id[1:].isdigit():
            obs["code"]["coding"] = [{"system": _UMLS, "code": f.id, "display": f.label}]
        if f.value is not None and f.status == "present":
            obs["valueQuantity"] = {"value": f.value, **({"unit": f.unit} if f.unit else {})}
        else:
            obs["valueBoolean"] = f.status == "present"
        resources.append(obs)
    bundle = {
        "resourceType": "Bundle", "id": uid("bundle", ""), "type": "collection",
        "timestamp": max(times).isoformat(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }
    return json.loads(Bundle.model_validate(bundle).model_dump_json(exclude_none=True))


def build_summary(
    state: CaseState,
    differential: Differential,
    transcript: list[Turn],
    red_flags: list[RedFlag],
    *,
    library: GuidelineLibrary | None = None,
    icd: Icd10Coder | None = None,
    top: int = 5,
    encounter_id: str | None = None,
    tests: list[str] | None = None,
) -> EncounterSummary:
    coding = (icd or coder()).code_differential(differential, top=top)
    citations = _cite(differential, library or GuidelineLibrary(), top=3)
    return EncounterSummary(
        markdown=soap_markdown(state, differential, transcript, red_flags, coding, citations, top=top, tests=tests),
        bundle=fhir_bundle(state, differential, transcript, coding, encounter_id),
        coding=coding,
        citations=citations,
    )


def write_summary(
    path: str | Path,
    state: CaseState,
    differential: Differential,
    transcript: list[Turn],
    red_flags: list[RedFlag],
    **options,
) -> tuple[Path, Path]:
    """Write ``<path>.md`` (SOAP note) and ``<path>.fhir.json`` (FHIR bundle); return both paths."""
    base = Path(path)
    if base.suffix in (".md", ".json"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    summary = build_summary(state, differential, transcript, red_flags, **options)
    md, fhir = base.with_name(base.name + ".md"), base.with_name(base.name + ".fhir.json")
    md.write_text(summary.markdown, encoding="utf-8")
    fhir.write_text(json.dumps(summary.bundle, indent=2), encoding="utf-8")
    return md, fhir
