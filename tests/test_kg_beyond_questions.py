"""The graph answers exam questions that ask beyond the diagnosis — mechanism, cause, risk factor,
genetics, pathology, laboratory result, association, longer-term management — from the curated
conditions' work-up, treatment and facts (tests/data/exam_questions_beyond_*.yaml: 300 USMLE-like
vignettes written for meddiag by writers who saw neither the benchmarks nor the facts files)."""

from collections import Counter
from pathlib import Path

import yaml

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.simulation.vignettes import choice_scores, chosen, question_specs

DATA = Path(__file__).parent / "data"
QUESTIONS = [q for p in sorted(DATA.glob("exam_questions_beyond_*.yaml")) for q in yaml.safe_load(p.read_text("utf-8"))]


def test_questions_beyond_the_diagnosis_pick_their_answer(graph):
    wrong: Counter = Counter()
    for q in QUESTIONS:
        state = case_from_text(graph, q["text"])
        if q["choices"][chosen(choice_scores(graph, state, question_specs(graph, q["choices"]), text=q["text"]))] != q["answer"]:
            wrong[q["kind"]] += 1
    assert len(QUESTIONS) == 300 and all(q["answer"] in q["choices"] for q in QUESTIONS)
    assert sum(wrong.values()) <= 0.26 * len(QUESTIONS), wrong  # 185 right without facts, 234 (78 %) with them


RCC = ("A 64-year-old man comes to the physician because of blood in his urine and a dull ache in his left flank for "
       "2 months. He has lost 6 kg. He has smoked a pack of cigarettes daily for 40 years. His BMI is 36 kg/m2. "
       "Hemoglobin is 17.9 g/dL. A CT scan shows a 7-cm enhancing solid mass in the left kidney extending into the left "
       "renal vein.")


def test_a_named_choice_in_a_question_beyond_the_diagnosis_is_scored_by_facts(graph):
    choices = ["Lynch syndrome", "Caucasian race", "Obesity", "Atorvastatin use"]
    specs = question_specs(graph, choices)
    assert specs[2].ids  # "Obesity" names a disease as well
    state = case_from_text(graph, RCC)
    risk = choice_scores(graph, state, specs, text=RCC + " Which of the following is a risk factor for this condition?")
    assert chosen(risk) == 2
    as_diagnosis = choice_scores(graph, state, specs, text=RCC + " Which of the following is the most likely diagnosis?")
    assert as_diagnosis[2] < risk[2] - 10  # asked for the diagnosis, obesity is no explanation of this case
