"""The agents' own rules for accepting model output, and their deterministic paths."""

from __future__ import annotations

import asyncio

import pytest

from meddiag.agents.ddx_proposer import DdxProposer, DdxRequest, evidence_reason, grounded
from meddiag.agents.history_taker import AskRequest, HistoryTaker, check_phrasing
from meddiag.agents.kg_reasoner import answer_status
from meddiag.models import ScriptedClient
from meddiag.schema import CaseState, Differential, Evidence, Hypothesis, Question

FATIGUE = AskRequest(question=Question(finding_id="HP:0012378", label="Fatigue", text="Have you been feeling tired?"),
                     lay_label="tired")


@pytest.mark.parametrize("text,ok", [
    ("Have you been feeling tired lately?", True),
    ("May I ask whether you have felt tired?", True),
    ("Do you feel tired all the time?", True),
    ("Yes, I have been feeling tired lately, I've?", False),  # an answer, not a question
    ("Have you had a cough?", False),  # a question about something else
    ("Tired? Exhausted?", False),
    ("Have you felt tired. You have anaemia?", False),
    ("Are you tired" + " really" * 40 + "?", False),
])
def test_history_taker_accepts_only_one_question_on_the_chosen_topic(text, ok):
    assert (check_phrasing(text, FATIGUE) is None) is ok


def test_history_taker_uses_the_template_when_the_model_fails():
    taker = HistoryTaker(ScriptedClient(['{"question": "I am a banana?"}', "not json"]))
    draft = asyncio.run(taker.ask(FATIGUE))
    assert draft.text == FATIGUE.question.text and draft.fallback and draft.fallback_kind == "invalid"


def test_history_taker_keeps_a_valid_phrasing():
    taker = HistoryTaker(ScriptedClient(['{"question": "Have you been feeling very tired recently?"}']))
    draft = asyncio.run(taker.ask(FATIGUE))
    assert draft.text == "Have you been feeling very tired recently?" and draft.fallback is None


@pytest.mark.parametrize("text,status", [
    ("Yes, quite a lot", "present"), ("yeah", "present"), ("No.", "absent"), ("not really", "absent"),
    ("I'm not sure", "unknown"), ("I don't know", "unknown"), ("It started on Tuesday", None),
    ("I have.", "present"), ("I do, mostly at night.", "present"), ("I have had it for weeks.", "present"),
    # telling of something else is no yes: "Any flank pain?" - "I have an ache above the pubic bone."
    ("I have an ache low down in my tummy, above the pubic bone.", None),
])
def test_short_answers_are_read_as_answers(text, status):
    assert answer_status(text) == status


def test_test_results_reported_normal_count_as_absent():
    assert answer_status("Troponin: normal.", "test") == "absent"
    assert answer_status("Troponin 480 ng/L (raised).", "test") is None
    report = "Chest x-ray: right lower lobe consolidation. Full blood count: normal. Urea: 9 mmol/L (raised)."
    assert answer_status(report, "test") is None  # one normal line does not deny the finding asked about


PNEUMONIA = Hypothesis(disease_id="curated:cap", name="Community-acquired pneumonia", probability=0.7, evidence=[
    Evidence(finding_id="HP:0001945", label="Fever", status="present", weight=2.1),
    Evidence(finding_id="HP:0012735", label="Cough", status="present", weight=2.5),
    Evidence(finding_id="HP:0100749", label="Chest pain", status="absent", weight=-0.4)])


def test_evidence_reason_cites_findings_for_and_against():
    assert evidence_reason(PNEUMONIA) == "for: Fever, Cough; against: no Chest pain"


@pytest.mark.parametrize("reason,ok", [
    ("Fever and a cough together point to a chest infection.", True),
    ("Gonorrhea", False),  # a name, not a reason
    ("This is a very common condition in older adults.", False),  # cites no evidence
])
def test_a_model_reason_must_cite_the_evidence(reason, ok):
    assert grounded(reason, PNEUMONIA) is ok


