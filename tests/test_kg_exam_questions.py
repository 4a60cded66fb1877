"""The graph answers exam-style diagnosis questions (tests/data/exam_questions.yaml: 300 USMLE-like vignettes
with vitals, labs, pertinent negatives and distractors, written for meddiag without the benchmarks)."""

from collections import Counter
from pathlib import Path

import yaml

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.simulation.vignettes import choice_scores, chosen, question_specs

QUESTIONS = yaml.safe_load((Path(__file__).parent / "data" / "exam_questions.yaml").read_text(encoding="utf-8"))


def test_exam_style_questions_pick_their_answer(graph):
    wrong: Counter = Counter()
    for q in QUESTIONS:
        state = case_from_text(graph, q["text"])
        scores = choice_scores(graph, state, question_specs(graph, q["choices"]), text=q["text"])
        if q["choices"][chosen(scores)] != q["answer"]:
            wrong[q["category"]] += 1
    assert len(QUESTIONS) == 300 and len({q["category"] for q in QUESTIONS}) >= 12
    assert sum(wrong.values()) <= 0.1 * len(QUESTIONS), wrong  # 20 wrong (93 %) when written
