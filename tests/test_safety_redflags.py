"""Red-flag engine: the utterance suites, negation, vitals, case state and the rule file."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import yaml

from meddiag.safety.critic_rules import review
from meddiag.safety.redflags import LEVEL_ADVICE, RuleError, assess, load_rules
from meddiag.safety.vitals import read_measures
from meddiag.schema import CaseState, Demographics, Finding, RedFlag

DATA = Path(__file__).parent / "data" / "safety"


def _suite_numbers(name: str) -> dict:
    items = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    levels = {"emergency": [], "urgent": [], "routine": []}
    rule_hits = []
    for item in items:
        result = assess(item["text"])
        levels[item["expect"]].append(result.level)
        if "rule" in item:
            rule_hits.append(item["rule"] in {f.rule for f in result.flags})
    return {
        "n": len(items),
        "emergency_recall": sum(lv == "emergency" for lv in levels["emergency"]) / len(levels["emergency"]),
        "urgent_recall": sum(lv != "routine" for lv in levels["urgent"]) / len(levels["urgent"]),
        "benign_to_emergency": sum(lv == "emergency" for lv in levels["routine"]) / len(levels["routine"]),
        "benign_flagged": sum(lv != "routine" for lv in levels["routine"]) / len(levels["routine"]),
        "rule_accuracy": sum(rule_hits) / len(rule_hits),
        "counts": {k: len(v) for k, v in levels.items()},
    }


@functools.cache
def suite_numbers(name: str) -> dict:  # memoised: each suite is scored once per run
    return _suite_numbers(name)


@pytest.mark.parametrize("name", ["redflag_suite.yaml", "redflag_holdout.yaml"])
def test_suite_meets_recall_targets(name: str) -> None:
    numbers = suite_numbers(name)
    print(name, numbers)
    assert numbers["emergency_recall"] == 1.0
    assert numbers["urgent_recall"] >= 0.95
    assert numbers["benign_to_emergency"] <= 0.10
    assert numbers["rule_accuracy"] >= 0.95


def test_suite_is_big_and_balanced() -> None:
    numbers = suite_numbers("redflag_suite.yaml")
    assert numbers["n"] >= 150
    assert min(numbers["counts"].values()) >= 40


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain",
        "I don't have any chest pain or shortness of breath",
        "Denies chest pain.",
        "I have never had chest pain.",
        "There is no blood in my vomit",
        "without a stiff neck or fever",
        "My mum died of a heart attack and I want to prevent a stroke",
    ],
)
def test_negated_or_hypothetical_mentions_stay_routine(text: str) -> None:
    assert assess(text).level == "routine", assess(text).flags


def test_negation_is_clause_scoped() -> None:
    result = assess("No fever, but I have crushing chest pain and I'm sweating")
    assert result.level == "emergency"
    assert [f.rule for f in result.flags][0] == "acute_coronary_syndrome"


def test_negation_inside_a_gap_blocks_the_match() -> None:
    # "a ... temperature" must not bridge over "no"
    assert assess("my 4 week old baby is feeding a lot, no temperature").level == "routine"


def test_evidence_quotes_the_patient_text_and_advice_matches_level() -> None:
    text = "I've had a chset pian since lunch. It goes down my left arm."
    result = assess(text)
    flag = result.flags[0]
    assert flag.rule == "acute_coronary_syndrome" and flag.level == "emergency"
    for part in flag.evidence.split("; "):
        assert part in text
    assert result.advice == LEVEL_ADVICE["emergency"]
    assert assess("I have a mild cold").advice == LEVEL_ADVICE["routine"]


def test_misspellings_across_sentences() -> None:
    result = assess("Im pregant. I have bad pian in my tummy on the rigth side. Also some bleading.")
    assert "ectopic_pregnancy" in {f.rule for f in result.flags}


def test_vitals_are_read_from_text() -> None:
    m = read_measures("BP 88/52, resp rate 26, HR 124, temp 102.2F, sats 91% on air, sugar 450, I'm 67")
    assert (m.sbp.value, m.dbp.value, m.rr.value, m.hr.value) == (88, 52, 26, 124)
    assert m.temp.value == pytest.approx(39.0)
    assert m.spo2.value == 91 and m.glucose.value == pytest.approx(25.0) and m.age.value == 67
    assert read_measures("my 6 week old").age.value == pytest.approx(6 / 52)
    assert read_measures("I'm 7 weeks pregnant").age is None


def test_qsofa_from_vitals() -> None:
    text = "I have a urine infection. My breathing rate is 24 and blood pressure 95/60."
    assert "sepsis" in {f.rule for f in assess(text).flags}
    assert "sepsis" not in {f.rule for f in assess("I have a urine infection. Blood pressure 125/80.").flags}


def test_case_state_findings_vitals_and_age() -> None:
    state = CaseState(
        demographics=Demographics(age=0.1, sex="female"),
        findings={
            "HP:0001945": Finding(id="HP:0001945", label="Fever", status="present"),
            "HP:0002315": Finding(id="HP:0002315", label="Headache", status="absent"),
        },
    )
    rules = {f.rule for f in assess("She is a bit unsettled", state).flags}
    assert "febrile_neonate" in rules
    vitals = CaseState(
        findings={
            "rr": Finding(id="local:rr", label="Respiratory rate", status="present", value=28),
            "sbp": Finding(id="local:sbp", label="Systolic blood pressure", status="present", value=85),
            "inf": Finding(id="local:pneumonia", label="Pneumonia", status="present"),
        }
    )
    assert "sepsis" in {f.rule for f in assess("", vitals).flags}
    assert assess("", CaseState()).level == "routine"


def test_demographic_limits() -> None:
    assert "testicular_torsion" not in {f.rule for f in assess("I'm a woman with sudden severe pain in my ball of foot").flags}
    old = {f.rule for f in assess("I'm 70 and there is blood on the toilet paper when I wipe").flags}
    young = {f.rule for f in assess("I'm 25 and there is blood on the toilet paper when I wipe").flags}
    assert "rectal_bleeding_over_50" in old and "rectal_bleeding_over_50" not in young


def test_every_rule_advice_escalates_for_its_level() -> None:
    for rule in load_rules().rules:
        flag = RedFlag(level=rule.level, rule=rule.id, advice=rule.advice)
        assert review(rule.advice, flags=[flag]).approved, rule.id


def test_bad_rule_files_give_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "missing.yaml": None,
        "list.yaml": "- a\n- b\n",
        "broken.yaml": "rules: [\n",
        "unknown.yaml": "concepts: {a: [pain]}\nrules: [{id: x, level: urgent, label: x, advice: x, any: [[b]]}]\n",
        "bool.yaml": "negation: [no]\nconcepts: {a: [pain]}\n",
        "badlevel.yaml": "concepts: {a: [pain]}\nrules: [{id: x, level: soon, label: x, advice: x, any: [[a]]}]\n",
        "badvital.yaml": "vitals: {v: 'rr is high'}\n",
    }
    for name, body in cases.items():
        path = tmp_path / name
        if body is not None:
            path.write_text(body)
        with pytest.raises(RuleError) as err:
            load_rules(path)
        assert "\n" not in str(err.value)


def test_custom_rule_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "negation: ['no']\nconcepts:\n  itch: ['itchy ear*', 'ear itch*']\n"
        "rules:\n  - {id: itchy_ear, level: urgent, label: Itchy ear, advice: See a doctor today., any: [[itch]]}\n"
    )
    rules = load_rules(path)
    assert [f.rule for f in assess("my ear is itchy and I have itchy earlobes", rules=rules).flags] == ["itchy_ear"]
    assert assess("no itchy ears", rules=rules).level == "routine"


def test_a_right_lower_lobe_is_not_a_right_lower_abdomen() -> None:
    """Chest findings with a fever must not fire the appendicitis rule (a pneumonia case did once)."""
    text = "Chest x-ray: right lower lobe consolidation. Temperature 38.9. It hurts when I cough."
    assert "abdominal_pain_severe" not in {f.rule for f in assess(text).flags}
    assert "abdominal_pain_severe" in {f.rule for f in assess("It started around my belly button and moved to the lower right side of my tummy, and I have a fever.").flags}
