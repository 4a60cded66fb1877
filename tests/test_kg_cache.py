"""Build once, then load from the cache; any change to a source file rebuilds it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from meddiag.knowledge.umls_graph import load_graph

FIX = Path(__file__).parent / "fixtures"


def test_cache_is_reused_then_invalidated(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIX / "curated", data)
    cache = tmp_path / "cache"
    first = load_graph(cache_dir=cache, data_dir=data, hpo_dir=FIX / "hpo")
    assert first.built and len(list(cache.glob("kg-*.pkl"))) == 2
    second = load_graph(cache_dir=cache, data_dir=data, hpo_dir=FIX / "hpo")
    assert not second.built
    assert second.stats() == first.stats()
    assert second.lookup_disease("UTI") == first.lookup_disease("UTI") == "curated:kgtest_uti"

    # a curator edits a file: the next load rebuilds, and the old cache files are removed
    f = data / "general.yaml"
    f.write_text(f.read_text().replace("synonyms: [UTI, cystitis, bladder infection]",
                                       "synonyms: [UTI, cystitis, bladder infection, water infection]"))
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    third = load_graph(cache_dir=cache, data_dir=data, hpo_dir=FIX / "hpo")
    assert third.built and third.lookup_disease("water infection") == "curated:kgtest_uti"
    assert len(list(cache.glob("kg-*.pkl"))) == 2

    # a new file is a change too
    (data / "extra.yaml").write_text("specialty: extra\nconditions: []\n")
    assert load_graph(cache_dir=cache, data_dir=data, hpo_dir=FIX / "hpo").built


def test_corrupt_cache_is_rebuilt(tmp_path):
    cache = tmp_path / "cache"
    load_graph(cache_dir=cache, data_dir=FIX / "curated", hpo_dir=FIX / "hpo")
    for p in cache.glob("kg-*.index.pkl"):
        p.write_bytes(b"not a pickle")
    kg = load_graph(cache_dir=cache, data_dir=FIX / "curated", hpo_dir=FIX / "hpo")
    assert kg.built and kg.lookup_disease("pneumonia") == "curated:kgtest_pneumonia"


def test_networkx_graph_is_typed_and_loaded_on_demand(tmp_path):
    kg = load_graph(cache_dir=tmp_path, data_dir=FIX / "curated", hpo_dir=FIX / "hpo")
    g = kg.graph
    assert g.nodes["curated:kgtest_pneumonia"]["type"] == "disease"
    assert g.nodes["HP:0001945"]["type"] == "finding" and "C0015967" in g.nodes["HP:0001945"]["cui"]
    assert g.nodes["local:kgtest_sick_contact"]["type"] == "risk"
    assert g.edges["curated:kgtest_pneumonia", "HP:0001945"] == {"rel": "has_finding", "w": 0.8}
    assert g.edges["HP:0031245", "HP:0012735"]["rel"] == "is_a"
    assert g.edges["curated:kgtest_avian_influenza", "ORPHA:454836"]["rel"] == "same_as"
    assert any(e["rel"] == "not_finding" for _, _, e in g.edges(data=True))


def test_missing_sources_give_one_line_errors(tmp_path):
    import pytest

    with pytest.raises(FileNotFoundError, match="HPO file not found"):
        load_graph(cache_dir=tmp_path, hpo_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match="lacks MRCONSO.RRF"):
        load_graph(cache_dir=tmp_path, data_dir=FIX / "curated", hpo_dir=FIX / "hpo", umls_dir=tmp_path)
