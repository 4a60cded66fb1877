"""The graph names the diagnosis of exam vignettes written for conditions drawn at random from the
curated layer (tests/data/exam_questions_fresh.yaml: 180 USMLE-style vignettes by six writers who saw
neither the benchmarks nor the data files; 165 right before the reading audit that followed them, 171 after)."""

from collections import Counter
from pathlib import Path

import yaml

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.simulation.vignettes import choice_scores, chosen, question_specs

QUESTIONS = yaml.safe_load((Path(__file__).parent / "data" / "exam_questions_fresh.yaml").read_text("utf-8"))


def test_fresh_diagnosis_questions_pick_their_answer(graph):
    wrong: Counter = Counter()
    for q in QUESTIONS:
        state = case_from_text(graph, q["text"])
        pick = q["choices"][chosen(choice_scores(graph, state, question_specs(graph, q["choices"]), text=q["text"]))]
        wrong[q["category"]] += pick != q["answer"]
    assert len(QUESTIONS) == 180 and all(q["answer"] in q["choices"] for q in QUESTIONS)
    assert sum(wrong.values()) <= 0.10 * len(QUESTIONS), wrong
