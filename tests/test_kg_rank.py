"""Ranking and next-question sanity on a small graph from real HPO terms and diseases, and on
the full graph (HPO + every curated file)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from meddiag.knowledge.umls_graph import load_graph
from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.schema import CaseState, Demographics, Finding

FIX = Path(__file__).parent / "fixtures"
FEVER, COUGH, PRODUCTIVE, DYSURIA, HEADACHE = "HP:0001945", "HP:0012735", "HP:0031245", "HP:0100518", "HP:0002315"


@pytest.fixture(scope="module")
def kg(tmp_path_factory):
    return load_graph(cache_dir=tmp_path_factory.mktemp("kgcache"), data_dir=FIX / "curated", hpo_dir=FIX / "hpo")


def state(present=(), absent=(), **demo) -> CaseState:
    s = CaseState(demographics=Demographics(**demo))
    for fid in present:
        s.update(Finding(id=fid, label=fid, status="present"))
    for fid in absent:
        s.update(Finding(id=fid, label=fid, status="absent"))
    return s


def names(diff) -> list[str]:
    return [h.disease_id for h in diff.hypotheses]


def test_fever_cough_sputum_ranks_pneumonia_first(kg):
    st = case_from_text(kg, "45 year old man with fever, cough and productive sputum")
    assert {FEVER, COUGH, PRODUCTIVE} <= set(st.findings)
    diff = kg.rank(st, top=5)
    top = diff.leading
    assert top.disease_id == "curated:kgtest_pneumonia" and top.icd10 == "J18.9"
    assert top.must_not_miss
    ev = {e.finding_id: e for e in top.evidence}
    # cough is implied by the productive cough (its is-a child), so it is not counted twice
    assert set(ev) == {FEVER, PRODUCTIVE} and all(e.weight > 0 for e in ev.values())
    assert ev[FEVER].path == [FEVER, "curated:kgtest_pneumonia"]
    assert 0 < top.probability <= 1
    assert sum(h.probability for h in diff.hypotheses) <= 1 + 1e-9


def test_probabilities_are_normalised_over_all_diseases(kg):
    diff = kg.rank(state([FEVER]), top=10_000)
    assert len(diff.hypotheses) == kg.stats()["diseases"] - 1  # the xref'd HPO disease is hidden
    assert math.isclose(sum(h.probability for h in diff.hypotheses), 1.0, rel_tol=1e-6)
    assert [h.score for h in diff.hypotheses] == sorted((h.score for h in diff.hypotheses), reverse=True)


def test_present_and_absent_findings_move_the_score(kg):
    base = dict(zip(names(kg.rank(state([FEVER]), top=50)), [h.score for h in kg.rank(state([FEVER]), top=50).hypotheses]))
    with_cough = {h.disease_id: h.score for h in kg.rank(state([FEVER, COUGH]), top=50).hypotheses}
    no_cough = {h.disease_id: h.score for h in kg.rank(state([FEVER], [COUGH]), top=50).hypotheses}
    p = "curated:kgtest_pneumonia"
    assert with_cough[p] > base[p] > no_cough[p]
    ev = {e.finding_id: e.weight for e in kg.rank(state([FEVER], [COUGH]), top=50).hypotheses[names(
        kg.rank(state([FEVER], [COUGH]), top=50)).index(p)].evidence}
    assert ev[COUGH] < 0


def test_a_low_weight_finding_argues_against(kg):
    migraine = "curated:kgtest_migraine"
    s1 = kg.log_odds(state([HEADACHE]), [migraine])[0]
    s2 = kg.log_odds(state([HEADACHE, FEVER]), [migraine])[0]
    assert s2 < s1 - 1


def test_demographics_sex_and_age(kg):
    uti = "curated:kgtest_uti"
    female = kg.log_odds(state([DYSURIA], sex="female", age=30), [uti])[0]
    male = kg.log_odds(state([DYSURIA], sex="male", age=30), [uti])[0]
    child = kg.log_odds(state([DYSURIA], sex="female", age=5), [uti])[0]
    assert female - male > 5 and female > child
    assert kg.rank(state([DYSURIA], sex="female", age=30)).leading.disease_id == uti


def test_hpo_rare_diseases_are_ranked_but_start_low(kg):
    all_ids = names(kg.rank(state([FEVER]), top=10_000))
    assert "ORPHA:340" in all_ids and "ORPHA:454836" not in all_ids  # hidden: curated xref
    assert all_ids.index("ORPHA:340") > all_ids.index("curated:kgtest_pneumonia")


def test_is_a_propagation_child_finding_supports_parent_annotation(kg):
    # kgtest_common_cold lists Cough, not Productive cough: a productive cough still supports it
    cold = "curated:kgtest_common_cold"
    with_child = kg.log_odds(state([PRODUCTIVE]), [cold])[0]
    without = kg.log_odds(state(), [cold])[0]
    assert with_child > without
    h = next(h for h in kg.rank(state([PRODUCTIVE]), top=100).hypotheses if h.disease_id == cold)
    assert h.evidence[0].path == [PRODUCTIVE, COUGH, cold]


def test_is_a(kg):
    assert kg.is_a(PRODUCTIVE, COUGH) and not kg.is_a(COUGH, PRODUCTIVE)
    assert kg.is_a(COUGH, COUGH)
    assert kg.is_a("ORPHA:454836", "curated:kgtest_avian_influenza")  # same-as through the xref
    assert not kg.is_a("curated:kgtest_migraine", "curated:kgtest_pneumonia")


def test_naming(kg):
    assert kg.lookup_disease("pneumonia") == "curated:kgtest_pneumonia"
    assert kg.lookup_disease("  Community acquired Pneumonia ") == "curated:kgtest_pneumonia"
    assert kg.lookup_disease("UTI") == "curated:kgtest_uti"
    assert kg.lookup_disease("Avian influenza") == "curated:kgtest_avian_influenza"
    assert kg.lookup_disease("Marburg hemorrhagic fever") == "ORPHA:99826"
    assert kg.lookup_disease("no such illness at all") is None
    info = kg.disease_info("curated:kgtest_meningitis")
    assert (info.name, info.icd10, info.red_flag, info.must_not_miss, info.specialty) == (
        "Bacterial meningitis", "G00.9", True, True, "general")
    assert kg.label(FEVER) == "Fever" and kg.lay_label("local:kgtest_sick_contact") == "sick contact"
    with pytest.raises(KeyError):
        kg.label("HP:9999999")


def test_next_questions(kg):
    s = state([FEVER, COUGH])
    qs = kg.next_questions(s, top=3)
    assert 1 <= len(qs) <= 3 and all(q.kind == "history" for q in qs)
    assert all(q.finding_id not in (FEVER, COUGH) for q in qs)
    assert [q.gain for q in qs] == sorted((q.gain for q in qs), reverse=True) and qs[0].gain > 0
    assert all(q.text.endswith("?") for q in qs)
    s.asked.append(qs[0].finding_id)
    assert qs[0].finding_id not in [q.finding_id for q in kg.next_questions(s, top=3)]
    exam = kg.next_questions(s, top=5, kinds=("exam", "test"))
    assert exam and all(q.kind in ("exam", "test") for q in exam)


def test_question_text_uses_curated_question(kg):
    s = state([kg.lookup_disease("x") or "HP:0031417"])  # rhinorrhea: the cold leads, sick contact is informative
    q = [q for q in kg.next_questions(s, top=20) if q.finding_id == "local:kgtest_sick_contact"]
    assert q and q[0].text == "Has anyone around you been ill with the same thing?"


def test_full_graph_sizes_and_sanity(graph):
    st = graph.stats()
    assert st["diseases"] >= 12_000 and st["findings"] > 15_000
    assert "hpo" in st["sources"] and "curated" in st["sources"]
    pneumonia = graph.lookup_disease("pneumonia")
    if pneumonia is not None:
        diff = graph.rank(case_from_text(graph, "fever, cough and productive sputum for three days"), top=3)
        assert any(h.disease_id == pneumonia or graph.is_a(h.disease_id, pneumonia)
                   or "pneumonia" in h.name.lower() for h in diff.hypotheses), [h.name for h in diff.hypotheses]


def test_question_templates_fit_the_phrase(kg):
    from meddiag.knowledge.umls_graph.rank import question_text

    ix = kg.index
    lay = {ix.f_lay[i]: i for i in range(len(ix.finding_ids)) if not ix.f_question[i]}
    texts = {question_text(ix, i, "history") for i in lay.values()}
    assert not any("had any tired" in t or "feeling nosebleed" in t for t in texts), texts
    assert all(t[0].isupper() and t.endswith("?") and "  " not in t for t in texts)
    for fid in ("HP:0031417", "HP:0012378"):  # lay synonyms "runny nose" (any casing) and "tired"-like
        if fid in ix.finding_pos and not ix.f_question[ix.finding_pos[fid]]:
            t = question_text(ix, ix.finding_pos[fid], "history")
            assert t == t[:1] + t[1:].lower() or any(w.isupper() for w in t.split()), t


@pytest.mark.parametrize("fid,text", [
    ("HP:0000737", "Have you been feeling irritable?"),                       # an adjective
    ("HP:0000952", "Have you had any jaundice?"),                             # a mass noun
    ("HP:0010783", "Have you had any redness of skin or mucous membrane?"),  # a mass noun at the head
    ("HP:0012622", "Have you ever been told you have chronic kidney disease?"),  # a diagnosis one is told of
    ("HP:0100721", "Have you had any swollen lymph nodes in center of chest?"),  # a plural before a preposition
])
def test_question_templates_read_as_english(graph, fid, text):
    from meddiag.knowledge.umls_graph.rank import question_text

    ix = graph.index
    assert question_text(ix, ix.finding_pos[fid], "history") == text


def test_a_lab_value_is_not_asked_of_the_patient(graph):
    """A raised ESR or urea has a lay name ("high ESR") but only a test can tell it."""
    ix = graph.index
    for fid in ("HP:0003565", "HP:0003138"):
        assert ix.f_kind[ix.finding_pos[fid]] == "test"


def test_params_file_matches_the_code_defaults():
    from meddiag.knowledge.umls_graph.params import PARAMS_FILE, RankParams, load_params

    assert PARAMS_FILE.is_file()
    assert load_params() == RankParams()  # the calibrated values are also the defaults in code


def test_other_parameters_change_the_scores(kg):
    from meddiag.knowledge.umls_graph.params import RankParams

    s = state([FEVER], [COUGH])
    p = "curated:kgtest_pneumonia"
    base = kg.log_odds(s, [p])[0]
    softer = kg.with_params(RankParams().with_(absent_weight=0.0)).log_odds(s, [p])[0]
    assert softer > base  # the absent cough no longer counts against pneumonia
    flat = kg.with_params(RankParams().with_(prior_weight=0.0))
    assert flat.log_odds(state(), [p])[0] == 0.0


def test_naming_variants(graph):
    cases = {
        "Alzheimer’s dementia": "alzheimer",
        "Henoch-Scholein purpura": "iga vasculitis",
        "Ventricular septal defect (VSD)": "ventricular septal defect",
        "Glanzmann’s thrombasthenia": "glanzmann",
    }
    for name, expect in cases.items():
        did = graph.lookup_disease(name)
        assert did is not None, name
        info = graph.disease_info(did)
        assert expect in " ".join([info.name, *info.synonyms]).lower(), (name, info.name)
    eds = graph.lookup_diseases("Ehlers-Danlos syndrome")  # a curated entry, else the family of HPO types
    assert eds and all("ehlers" in graph.label(d).lower() for d in eds)
    fam, members = next((k, v) for k, v in sorted(graph.namer.families.items()) if len(v) > 2)
    assert graph.lookup_diseases(fam) == list(members)
    sub = graph.lookup_diseases("Infantile seborrheic dermatitis", contained=True)
    assert sub and "seborrheic dermatitis" in graph.label(sub[0]).lower()
    assert graph.lookup_diseases("Repeat blood cultures now", contained=True) == []


def test_a_fact_the_case_states_whole_raises_its_condition(graph):
    from meddiag.knowledge.umls_graph.facts import facts_of

    ix = graph.index
    facts = facts_of(ix)
    sarcoid = ix.disease_pos["curated:pulmonary_sarcoidosis"]
    whole = facts.scores("Transbronchial biopsy shows noncaseating granulomas.")
    assert whole[sarcoid] > 0 and 0 < (whole > 0).sum() < 30  # the few conditions with that fact
    assert facts.scores("Biopsy shows granulomas.")[sarcoid] == 0  # part of a fact is not the fact
    assert facts.scores("")[sarcoid] == 0
    ranker = graph._ranker
    with_fact = ranker.text_scores("A 30-year-old woman with cough. Biopsy shows noncaseating granulomas.")
    without = graph.with_params(graph.params.with_(fact_weight=0.0))._ranker.text_scores(
        "A 30-year-old woman with cough. Biopsy shows noncaseating granulomas.")
    assert with_fact[sarcoid] > without[sarcoid]


def test_curated_is_a_files_syncope_under_loss_of_consciousness(graph):
    """HPO files Syncope under cardiovascular physiology; ``is_a`` in the curated data makes it a kind of
    Loss of consciousness, so a case that says "loss of consciousness" supports the syncope diagnoses."""
    assert graph.is_a("HP:0001279", "HP:0007185")
    state = case_from_text(graph, "A 24-year-old woman had a brief loss of consciousness while standing in a hot "
                                  "crowded church, preceded by warmth, nausea and sweating.")
    top = graph.rank(state, top=1).hypotheses[0]
    assert top.name == "Vasovagal syncope"
    assert next(e for e in top.evidence if e.finding_id == "HP:0007185").path == ["HP:0007185", "HP:0001279", top.disease_id]


def test_an_adverse_effect_needs_its_drug_stated_in_a_written_case(graph):
    """A condition's ``requires`` (an adverse effect's drug exposure): a written case that states none of
    them costs it ``unmet_requirement``; other diseases are untouched, and a case stating the drug pays nothing."""
    ix = graph.index
    agran = ix.disease_pos["curated:thionamide_induced_agranulocytosis"]
    assert ix.d_requires[agran]
    without = case_from_text(graph, "A 52-year-old woman has had a sore throat and fever of 39 C for 2 days. "
                                    "Absolute neutrophil count 200/uL.")
    off = graph.with_params(graph.params.with_(unmet_requirement=0.0))._ranker.scores(without)
    on = graph._ranker.scores(without)
    assert graph.params.unmet_requirement < 0
    assert on[agran] - off[agran] == pytest.approx(graph.params.unmet_requirement)
    other = ix.disease_pos[graph.lookup_disease("streptococcal pharyngitis")]
    assert on[other] == pytest.approx(off[other])
    stated = case_from_text(graph, without.narrative + " She started methimazole 6 weeks ago.")
    assert graph._ranker.scores(stated)[agran] == pytest.approx(
        graph.with_params(graph.params.with_(unmet_requirement=0.0))._ranker.scores(stated)[agran])
    assert graph.rank(stated, top=1).hypotheses[0].disease_id == "curated:thionamide_induced_agranulocytosis"


def test_a_psychotic_disorder_needs_psychosis_stated_or_a_kind_of_it(graph):
    """``requires:`` maps (data/requires_*.yaml) name what a condition cannot exist without: schizoaffective
    disorder needs psychotic symptoms. "Hears voices" (auditory hallucination) is a kind of Hallucinations, so it
    meets the requirement; a depressive picture alone does not. In a conversation, what was not asked is unknown:
    only a denied requirement, with none confirmed, costs the condition."""
    ix = graph.index
    schizo = ix.disease_pos["curated:schizoaffective_disorder"]
    unmet = graph.params.unmet_requirement
    off = graph.with_params(graph.params.with_(unmet_requirement=0.0))._ranker
    low = "A 34-year-old man has had low mood, loss of interest and poor sleep for 3 months."
    for text, cost in ((low, unmet), (low + " He hears voices telling him he is worthless.", 0.0)):
        written = case_from_text(graph, text)
        assert graph._ranker.scores(written)[schizo] - off.scores(written)[schizo] == pytest.approx(cost)
    talk = state(present=["HP:0000716"])  # Depression, nothing asked about psychosis
    assert graph._ranker.scores(talk)[schizo] == pytest.approx(off.scores(talk)[schizo])
    denied = state(present=["HP:0000716"], absent=["HP:0000738"])  # "Do you hear voices?" "No."
    assert graph._ranker.scores(denied)[schizo] - off.scores(denied)[schizo] == pytest.approx(unmet)
    both = state(present=["HP:0000716", "HP:0000746"], absent=["HP:0000738"])  # no voices, but a delusion
    assert graph._ranker.scores(both)[schizo] == pytest.approx(off.scores(both)[schizo])


def test_a_written_case_weighs_its_complaint_and_its_closing_statement(graph):
    """The first sentence (the presenting complaint) and the last statement before the question (the telling
    result) count more than the middle of a case report; a first sentence that tells past history does not."""
    from meddiag.knowledge.umls_graph.commands import case_from_text

    ix, prm = graph.index, graph.params
    text = ("A 30-year-old man comes to the physician because of a cough. He also reports fatigue. He has a rash on "
            "his arms. An x-ray of the chest shows bilateral hilar lymphadenopathy. Which of the following is the most "
            "likely diagnosis?")
    state = case_from_text(graph, text)
    ctx = graph._ranker._context(state)
    weight = {ix.f_label[f]: k for (f, _), k in ctx.items()}
    assert weight["Cough"] == prm.complaint_weight > 1.0
    assert weight["bilateral hilar lymphadenopathy on chest X-ray"] == prm.closing_weight > 1.0
    assert "Fatigue" not in weight and "Skin rash" not in weight
    past = case_from_text(graph, "A 60-year-old man with a history of diabetes has a cough. " + text[text.index("He"):])
    assert not any(ix.f_label[f] == "Cough" for f, _ in graph._ranker._context(past))
    flat = graph.with_params(prm.with_(complaint_weight=1.0, closing_weight=1.0))
    assert flat._ranker._context(state) == {}
    cough = ix.disease_pos[graph.lookup_disease("sarcoidosis")]
    assert graph._ranker.scores(state)[cough] != flat._ranker.scores(state)[cough]


def test_the_closing_question_is_not_part_of_the_case(graph):
    """"Which of the following tumor markers ..." asks about a neoplasm; it does not state one. A heading that ends
    with a colon in the middle of a case is not a question."""
    ids = {f.label for f in case_from_text(graph, "A 60-year-old man has weight loss and jaundice. Which of the "
                                                  "following tumor markers is associated with his diagnosis?").findings.values()}
    assert "Jaundice" in ids and "Neoplasm" not in ids
    ids = {f.label for f in case_from_text(graph, "A 60-year-old man. Vital signs: Temperature: 38.9 C. "
                                                  "Skin: jaundice.").findings.values()}
    assert {"Fever", "Jaundice"} <= ids


def test_a_written_case_that_leaves_out_what_a_condition_typically_shows_counts_against_it(graph):
    """Each typical finding (w >= typical) of a curated condition that a case report does not mention at all — nor a
    more general or more specific form of it — adds unmentioned_weight x log(1 - w); a mentioned one adds nothing."""
    ix, prm = graph.index, graph.params
    ranker = graph._ranker
    sarcoid = ix.disease_pos[graph.lookup_disease("sarcoidosis")]
    bare = case_from_text(graph, "A 30-year-old woman has a rash on her arms.")
    more = case_from_text(graph, "A 30-year-old woman has a rash on her arms, a dry cough, and bilateral hilar "
                                 "lymphadenopathy on chest X-ray.")
    assert ranker._unmentioned(bare)[sarcoid] < ranker._unmentioned(more)[sarcoid] <= 0.0
    assert ranker._unmentioned(bare)[ix.disease_pos[next(d for d in ix.disease_ids if not d.startswith("curated:"))]] == 0
    off = graph.with_params(prm.with_(unmentioned_weight=0.0))
    gap = ranker.scores(bare)[sarcoid] - off._ranker.scores(bare)[sarcoid]
    assert gap == pytest.approx(prm.unmentioned_weight * ranker._unmentioned(bare)[sarcoid]) and gap < 0


def test_related_findings_share_their_weight(graph):
    """"Bowel urgency" and "tenesmus" come together (both under abnormal large-intestine physiology): each of the two
    counts 2 ** -related_power times, while an unrelated finding (a rash) counts in full."""
    ix, prm = graph.index, graph.params
    ranker = graph._ranker
    state = case_from_text(graph, "A 31-year-old woman has bowel urgency and tenesmus. She also has a skin rash.")
    known = ranker._known(state)
    got = {ix.f_label[f]: k for (f, _), k in ranker._related(known).items()}
    assert got == {"Bowel urgency": 2 ** -prm.related_power, "Tenesmus": 2 ** -prm.related_power}
    assert graph.with_params(prm.with_(related_base=0.0))._ranker._related(known) == {}
