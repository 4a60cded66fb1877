"""The simulated patient and the examiner on real AgentClinic cases: grounded, secret-keeping, counted."""

from __future__ import annotations

import asyncio
import random
import re
from pathlib import Path

import pytest

from meddiag.models import ScriptedClient
from meddiag.simulation.agentclinic import load_agentclinic
from meddiag.simulation.examiner import NO_RESULT, NORMAL, Examiner
from meddiag.simulation.judge import normalise
from meddiag.simulation.patient import NOTHING_ELSE, UNSURE, SimulatedPatient

from shared_data import AGENTCLINIC  # noqa: E402
pytestmark = pytest.mark.skipif(not AGENTCLINIC.exists(), reason="shared benchmark files not present")
_NUM = re.compile(r"\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def cases():
    return load_agentclinic(AGENTCLINIC)[0]


def _names_of_answer(case, graph) -> set[str]:
    did = graph.lookup_disease(re.sub(r"\s*\(.*?\)", "", case.diagnosis))
    names = {case.diagnosis, re.sub(r"\s*\(.*?\)", "", case.diagnosis)}
    if did:
        names |= {graph.disease_info(did).name, *graph.disease_info(did).synonyms}
    return {normalise(n) for n in names if len(normalise(n)) >= 4}


def _questions(case, graph, rng: random.Random, pool: list[str]) -> list[str]:
    own = [c.label for f in case.facts for c in graph.extract(f.text)][:3]
    qs = ["What brings you in today?", f"Do you think you have {case.diagnosis}?", "Do you smoke or drink?",
          "Are you taking any medications?", "Have you had any fever?", "Any chest pain?"]
    qs += [f"Have you had {label.lower()}?" for label in own + rng.sample(pool, 3)]
    return qs


def test_the_patient_never_names_the_diagnosis_nor_states_a_fact_outside_the_case(cases, graph):
    """Property over every case: ask about its own findings, random other findings, the diagnosis."""
    rng = random.Random(7)
    pool = sorted({c.label for case in cases for f in case.facts for c in graph.extract(f.text)})
    checked = 0
    for case in cases:
        patient = SimulatedPatient(case, graph)
        secrets = _names_of_answer(case, graph)
        patient_text = " ".join([case.opening, *(f.text for f in case.facts), *case.denies])
        statements = [patient_text, case.opening, *(f.text for f in case.facts), *case.denies]
        case_ids = {c.id for t in statements for c in graph.extract(t)}
        examiner_only = [t for t in [*case.exam, *case.tests.values()] if len(t) > 25 and t not in patient_text]
        for q in _questions(case, graph, rng, pool):
            answer = asyncio.run(patient.reply(q))
            norm = f" {normalise(answer)} "
            assert not any(f" {s} " in norm for s in secrets), (case.id, q, answer)
            # every concept said is in the case, or a more general name of one that is
            sentences = re.split(r"(?<=[.!?])\s+", answer)
            new = {c.id for part in sentences for c in graph.extract(part)} - case_ids
            assert all(any(graph.is_a(k, n) for k in case_ids) for n in new), (case.id, answer, new)
            assert set(_NUM.findall(answer)) <= set(_NUM.findall(patient_text)), (case.id, answer)
            assert not any(t in answer for t in examiner_only)
            checked += 1
    assert checked >= 107 * 9


def test_the_patient_answers_from_the_case_and_is_unsure_otherwise(cases, graph):
    mg = cases[0]  # myasthenia gravis: double vision, weak arms, worse after activity
    patient = SimulatedPatient(mg, graph)

    async def go():
        return [await patient.reply(q) for q in ("What brings you in today?", "Any difficulty walking up stairs?",
                                                 "Any palpitations?", "Have you noticed blood in your urine?",
                                                 "Do you smoke?")]

    opening, stairs, palpitations, urine, smoke = asyncio.run(go())
    assert opening == patient.opening and "35-year-old" in opening
    assert "stairs" in stairs and "Myasthenia" not in stairs
    assert palpitations == "No, I haven't had palpitations."
    assert urine == UNSURE
    assert "smoker" in smoke.lower()


def test_an_open_question_gets_the_story_once(cases, graph):
    """ "Tell me more, anything else?" gets the history and the other symptoms not yet told, once; the
    background (smoking) and the review of systems wait for their own questions."""
    mg = cases[0]
    patient = SimulatedPatient(mg, graph)

    async def go():
        return [await patient.reply(q) for q in ("What brings you in today?", "Any difficulty walking up stairs?",
                                                 "Tell me more about it: have you noticed anything else?",
                                                 "Have you noticed anything else?")]

    _, stairs, story, again = asyncio.run(go())
    assert "1-month" in stairs and "rest" in story and "upper limbs" in story
    assert stairs not in story and "smoker" not in story and "palpitations" not in story  # told once, in turn
    assert again == NOTHING_ELSE


def test_formal_terms_are_said_in_lay_words_when_the_concept_is_kept(cases, graph):
    aki = cases[4]  # "Denies nausea, vomiting, dysuria ..."
    patient = SimulatedPatient(aki, graph)
    assert patient._lay("I have dysuria.") != "I have dysuria."
    assert {c.id for c in graph.extract(patient._lay("I have dysuria."))} == {c.id for c in graph.extract("dysuria")}


def test_the_model_phrasing_is_used_only_when_it_adds_nothing(cases, graph):
    case = cases[0]
    q = "Any difficulty walking up stairs?"
    grounded = SimulatedPatient(case, graph).grounded(q)
    assert "stairs" in grounded
    faithful = "Climbing the stairs has been hard for me."
    script = [faithful, "Climbing stairs is hard and I have a fever.", "I think I have myasthenia gravis.",
              "I have had it for 12 weeks."]
    patient = SimulatedPatient(case, graph, model=ScriptedClient(script))
    answers = [asyncio.run(patient.reply(q)) for _ in script]
    assert answers[0] == faithful
    assert answers[1:] == [grounded] * 3  # adds a finding, names the diagnosis, adds a number
    assert patient.rephrased == 1
    assert patient.check_phrasing("I have a fever.", grounded).startswith("adds")


def test_biases_are_seeded_and_keep_the_secret(cases, graph):
    case = cases[0]
    a = SimulatedPatient(case, graph, biases=["self_diagnosis", "anxious"], seed=3)
    b = SimulatedPatient(case, graph, biases=["self_diagnosis", "anxious"], seed=3)
    qs = ["What brings you in today?", "Do you have double vision?", "Any trouble climbing stairs?"]
    ra = [asyncio.run(a.reply(q)) for q in qs]
    assert ra == [asyncio.run(b.reply(q)) for q in qs]
    assert "online" in ra[0] and "myasthenia" not in ra[0].lower()
    reticent = SimulatedPatient(case, graph, biases=["reticent"])
    full = SimulatedPatient(case, graph)
    q = "Have you had double vision or muscle weakness?"
    assert len(asyncio.run(reticent.reply(q))) < len(asyncio.run(full.reply(q)))
    with pytest.raises(ValueError, match="unknown patient bias"):
        SimulatedPatient(case, graph, biases=["grumpy"])


def test_the_examiner_answers_only_requests_and_counts_them(cases, graph):
    aki = cases[4]  # urinalysis with leukocyturia; serum creatinine; no imaging
    ex = Examiner(aki, graph)

    async def go(*requests):
        return [await ex.examine(r) for r in requests]

    general, pyuria, creat, xray, hematuria, sign = asyncio.run(go(
        "general physical examination and vital signs", "Pyuria", "Elevated circulating creatinine concentration",
        "lobar consolidation on chest X-ray", "Hematuria", "Pulsatile abdominal mass"))
    assert "Mild flank tenderness" in general and "Leukocyturia" not in general
    assert "leukocyturia: Present" in pyuria                # the same concept in other words
    assert "creatinine: Elevated" in creat                  # the analyte named in the test result
    assert xray == NORMAL                                   # no imaging held: AgentClinic's "normal"
    assert hematuria == NO_RESULT                           # urine tests held, none about blood: no evidence
    assert sign == NO_RESULT                                # a physical sign the case does not mention
    assert ex.tests_ordered == 5 and [r.kind for r in ex.log][:2] == ["general", "matched"]
    assert "normal" not in pyuria.lower() and "pyuria" not in xray.lower()


def test_a_named_investigation_gets_the_results_of_that_test(cases, graph):
    """The doctor orders investigations by name: "Contrast enema" is answered by the case's barium enema;
    an investigation the case does not list, outside every family it holds, is AgentClinic's "normal"."""
    hirschsprung = cases[2]
    ex = Examiner(hirschsprung, graph)
    enema, sweat = asyncio.run(ex.examine("Contrast enema")), asyncio.run(ex.examine("Sweat chloride test"))
    assert "barium enema" in enema.lower() and "transition zone" in enema and "x-ray" not in enema.lower()
    assert sweat == NORMAL
