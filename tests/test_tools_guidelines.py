"""Guideline lookup over the open-medicine registry and over a user's Markdown folder."""

from __future__ import annotations

import argparse
import json

import pytest

from meddiag.tools.commands import register
from meddiag.tools.guidelines import GuidelineError, GuidelineLibrary, load_markdown_dir, open_medicine_dir, split_markdown

ROW_KEYS = {"guideline_id", "section", "title", "source", "year"}


@pytest.fixture(scope="module")
def library():
    return GuidelineLibrary()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="meddiag")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_curb65_query_returns_bts_2009_severity_first(capsys):
    code, out, _ = run_cli(capsys, "guideline", "CURB-65 severity pneumonia", "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert all(set(r) == ROW_KEYS for r in rows)
    first = rows[0]
    assert (first["guideline_id"], first["section"], first["year"]) == ("bts_cap_2009", "severity_assessment", 2009)
    assert "BTS" in first["source"]


def test_registry_fully_loaded(library):
    registry = json.loads((open_medicine_dir() / "registry.json").read_text())
    assert len(registry) == 43
    expected = {(g["id"], s) for g in registry for s in g["sections"]}
    assert {(s.guideline_id, s.section) for s in library.sections} == expected
    assert all(s.doi and s.year and s.text.strip() for s in library.sections)


@pytest.mark.parametrize(
    "query, guideline_id",
    [
        ("wells pulmonary embolism pre-test probability", "wells_pe_2000"),
        ("qSOFA", "sepsis3_2016"),
        ("NEWS2 escalation clinical response", "rcp_news2_2017"),
        ("atrial fibrillation anticoagulation", "acc_aha_af_2023"),
        ("chest pain risk stratification", "aha_acc_chest_pain_2021"),
    ],
)
def test_search_finds_the_matching_guideline(library, query, guideline_id):
    assert library.search(query, limit=1)[0].guideline_id == guideline_id


def test_section_text_always_cites_its_source(library):
    s = library.answer("CURB-65 severity pneumonia")
    assert "CURB-65" in s.text
    assert s.citation.startswith("Source: BTS") and "2009" in s.citation and "doi:10." in s.citation


def test_cli_section_prints_text_and_citation(capsys):
    code, out, _ = run_cli(capsys, "guideline", "--section", "bts_cap_2009/severity_assessment")
    assert code == 0 and "CURB-65" in out and out.rstrip().splitlines()[-1].startswith("Source: BTS")


def test_cli_unknown_section_is_one_line_error(capsys):
    code, out, err = run_cli(capsys, "guideline", "--section", "bts_cap_2009/nope")
    assert code == 2 and out == "" and err.count("\n") == 1 and "severity_assessment" in err


PROTOCOL = """---
title: Sepsis pathway
organization: St Elsewhere Hospital
year: 2024
---
# Sepsis pathway

Local adult sepsis pathway.

## Recognition

Screen every adult with suspected infection using NEWS2 and lactate.

## Antibiotics within one hour

Give the first dose of broad-spectrum antibiotics within one hour of recognition.
### Penicillin allergy

Use the alternative regimen in the allergy table.
"""


def test_markdown_folder_sections_split_on_headings(tmp_path):
    (tmp_path / "sepsis.md").write_text(PROTOCOL)
    sub = tmp_path / "cardio"
    sub.mkdir()
    (sub / "chest_pain_2019.md").write_text("# Chest pain triage\n\nECG within ten minutes of arrival.\n")
    sections = load_markdown_dir(tmp_path)
    by_id = {(s.guideline_id, s.section): s for s in sections}
    assert set(by_id) == {
        ("sepsis", "sepsis_pathway"), ("sepsis", "recognition"), ("sepsis", "antibiotics_within_one_hour"),
        ("cardio/chest_pain_2019", "chest_pain_triage"),
    }
    antibiotics = by_id[("sepsis", "antibiotics_within_one_hour")]
    assert "Penicillin allergy" in antibiotics.text  # level-3 headings stay inside their section
    assert antibiotics.source == "St Elsewhere Hospital: Sepsis pathway" and antibiotics.year == 2024
    chest = by_id[("cardio/chest_pain_2019", "chest_pain_triage")]
    assert chest.year == 2019 and chest.source.endswith("chest_pain_2019.md")


def test_cli_searches_a_user_folder(tmp_path, capsys):
    (tmp_path / "sepsis.md").write_text(PROTOCOL)
    code, out, _ = run_cli(capsys, "guideline", "antibiotics within one hour sepsis", "--dir", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)[0]["guideline_id"] == "sepsis"
    code, out, _ = run_cli(capsys, "guideline", "antibiotics sepsis", "--dir", str(tmp_path), "--only-dir", "--show")
    assert "Source: St Elsewhere Hospital: Sepsis pathway, 2024" in out


def test_bad_inputs(library, tmp_path):
    with pytest.raises(GuidelineError):
        library.search("  ")
    with pytest.raises(GuidelineError):
        library.get("no_such_guideline")
    with pytest.raises(GuidelineError):
        load_markdown_dir(tmp_path / "missing")
    with pytest.raises(GuidelineError):
        split_markdown("---\ntitle: [unclosed\n---\n# x\n", "bad", "bad.md")
