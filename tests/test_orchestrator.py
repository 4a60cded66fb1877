"""The orchestrator's state machine on the scripted backend: order, stops, gate, faults."""

from __future__ import annotations

import asyncio
import json
import random
import re

import pytest

from meddiag.agents.safety_critic import ApprovedMessage, SafetyCritic, SafetyGateError, Verdict
from meddiag.models import HANG, ScriptedClient
from meddiag.orchestrator import BACKGROUND, Consultation, ConsultationConfig
from meddiag.schema import (
    CriticVerdict,
    DifferentialUpdated,
    EventAdapter,
    Fallback,
    Finished,
    RedFlagRaised,
    Started,
    Utterance,
)

from patients import ListPatient  # noqa: E402


BACKGROUND_ANSWERS = ["It started on Monday and I feel shivery.", "No, I'm usually well.", "No medicines and no allergies.", "I don't smoke and I rarely drink."]
PNEUMONIA = ["I've had a cough and a fever for three days and I'm coughing up green phlegm.", *BACKGROUND_ANSWERS,
             "Yes.", "No.", "Yes, a little.", "I'm not sure.", "No.", "Yes."]


def run(consultation, patient):
    async def go():
        return [e async for e in consultation.run(patient)]

    return asyncio.run(go())


def test_a_consultation_runs_in_order_and_every_doctor_turn_is_approved(graph):
    patient = ListPatient(PNEUMONIA)
    events = run(Consultation(ConsultationConfig(max_turns=5), model=ScriptedClient(), graph=graph), patient)
    assert isinstance(events[0], Started) and isinstance(events[-1], Finished)
    verdict_finals = [e.final for e in events if isinstance(e, CriticVerdict)]
    doctor = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "doctor"]
    assert doctor and all(text in verdict_finals for text in doctor)
    assert patient.heard == doctor[: len(patient.heard)]
    finished = events[-1]
    assert finished.differential.hypotheses, "a differential is always produced"
    assert finished.turns == len(doctor)
    assert any(isinstance(e, DifferentialUpdated) for e in events)
    turns = [e.turn for e in events if isinstance(e, Utterance)]
    assert [t.index for t in turns] == list(range(len(turns)))


def test_the_interview_stops_at_the_turn_budget(graph):
    events = run(Consultation(ConsultationConfig(max_turns=2, min_turns=5), model=ScriptedClient(), graph=graph),
                 ListPatient(PNEUMONIA))
    finished = events[-1]
    assert finished.reason == "turn_budget"
    # greeting + 4 background questions + 2 questions + closing
    assert finished.turns == 8


def test_a_patient_who_leaves_ends_the_consultation_without_losing_turns(graph):
    patient = ListPatient(PNEUMONIA[:2])
    events = run(Consultation(ConsultationConfig(max_turns=8), model=ScriptedClient(), graph=graph), patient)
    assert events[-1].reason == "patient_left"
    said = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "patient"]
    assert said == PNEUMONIA[:2]


def test_an_emergency_escalates_and_stops(graph):
    patient = ListPatient(["I have crushing chest pain going down my left arm and I'm sweating buckets."])
    events = run(Consultation(ConsultationConfig(), model=ScriptedClient(), graph=graph), patient)
    flags = [e.flag for e in events if isinstance(e, RedFlagRaised)]
    assert any(f.level == "emergency" for f in flags)
    finished = events[-1]
    assert finished.reason == "escalated"
    last_doctor = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "doctor"][-1]
    assert any(word in last_doctor.lower() for word in ("emergency", "999", "911", "112", "ambulance"))


class ForgingCritic(SafetyCritic):
    """A broken critic whose approvals carry no valid seal."""

    async def handle(self, request):
        return Verdict(approved=True, final=request.draft, message=ApprovedMessage(request.draft, b"forged"))


def test_an_unapproved_draft_cannot_reach_the_patient(graph):
    consultation = Consultation(ConsultationConfig(), model=ScriptedClient(), graph=graph)
    consultation.critic = ForgingCritic()
    patient = ListPatient(PNEUMONIA)
    with pytest.raises(SafetyGateError):
        run(consultation, patient)
    assert patient.heard == [], "nothing was said to the patient"