def test_ddx_proposer_keeps_the_graph_order_and_grounded_reasons():
    other = Hypothesis(disease_id="curated:flu", name="Influenza", probability=0.2, evidence=PNEUMONIA.evidence[:1])
    reply = {"reasons": [{"name": "Influenza", "reason": "Gonorrhea"},
                         {"name": "Community-acquired pneumonia", "reason": "Fever with cough fits a pneumonia well."}]}
    proposer = DdxProposer(ScriptedClient([reply]))
    result = asyncio.run(proposer.ask(DdxRequest(differential=Differential(hypotheses=[PNEUMONIA, other]),
                                                 state=CaseState())))
    names = [h.name for h in result.differential.hypotheses]
    assert names == ["Community-acquired pneumonia", "Influenza"]
    assert result.differential.hypotheses[0].reason == "Fever with cough fits a pneumonia well."
    assert result.differential.hypotheses[1].reason == "for: Fever"


def test_a_reply_that_takes_up_the_question_affirms_it(graph):
    from meddiag.agents.kg_reasoner import KGReasoner, ReasonRequest

    asked = Question(finding_id="HP:0000613", label="Photophobia", text="Does bright light bother your eyes?")
    reasoner = KGReasoner(graph)
    for text, status in [("Light and noise really bother me, I lie in a dark room.", "present"),
                         ("Light doesn't bother me at all.", "absent"),
                         # a negation in another sentence or clause denies nothing the question asked
                         ("Light really bothers me. I've never had an operation.", "present"),
                         ("Bright light bothers me, and I don't smoke.", "present")]:
        found = {f.id: f.status for f in reasoner.read(ReasonRequest(state=CaseState(), text=text, asked=asked))}
        assert found.get("HP:0000613") == status, (text, found)


def test_an_answer_echoing_only_what_is_known_is_no_answer():
    from meddiag.agents.kg_reasoner import _echoes
    from meddiag.schema import Question

    band = Question(finding_id="local:band_like_headache", label="band-like bilateral pressing headache",
                    text="Does the headache feel like a tight band or pressure around your head?")
    reply = "My mum gets headaches like these too."
    assert _echoes(reply, band)  # shares "headache" with the question...
    assert not _echoes(reply, band, known="Headache")  # ...but the headache is already known
    assert _echoes("It feels like a tight band.", band, known="Headache")


def test_time_and_place_words_alone_do_not_answer():
    from meddiag.agents.kg_reasoner import _echoes
    from meddiag.schema import Question

    weeks = Question(finding_id="local:late_pregnancy", label="pregnant beyond 20 weeks",
                     text="How many weeks pregnant are you?")
    assert not _echoes("My last period was two weeks ago and it was normal.", weeks)
    ruq = Question(finding_id="local:right_upper_quadrant_pain", label="right upper quadrant pain",
                   text="Is the pain in the upper right part of your belly, under the ribs?")
    assert not _echoes("Now the pain has moved down to the lower right side of my tummy.", ruq, known="Abdominal pain")
    assert _echoes("Yes, it hurts under my ribs.", ruq, known="Abdominal pain")
    span = Question(finding_id="local:cluster_attack_duration", label="headache attacks lasting 15 minutes to 3 hours",
                    text="Does each attack last between a quarter of an hour and three hours?")
    assert not _echoes("Each one lasts most of the day, up to a day and a half.", span, known="Headache")


def test_a_reply_about_another_finding_does_not_answer_by_its_words(graph):
    """"Have you been eating more than usual?" - "I've lost my appetite and about four kilos" tells of
    anorexia and weight loss; the shared word "appetite" does not make it a yes."""
    from meddiag.agents.kg_reasoner import KGReasoner, ReasonRequest

    asked = Question(finding_id="HP:0002591", label="Polyphagia", text="Has your appetite increased, eating more than usual?")
    found = {f.id: f.status for f in KGReasoner(graph).read(
        ReasonRequest(state=CaseState(), text="I've lost my appetite and about four kilos.", asked=asked))}
    assert found.get("HP:0002039") == "present"  # Anorexia
    assert "HP:0002591" not in found
