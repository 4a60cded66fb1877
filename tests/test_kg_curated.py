"""Every identifier the knowledge graph ships resolves in its source.

Walks all curated data files (whatever the curators have written), the lay-phrase table,
the vitals map, the HPO frequency/onset tables and the test fixtures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from meddiag.knowledge.umls_graph import curated, extract, hpo
from meddiag.knowledge.umls_graph.graph import _descendants
from meddiag.knowledge.umls_graph.lay import CLINICAL_PHRASES, LAY_PHRASES
from meddiag.knowledge.umls_graph.paths import hpo_data_dir

FIXTURES = Path(__file__).parent / "fixtures"
FILES = curated.data_files() + curated.data_files(FIXTURES / "curated")


@pytest.fixture(scope="module")
def terms() -> dict[str, hpo.Term]:
    return hpo.parse_obo()


@pytest.fixture(scope="module")
def phenotype_ids(terms) -> set[str]:
    children: dict[str, list[str]] = {}
    for t in terms.values():
        for p in t.parents:
            children.setdefault(p, []).append(t.id)
    return _descendants(children, hpo.ROOT_PHENOTYPE) | _descendants(children, hpo.ROOT_HISTORY)


def test_there_are_curated_files():
    assert curated.data_files(), "no curated data files in meddiag/knowledge/umls_graph/data"


@pytest.fixture(scope="module")
def problems_by_file() -> dict[str, list[str]]:
    """Every problem in the real layer and in the fixture layer, validated once, by file name."""
    out: dict[str, list[str]] = {}
    for folder in {p.parent for p in FILES}:
        layer = curated.load_curated(files=[p for p in FILES if p.parent == folder])
        for problem in curated.validate(layer):
            out.setdefault(problem.split(":", 1)[0], []).append(problem)
        for name, f in layer.files.items():
            local_ids = [lf.id for lf in f.findings]
            for i in sorted({i for i in local_ids if local_ids.count(i) > 1}):
                out.setdefault(name, []).append(f"{name}: local finding {i} declared twice")
            for lf in f.findings:
                if not lf.name.strip():
                    out.setdefault(name, []).append(f"{name}: local finding {lf.id} has an empty name")
            for c in f.conditions:
                if not (c.name.strip() or c.synonyms):
                    out.setdefault(name, []).append(f"{name}: {c.id} has no name")
    return out


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_file_identifiers_resolve(path: Path, problems_by_file):
    problems = problems_by_file.get(path.name, [])
    assert not problems, "\n".join(problems)


def test_every_curated_reference_is_in_the_built_graph(graph):
    lost = []
    for path in curated.data_files():
        for c in curated.load_file(path).conditions:
            if f"curated:{c.id}" not in graph.index.disease_pos:
                continue  # the file changed after the graph was built
            lost += [f"{path.name}: {c.id}: {r.id}" for r in c.findings if r.id not in graph.index.finding_pos]
    assert not lost, "\n".join(lost)


def test_condition_ids_unique_across_files():
    seen: dict[str, str] = {}
    clashes = []
    for path in curated.data_files():
        for c in curated.load_file(path).conditions:
            if c.id in seen:
                clashes.append(f"{c.id} in {seen[c.id]} and {path.name}")
            seen[c.id] = path.name
    assert not clashes, "\n".join(clashes)


def test_builtin_tables_use_current_hpo_terms(terms, phenotype_ids):
    ids = set(LAY_PHRASES) | set(CLINICAL_PHRASES) | set(extract._IGNORE) | set(extract._ABSENCE_WORDS.values())
    ids |= {v for k, v in vars(extract).items() if isinstance(v, str) and re.fullmatch(r"HP:\d{7}", v)}
    ids |= {f for row in extract._LABS.values() for f in (row[2], row[4]) if f}
    ids |= {f for row in extract._DIFF.values() for f in row[4:] if f}
    ids |= set(hpo.FREQUENCY_TERMS) | set(hpo.ONSET_AGES) | {hpo.ROOT_PHENOTYPE, hpo.ROOT_HISTORY}
    missing = sorted(i for i in ids if i not in terms)
    assert not missing, f"not current terms in hp.obo: {missing}"
    lost = sorted(i for i in set(LAY_PHRASES) | set(CLINICAL_PHRASES) if i not in phenotype_ids)
    assert not lost, f"lay phrases for terms outside the phenotype tree: {lost}"


def test_file_phrases_name_phenotype_terms(phenotype_ids):
    """A `phrases:` entry for a term the graph does not hold (outside the phenotype and history
    trees, and listed by no condition) would never be read."""
    files = [curated.load_file(p) for p in FILES]
    used = {r.id for f in files for c in f.conditions for r in c.findings}
    lost = [f"{p.name}: {hid}" for p, f in zip(FILES, files) for hid in f.phrases
            if hid not in phenotype_ids and hid not in used]
    assert not lost, "phrases for terms the graph does not hold: " + ", ".join(lost)


def test_phrases_must_name_a_finding(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("specialty: x\nphrases:\n  Fever: [a phrase]\nconditions: []\n", encoding="utf-8")
    with pytest.raises(curated.CurationError, match="must be a finding id"):
        curated.load_file(bad)
    gone = tmp_path / "gone.yaml"
    gone.write_text("specialty: x\nphrases:\n  HP:9999999: [a phrase]\n  local:never_declared: [a phrase]\n"
                    "conditions: []\n", encoding="utf-8")
    problems = curated.validate(curated.load_curated(files=[gone]))
    assert any("HP:9999999: not in hp.obo" in p for p in problems), problems
    assert any("local:never_declared" in p for p in problems), problems


def test_a_requires_map_names_conditions_and_findings(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("specialty: x\nrequires:\n  Preeclampsia: [HP:0002686]\n", encoding="utf-8")
    with pytest.raises(curated.CurationError, match="must be a condition id"):
        curated.load_file(bad)
    bad.write_text("specialty: x\nrequires:\n  preeclampsia: [pregnancy]\n", encoding="utf-8")
    with pytest.raises(curated.CurationError, match="a list of finding ids"):
        curated.load_file(bad)
    gone = tmp_path / "gone.yaml"
    gone.write_text("specialty: x\nrequires:\n  no_such_condition: [HP:0002686]\n  own: [HP:9999999]\n"
                    "conditions:\n  - {id: own, name: Own, icd10: O14.90, findings: [{id: HP:0002686, w: 0.9}]}\n",
                    encoding="utf-8")
    problems = curated.validate(curated.load_curated(files=[gone]))
    assert any("requires for no_such_condition: no such condition" in p for p in problems), problems
    assert any("requires for own: HP:9999999 is not in hp.obo" in p for p in problems), problems
    assert curated.load_curated(files=[gone]).requires["own"] == ["HP:9999999"]


def test_more_findings_add_to_a_condition_without_overriding_it(tmp_path):
    own = tmp_path / "own.yaml"
    own.write_text("specialty: x\nconditions:\n  - {id: own, name: Own, icd10: O14.90, findings: "
                   "[{id: HP:0002686, w: 0.9}, {id: HP:0001945, w: 0.2}]}\n", encoding="utf-8")
    more = tmp_path / "more.yaml"
    more.write_text("specialty: y\nmore_findings:\n  own:\n    - {id: HP:0001945, w: 0.7}\n    - {id: HP:0012735, w: 0.4}\n"
                    "    - {id: HP:0012735, w: 0.6}\n  no_such_condition: [{id: HP:0001945, w: 0.5}]\n"
                    "  own_too: [{id: HP:9999999, w: 0.5}]\n", encoding="utf-8")
    layer = curated.load_curated(files=[own, more])
    (_, cond), = layer.conditions
    assert [(r.id, r.w) for r in cond.findings] == [("HP:0002686", 0.9), ("HP:0001945", 0.2), ("HP:0012735", 0.4)]
    problems = curated.validate(layer)
    assert any("more_findings for no_such_condition: no such condition" in p for p in problems), problems
    assert any("more_findings for own_too: HP:9999999 is not in hp.obo" in p for p in problems), problems
    bad = tmp_path / "bad.yaml"
    bad.write_text("specialty: x\nmore_findings:\n  Own: [{id: HP:0001945, w: 0.5}]\n", encoding="utf-8")
    with pytest.raises(curated.CurationError, match="must be a condition id"):
        curated.load_file(bad)


def test_umls_fixture_cuis_are_real():
    text = (hpo_data_dir() / "hp.obo").read_text(encoding="utf-8")
    cuis = {line.split("|")[0] for name in ("MRCONSO.RRF", "MRSTY.RRF")
            for line in (FIXTURES / "umls" / name).read_text().splitlines()}
    missing = sorted(c for c in cuis if f"UMLS:{c}" not in text)
    assert not missing, f"fixture CUIs not found in hp.obo xrefs: {missing}"


def test_hpo_fixture_is_a_copy_of_real_terms(terms):
    fixture = hpo.parse_obo(FIXTURES / "hpo" / "hp.obo")
    assert len(fixture) > 50
    for tid, t in fixture.items():
        assert tid in terms and terms[tid].name == t.name
    real = hpo.parse_hpoa()
    for did, d in hpo.parse_hpoa(FIXTURES / "hpo" / "phenotype.hpoa").items():
        assert did in real and real[did].name == d.name


def test_a_repeated_key_is_refused(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text("specialty: x\nphrases:\n  HP:0001945: [running hot]\n  HP:0001945: [burning up]\n",
                     encoding="utf-8")
    with pytest.raises(curated.CurationError, match="duplicate key 'HP:0001945'"):
        curated.load_file(twice)

