"""Bad input everywhere: loaders and argument parsing give one clear line, never a crash.

Hypothesis feeds each loader arbitrary text and bytes (and near-valid documents); the
only acceptable failures are the loaders' own one-line errors.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meddiag.cli import build_parser
from meddiag.knowledge.umls_graph.curated import CurationError, load_file
from meddiag.knowledge.umls_graph.umls_rrf import RrfError, load_umls
from meddiag.models import ModelSpecError, load_model
from meddiag.models.errors import ModelError
from meddiag.simulation.case import CaseError, load_case

FUZZ = settings(max_examples=max(60, settings.default.max_examples // 10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FIXTURES = Path(__file__).parent / "fixtures" / "umls"

yaml_scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
yaml_docs = st.recursive(yaml_scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=5), max_leaves=12)
case_keys = st.sampled_from(["id", "diagnosis", "opening", "facts", "denies", "exam", "tests", "age", "sex", "icd10", "bogus"])
near_cases = st.dictionaries(case_keys, yaml_docs, max_size=8)


def one_line(err: BaseException) -> bool:
    return bool(str(err)) and "\n" not in str(err)


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_scenario_loader_survives_any_bytes(tmp_path_factory, data):
    path = _write(tmp_path_factory.mktemp("case"), "case.yaml", data)
    try:
        load_case(path)
    except CaseError as err:
        assert one_line(err)


@FUZZ
@given(doc=near_cases)
def test_scenario_loader_survives_near_valid_documents(tmp_path_factory, doc):
    import yaml

    path = _write(tmp_path_factory.mktemp("case"), "case.yaml", yaml.safe_dump(doc).encode())
    try:
        load_case(path)
    except CaseError as err:
        assert one_line(err)


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), yaml_docs.map(lambda d: __import__("yaml").safe_dump(d).encode())))
def test_curated_loader_survives_any_input(tmp_path_factory, data):
    path = _write(tmp_path_factory.mktemp("curated"), "x.yaml", data)
    try:
        load_file(path)
    except CurationError as err:
        assert one_line(err)


@FUZZ
@given(which=st.sampled_from(["MRCONSO.RRF", "MRREL.RRF", "MRSTY.RRF"]),
       data=st.one_of(st.binary(max_size=400), st.lists(st.lists(st.text(alphabet="CDEFHLNPSTUY0123456789 ", max_size=8),
                                                                  max_size=20), max_size=6)
                      .map(lambda rows: "\n".join("|".join(r) for r in rows).encode())))
def test_umls_loader_survives_any_rrf(tmp_path_factory, which, data):
    folder = tmp_path_factory.mktemp("umls")
    for name in ("MRCONSO.RRF", "MRREL.RRF", "MRSTY.RRF"):
        shutil.copy(FIXTURES / name, folder / name)
    (folder / which).write_bytes(data)
    try:
        load_umls(folder)
    except RrfError as err:
        assert one_line(err)


@FUZZ
@given(spec=st.one_of(st.text(max_size=40), st.sampled_from(["gguf:", "openai:", "openai:@", "openai:x@", "openai:x@ftp://h",
                                                              "gguf:/nope.gguf", "scripted:x", "local:", "LOCAL", " local"])))
def test_model_specs_are_parsed_or_refused_in_one_line(spec, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    if spec == "local":
        return  # the one valid spec that loads a real model; the model tests cover it
    try:
        load_model(spec)
    except (ModelSpecError, ModelError, ValueError) as err:
        assert one_line(err)


@FUZZ
@given(argv=st.lists(st.sampled_from(["simulate", "kg", "rank", "stats", "bench", "vignettes", "code", "calc",
                                      "guideline", "safety", "--json", "--top", "-1", "x", "--model", "--scenario",
                                      "--max-turns", "0", "--check", "--mode", "mcq", "--limit", "--", "-h"]), max_size=6))
def test_cli_arguments_parse_or_fail_in_one_line(argv, capsys):
    parser = build_parser()
    try:
        parser.parse_args(argv)
    except SystemExit as exit_:
        err = capsys.readouterr().err.strip()
        if exit_.code not in (0, None):  # -h prints help and exits 0
            assert exit_.code == 2 and len(err.splitlines()) == 1, err


@FUZZ
@given(lines=st.lists(st.one_of(st.text(max_size=80), st.builds(lambda d: __import__("json").dumps(d), yaml_docs),
                                st.just('{"OSCE_Examination": {"Correct_Diagnosis": "Flu"}}'),
                                st.just('{"OSCE_Examination": {"Objective_for_Doctor": 3, "Patient_Actor": []}}')),
                      max_size=5))
def test_agentclinic_loader_reports_bad_lines_and_keeps_going(tmp_path_factory, lines):
    from meddiag.simulation.agentclinic import load_agentclinic

    path = _write(tmp_path_factory.mktemp("ac"), "cases.jsonl", "\n".join(lines).encode("utf-8", "replace"))
    try:
        cases, problems = load_agentclinic(path)
    except CaseError as err:
        assert one_line(err)
        return
    assert all(p.startswith("line ") and "\n" not in p for p in problems)


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), st.lists(st.lists(st.text(max_size=12), max_size=10), max_size=5)
                      .map(lambda rows: "\n".join(",".join(r) for r in rows).encode())))
def test_vignette_loader_survives_any_csv(tmp_path_factory, data):
    from meddiag.simulation.vignettes import VignetteError, load_vignettes

    path = _write(tmp_path_factory.mktemp("csv"), "v.csv", data)
    try:
        load_vignettes(path)
    except VignetteError as err:
        assert one_line(err)
