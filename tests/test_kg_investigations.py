"""Investigations (the tests a clinician orders), exam-question asks, and the free-text benchmark's
answer lists. Runs on the real graph: the catalogue is data/investigations.yaml."""

from __future__ import annotations

import json

import pytest

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.simulation.asks import ask_of, question_of
from meddiag.simulation.vignettes import Vignette, answer_targets, free_rank, score_free

HAEMOLYSIS = ("A 30-year-old woman has fatigue and jaundice. Examination shows splenomegaly. Her hemoglobin is "
              "7.1 g/dL with reticulocytosis and raised lactate dehydrogenase; the smear shows spherocytes. "
              "Which of the following tests is most likely to confirm the diagnosis?")


@pytest.mark.parametrize("name,expected", [
    ("Direct Coombs Test", "test:direct_coombs_test"),
    ("Serum TSH levels", "test:thyroid_function_tests"),
    ("Transvaginal ultrasound in 4 days", "test:pelvic_ultrasound"),
    ("Repeat blood cultures now", "test:blood_cultures"),
    ("Endoscopic retrograde cholangiopancreatography (ERCP)", "test:ercp"),
    ("Confirmatory amniocentesis and chromosomal analysis of the fetal cells", "test:amniocentesis"),
    ("V/Q scan", "test:vq_scan"),
])
def test_investigation_names(graph, name, expected):
    assert graph.lookup_investigations(name) == [expected]


@pytest.mark.parametrize("name", ["Fever", "Hydrochlorothiazide", "Systemic lupus erythematosus", ""])
def test_what_is_not_an_investigation(graph, name):
    assert graph.lookup_investigations(name) == []


def test_every_investigation_reports_findings(graph):
    inv = graph.investigations
    assert len(inv.ids) >= 150
    empty = [i for i, shows in zip(inv.ids, inv.shows) if shows.size == 0]
    assert len(empty) <= len(inv.ids) // 20, f"investigations linked to no finding: {empty}"


def test_suggested_tests_confirm_the_leading_diagnosis(graph):
    state = case_from_text(graph, HAEMOLYSIS)
    ids = [t[0] for t in graph.suggest_tests(state, top=5)]
    assert "test:direct_coombs_test" in ids
    values = [t[2] for t in graph.suggest_tests(state, top=5)]
    assert values == sorted(values, reverse=True) and values[0] > 0


def test_a_known_result_is_not_worth_ordering_again(graph):
    state = case_from_text(graph, HAEMOLYSIS)
    before = dict((t[0], t[2]) for t in graph.suggest_tests(state, top=200))
    state2 = case_from_text(graph, HAEMOLYSIS.replace("the smear shows spherocytes",
                                                      "the direct Coombs test is positive"))
    after = dict((t[0], t[2]) for t in graph.suggest_tests(state2, top=200))
    assert after.get("test:direct_coombs_test", 0.0) < before["test:direct_coombs_test"]


def test_the_next_test_is_an_investigation_named_with_its_telling_result(graph):
    """What the consultation orders after the examination: the best investigation by name, asking for its
    most telling result (which a plain "Normal." denies); never the same test, nor the same result, twice."""
    state = case_from_text(graph, HAEMOLYSIS)
    first = graph.next_test(state)
    assert first.kind == "test" and first.label == graph.suggest_tests(state, top=1)[0][1]
    inv = graph.investigations
    shows = inv.shows[inv.ids.index(graph.lookup_investigations(first.label)[0])]
    assert graph.index.finding_pos[first.finding_id] in shows
    state.asked.append(first.finding_id)
    second = graph.next_test(state, skip=[first.label])
    assert second.label != first.label and second.finding_id != first.finding_id


