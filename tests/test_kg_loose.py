"""Loose matching, word profiles and the guards against ambiguous words, on the real graph."""

from __future__ import annotations

import numpy as np
import pytest

from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.knowledge.umls_graph.loose import LooseIndex, canon
from meddiag.knowledge.umls_graph.profile import profiles_of


def statuses(graph, text: str) -> dict[str, str]:
    return {c.label: c.polarity for c in graph.extract(text, loose=True)}


def _nodes(found: dict[str, str], polarity: str) -> list[str]:
    return [label for label, pol in found.items() if pol == polarity and "lymph" in label.lower()]


def test_words_in_another_order_still_name_the_finding(graph) -> None:
    text = "On examination the nodes of the lymph system in his neck were tender and swollen."
    assert _nodes(statuses(graph, text), "present"), statuses(graph, text)
    assert not _nodes({c.label: c.polarity for c in graph.extract(text)}, "present")  # exact matching by default


def test_a_loose_match_keeps_the_negation_of_its_clause(graph) -> None:
    got = statuses(graph, "She denies that her lymph nodes are swollen.")
    assert _nodes(got, "absent") and not _nodes(got, "present"), got


def test_words_in_different_sentences_do_not_combine(graph) -> None:
    got = statuses(graph, "The lymph node biopsy was done last year. Today her ankles are swollen.")
    assert "Lymphadenopathy" not in got, got


def test_two_exact_findings_are_not_merged_into_a_third(graph) -> None:
    got = statuses(graph, "nausea without vomiting")
    assert got.get("Nausea") == "present" and got.get("Vomiting") == "absent", got
    assert "Nausea and vomiting" not in got


@pytest.mark.parametrize("text,wrong", [
    ("He is fit and well and runs 10 miles a week.", {"Seizure", "Diarrhea"}),
    ("Thin scaly plaques on the elbows.", {"significantly low body weight"}),
    ("She tried several creams without benefit.", {"Fatigue"}),
    ("He denies proctitis.", {"Parotitis"}),
])
def test_everyday_words_are_not_read_as_findings(graph, text: str, wrong: set[str]) -> None:
    assert not wrong & set(statuses(graph, text)), statuses(graph, text)


def test_a_phrase_stating_an_absence_matches_only_exactly() -> None:
    ix = LooseIndex({"angioedema without urticaria": "F1", "urticaria angioedema": "F2"}, active={"F1", "F2"})
    assert [f for f, _ in ix.find(["urticaria", "angioedema"])] == ["F2"]


def test_loose_index_needs_every_word_within_the_window() -> None:
    ix = LooseIndex({"swollen lymph node": "F1", "chest pain": "F2"}, active={"F1", "F2"})
    words = [canon(w) for w in "lymph node tender and enlarged".split()]
    assert [f for f, _ in ix.find(words)] == ["F1"]  # "enlarged" folds to the same word as "swollen"
    far = [canon(w) for w in "lymph node a b c d e f g swollen".split()]
    assert ix.find(far) == []
    assert [(f, sorted(p)) for f, p in ix.find(["pain", "radiates", "to", "the", "chest"])] == [("F2", [0, 4])]


def test_a_disease_profile_finds_the_disease_from_its_own_findings(graph) -> None:
    ix = graph.index
    prof = profiles_of(ix)
    curated = [d for d, src in enumerate(ix.d_source) if src == "curated"]
    rng = np.random.default_rng(7)
    ranks = []
    for d in rng.choice(curated, 40, replace=False):
        edges = np.flatnonzero(ix.direct.dis == d)
        f_of = np.searchsorted(ix.direct.ptr, edges, side="right") - 1
        top = f_of[np.argsort(-ix.direct.w[edges])][:4]
        text = ". ".join(ix.f_label[f] for f in top)
        s = prof.scores(text)
        ranks.append(int((s[curated] > s[d]).sum()) + 1)
    assert np.median(ranks) <= 5, ranks
    assert np.mean([r <= 50 for r in ranks]) >= 0.9, ranks


def test_the_narrative_counts_only_through_its_weights(graph) -> None:
    """The case's words (text_weight), where it states each finding (complaint_weight, closing_weight) and what it
    leaves out (unmentioned_weight)."""
    text = "A 30-year-old woman with a painless genital ulcer and inguinal buboes after unprotected sex."
    state = case_from_text(graph, text)
    assert state.narrative == text
    plain = graph.with_params(graph.params.with_(text_weight=0.0, complaint_weight=1.0, closing_weight=1.0,
                                                 unmentioned_weight=0.0))
    bare = state.model_copy(update={"narrative": ""})
    assert [h.disease_id for h in plain.rank(state).hypotheses] == [h.disease_id for h in graph.rank(bare).hypotheses]
    with_text = graph._ranker.scores(state)
    without = graph._ranker.scores(bare)
    assert not np.allclose(with_text[np.isfinite(with_text)], without[np.isfinite(without)])


