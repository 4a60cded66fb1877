"""``meddiag kg ...`` and ``meddiag bench vignettes`` handlers, driven through argparse."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from meddiag.knowledge.umls_graph import commands
from meddiag.simulation import vignettes

FIX = Path(__file__).parent / "fixtures"
HEADER = "case_vignette,choice_1,choice_2,choice_3,choice_4,answer,category,dataset,case_id\n"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="meddiag")
    sub = p.add_subparsers(dest="command")
    commands.register(sub)
    bench = sub.add_parser("bench").add_subparsers(dest="bench")
    vignettes.register_bench(bench)
    return p


def run(argv: list[str], capsys, graph=None) -> tuple[int, str, str]:
    args = parser().parse_args(argv)
    args.graph = graph  # the session's graph, so that a data file edited mid-run is not rebuilt per call
    rc = args.func(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_kg_stats_json(graph, capsys):
    rc, out, _ = run(["kg", "stats", "--json"], capsys, graph)
    st = json.loads(out)
    assert rc == 0 and set(st) == {"diseases", "findings", "edges", "curated_diseases", "sources"}
    assert st == graph.stats() and st["diseases"] >= 12_000


def test_kg_rank_json_and_text(graph, capsys):
    rc, out, _ = run(["kg", "rank", "severe", "headache", "with", "neck", "stiffness", "and", "fever", "--top", "4",
                      "--json"], capsys, graph)
    rows = json.loads(out)
    assert rc == 0 and len(rows) == 4
    assert {"name", "icd10", "score", "evidence", "text"} <= set(rows[0])
    assert rows[0]["score"] >= rows[-1]["score"] and rows[0]["evidence"]
    assert any(r["text"] > 0 for r in rows)  # the case's wording lifts diseases whose findings share it
    rc, out, _ = run(["kg", "rank", "fever and cough"], capsys, graph)
    assert rc == 0 and out.startswith("findings: Fever (present), Cough (present)")


def test_kg_ask_and_find(graph, capsys):
    rc, out, _ = run(["kg", "ask", "crushing chest pain", "--json"], capsys, graph)
    qs = json.loads(out)
    assert rc == 0 and qs and all(q["text"].endswith("?") for q in qs)
    assert "HP:0100749" not in [q["finding_id"] for q in qs]
    rc, out, _ = run(["kg", "find", "chest pain"], capsys, graph)
    assert rc == 0 and "HPO  HP:0100749  Chest pain" in out


def test_empty_text_is_a_clear_error(graph, capsys):
    with pytest.raises(ValueError, match="give the case as free text"):
        run(["kg", "rank", " "], capsys, graph)


def test_vignette_loader_reports_malformed_rows(tmp_path):
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER
                   + '"A 30-year-old with fever and cough",Pneumonia,Migraine,Gout,Asthma,Pneumonia,x,y,1\n'
                   + '"",A,B,C,D,A,x,y,2\n'
                   + '"Two\nline vignette",A,B,C,D,,x,y,3\n'
                   + '"too short",A,B\n')
    vs, problems = vignettes.load_vignettes(csv)
    assert [v.line for v in vs] == [2]
    assert problems == ["line 3: empty case_vignette", "line 4: empty answer", "line 6: wrong number of columns"]
    with pytest.raises(vignettes.VignetteError, match="missing columns"):
        bad = tmp_path / "bad.csv"
        bad.write_text("a,b\n1,2\n")
        vignettes.load_vignettes(bad)


def test_bench_vignettes_both_modes(graph, tmp_path, capsys):
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER
                   + '"A 25-year-old woman has severe headache, neck stiffness, fever and photophobia.",'
                     'Bacterial meningitis,Gout,Carpal tunnel syndrome,Zzz unknown disease,Bacterial meningitis,N,t,1\n'
                   + '"A man with crushing chest pain and sweating.",Gout,Zzz unknown disease,'
                     'ST-elevation myocardial infarction,Migraine,ST-elevation myocardial infarction,C,t,2\n'
                   + '"no text",A,B,C,D,,x,y,3\n')
    rc, out, err = run(["bench", "vignettes", str(csv), "--mode", "mcq", "--json"], capsys, graph)
    res = json.loads(out)
    assert rc == 0 and res["n"] == 2 and 0 <= res["accuracy"] <= 1
    assert "line 4: empty answer" in err
    rc, out, _ = run(["bench", "vignettes", str(csv), "--mode", "free", "--json", "--limit", "2"], capsys, graph)
    res = json.loads(out)
    assert rc == 0 and set(res) == {"n", "top1", "top3", "top10", "coverage"} and res["n"] == 2
    assert res["top1"] <= res["top3"] <= res["top10"] <= res["coverage"]


def test_halves_split_the_rows(tmp_path):
    rows = "".join(f'"case {i} with fever",A,B,C,D,A,x,y,{i}\n' for i in range(40))
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER + rows)
    vs, _ = vignettes.load_vignettes(csv)
    tune, test = vignettes.select(vs, "tune"), vignettes.select(vs, "test")
    assert len(tune) + len(test) == 40 and tune and test
    assert not {v.line for v in tune} & {v.line for v in test}
    assert len(vignettes.select(vs, "all", limit=5)) == 5


def test_kg_coverage_lists_unnamed_answers_and_choices(graph, tmp_path, capsys):
    csv = tmp_path / "v.csv"
    csv.write_text(HEADER
                   + '"A woman with fever and cough.",Community-acquired pneumonia,Zzqx unknownosis,Gout,'
                     'Serum zzqx level,Community-acquired pneumonia,Respiratory,t,1\n'
                   + '"A man with chest pain.",Gout,Migraine,Serum zzqx level,Zzqx unknownosis,Zzqx unknownosis,'
                     'Cardiology,t,2\n')
    rc, out, _ = run(["kg", "coverage", str(csv), "--json"], capsys, graph)
    rep = json.loads(out)
    assert rc == 0 and rep["vignettes"] == 2 and rep["answers_named"] == 0.5 and rep["choices_named"] == 0.5
    by_cat = {c["category"]: c for c in rep["categories"]}
    assert [u["name"] for u in by_cat["Cardiology"]["answers_unnamed"]] == ["Zzqx unknownosis"]
    assert by_cat["Respiratory"]["answers_unnamed"] == []
    kinds = {u["name"]: u["kind"] for c in rep["categories"] for u in c["choices_unnamed"]}
    assert kinds == {"Zzqx unknownosis": "diagnosis", "Serum zzqx level": "test"}
    rc, out, _ = run(["kg", "coverage", str(csv)], capsys, graph)
    assert rc == 0 and "## Cardiology: 1/1 answers" in out


def test_mcq_unnamed_choice_is_not_automatically_last(graph):
    """An unnamed choice beats a named one the case argues against, and loses to one it supports."""
    st = commands.case_from_text(graph, "A 25-year-old woman with severe headache, neck stiffness, fever and photophobia")
    specs = [vignettes.choice_spec(graph, c) for c in ("Bacterial meningitis", "Gout", "Zzqx unknownosis")]
    assert specs[2].ids == [] and specs[0].ids and specs[1].ids
    sc = vignettes.choice_scores(graph, st, specs)
    assert sc[0] > sc[2] > sc[1], sc