@pytest.mark.parametrize("question,ask", [
    ("Which of the following is the most likely diagnosis?", "diagnosis"),
    ("Which of the following is the most appropriate next step in diagnosis?", "test"),
    ("Which of the following is most likely to confirm the diagnosis?", "test"),
    ("Which of the following would confirm the most likely diagnosis in this patient?", "test"),
    ("Which of the following findings is most likely to be associated with this patient's diagnosis?", "finding"),
    ("A biopsy of the lesion would most likely show which of the following?", "finding"),
    ("Which of the following is the most appropriate treatment for the most likely diagnosis?", "treatment"),
    ("Which of the following is the best next step in management?", "treatment"),
    ("Which of the following is the most likely cause of this patient's symptoms?", "diagnosis"),
])
def test_what_a_question_asks_for(question, ask):
    assert ask_of("A 40-year-old man has a cough. " + question) == ask


def test_a_case_without_a_question_asks_for_the_diagnosis():
    text = "A 5-year-old boy has an itchy rash in the flexures. Examination shows lichenified plaques."
    assert question_of(text) == ""
    assert ask_of(text) == "diagnosis"


def test_answer_targets_by_kind(graph):
    assert answer_targets(graph, "Hereditary spherocytosis").diseases
    assert answer_targets(graph, "Direct Coombs test").tests == ["test:direct_coombs_test"]
    assert answer_targets(graph, "Granular casts").findings
    drug = answer_targets(graph, "Hydrochlorothiazide")  # a drug is not a finding a case shows
    assert not drug.named


def test_free_rank_answers_from_the_list_the_question_asks_for(graph):
    state = case_from_text(graph, HAEMOLYSIS)
    coombs = answer_targets(graph, "Direct Coombs test")
    rank = free_rank(graph, "test", coombs, state)
    assert rank is not None and rank <= 10
    assert free_rank(graph, "diagnosis", coombs, state) is None  # a test is no answer to "the diagnosis?"
    v = Vignette(line=2, text=HAEMOLYSIS, choices=["a", "b", "c", "d"], answer="Direct Coombs test")
    res = score_free(graph, [v])
    assert res["coverage"] == 1.0 and res["top10"] == 1.0


def test_kg_tests_command(graph, capsys):
    from meddiag.cli import main

    rc = main(["kg", "tests", HAEMOLYSIS, "--top", "5", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rc == 0 and len(rows) == 5 and {"id", "name", "value"} <= set(rows[0])
    assert "test:direct_coombs_test" in [r["id"] for r in rows]


def test_kg_tests_says_when_the_text_names_no_finding(graph, capsys):
    from meddiag.cli import main

    rc = main(["kg", "tests", "zzzz qqqq", "--json"])
    out = capsys.readouterr()
    assert rc == 0 and json.loads(out.out) == [] and "no finding recognised" in out.err


@pytest.mark.parametrize("question,yes", [
    ("Which of the following is a complication associated with this patient's most likely diagnosis?", True),
    ("In addition to her primary diagnosis, which of the following is this patient most at risk for developing?", True),
    ("This patient is at increased risk of which of the following?", True),
    ("Which of the following is the most likely diagnosis?", False),
    ("Which treatment should be used in order to prevent any further complications?", False),
])
def test_what_asks_for_a_complication(question, yes):
    from meddiag.simulation.asks import asks_complication

    assert asks_complication("A 40-year-old man has a cough. " + question) is yes


@pytest.mark.parametrize("question,yes", [
    ("Which of the following is the most likely diagnosis?", True),
    ("Which of the following is the most likely underlying cause of this patient's symptoms?", True),
    ("Which of the following best describes the most likely diagnosis?", True),
    ("Based on the most likely diagnosis, which of the following is considered a risk factor in this patient?", False),
    ("Which of the following is the most likely mechanism of this patient's condition?", False),
    ("The drug most appropriate for this patient acts by inhibiting which enzyme?", False),
])
def test_what_asks_for_the_disease_itself(question, yes):
    from meddiag.simulation.asks import asks_disease

    assert asks_disease("A 40-year-old man has a cough. " + question) is yes
