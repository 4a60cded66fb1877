"""Case loaders on the real shared benchmark files, and on broken copies of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meddiag.simulation.agentclinic import case_from_record, flatten, load_agentclinic
from meddiag.simulation.case import CaseError
from meddiag.simulation.craftmd import load_craftmd
from meddiag.simulation.datasets import load_cases

from shared_data import AGENTCLINIC, CRAFTMD, SHARED  # noqa: E402,F401
pytestmark = pytest.mark.skipif(not AGENTCLINIC.exists(), reason="shared benchmark files not present")


def _records() -> list[dict]:
    return [json.loads(line) for line in AGENTCLINIC.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_agentclinic_record_loads_as_a_case():
    cases, problems = load_agentclinic(AGENTCLINIC)
    records = _records()
    assert problems == [] and len(cases) == len(records) == 107
    assert len({c.id for c in cases}) == 107
    for case, rec in zip(cases, records):
        osce = rec["OSCE_Examination"]
        assert case.diagnosis == osce["Correct_Diagnosis"].strip()
        assert case.objective == osce["Objective_for_Doctor"].strip()
        assert case.opening and case.unlisted == "normal" and case.source == "agentclinic"
        # every leaf of the examination and the test results survives flattening
        assert len(case.exam) == len(flatten(osce.get("Physical_Examination_Findings")))
        assert sum(v.count(";") + 1 for v in case.tests.values()) >= len(flatten(osce.get("Test_Results")))
    assert sum(c.age is not None for c in cases) >= 100 and sum(c.sex is not None for c in cases) >= 95
    assert sum(bool(c.denies) for c in cases) >= 60  # review-of-systems denials are picked up


def test_patient_text_is_first_person_and_keeps_the_case_facts():
    case = load_agentclinic(AGENTCLINIC)[0][0]  # myasthenia gravis
    assert case.opening.startswith("I'm a 35-year-old female") and "double vision" in case.opening
    said = " ".join(f.text for f in case.facts)
    assert "brush my hair" in said and "The patient" not in said
    assert {"chest pain", "palpitations", "shortness of breath"} <= {d.removeprefix("any ") for d in case.denies}
    assert case.tests["blood tests, acetylcholine receptor antibodies"] == "Present (elevated)"
    assert any(line.startswith("Vital signs. Heart rate: 72") for line in case.exam)


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path: Path):
    good = AGENTCLINIC.read_text(encoding="utf-8").splitlines()[:3]
    odd = {"OSCE_Examination": {"Correct_Diagnosis": "Gout", "Extra_Key": 1, "Physical_Examination_Findings": {},
                                "Test_Results": {"Joint_Fluid": {"Crystals": ["needle-shaped", "negatively birefringent"],
                                                                 "Nested": {"Deeper": {"Cells": 20000}}}},
                                "Patient_Actor": {"History": "He has a hot swollen big toe.", "Hobbies": {"Main": "golf"}}}}
    lines = [good[0], "{not json", json.dumps({"OSCE_Examination": {"Patient_Actor": {"History": "x"}}}), "",
             good[1], json.dumps([1, 2]), json.dumps({"OSCE_Examination": {"Correct_Diagnosis": "Flu", "Patient_Actor": {}}}),
             json.dumps(odd), good[2]]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases, problems = load_agentclinic(path)
    assert [c.line for c in cases] == [1, 5, 8, 9]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3", "line 6", "line 7"]
    assert "not valid JSON" in problems[0] and "Correct_Diagnosis" in problems[1] and "patient text" in problems[3]
    gout = cases[2]
    assert gout.opening == "I have a hot swollen big toe." and gout.exam == []
    assert gout.tests == {"joint fluid, crystals": "needle-shaped; negatively birefringent",
                          "joint fluid, nested, deeper, cells": "20000"}
    assert any("golf" in f.text for f in gout.facts)


def test_a_missing_file_is_one_clear_error(tmp_path: Path):
    with pytest.raises(CaseError, match="not found"):
        load_agentclinic(tmp_path / "nope.jsonl")
    with pytest.raises(CaseError, match="unknown case file type"):
        (tmp_path / "x.txt").write_text("hi")
        load_cases(tmp_path / "x.txt")
    with pytest.raises(CaseError, match="OSCE_Examination"):
        case_from_record("just a string", 1)


@pytest.mark.skipif(not CRAFTMD.exists(), reason="CRAFT-MD file not present")
def test_craftmd_vignettes_become_conversation_cases():
    cases, problems = load_craftmd(CRAFTMD)
    assert problems == [] and len(cases) == 993
    for case in cases:
        assert case.opening and case.diagnosis and len(case.choices) == 4
    assert sum(c.diagnosis in c.choices for c in cases) >= 0.95 * len(cases)  # the file has a few odd rows
    assert sum(c.opening.startswith("I'm ") for c in cases) >= 0.6 * len(cases)
    lgv = cases[0]  # "A 22-year-old man presented with ... He denied fever, chills ..."
    assert lgv.opening.startswith("I'm a 22-year-old man") and lgv.sex == "male" and lgv.age == 22
    assert "fever" in lgv.denies and any("scabbed lesions are identified" in e for e in lgv.exam)
    assert not any("scabbed" in f.text for f in lgv.facts)  # examination findings are the examiner's


def test_craftmd_malformed_rows_are_reported(tmp_path: Path):
    header, first, *_ = CRAFTMD.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "v.csv"
    path.write_text("\n".join([header, first, '"",a,b,c,d,a,x,y,z', first]) + "\n", encoding="utf-8")
    cases, problems = load_cases(path)
    assert len(cases) == 2 and len(problems) == 1 and problems[0].startswith("line 3")
