"""Bundled scenarios load, their codes exist, and the simulated patient keeps the rules."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import simple_icd_10_cm as cm

from meddiag.simulation.case import CaseError, bundled_scenarios, load_case, load_scenario
from meddiag.simulation.judge import normalise
from meddiag.simulation.patient import NO_RESULT, UNSURE, SimulatedPatient

NAMES = bundled_scenarios()


def test_at_least_five_scenarios_across_specialties():
    cases = [load_scenario(n) for n in NAMES]
    assert len(cases) >= 5
    assert len({c.specialty for c in cases}) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_scenario_is_valid_and_its_code_resolves(name):
    case = load_scenario(name)
    assert case.opening and case.facts and case.diagnosis
    assert case.icd10 is None or cm.is_valid_item(case.icd10), case.icd10


@pytest.mark.parametrize("name", NAMES)
def test_the_patient_never_says_the_diagnosis_or_a_fact_outside_the_case(name, graph):
    case = load_scenario(name)
    patient = SimulatedPatient(case, graph)
    allowed = {case.opening, UNSURE, *(f.text for f in case.facts)}
    allowed |= {f"No, I haven't had {d}." for d in case.denies}
    questions = ["What brings you in today?", "Do you have a fever?", "Any chest pain?", "Have you been coughing?",
                 "Any headache?", "Do you smoke?", "Any vomiting?", f"Could this be {case.diagnosis}?",
                 "Have you lost weight?", "Any pain when passing urine?", "How is your mood?",
                 "Do you have any rash?", "Tell me about your breathing."]

    async def ask_all():
        return [await patient.reply(q) for q in questions]

    for answer in asyncio.run(ask_all()):
        assert normalise(case.diagnosis) not in normalise(answer)
        # every sentence of an answer is one of the case's own statements
        assert answer in allowed or all(part in allowed for part in _facts_in(answer, case)), answer


def _facts_in(answer: str, case) -> list[str]:
    parts, rest = [], answer
    for fact in sorted((f.text for f in case.facts), key=len, reverse=True):
        if fact in rest:
            parts.append(fact)
            rest = rest.replace(fact, "")
    assert not rest.strip(), f"unexplained text in answer: {rest!r}"
    return parts


def test_the_patient_answers_what_is_asked_and_denies_what_is_absent(graph):
    case = load_scenario("community-acquired-pneumonia")
    patient = SimulatedPatient(case, graph)

    async def go():
        return (await patient.reply("What brings you in today?"),
                await patient.reply("Are you bringing up any phlegm?"),
                await patient.reply("Have you coughed up any blood?"),
                await patient.reply("Have you ever had a kidney stone?"))

    opening, phlegm, blood, silent = asyncio.run(go())
    assert opening == case.opening
    assert "phlegm" in phlegm
    assert blood.startswith("No")
    assert silent == UNSURE


def test_the_examiner_reports_only_what_is_requested(graph):
    case = load_scenario("community-acquired-pneumonia")
    patient = SimulatedPatient(case, graph)
    assert "consolidation" in asyncio.run(patient.examine("chest x-ray")).lower()
    assert asyncio.run(patient.examine("lumbar puncture")) == NO_RESULT
    assert "crackles" in asyncio.run(patient.examine("general physical examination and vital signs"))


@pytest.mark.parametrize("content,expect", [
    ("id: x\n  bad: [", "not valid YAML at line"),
    ("- just\n- a list\n", "expected a mapping"),
    ("id: x\nopening: hi\n", "diagnosis"),
    ("id: x\ndiagnosis: Flu\nopening: hi\nfacts: [{text: a, colour: red}]\n", "facts.0.colour"),
])
def test_a_malformed_scenario_gives_one_line(tmp_path: Path, content, expect):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(CaseError) as err:
        load_case(path)
    assert expect in str(err.value) and "\n" not in str(err.value)


def test_an_unknown_scenario_names_the_bundled_ones():
    with pytest.raises(CaseError) as err:
        load_scenario("no-such-scenario")
    assert "migraine" in str(err.value)
