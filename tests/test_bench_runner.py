"""`meddiag bench agentclinic` and `bench report`: JSON shape, run folders, kill-and-resume, teams."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from meddiag.models import ScriptedClient
from meddiag.schema import EventAdapter, Finished, TestResult
from meddiag.simulation.agentclinic import load_agentclinic
from meddiag.simulation.report import write_report
from meddiag.simulation.runner import RESULTS, BenchConfig, CaseResult, RunError, prepare, read_results, run_case
from meddiag.simulation.single_doctor import SingleDoctor, parse_diagnoses
from meddiag.simulation.patient import SimulatedPatient

from shared_data import AGENTCLINIC  # noqa: E402
pytestmark = pytest.mark.skipif(not AGENTCLINIC.exists(), reason="shared benchmark files not present")
KEYS = {"n", "top1", "top3", "top10", "mean_turns", "mean_tests", "tests_ordered", "tokens", "seconds"}


def meddiag(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "meddiag.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ})


def _stable(results: list[CaseResult]) -> list[dict]:
    return [r.model_dump(exclude={"seconds"}) for r in results]


@pytest.fixture(scope="module")
def cases():
    return load_agentclinic(AGENTCLINIC)[0]


def _check_run_folder(summary: dict, out: Path, n: int) -> None:
    """The --json summary's shape and the run folder's files agree with each other."""
    assert KEYS <= set(summary) and list(summary)[:len(KEYS)] == ["n", "top1", "top3", "top10", "mean_turns",
                                                                    "mean_tests", "tests_ordered", "tokens", "seconds"]
    assert summary["n"] == n and summary["ran"] == n and summary["team"] == "kg" and summary["tokens"] == 0
    assert 0 <= summary["top1"] <= summary["top3"] <= summary["top10"] <= 1 and summary["mean_turns"] >= 2
    results = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    assert len(results) == n and summary["tests_ordered"] == sum(r["tests_ordered"] for r in results)
    assert summary["top10"] == round(sum(r["top10"] for r in results) / n, 4)
    for r in results:
        turns = [json.loads(line) for line in (out / r["transcript"]).read_text().splitlines()]
        assert turns[0]["role"] == "doctor" and any(t["role"] == "patient" for t in turns)
        assert sum(t["role"] == "examiner" for t in turns) == r["tests_ordered"] + 1  # + the general examination
        trace = (out / "traces" / Path(r["transcript"]).name).read_text().splitlines()
        events = [EventAdapter.validate_json(line) for line in trace]
        assert isinstance(events[-1], Finished) and events[-1].turns == r["turns"]
    assert json.loads((out / "run.json").read_text())["team"] == "kg"


def test_a_killed_run_resumes_with_only_the_remaining_cases_and_the_same_results(tmp_path: Path, cases):
    limit, seed = 6, 11
    out, reference = tmp_path / "killed", tmp_path / "reference"
    args = [sys.executable, "-m", "meddiag.cli", "bench", "agentclinic", str(AGENTCLINIC), "--team", "kg",
            "--limit", str(limit), "--seed", str(seed), "--out", str(out), "--json"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    results = out / RESULTS
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if results.exists() and results.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    before = read_results(results)
    assert 1 <= len(before) < limit

    again = meddiag(*args[3:])
    assert again.returncode == 0, again.stderr
    uninterrupted = meddiag(*args[3:-2], str(reference), "--json")  # the same settings, never killed
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    _check_run_folder(json.loads(uninterrupted.stdout), reference, limit)
    summary = json.loads(again.stdout)
    assert summary["n"] == limit and summary["ran"] == limit - len(before)
    after = read_results(results)
    order = [c.id for c in cases[:limit]]
    assert len(results.read_text().splitlines()) == limit  # nothing was run twice
    assert _stable([after[i] for i in order]) == _stable([read_results(reference / RESULTS)[i] for i in order])
    for i in order:
        name = f"{i}.jsonl"
        assert (out / "transcripts" / name).read_text() == (reference / "transcripts" / name).read_text()
    ref = json.loads((reference / "summary.json").read_text())
    assert {k: summary[k] for k in ("top1", "top3", "top10", "mean_turns", "tests_ordered")} == \
        {k: ref[k] for k in ("top1", "top3", "top10", "mean_turns", "tests_ordered")}

    # a report over both runs: metrics, plots, comparison and working transcript links
    md, page = write_report([reference, out], tmp_path / "report")
    text = md.read_text()
    assert "| reference | kg | scripted |" in text and "| killed | kg | scripted |" in text
    assert "Accuracy by specialty" in text and "Accuracy against doctor turns" in text and "reference** vs" in text
    html = page.read_text()
    assert html.count("<svg") == 4 and "report" not in [p.name for p in out.iterdir()]
    for link in [part.split(")")[0] for part in text.split("](")[1:]]:
        assert (md.parent / link).is_file(), link


def test_a_torn_last_line_is_dropped_and_other_settings_are_refused(tmp_path: Path):
    path = tmp_path / RESULTS
    good = CaseResult(case_id="a", diagnosis="Flu").model_dump_json()
    path.write_text(good + "\n" + good.replace('"a"', '"b"')[:30])
    assert list(read_results(path)) == ["a"] and path.read_text() == good + "\n"
    out = tmp_path / "run"
    config = BenchConfig(dataset="x", seed=1)
    prepare(out, config)
    with pytest.raises(RunError, match=r"other settings \(seed\)"):
        prepare(out, config.model_copy(update={"seed": 5}))
    prepare(out, config.model_copy(update={"concurrency": 4, "limit": 3}))  # these may change on resume


@pytest.mark.parametrize("args,needle", [
    (["--model", "gpt5"], "model spec"),
    (["--team", "single", "--model", "scripted"], "needs a language model"),
    (["--limit", "0"], "--limit"),
    (["--concurrency", "0"], "--concurrency"),
])
def test_bad_input_gives_one_line(tmp_path: Path, capsys, args, needle):
    from meddiag.cli import main

    assert main(["bench", "agentclinic", str(AGENTCLINIC), "--out", str(tmp_path / "r"), *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err and "Traceback" not in err


def test_a_missing_dataset_and_a_non_run_folder_give_one_line(tmp_path: Path, capsys):
    from meddiag.cli import main

    assert main(["bench", "agentclinic", str(tmp_path / "none.jsonl")]) == 2
    assert main(["bench", "report", str(tmp_path)]) == 2
    first, second = capsys.readouterr().err.strip().splitlines()
    assert "not found" in first and "not a benchmark run folder" in second


def test_the_single_doctor_asks_orders_tests_and_diagnoses(cases, graph):
    assert parse_diagnoses("Okay.\nDIAGNOSIS READY: 1. Myasthenia gravis; 2. Lambert-Eaton syndrome") == \
        ["Myasthenia gravis", "Lambert-Eaton syndrome"]
    script = ["Do you have double vision?", "REQUEST TEST: acetylcholine receptor antibodies",
              "DIAGNOSIS READY: Myasthenia gravis; Lambert-Eaton myasthenic syndrome; Botulism"]
    patient = SimulatedPatient(cases[0], graph)
    doctor = SingleDoctor(ScriptedClient(script), graph, objective=cases[0].objective, model_name="scripted")

    async def go():
        return [e async for e in doctor.run(patient)]

    events = asyncio.run(go())
    tests = [e for e in events if isinstance(e, TestResult)]
    assert len(tests) == 1 and "Present (elevated)" in tests[0].result
    done = events[-1]
    assert isinstance(done, Finished) and done.final_diagnosis == "Myasthenia gravis" and done.turns == 2
    assert [h.name for h in done.differential.hypotheses][1] == "Lambert-Eaton myasthenic syndrome"


def test_the_single_team_through_the_runner_is_scored(tmp_path: Path, cases, graph):
    config = BenchConfig(dataset="x", team="single", model="scripted", max_turns=2)
    script = ["What brings you in?", "Any weakness?", "DIAGNOSIS READY: myasthenia; migraine"]
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "traces").mkdir()
    result = asyncio.run(run_case(cases[0], config, graph, ScriptedClient(script), tmp_path))
    assert result.top1 and result.rank == 1 and result.turns == 3 and result.error is None
    assert result.predicted == ["myasthenia", "migraine"]
