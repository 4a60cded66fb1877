"""Calculators against published worked examples (the source of each is stated next to it)."""

from __future__ import annotations

import argparse
import json

import pytest

from meddiag.tools.calculators import CALCULATORS, CalculatorError, calculate, get_calculator, parse_assignments
from meddiag.tools.commands import register


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="meddiag")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


# ---------------------------------------------------------------- CURB-65
# Worked example: MRCEM revision question "A 71 year old man is diagnosed with community acquired
# pneumonia. He is confused. BP 110/70 mmHg, HR 120, RR 25, urea 10 mmol/L. What is his CURB-65
# score?" (mrcemsuccess.com/review/101282697/579002): C 1 + U 1 + R 0 + B 0 + 65 1 = 3.
def test_curb65_mrcem_example_with_uk_urea(capsys):
    code, out, _ = run_cli(capsys, "calc", "curb65", "confusion=yes", "urea=10", "respiratory_rate=25",
                           "systolic_bp=110", "diastolic_bp=70", "age=71", "--json")
    result = json.loads(out)
    assert code == 0 and result["score"] == 3
    assert "High risk" in result["interpretation"] and result["doi"] == "10.1136/thorax.58.5.377"


def test_curb65_same_example_with_us_bun():
    # 10 mmol/L urea = 28 mg/dL BUN (x 2.8); the US form of the criterion is BUN > 20 mg/dL.
    r = calculate("curb65", confusion=True, bun=28, respiratory_rate=25, systolic_bp=110, diastolic_bp=70, age=71)
    assert r.score == 3


@pytest.mark.parametrize("urea, points", [("7", 0), ("7.1", 1)])
def test_curb65_urea_threshold_is_strictly_above_7(urea, points):
    # Lim et al., Thorax 2003 (BTS 2009 severity section): urea > 7 mmol/L scores one point.
    r = calculate("curb65", confusion="no", urea=urea, respiratory_rate=20, systolic_bp=120, diastolic_bp=80, age=40)
    assert r.score == points


# ---------------------------------------------------------------- HEART
# Worked example: PAINE PANCE Pearl, Emergency Medicine (painepodcast.com, 2016-11-12): 57-year-old
# man, controlled hypertension, moderately suspicious history, normal ECG, negative troponin:
# "he has a HEART score of 3 (age + history + risk factors)".
def test_heart_paine_pance_example():
    r = calculate("heart", history=1, ecg=0, age=57, risk_factor_count=1, troponin=0)
    assert r.score == 3 and "Low risk" in r.interpretation


# ---------------------------------------------------------------- Wells PE
# Published maximum: all seven Wells criteria present give 12.5 points ("maximum score: 12.5",
# medicalalgorithms.com, simple clinical model of Wells et al., Thromb Haemost 2000), PE likely (> 4).
def test_wells_pe_all_criteria_max_12_5():
    r = calculate("wells_pe", clinical_signs_dvt=True, pe_most_likely_diagnosis=True, heart_rate_gt_100=True,
                  immobilization_or_surgery=True, previous_dvt_pe=True, hemoptysis=True, malignancy=True)
    assert r.score == 12.5 and "PE likely" in r.interpretation


# Worked from the published point table (Wells 2000; BMC Fam Pract 2010 11:64, Table 1): heart
# rate > 100 (1.5) + surgery in the previous 4 weeks (1.5) = 3.0, "unlikely" (<= 4 points).
def test_wells_pe_two_tier_unlikely():
    r = calculate("wells_pe", heart_rate_gt_100="yes", immobilization_or_surgery="yes")
    assert r.score == 3.0 and "PE unlikely" in r.interpretation


# ---------------------------------------------------------------- Wells DVT
# Worked from the published table (Wells, Lancet 1997, reproduced in Ann Fam Med, Table 1):
# active cancer + calf swelling > 3 cm + pitting oedema = 3, "high probability" (>= 3); adding
# "alternative diagnosis at least as likely" (-2) gives 1, "moderate probability" (1 or 2).
def test_wells_dvt_high_then_moderate():
    high = calculate("wells_dvt", active_cancer=True, calf_swelling_gt_3cm=True, pitting_edema=True)
    assert high.score == 3 and "High probability" in high.interpretation
    moderate = calculate("wells_dvt", active_cancer=True, calf_swelling_gt_3cm=True, pitting_edema=True,
                         alternative_diagnosis_likely=True)
    assert moderate.score == 1 and "Moderate probability" in moderate.interpretation


# ---------------------------------------------------------------- qSOFA
# Worked examples: the inteRn R package documentation for qSOFA (rdrr.io/github/CCVR/inteRn/man/qSOFA):
# "altered mental status and tachypnea" (RR 21, SBP 120) and "tachypnea and dropping blood
# pressure" (RR 21, SBP 95). Under Sepsis-3 (Seymour, JAMA 2016: RR >= 22, SBP <= 100,
# altered mentation) a rate of 21 does not score, so both score 1.
@pytest.mark.parametrize("altered, rr, sbp", [(True, 21, 120), (False, 21, 95)])
def test_qsofa_intern_examples(altered, rr, sbp):
    r = calculate("qsofa", respiratory_rate=rr, systolic_blood_pressure=sbp, altered_mentation=altered)
    assert r.score == 1


