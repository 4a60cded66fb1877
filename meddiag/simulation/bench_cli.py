"""``meddiag bench agentclinic`` and ``meddiag bench report``: the runner and reports on the command line.

``bench agentclinic PATH`` plays the cases of an AgentClinic JSONL (or CRAFT-MD CSV, or
scenario YAML) file with a team and a model, shows a progress bar on stderr, writes a
run folder (default ``$MEDDIAG_HOME/runs/<run-id>``; the same ``--out`` resumes it) and
prints the summary (JSON with ``--json``). ``bench report DIR [DIR ...]`` writes
``report.md`` and ``report.html`` comparing the runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from pathlib import Path

from meddiag.simulation.runner import TEAMS, BenchConfig, RunError

SUMMARY_KEYS = ("n", "top1", "top3", "top10", "mean_turns", "mean_tests", "tests_ordered", "tokens", "seconds")


def _home() -> Path:
    return Path(os.environ.get("MEDDIAG_HOME") or Path.home() / ".meddiag").expanduser()


def default_out(config: BenchConfig) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", config.model).strip("-")[:40] or "model"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return _home() / "runs" / f"{Path(config.dataset).stem}-{config.team}-{slug}-s{config.seed}-{stamp}"


def register_bench(bench_sub) -> None:
    from meddiag.simulation.patient import BIASES
    from meddiag.simulation.single_doctor import DOCTOR_BIASES

    p = bench_sub.add_parser("agentclinic", help="simulated consultations on AgentClinic OSCE cases, scored")
    p.add_argument("path", help="AgentClinic JSONL (also: CRAFT-MD CSV, a scenario YAML or a folder of them)")
    p.add_argument("--model", default="scripted", help="model spec: local, gguf:PATH, openai:MODEL[@URL], scripted")
    p.add_argument("--team", choices=TEAMS, default="kg",
                   help="full: the multi-agent team; single: one LLM doctor; kg: knowledge graph only (no model)")
    p.add_argument("--limit", type=int, default=None, help="the first N cases only")
    p.add_argument("--concurrency", type=int, default=1, help="cases run at the same time (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed for the patient's choices and model sampling")
    p.add_argument("--out", default=None, help="run folder (default $MEDDIAG_HOME/runs/<run-id>); reuse it to resume")
    p.add_argument("--max-turns", type=int, default=9,
                   help="doctor questions at most (default 9: with the greeting, the 4 background questions, the "
                        "examination and 5 tests, AgentClinic's 20 doctor turns)")
    p.add_argument("--max-tests", type=int, default=5, help="investigations after the examination (default 5)")
    p.add_argument("--patient-bias", action="append", default=[], choices=sorted(BIASES), help="patient bias (repeatable)")
    p.add_argument("--doctor-bias", action="append", default=[], choices=sorted(DOCTOR_BIASES),
                   help="doctor bias for --team single (repeatable)")
    p.add_argument("--patient-model", action="store_true", help="let the model phrase the patient's answers too")
    p.add_argument("--llm-judge", action="store_true", help="ask the model when the graph cannot match a name")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for local models")
    p.add_argument("--model-timeout", type=float, default=300.0, help="seconds one model call may take (default 300)")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.set_defaults(func=cmd_agentclinic)

    r = bench_sub.add_parser("report", help="Markdown and HTML report over benchmark run folders")
    r.add_argument("runs", nargs="+", help="run folders written by `meddiag bench agentclinic`")
    r.add_argument("--out", default=None, help="folder for report.md and report.html (default: the first run)")
    r.add_argument("--json", action="store_true", help="print the report paths as JSON")
    r.set_defaults(func=cmd_report)


def _config(args) -> BenchConfig:
    if args.limit is not None and args.limit < 1:
        raise RunError("--limit must be a positive number")
    if args.concurrency < 1:
        raise RunError("--concurrency must be at least 1")
    if args.max_turns < 1:
        raise RunError("--max-turns must be at least 1")
    if args.max_tests < 0 or args.model_timeout <= 0:
        raise RunError("--max-tests must be 0 or more and --model-timeout positive")
    return BenchConfig(dataset=str(Path(args.path).resolve()), model=args.model, team=args.team, seed=args.seed,
                       max_turns=args.max_turns, max_tests=args.max_tests, patient_biases=args.patient_bias,
                       doctor_biases=args.doctor_bias, patient_model=args.patient_model, llm_judge=args.llm_judge,
                       model_timeout=args.model_timeout, concurrency=args.concurrency, limit=args.limit)


def _model(config: BenchConfig, threads: int | None):
    from meddiag.models import describe, is_model_free, load_model

    describe(config.model)  # a bad spec is a one-line error even for --team kg
    if config.team == "kg":
        return None
    model = load_model(config.model, n_threads=threads, seed=config.seed, temperature=0.0)
    if is_model_free(model) and config.team == "single":
        raise RunError("--team single needs a language model (e.g. --model local); 'scripted' has none")
    return model


def cmd_agentclinic(args) -> int:
    from meddiag.simulation.datasets import load_cases

    config = _config(args)
    cases, problems = load_cases(args.path)
    for problem in problems:
        print(f"skipped {problem}", file=sys.stderr)
    if not cases:
        raise RunError(f"{args.path}: no usable cases")
    model = _model(config, args.threads)
    from meddiag.knowledge.umls_graph import load_graph

    graph = load_graph()
    out = Path(args.out) if args.out else default_out(config)
    summary = asyncio.run(_run(cases, config, graph, model, out))
    if args.json:
        data = summary.model_dump()
        print(json.dumps({**{k: data[k] for k in SUMMARY_KEYS}, **data}))
    else:
        print(f"{summary.n} cases ({summary.ran} run now): top-1 {summary.top1:.1%}  top-3 {summary.top3:.1%}  "
              f"top-10 {summary.top10:.1%}  mean turns {summary.mean_turns:.1f}  tests {summary.tests_ordered}  "
              f"tokens {summary.tokens}  {summary.seconds:.1f} s")
        print(f"results in {out}")
    return 0


async def _run(cases, config: BenchConfig, graph, model, out: Path):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from meddiag.simulation.runner import prepare, run_bench

    total = len(cases[:config.limit] if config.limit else cases)
    done = prepare(out, config)
    chosen = {c.id for c in (cases[:config.limit] if config.limit else cases)}
    right = [sum(r.top1 for k, r in done.items() if k in chosen)]
    seen = [sum(k in chosen for k in done)]
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("top-1 {task.fields[acc]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                  console=console, transient=not console.is_terminal, disable=not console.is_terminal) as progress:
        task = progress.add_task(config.team, total=total, completed=seen[0],
                                 acc=f"{right[0] / seen[0]:.0%}" if seen[0] else "-")

        def advance(result) -> None:
            seen[0] += 1
            right[0] += result.top1
            progress.update(task, advance=1, acc=f"{right[0] / seen[0]:.0%}")

        return await run_bench(cases, config, graph=graph, model=model, out=out, on_case=advance)


def cmd_report(args) -> int:
    from meddiag.simulation.report import write_report

    md, page = write_report(args.runs, args.out)
    if args.json:
        print(json.dumps({"markdown": str(md), "html": str(page)}))
    else:
        print(f"wrote {md} and {page}")
    return 0