def test_the_history_opens_with_the_background_every_clinician_takes(graph):
    """The story of the complaint, other conditions, medicines and allergies, habits: asked once each, after
    the presenting complaint, before the graph's questions; what the answers state is read into the case."""
    patient = ListPatient(["I've had a cough for three days.", "I've been wheezing too.", "I have asthma.", "I take a salbutamol inhaler.",
                           "I smoke twenty cigarettes a day.", "No."])
    consultation = Consultation(ConsultationConfig(max_turns=1, min_turns=1), model=ScriptedClient(), graph=graph)
    run(consultation, patient)
    assert patient.heard[1:5] == list(BACKGROUND) and len(patient.heard) == 6  # + one question of the graph
    present = {f.label for f in consultation.state.findings.values() if f.status == "present"}
    assert {"Wheezing", "Asthma", "smoking"} <= present


def test_the_gate_refuses_plain_text_and_approved_messages_are_immutable(graph):
    consultation = Consultation(ConsultationConfig(), model=ScriptedClient(), graph=graph)
    with pytest.raises(SafetyGateError):
        consultation._deliver("You have pneumonia.")  # type: ignore[arg-type]
    approved = asyncio.run(consultation._say("How long have you had the cough?", "question"))
    with pytest.raises(AttributeError):
        approved._text = "You definitely have cancer."  # type: ignore[misc]
    assert consultation._deliver(approved) == approved.text


def unsafe_phrasing(messages):
    """A model that phrases the chosen question but adds a certain diagnosis and a dose."""
    asked = messages[-1].content.split("Question for the patient: ")[-1]
    asked = re.sub(r"[^A-Za-z0-9 ,;:'()/-]", "", asked)
    return json.dumps({"question": asked.rstrip() + ", since you definitely have pneumonia and should take 500 mg "
                       "of amoxicillin twice daily?"})


def test_an_unsafe_model_draft_is_rewritten_before_it_is_sent(graph):
    model = ScriptedClient(unsafe_phrasing)
    events = run(Consultation(ConsultationConfig(max_turns=3), model=model, graph=graph), ListPatient(PNEUMONIA))
    verdicts = [e for e in events if isinstance(e, CriticVerdict) and "500 mg" in e.draft]
    assert verdicts and not any(v.approved for v in verdicts), "the unsafe drafts reached the critic and failed"
    doctor = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "doctor"]
    assert all("500 mg" not in t and "definitely have" not in t.lower() for t in doctor)


@pytest.mark.parametrize("fault", ["garbage", "raise", "hang"])
def test_a_failing_model_falls_back_and_the_consultation_completes(graph, fault):
    reply = {"garbage": "{not json at all", "raise": RuntimeError("backend exploded"), "hang": HANG}[fault]
    model = ScriptedClient([reply] * 40)
    config = ConsultationConfig(max_turns=3, model_timeout=0.5)
    patient = ListPatient(PNEUMONIA)
    events = run(Consultation(config, model=model, graph=graph), patient)
    assert isinstance(events[-1], Finished)
    assert events[-1].differential.hypotheses
    if fault != "garbage":  # a garbage reply can still be a usable plain-text question
        assert any(isinstance(e, Fallback) for e in events)
    said = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "patient"]
    assert said == PNEUMONIA[: len(said)] and len(said) == len(patient.heard)


def test_every_event_round_trips_through_json(graph):
    events = run(Consultation(ConsultationConfig(max_turns=3), model=ScriptedClient(), graph=graph),
                 ListPatient(PNEUMONIA))
    for e in events:
        assert EventAdapter.validate_json(e.model_dump_json()) == e


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_fault_at_a_random_turn_loses_nothing(graph, seed):
    """The model works, then hangs, raises or returns garbage at one random call, then works again."""
    rng = random.Random(seed)
    bad_call, fault = rng.randrange(0, 4), rng.choice(["garbage", "raise", "hang"])
    calls = {"n": 0}

    def model(messages):
        n, calls["n"] = calls["n"], calls["n"] + 1
        if n == bad_call:
            return {"garbage": "{{{", "raise": RuntimeError("server error 500"), "hang": HANG}[fault]
        asked = messages[-1].content.split("Question for the patient: ")[-1]
        return json.dumps({"question": asked}) if "Question for the patient" in messages[-1].content else "{}"

    patient = ListPatient(PNEUMONIA)
    config = ConsultationConfig(max_turns=4, min_turns=4, model_timeout=0.5)  # all 4 questions are asked
    events = run(Consultation(config, model=ScriptedClient(model), graph=graph), patient)
    finished = events[-1]
    assert isinstance(finished, Finished) and finished.differential.hypotheses
    said = [e.turn.text for e in events if isinstance(e, Utterance) and e.turn.role == "patient"]
    assert said == PNEUMONIA[: len(said)] and len(said) == len(patient.heard) == 1 + len(BACKGROUND) + 4
    assert calls["n"] > bad_call
