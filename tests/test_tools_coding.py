"""ICD-10-CM coding against the real tabular list (simple_icd_10_cm, April 2026)."""

from __future__ import annotations

import argparse
import json
from importlib.metadata import version

import pytest
import simple_icd_10_cm as cm

from meddiag.schema import Differential, Hypothesis
from meddiag.tools import icd10_index
from meddiag.tools.coding import CodingError, _ref_matches, coder, note_refs
from meddiag.tools.commands import register


@pytest.fixture(scope="module")
def icd():
    return coder()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="meddiag")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code = args.func(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_code_search_ranks_j189_top3(capsys):
    code, out, _ = run_cli(capsys, "code", "community acquired pneumonia", "--json")
    rows = json.loads(out)
    assert code == 0
    assert all(set(r) == {"code", "description", "billable"} for r in rows)
    assert "J18.9" in [r["code"] for r in rows[:3]]


def test_cli_check_category_names_billable_children(capsys):
    code, out, _ = run_cli(capsys, "code", "--check", "J18")
    assert code == 1
    assert "not billable" in out
    for child in ("J18.0", "J18.1", "J18.8", "J18.9"):
        assert child in out
    code, out, _ = run_cli(capsys, "code", "--check", "J18", "--json")
    check = json.loads(out)
    assert check["valid"] and not check["billable"]
    kids = [k["code"] for k in check["billable_children"]]
    assert kids and all(cm.is_valid_item(k) and cm.is_leaf(k) for k in kids)
    assert set(kids) == {c for c in cm.get_children("J18") if cm.is_leaf(c)}


def test_check_billable_invalid_and_nearest(icd):
    ok = icd.check("j189")  # case and the missing dot do not matter
    assert ok.valid and ok.billable and ok.code == "J18.9"
    bad = icd.check("J18.99")
    assert not bad.valid and "J18.9" in bad.message


def test_check_seventh_character_codes(icd):
    check = icd.check("S72.001")
    assert check.valid and not check.billable
    assert check.billable_children and all(len(k.code) == 8 and cm.is_leaf(k.code) for k in check.billable_children)


def test_index_holds_every_code_with_the_source_billable_flag(icd):
    rows = {r["code"]: bool(r["billable"]) for r in icd.db.execute("SELECT code, billable FROM codes")}
    assert set(rows) == set(cm.get_all_codes())
    # billable = a leaf category or subcategory; B20, R99 ... are single-category blocks and billable
    wrong = [c for c, billable in rows.items() if billable != (cm.is_leaf(c) and cm.is_category_or_subcategory(c))]
    assert wrong == []
    assert rows["B20"] and rows["J18.9"] and not rows["J18"] and not rows["J09-J18"]


def test_lookup_hierarchy_and_inherited_notes(icd):
    info = icd.lookup("J18.9")
    assert info.billable and info.kind == "subcategory"
    assert [a.code for a in info.ancestors] == cm.get_ancestors("J18.9")
    excl = [n for n in info.notes if n.kind == "excludes1"]
    assert excl and all(n.at == "J18" for n in excl)
    assert {n.text for n in excl} == set(cm.get_excludes1("J18"))
    assert [c.code for c in icd.lookup("J18").children] == cm.get_children("J18")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("chest pain", "R07.9"),
        ("urinary tract infection", "N39.0"),
        ("UTI", "N39.0"),
        ("heart attack", "I21.9"),
        ("atrial fibrillation", "I48.91"),
        ("hypertension", "I10"),
        ("COPD exacerbation", "J44.1"),
        ("sore throat", "J02.9"),
        ("strep throat", "J02.0"),
        ("acute kidney injury", "N17.9"),
        ("pulmonary embolism", "I26.99"),
        ("sepsis", "A41.9"),
    ],
)
def test_search_common_diagnoses(icd, query, expected):
    hits = icd.search(query, limit=3)
    assert expected in [h.code for h in hits]
    assert all(cm.is_valid_item(h.code) for h in hits)


def test_search_by_code_prefix(icd):
    hits = icd.search("J18", limit=6)
    assert hits[0].code == "J18" and not hits[0].billable
    assert {h.code for h in hits[1:]} <= set(cm.get_children("J18"))


