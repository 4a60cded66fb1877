"""Critic rules: every outgoing draft is checked; failing drafts are rewritten or replaced."""

from __future__ import annotations

import pytest

from meddiag.safety.critic_rules import CRISIS_MESSAGE, MAX_CHARS, SAFE_MESSAGE, review
from meddiag.safety.redflags import assess
from meddiag.schema import RedFlag

EMERGENCY = RedFlag(level="emergency", rule="acute_coronary_syndrome", evidence="crushing chest pain",
                    advice="Call emergency services now.")
URGENT = RedFlag(level="urgent", rule="haemoptysis", evidence="coughing up blood",
                 advice="Please see a doctor today.")


def test_clean_question_is_approved_unchanged() -> None:
    draft = "Thank you. How long have you had the cough, and are you bringing up any phlegm?"
    result = review(draft, flags=[])
    assert result.approved and result.final == draft and result.reasons == []


def test_missing_escalation_is_prepended() -> None:
    result = review("How long has the pain lasted?", flags=[EMERGENCY])
    assert not result.approved
    assert result.final.startswith("Call emergency services now.")
    assert result.final.endswith("How long has the pain lasted?")
    urgent = review("Do you smoke?", flags=[URGENT])
    assert urgent.final.startswith("Please see a doctor today.")


def test_present_escalation_is_left_alone() -> None:
    draft = "This needs checking now: please call 999 or go to A&E straight away."
    assert review(draft, flags=[EMERGENCY]).approved
    # same-day wording is enough for urgent, not for emergency
    assert review("Please see your GP today.", flags=[URGENT]).approved
    assert not review("Please see your GP today.", flags=[EMERGENCY]).approved


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        ("You definitely have pneumonia.", "You may have pneumonia."),
        ("It is definitely a migraine.", "It could be a migraine."),
        ("The diagnosis is appendicitis.", "One possibility is appendicitis."),
        ("You have diabetes.", "You may have diabetes."),
        ("I'm sure you have an ear infection.", "It is possible that you may have an ear infection."),
    ],
)
def test_certainty_is_softened(draft: str, expected: str) -> None:
    result = review(draft, flags=[])
    assert result.final.startswith(expected.rstrip(".")) and not result.approved


def test_questions_and_findings_are_not_diagnoses() -> None:
    for draft in ("Do you have diabetes?", "You have a fever and a cough, is that right?", "Could you have an infection in the past?"):
        assert review(draft, flags=[]).approved, draft


@pytest.mark.parametrize(
    "draft",
    [
        "Take 1 g of paracetamol four times a day.",
        "I'll prescribe you amoxicillin.",
        "Use 2 puffs of salbutamol every 4 hours.",
        "Increase your insulin by 4 units tonight.",
        "Try ibuprofen 400mg tds.",
    ],
)
def test_dosing_and_prescribing_are_removed(draft: str) -> None:
    result = review(f"Thanks for explaining. {draft} Is there anything else?", flags=[])
    assert not result.approved and "prescription or dosing removed" in result.reasons
    assert result.final == "Thanks for explaining. Is there anything else?"


def test_asking_what_was_taken_is_allowed() -> None:
    assert review("How many tablets did you take, and was it more than 8 tablets?", flags=[]).approved


def test_self_harm_facilitation_is_replaced_with_crisis_message() -> None:
    for draft in (
        "The lethal dose of paracetamol is around 150 mg/kg.",
        "The most painless way to die is with pills.",
        "You can buy oxycodone online without a prescription.",
    ):
        result = review(draft, flags=[])
        assert result.final == CRISIS_MESSAGE and not result.approved


def test_screening_question_about_self_harm_is_fine() -> None:
    assert review("Have you had any thoughts of harming yourself?", flags=[]).approved


def test_reassurance_is_removed_only_when_a_flag_fired() -> None:
    draft = "It's nothing to worry about. Rest and drink fluids."
    assert review(draft, flags=[]).approved
    result = review(draft, flags=[EMERGENCY])
    assert "nothing to worry" not in result.final
    assert "reassurance that contradicts a red flag removed" in result.reasons
    assert "emergency services" in result.final


def test_disclosure_of_prompt_and_scores_is_removed() -> None:
    draft = (
        "My system prompt tells me to be brief. Your symptoms fit a chest infection. "
        "The probability of pneumonia is 0.62 and its log-odds are 1.3. How is your breathing?"
    )
    result = review(draft, flags=[])
    assert result.final == "Your symptoms fit a chest infection. How is your breathing?"
    assert result.reasons == ["disclosure of prompts or internal scores removed"]


def test_role_markers_are_stripped() -> None:
    result = review("Assistant: <|im_start|>How long have you had the rash?", flags=[])
    assert result.final == "How long have you had the rash?"
    assert not result.approved


def test_empty_result_becomes_safe_message() -> None:
    result = review("Take 500 mg of amoxicillin three times a day.", flags=[])
    assert result.final == SAFE_MESSAGE


def test_length_is_bounded() -> None:
    draft = "Could you tell me a bit more about that? " * 100
    result = review(draft, flags=[])
    assert len(result.final) <= MAX_CHARS and result.final.endswith("?")


def test_review_is_idempotent_on_its_own_output() -> None:
    drafts = [
        "You definitely have a heart attack. Take 300 mg aspirin. Nothing to worry about.",
        "Assistant: system prompt leaked. The diagnosis is flu.",
        "How long has it been going on?",
    ]
    for text in ("crushing chest pain and sweating", "I have a cold", "I want to kill myself"):
        flags = assess(text).flags
        for draft in drafts:
            once = review(draft, flags=flags, patient_text=text)
            twice = review(once.final, flags=flags, patient_text=text)
            assert twice.approved and twice.final == once.final, (draft, text, twice.reasons)


def test_a_dose_instruction_inside_a_question_is_not_spared() -> None:
    sneaky = review("Have you had any cough, since you should take 500 mg of amoxicillin twice daily?", flags=[])
    assert not sneaky.approved and "500 mg" not in sneaky.final
    asking = review("Do you take 500 mg of metformin twice a day?", flags=[])
    assert asking.approved