def test_qsofa_high_risk_at_two():
    r = calculate("qsofa", respiratory_rate=22, systolic_blood_pressure=100, altered_mentation=False)
    assert r.score == 2 and "High risk" in r.interpretation


# ---------------------------------------------------------------- NEWS2
# Worked examples (proreckoner.com NEWS2 page, "Worked examples", RCP NEWS2 chart 1):
# RR + SpO2 + air/O2 + SBP + HR + consciousness + temperature =
#   0+0+0+0+0+0+0 = 0;  2+1+2+1+1+0+1 = 8;  3+3+2+2+1+3+0 = 14.
# Each parameter value below sits in the RCP chart band that gives the stated sub-score.
@pytest.mark.parametrize(
    "vitals, total",
    [
        (dict(respiration_rate=16, spo2=97, on_supplemental_o2=False, systolic_bp=125, pulse=72,
              consciousness="alert", temperature=37.0), 0),
        (dict(respiration_rate=22, spo2=95, on_supplemental_o2=True, systolic_bp=105, pulse=100,
              consciousness="alert", temperature=38.5), 8),
        (dict(respiration_rate=28, spo2=90, on_supplemental_o2=True, systolic_bp=95, pulse=105,
              consciousness="confusion", temperature=37.0), 14),
    ],
)
def test_news2_worked_examples(vitals, total):
    r = calculate("news2", **vitals)
    assert r.score == total


def test_news2_single_parameter_3_is_medium_risk():
    # RCP NEWS2: a score of 3 in any single parameter triggers an urgent ward-based response.
    r = calculate("news2", respiration_rate=16, spo2=97, on_supplemental_o2=False, systolic_bp=125, pulse=72,
                  consciousness="voice", temperature=37.0)
    assert r.score == 3 and "Medium" in r.interpretation


# ---------------------------------------------------------------- CHA2DS2-VASc
# Worked example (droracle.ai, "How is CHADS-VASc score calculated for a patient with atrial
# fibrillation, hypertension, and diabetes?"): 72-year-old woman with AF, hypertension and
# diabetes: H 1 + A 1 (65-74) + D 1 + Sc 1 = 4.
def test_cha2ds2_vasc_72_year_old_woman():
    r = calculate("cha2ds2-vasc", hypertension=True, diabetes=True, age=72, female_sex=True)
    assert r.score == 4


# Published maximum: 9 (Lip et al., Chest 2010; "the maximum CHA2DS2-VASc score is 9", globalrph).
def test_cha2ds2_vasc_maximum_is_9():
    r = calculate("cha2ds2_vasc", congestive_heart_failure=True, hypertension=True, age=80, diabetes=True,
                  stroke_tia_thromboembolism=True, vascular_disease=True, female_sex=True)
    assert r.score == 9


# ---------------------------------------------------------------- Centor / McIsaac
# Worked example (medicalmcq.in): an 18-year-old woman with fever, no cough, tonsillar exudates
# and tender anterior cervical lymphadenopathy meets all four Centor criteria; McIsaac adds 0
# for age 15-44 (McIsaac, CMAJ 1998), so the score is 4.
def test_centor_mcisaac_18_year_old():
    r = calculate("centor", age=18, tonsillar_swelling_or_exudate=True, tender_anterior_cervical_lymphadenopathy=True,
                  fever=True, absence_of_cough=True)
    assert r.score == 4


# McIsaac CMAJ 1998 age modifier: +1 for 3-14 years, -1 for 45 and over.
@pytest.mark.parametrize("age, score", [(10, 5), (50, 3)])
def test_centor_age_modifier(age, score):
    r = calculate("mcisaac", age=age, tonsillar_swelling_or_exudate=True, tender_anterior_cervical_lymphadenopathy=True,
                  fever=True, absence_of_cough=True)
    assert r.score == score


# ---------------------------------------------------------------- registry and CLI
def test_list_covers_the_required_scores(capsys):
    code, out, _ = run_cli(capsys, "calc", "--list", "--json")
    listing = json.loads(out)
    assert code == 0
    assert {"curb65", "heart", "wells_pe", "wells_dvt", "qsofa", "news2", "cha2ds2_vasc", "centor"} <= set(listing)
    assert "respiratory_rate" in listing["curb65"]["arguments"]


@pytest.mark.parametrize(
    "argv",
    [
        ["calc", "no_such_score"],
        ["calc", "qsofa", "respiratory_rate=20"],  # missing arguments
        ["calc", "qsofa", "respiratory_rate=fast", "systolic_blood_pressure=90", "altered_mentation=no"],
        ["calc", "qsofa", "respiratory_rate"],  # not key=value
        ["calc", "qsofa", "pulse=90", "respiratory_rate=20", "systolic_blood_pressure=90", "altered_mentation=no"],
    ],
)
def test_cli_errors_are_one_line_exit_2(capsys, argv):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error:")


def test_library_errors_and_parsing():
    with pytest.raises(CalculatorError):
        get_calculator("apache9")
    with pytest.raises(CalculatorError):
        calculate("curb65", urea="high", confusion=False, respiratory_rate=20, systolic_bp=120, diastolic_bp=80, age=40)
    assert parse_assignments(["age=72", "female-sex=yes"]) == {"age": "72", "female_sex": "yes"}
    assert all(get_calculator(c.name) is c for c in CALCULATORS.values())