@pytest.mark.parametrize("text,relative,own", [
    ("His father had a myocardial infarction at 50. He has chest pain.", "Myocardial infarction", "Chest pain"),
    ("ST elevation myocardial infarction in his father. He is sweating.", "Myocardial infarction", None),
    ("Family history is significant for diabetes and hypertension in his mother.", "Hypertension", None),
    ("A boy is brought by his mother because of fever and cough.", None, "Fever"),
    ("Her mother has noticed a rash on her arms.", None, "Skin rash"),
])
def test_a_relatives_condition_is_not_the_patients(graph, text: str, relative, own) -> None:
    got = statuses(graph, text)
    if relative:
        assert relative not in got, got
    if own:
        assert got.get(own) == "present", got


@pytest.mark.parametrize("text,age,sex,pregnant", [
    ("A 3-day-old boy born at 39 weeks' gestation to a 23-year-old mother.", 0.008, "male", None),
    ("A 10-year-old girl, born at 39 weeks gestation, has a cough.", 10.0, "female", None),
    ("A 28-year-old woman at 32 weeks gestation has headaches.", 28.0, "female", True),
    ("A previously healthy male, brought in by his mother.", None, "male", None),
])
def test_the_patient_is_the_first_person_described(text: str, age, sex, pregnant) -> None:
    from meddiag.knowledge.umls_graph.demographics import demographics

    d = demographics(text)
    assert (d.age, d.sex, d.pregnant) == (age, sex, pregnant)


def test_a_general_choice_covers_its_kinds_unless_another_choice_names_one(graph) -> None:
    from meddiag.simulation.vignettes import question_specs

    kinds = graph.namer.kinds("Pneumothorax")
    assert len(kinds) >= 2 and all("pneumothorax" in graph.index.d_name[graph.index.disease_pos[k]].lower()
                                   for k in kinds)
    general, specific = question_specs(graph, ["Pneumothorax", "Tension pneumothorax", "Asthma", "Pneumonia"])[:2]
    assert specific.ids and specific.ids[0] in kinds
    assert specific.ids[0] not in general.ids and set(general.ids) & set(kinds)


@pytest.mark.parametrize("text,label,polarity", [
    ("ANA is positive.", "Antinuclear antibody positivity", "present"),
    ("ANA negative.", "Antinuclear antibody positivity", "absent"),
    ("Anti-TPO antibodies were high.", "Anti-thyroid peroxidase antibody positivity", "present"),
    ("Antimitochondrial antibodies are positive.", "Antimitochondrial antibody positivity", "present"),
])
def test_autoantibodies_are_read_as_reports_write_them(graph, text: str, label: str, polarity: str) -> None:
    assert statuses(graph, text).get(label) == polarity, statuses(graph, text)


def test_a_loose_phrase_with_a_negation_inside_is_not_read(graph):
    found = {c.id: c.polarity for c in graph.extract("Coronary angiography shows no stenosis.", loose=True)}
    assert found.get("local:coronary_stenosis_on_angiography") != "present"
    assert all(p != "present" or "stenosis" not in graph.label(f).lower() for f, p in found.items())


def test_a_tumour_marker_is_not_a_calcium_value(graph):
    assert "HP:0003072" not in {c.id for c in graph.extract("CA 19-9 is 900 U/mL.")}
    assert {c.id: c.polarity for c in graph.extract("Calcium 11.8 mg/dL.")}["HP:0003072"] == "present"


def test_a_synonym_without_a_word_reads_nothing(graph):
    found = {c.id for c in graph.extract("An 18-year-old man presents with cough.")}
    assert found == {"HP:0012735"}  # cough, and nothing read from the age's digits


def test_lab_values_for_c_peptide_and_pth(graph):
    got = {c.id: c.polarity for c in graph.extract("C-peptide 4.9 ng/mL. PTH 120 pg/mL.")}
    assert got["HP:0030796"] == "present" and got["HP:0003165"] == "present"


def test_a_suspected_diagnosis_is_not_a_finding(graph):
    got = {c.id: c.polarity for c in graph.extract("Suspecting eczema, he applied hydrocortisone cream.")}
    assert got.get("HP:0000964") != "present"
