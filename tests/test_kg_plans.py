"""Work-up and first-line treatment of curated conditions (`plans.py`): the data, the matching of a
choice's words, and multiple-choice scoring of choices that name a test or a treatment."""

from __future__ import annotations

import numpy as np
import pytest

from meddiag.knowledge.umls_graph import curated
from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.knowledge.umls_graph.plans import CLASS_CREDIT, plans_of
from meddiag.simulation.vignettes import choice_scores, question_specs

SUBDURAL = ("A 78-year-old man on warfarin is brought in by his daughter because of 3 weeks of worsening "
            "confusion and headache after a fall. He is drowsy. CT of the head shows a crescent-shaped "
            "hypodense collection over the left hemisphere.")


def test_every_curated_condition_names_its_workup_and_treatment():
    files = [curated.load_file(p) for p in curated.data_files(curated.DATA_DIR)]
    missing = [c.id for f in files for c in f.conditions if not (c.workup and c.treatment)]
    assert not missing, f"{len(missing)} conditions without work-up or treatment: {missing[:10]}"


def test_plan_items_must_be_names(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("specialty: x\nconditions:\n  - id: x\n    name: X\n    icd10: R50.9\n    workup: ['']\n"
                   "    findings: [{id: HP:0001945, w: 0.5}]\n", encoding="utf-8")
    with pytest.raises(curated.CurationError, match="workup, treatment and complications items"):
        curated.load_file(bad)


@pytest.mark.parametrize("body,error", [
    ("facts:\n  Not A Slug: [x y]\n", "must be a condition id"),
    ("facts:\n  asthma: ['']\n", "a list of texts"),
    ("facts:\n  asthma: dopamine\n", "facts.asthma .*valid list"),
])
def test_facts_must_be_lists_of_texts_keyed_by_condition(tmp_path, body, error):
    bad = tmp_path / "facts_bad.yaml"
    bad.write_text("specialty: facts\n" + body, encoding="utf-8")
    with pytest.raises(curated.CurationError, match=error):
        curated.load_file(bad)


def test_facts_are_positive_associations():
    """Matching is by words: "avoid aspirin" or "mimics melanoma" would read as aspirin or melanoma."""
    import re

    bad = re.compile(r"\b(?:not|no|never|avoid|avoided|contraindicat\w*|mimic|mimics|mimicking)\b", re.I)
    layer = curated.load_curated()
    found = [(cid, x) for cid, items in layer.facts.items() for x in items if bad.search(x)]
    assert not found, found[:10]
    assert len(layer.facts) == len(layer.conditions)  # every curated condition has facts


def test_facts_of_an_unknown_condition_are_a_problem(tmp_path):
    extra = tmp_path / "facts_x.yaml"
    extra.write_text("specialty: facts\nfacts:\n  no_such_condition_here: [dopamine blockade]\n", encoding="utf-8")
    layer = curated.load_curated(files=[*curated.data_files(curated.DATA_DIR), extra])
    assert curated.validate(layer) == ["facts_x.yaml: facts for no_such_condition_here: no such condition"]


@pytest.mark.parametrize("text,disease", [
    ("Amniocentesis", "curated:down_syndrome"),
    ("Burr hole", "curated:subdural_hematoma"),
    ("Ethosuximide", "curated:childhood_absence_epilepsy"),
    ("Rectal suction biopsy", "curated:hirschsprung_disease"),
    ("Positive osmotic fragility test", "curated:hereditary_spherocytosis"),  # facts are plan items too
    ("Dopamine D2 receptor blockade", "curated:neuroleptic_malignant_syndrome"),
    ("Frataxin", "curated:friedreich_ataxia"),
])
def test_a_choice_is_matched_to_the_conditions_whose_plan_names_it(graph, text, disease):
    ix = graph.index
    m = plans_of(ix).match(text)
    assert m[ix.disease_pos[disease]] == m.max() > 0.9
    assert (m > 0.5).sum() < 40  # specific words, not every condition
    assert plans_of(ix).match("zzzz qqqq").max() == 0


@pytest.mark.parametrize("text,disease", [
    ("Serum cobalamin level", "curated:vitamin_b12_deficiency"),  # "serum vitamin B12 level"
    ("Transthoracic echo", "curated:hypertrophic_cardiomyopathy"),  # "echocardiography"
    ("Genetic analysis", "curated:duchenne_muscular_dystrophy"),  # "genetic testing for dystrophin gene deletion"
])
def test_wordings_of_one_test_and_drug_classes_match(graph, text, disease):
    ix = graph.index
    m = plans_of(ix).match(text)
    assert m[ix.disease_pos[disease]] > 0.9
    gad = ix.disease_pos["curated:generalized_anxiety_disorder"]
    assert plans_of(ix).match("Metoprolol")[gad] == 0  # another class's drug does not


def test_a_drug_reads_as_its_classes_at_half_the_credit_of_its_name(graph):
    """"Paroxetine" matches generalized anxiety disorder's "SSRIs or SNRIs" through its class; a drug the item
    names itself counts in full, so "Rifaximin" beats "Ceftriaxone" (both antibiotics) for hepatic encephalopathy."""
    ix = graph.index
    plans = plans_of(ix)
    gad = ix.disease_pos["curated:generalized_anxiety_disorder"]
    assert plans.match("Paroxetine")[gad] == CLASS_CREDIT and plans.match("Metoprolol")[gad] == 0
    he = ix.disease_pos[graph.lookup_disease("hepatic encephalopathy")]
    assert plans.match("Rifaximin")[he] == 1.0 and plans.match("Ceftriaxone")[he] == CLASS_CREDIT
    # mechanisms are classes too: an enzyme choice matches the drug an item names
    ra = ix.disease_pos[graph.lookup_disease("rheumatoid arthritis")]
    assert plans.match("Dihydrofolate reductase")[ra] > 0


def test_plan_decides_between_unnamed_choices(graph):
    choices = ["Burr hole", "Lumbar puncture", "Intravenous acyclovir", "Electroconvulsive therapy"]
    state = case_from_text(graph, SUBDURAL)
    specs = question_specs(graph, choices)
    assert not any(s.ids for s in specs)
    with_plan = choice_scores(graph.with_params(graph.params.with_(plan_weight=1.0)), state, specs)
    assert int(np.argmax(with_plan)) == 0
    without = choice_scores(graph.with_params(graph.params.with_(plan_weight=0.0)), state, specs)
    assert with_plan[0] - with_plan[1] > without[0] - without[1]


def test_kg_plan_api(graph):
    workup, treatment = graph.plan("curated:subdural_hematoma")
    assert any("CT" in w for w in workup) and treatment
    assert graph.plan("no-such-disease") == ([], [])


def test_complications_resolve_to_diseases_and_lift_them_when_asked(graph):
    from meddiag.knowledge.umls_graph.plans import complications_of

    ix = graph.index
    comps = complications_of(graph)
    sjogren = ix.disease_pos["curated:sjogren_syndrome"]
    named = {ix.d_name[d] for d in comps.of[sjogren]}
    assert any("lymphoma" in n.lower() for n in named), named
    text = ("A 51-year-old woman has had dry mouth and dry eyes for months. Her eyes feel gritty. "
            "Anti-Ro and anti-La antibodies are positive.")
    state = case_from_text(graph, text)
    choices = ["Non-Hodgkin lymphoma", "Gastric carcinoma", "Multiple myeloma", "Hepatocellular carcinoma"]
    specs = question_specs(graph, choices)
    kg = graph.with_params(graph.params.with_(complication_weight=1.0))
    asked = choice_scores(kg, state, specs, text=text + " She is at greatest risk of developing which of the following?")
    plain = choice_scores(kg, state, specs, text=text + " Which of the following is the most likely diagnosis?")
    assert int(np.argmax(asked)) == 0
    assert asked[0] - max(asked[1:]) > plain[0] - max(plain[1:])


def test_a_test_choice_does_not_match_an_item_of_another_modality(graph):
    """"CT Chest" shares "chest" with "chest X-ray" but is another test; "Chest radiography" is the same one."""
    ix = graph.index
    plans = plans_of(ix)
    ptx = ix.disease_pos[graph.lookup_disease("secondary spontaneous pneumothorax")]
    assert plans.match("Chest radiography")[ptx] == 1.0
    assert plans.match("CT pulmonary angiogram")[ptx] == 0.0
    legionella = ix.disease_pos[graph.lookup_disease("Legionnaires' disease")]
    assert plans.match("Urine antigen assay")[legionella] > plans.match("CT Chest")[legionella]


def test_a_diagnosis_the_text_states_is_the_one_whose_plan_counts(graph):
    """A question that names the diagnosis ("confirm the diagnosis of Down syndrome in utero") is about that
    diagnosis, whatever else the findings suggest."""
    text = ("A 38-year-old woman, gravida 2, para 1, at 11 weeks' gestation comes for a prenatal visit. She is worried "
            "because her sister's child has a chromosomal disorder. Which of the following tests can confirm the "
            "diagnosis of Down syndrome in utero?")
    choices = ["Integrated test", "Ultrasound", "Amniocentesis", "Triple marker test"]
    scores = choice_scores(graph, case_from_text(graph, text), question_specs(graph, choices), text=text)
    assert int(np.argmax(scores)) == 2


@pytest.mark.parametrize("text,names", [
    ("Which of the following would confirm a diagnosis of the factitious disorder in this patient?",
     ["factitious disorder"]),
    ("A diagnosis of lymphoplasmacytic lymphoma is confirmed after further laboratory evaluation.",
     ["lymphoplasmacytic lymphoma"]),
    ("After a full clinical workup, he is diagnosed with an upper respiratory infection caused by a virus.",
     ["upper respiratory infection"]),
    ("You suspect ulcerative colitis. Which of the following findings would confirm your diagnosis?",
     ["ulcerative colitis"]),
    ("A 34-year-old man with a previous diagnosis of Graves disease presents for a check-up.", ["Graves disease"]),
    ("He was diagnosed with asthma 2 years ago. Which of the following is the most likely diagnosis of this patient?",
     []),
    ("You suspect this enlargement is secondary to fluid. What is the next step in confirming the diagnosis?", []),
])
def test_diagnoses_a_text_states(text, names):
    from meddiag.simulation.asks import stated_diagnoses

    assert stated_diagnoses(text) == names
