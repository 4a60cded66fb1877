"""The judge: graph synonyms and hierarchy (a subtype counts, a supertype does not), then the LLM judge."""

from __future__ import annotations

import asyncio

import pytest

from meddiag.models import ScriptedClient
from meddiag.simulation.judge import Judge, disease_id, matches, rank_of, read_verdict, subtype, variants


@pytest.mark.parametrize("predicted,answer", [
    ("Myasthenia gravis", "myasthenia gravis"),
    ("myasthenia", "Myasthenia gravis"),                                   # a graph synonym
    ("MG", "Myasthenia gravis"),                                           # an abbreviation the graph knows
    ("Progressive multifocal leukoencephalopathy", "Progressive multifocal encephalopathy (PML)"),  # via "(PML)"
    ("Hirschsprung disease", "Hirschsprung’s disease"),                    # curly apostrophe, possessive
    ("Benign paroxysmal positional vertigo", "Benign Paroxysmal Positional Vertigo (BPPV)"),
])
def test_synonyms_match(graph, predicted, answer):
    assert matches(predicted, answer, graph)


def test_a_subtype_counts_and_a_supertype_does_not(graph):
    child, parent = "Herpes zoster ophthalmicus", "Herpes zoster"
    assert graph.is_a(disease_id(child, graph), disease_id(parent, graph))
    assert matches(child, parent, graph)
    assert not matches(parent, child, graph)


def test_every_graph_subtype_pair_obeys_the_rule(graph):
    """Over the curated diseases: whenever the judge calls p a subtype of a, a is never one of p."""
    ids = sorted(d for d in graph.index.disease_pos if d.startswith("curated:"))[:400]
    pairs = [(p, a) for p in ids for a in ids if p != a and subtype(p, a, graph)]
    assert pairs, "expected some subtype pairs among curated diseases"
    for p, a in pairs:
        assert graph.is_a(p, a)
        if not graph.is_a(a, p):
            assert not matches(graph.label(a), graph.label(p), graph, a)


def test_an_unspecified_icd_code_does_not_make_siblings_match(graph):
    # Both are coded in P59 (neonatal jaundice); one being "unspecified" must not swallow the other
    assert not matches("Breast milk jaundice", "Physiological neonatal jaundice", graph)
    assert not matches("Bipolar II disorder", "Bipolar I disorder", graph)


def test_unrelated_and_empty_names_do_not_match(graph):
    assert not matches("Migraine", "Myasthenia gravis", graph)
    assert not matches("", "Myasthenia gravis", graph)
    assert not matches("Some unheard-of illness", "Another unheard-of illness", graph)
    assert rank_of(["Migraine", "Tension-type headache", "myasthenia"], "Myasthenia gravis", graph) == 3
    assert variants("Progressive multifocal encephalopathy (PML)")[-1] == "PML"


@pytest.mark.parametrize("reply,verdict", [
    ("Yes.", True), ("yes", True), (" YES, they are the same.", True), ("**Yes**", True),
    ("No.", False), ("no, different", False), ("Not the same", False), ("Maybe", None), ("", None),
])
def test_llm_judge_replies_are_normalised(reply, verdict):
    assert read_verdict(reply) is verdict


def test_the_llm_judge_is_asked_only_when_the_graph_cannot_decide(graph):
    client = ScriptedClient(["No.", "Yes."])
    judge = Judge(graph, client)
    rank, how = asyncio.run(judge.rank([(None, "Myasthenia gravis")], "Myasthenia gravis"))
    assert (rank, how) == (1, "graph") and client.calls == []
    rank, how = asyncio.run(judge.rank(["Lambert-Eaton thing", "Odd name for the answer"], "Some rare disorder"))
    assert (rank, how) == (2, "llm") and len(client.calls) == 2
    assert asyncio.run(Judge(graph).rank(["Odd name"], "Some rare disorder")) == (None, "")


def test_a_kind_of_a_general_answer_counts(graph) -> None:
    from meddiag.simulation.judge import matches

    kinds = graph.namer.kinds("Disc herniation")
    assert kinds, "no curated disc herniation"
    assert matches(graph.index.d_name[graph.index.disease_pos[kinds[0]]], "Disc herniation", graph)
    assert matches("Tension pneumothorax", "Pneumothorax", graph)
    assert not matches("Pneumothorax", "Tension pneumothorax", graph)  # a supertype does not count
