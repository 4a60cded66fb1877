"""The graph tells look-alikes apart on classic presentations (tests/data/lookalike_cases.yaml: 2,400
cases written for meddiag, one per condition of each look-alike set of exam choices)."""

from pathlib import Path

import yaml

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.simulation.vignettes import choice_scores, chosen, question_specs

CASES = yaml.safe_load((Path(__file__).parent / "data" / "lookalike_cases.yaml").read_text(encoding="utf-8"))


def test_classic_presentations_pick_their_condition(graph):
    wrong = []
    for case in CASES:
        state = case_from_text(graph, case["text"])
        scores = choice_scores(graph, state, question_specs(graph, case["choices"]))
        best = chosen(scores)
        if case["choices"][best] != case["answer"]:
            wrong.append(f"{case['answer']} lost to {case['choices'][best]}")
    assert len(CASES) > 2000
    assert len(wrong) <= 0.02 * len(CASES), wrong