def test_search_billable_only_and_bad_queries(icd):
    assert all(h.billable for h in icd.search("migraine", limit=10, billable_only=True))
    with pytest.raises(CodingError):
        icd.search("   ")
    with pytest.raises(CodingError):
        icd.search("!!!")


def test_note_references_and_ranges():
    assert note_refs("type 2 diabetes mellitus (E11.-)") == ["E11.-"]
    assert note_refs("influenza (J09.X2, J10.1, J11.1)") == ["J09.X2", "J10.1", "J11.1"]
    assert _ref_matches("E11.-", "E11.9") and not _ref_matches("E11.-", "E10.9")
    assert _ref_matches("J70.2-J70.4", "J70.3") and not _ref_matches("J70.2-J70.4", "J70.5")
    assert _ref_matches("J67-J70", "J68.0") and not _ref_matches("J67-J70", "J71")
    assert _ref_matches("O24.4-", "O24.410") and not _ref_matches("O24.4-", "O24.3")


def test_excludes1_conflicts(icd):
    pairs = {(c.code, c.other) for c in icd.excludes1_conflicts(["E10.9", "E11.9", "J18.9"])}
    assert pairs == {("E10.9", "E11.9"), ("E11.9", "E10.9")}
    conflict = icd.excludes1_conflicts(["J18.9", "P23.0"])
    assert conflict and conflict[0].at == "J18" and "P23.0" in conflict[0].note
    assert icd.excludes1_conflicts(["J18.9", "I26.99"]) == []


def test_code_differential_reasons(icd):
    diff = Differential(hypotheses=[
        Hypothesis(disease_id="a", name="Community-acquired pneumonia", icd10="J18", probability=0.5),
        Hypothesis(disease_id="b", name="Type 1 diabetes mellitus", icd10="E10.9", probability=0.2),
        Hypothesis(disease_id="c", name="Type 2 diabetes mellitus", icd10="E11.9", probability=0.1),
        Hypothesis(disease_id="d", name="Urinary tract infection", icd10="Q99.999", probability=0.1),
        Hypothesis(disease_id="e", name="Zzyzx qwerty", probability=0.1),
    ])
    result = icd.code_differential(diff)
    by_name = {p.hypothesis: p for p in result.proposals}
    assert by_name["Community-acquired pneumonia"].code == "J18.9"
    assert "not billable" in by_name["Community-acquired pneumonia"].reason
    assert by_name["Type 1 diabetes mellitus"].code == "E10.9"
    assert by_name["Urinary tract infection"].code == "N39.0"
    assert "not an ICD-10-CM code" in by_name["Urinary tract infection"].reason
    assert "Zzyzx qwerty" not in by_name  # nothing matches: no code is invented
    assert all(cm.is_valid_item(p.code) and cm.is_leaf(p.code) for p in result.proposals)
    assert {(c.code, c.other) for c in result.conflicts} == {("E10.9", "E11.9"), ("E11.9", "E10.9")}


def test_index_is_cached_per_package_version(icd, meddiag_home):
    path = icd10_index.index_path()
    assert path.exists() and str(path).startswith(meddiag_home)
    assert version("simple_icd_10_cm") in path.name  # the package version names the file
    before = path.stat().st_mtime_ns
    icd10_index.connect().close()
    assert path.stat().st_mtime_ns == before  # opened, not rebuilt
    meta = dict(icd.db.execute("SELECT key, value FROM meta").fetchall())
    assert meta["package_version"] == version("simple_icd_10_cm")


def test_index_path_follows_the_package_version(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDDIAG_HOME", str(tmp_path))
    current = icd10_index.index_path()
    monkeypatch.setattr(icd10_index, "version", lambda name: "99.0.0")
    upgraded = icd10_index.index_path()
    assert current.parent == upgraded.parent == tmp_path / "cache"
    assert current != upgraded and "99.0.0" in upgraded.name  # a new version gets a fresh build


def test_damaged_cache_file_is_rebuilt(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDDIAG_HOME", str(tmp_path))
    path = icd10_index.index_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database")
    db = icd10_index.connect()
    assert db.execute("SELECT description FROM codes WHERE code = 'J18.9'").fetchone()[0] == cm.get_description("J18.9")


def test_cli_errors_are_one_line(capsys):
    code, out, err = run_cli(capsys, "code")
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error:")
    code, out, err = run_cli(capsys, "code", "--lookup", "NOPE")
    assert code == 2 and err.count("\n") == 1
