"""The UMLS RRF loader on a small fixture in the real column layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from meddiag.knowledge.umls_graph import load_graph
from meddiag.knowledge.umls_graph.commands import case_from_text
from meddiag.knowledge.umls_graph.umls_rrf import RrfError, load_umls

FIX = Path(__file__).parent / "fixtures"


def test_loader_keeps_diagnostic_types_english_unsuppressed_names():
    u = load_umls(FIX / "umls")
    assert "C0444868" not in u.concepts  # a qualitative concept: not diagnosis-relevant
    pn = u.concepts["C0032285"]
    assert (pn.kind, pn.name) == ("disease", "Pneumonia")
    assert "Lung infection" in pn.synonyms
    assert "Lung inflammation NOS" not in pn.synonyms and "Pneumonie" not in pn.synonyms
    assert u.concepts["C0015967"].kind == "finding"
    assert u.is_a == [("C0032290", "C0032285")]
    # orientation comes from the semantic types, whichever way the row is written
    assert ("C0032285", "C0010200") in u.manifests and ("C0032285", "C0015967") in u.manifests
    assert all(d != "C0444868" and f != "C0444868" for d, f in u.manifests)


def test_malformed_rrf_is_a_one_line_error(tmp_path):
    for name in ("MRCONSO.RRF", "MRREL.RRF"):
        (tmp_path / name).write_text((FIX / "umls" / name).read_text())
    (tmp_path / "MRSTY.RRF").write_text("C0032285|T047\n")
    with pytest.raises(RrfError, match="MRSTY.RRF line 1"):
        load_umls(tmp_path)


def test_umls_concepts_join_the_graph(tmp_path):
    kg = load_graph(cache_dir=tmp_path, data_dir=FIX / "curated", hpo_dir=FIX / "hpo", umls_dir=FIX / "umls")
    st = kg.stats()
    assert "umls" in st["sources"]
    # a finding CUI that HPO cross-references merges into the HPO node, bringing its names
    assert [c.id for c in kg.extract("raised body temperature")] == ["HP:0001945"]
    # a finding HPO lacks (its HPO term is obsolete) is keyed by its CUI
    assert kg.label("C1848773") == "Epidermal hyperkeratosis"
    # diseases are keyed by CUI, with is-a and findings
    assert kg.lookup_disease("Migraine Disorders") == "C0149931"
    assert kg.is_a("C0032290", "C0032285")
    g = kg.graph
    assert g.edges["C0032285", "HP:0012735"]["rel"] == "has_finding"
    ranked = [h.disease_id for h in kg.rank(case_from_text(kg, "fever, cough and shortness of breath"), top=200).hypotheses]
    assert "C0032285" in ranked and ranked.index("C0032285") < ranked.index("C0149931")
