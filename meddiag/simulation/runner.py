"""The benchmark runner: many simulated consultations, concurrently, scored, traced, resumable.

``run_bench(cases, config, graph=, model=, out=)`` plays every case with the chosen team
(``full``: the Consultation on the model; ``kg``: the Consultation with no model;
``single``: :class:`~meddiag.simulation.single_doctor.SingleDoctor`; every team is told the
case's objective, as AgentClinic's doctor is), at most
``config.concurrency`` at a time, sharing one graph and one model client. A run folder holds

- ``run.json`` — the settings; a resumed run must use the same ones;
- ``results.jsonl`` — one :class:`CaseResult` per finished case, appended and fsync'd as each
  case ends (only after its transcript and trace are on disk); a run started again with the
  same folder skips the cases already there, and a torn last line from a kill is dropped;
- ``transcripts/<case>.jsonl`` — the turns and examiner results, one JSON object a line;
- ``traces/<case>.jsonl`` — every event of the consultation (streamed tokens left out);
- ``summary.json`` — the :class:`Summary` of the cases selected.

Runs are reproducible: the knowledge-graph path is deterministic, each patient's random
choices (biases) come from ``(seed, case id)`` and never from the order cases finish in,
and model runs are sampled with the seed at temperature 0.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Awaitable, Callable, Literal

from pydantic import BaseModel, Field

from meddiag.schema import Finished, TestResult, TokenDelta, Utterance
from meddiag.simulation.case import Case
from meddiag.simulation.judge import Judge
from meddiag.simulation.patient import SimulatedPatient

Team = Literal["full", "single", "kg"]
TEAMS: tuple[str, ...] = ("full", "single", "kg")
RESULTS = "results.jsonl"


class RunError(ValueError):
    """A run folder cannot be used (e.g. it holds a run with other settings)."""


class BenchConfig(BaseModel):
    dataset: str
    model: str = "scripted"
    team: Team = "kg"
    seed: int = 0
    max_turns: int = Field(9, ge=1, le=200)  # with the greeting, background, examination, tests: 20 doctor turns
    max_tests: int = Field(5, ge=0, le=50)
    patient_biases: list[str] = Field(default_factory=list)
    doctor_biases: list[str] = Field(default_factory=list)
    patient_model: bool = False  # phrase the patient's answers with the model too
    llm_judge: bool = False
    model_timeout: float = Field(300.0, gt=0)  # seconds one model call may take
    concurrency: int = Field(1, ge=1, le=64)
    limit: int | None = Field(None, ge=1)

    def identity(self) -> dict:
        """The settings that decide results; a resumed run must match them."""
        return self.model_dump(exclude={"concurrency", "limit"})


class CaseResult(BaseModel):
    case_id: str
    line: int | None = None
    diagnosis: str
    specialty: str = ""
    predicted: list[str] = Field(default_factory=list)  # the top-10 names, best first
    rank: int | None = None  # 1-based rank of the first match, None when not in the top 10
    judged_by: str = ""  # "graph" or "llm"
    top1: bool = False
    top3: bool = False
    top10: bool = False
    turns: int = 0  # doctor utterances
    tests_ordered: int = 0
    tokens: int = 0  # doctor team + patient + judge
    seconds: float = 0.0
    reason: str = ""
    error: str | None = None
    transcript: str = ""  # path relative to the run folder


class Summary(BaseModel):
    n: int
    top1: float
    top3: float
    top10: float
    mean_turns: float
    mean_tests: float
    tests_ordered: int
    tokens: int
    seconds: float  # the consultations' own time, summed
    wall_seconds: float = 0.0  # this invocation, from start to end
    errors: int = 0
    team: str = ""
    model: str = ""
    seed: int = 0
    dataset: str = ""
    out: str = ""
    ran: int = 0  # cases run by this invocation (the rest came from an earlier one)


def summarise(results: list[CaseResult], config: BenchConfig, out: Path, wall: float = 0.0, ran: int = 0) -> Summary:
    n = len(results)

    def mean(xs) -> float:
        return round(sum(xs) / n, 4) if n else 0.0

    return Summary(n=n, top1=mean(r.top1 for r in results), top3=mean(r.top3 for r in results),
                   top10=mean(r.top10 for r in results), mean_turns=mean(r.turns for r in results),
                   mean_tests=mean(r.tests_ordered for r in results),
                   tests_ordered=sum(r.tests_ordered for r in results), tokens=sum(r.tokens for r in results),
                   seconds=round(sum(r.seconds for r in results), 3), wall_seconds=round(wall, 3),
                   errors=sum(r.error is not None for r in results), team=config.team, model=config.model,
                   seed=config.seed, dataset=config.dataset, out=str(out), ran=ran)


def read_results(path: Path) -> dict[str, CaseResult]:
    """Finished cases in a results file; a torn last line (from a kill) is cut off the file."""
    if not path.exists():
        return {}
    data = path.read_bytes()
    keep = data.rsplit(b"\n", 1)[0] + b"\n" if not data.endswith(b"\n") and b"\n" in data else (
        data if data.endswith(b"\n") else b"")
    if keep != data:
        with path.open("r+b") as fh:
            fh.truncate(len(keep))
    done: dict[str, CaseResult] = {}
    for raw in keep.decode("utf-8").splitlines():
        if raw.strip():
            r = CaseResult.model_validate_json(raw)
            done[r.case_id] = r
    return done


def prepare(out: Path, config: BenchConfig) -> dict[str, CaseResult]:
    """Create or reopen a run folder; the finished results in it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "transcripts").mkdir(exist_ok=True)
    (out / "traces").mkdir(exist_ok=True)
    manifest = out / "run.json"
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            raise RunError(f"{manifest} is not valid JSON; use a new --out folder") from None
        if old != config.identity():
            diff = sorted(k for k in set(old) | set(config.identity()) if old.get(k) != config.identity().get(k))
            raise RunError(f"{out} holds a run with other settings ({', '.join(diff)}); use a new --out folder")
    else:
        _write(manifest, json.dumps(config.identity(), indent=1) + "\n")
    return read_results(out / RESULTS)


def _write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _safe(case_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in case_id)


def _events(case: Case, patient: SimulatedPatient, config: BenchConfig, graph, model):
    if config.team == "single":
        from meddiag.simulation.single_doctor import SingleDoctor

        doctor = SingleDoctor(model, graph, objective=case.objective, max_questions=config.max_turns,
                              max_tests=config.max_tests, biases=tuple(config.doctor_biases), model_name=config.model,
                              timeout=config.model_timeout)
        return doctor.run(patient)
    from meddiag.models import ScriptedClient
    from meddiag.orchestrator import Consultation, ConsultationConfig

    full = config.team == "full"
    cc = ConsultationConfig(model=config.model if full else "scripted", max_turns=config.max_turns,
                            max_tests=config.max_tests, stop_on_emergency=False, model_timeout=config.model_timeout)
    return Consultation(cc, model=model if full else ScriptedClient(), graph=graph).run(patient, brief=case.objective)


def _specialty(case: Case, graph) -> str:
    if case.specialty:
        return case.specialty
    from meddiag.simulation.judge import disease_id

    did = disease_id(case.diagnosis, graph)
    return (graph.disease_info(did).specialty if did else "") or "unknown"


async def run_case(case: Case, config: BenchConfig, graph, model, out: Path) -> CaseResult:
    """Play one case, write its transcript and trace, and score it."""
    started = time.perf_counter()
    use_model = model if config.team != "kg" else None
    patient = SimulatedPatient(case, graph, model=use_model if config.patient_model else None,
                               biases=config.patient_biases, seed=config.seed, timeout=config.model_timeout)
    judge = Judge(graph, use_model if config.llm_judge else None, timeout=config.model_timeout)
    name = _safe(case.id)
    trace, transcript = [], []
    finished: Finished | None = None
    error = None
    try:
        async for event in _events(case, patient, config, graph, use_model):
            if isinstance(event, TokenDelta):
                continue
            trace.append(event.model_dump_json())
            if isinstance(event, Utterance):
                transcript.append(json.dumps({"role": event.turn.role, "text": event.turn.text}))
            elif isinstance(event, TestResult):
                transcript.append(json.dumps({"role": "examiner", "request": event.name, "text": event.result}))
            elif isinstance(event, Finished):
                finished = event
    except Exception as exc:  # one broken case must not end the run
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    hyps = finished.differential.top(10) if finished else []
    rank, how = await judge.rank([(h.disease_id, h.name) for h in hyps], case.diagnosis) if hyps else (None, "")
    _write(out / "transcripts" / f"{name}.jsonl", "".join(line + "\n" for line in transcript))
    _write(out / "traces" / f"{name}.jsonl", "".join(line + "\n" for line in trace))
    return CaseResult(case_id=case.id, line=case.line, diagnosis=case.diagnosis, specialty=_specialty(case, graph),
                      predicted=[h.name for h in hyps], rank=rank, judged_by=how,
                      top1=rank is not None and rank <= 1, top3=rank is not None and rank <= 3,
                      top10=rank is not None and rank <= 10, turns=finished.turns if finished else 0,
                      tests_ordered=patient.examiner.tests_ordered,
                      tokens=(finished.tokens if finished else 0) + patient.tokens + judge.tokens,
                      seconds=round(time.perf_counter() - started, 3),
                      reason=finished.reason if finished else "error", error=error,
                      transcript=f"transcripts/{name}.jsonl")


async def run_bench(cases: list[Case], config: BenchConfig, *, graph, model, out: Path,
                    on_case: Callable[[CaseResult], Awaitable[None] | None] | None = None) -> Summary:
    """Run the cases not yet in ``out`` and return the summary over all of ``cases``."""
    started = time.perf_counter()
    cases = cases[:config.limit] if config.limit else cases
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise RunError("case ids are not unique in this dataset")
    done = prepare(out, config)
    todo = [c for c in cases if c.id not in done]
    gate = asyncio.Semaphore(config.concurrency)

    async def one(case: Case) -> None:
        async with gate:
            result = await run_case(case, config, graph, model, out)
        _append(out / RESULTS, result.model_dump_json())
        done[case.id] = result
        if on_case is not None:
            maybe = on_case(result)
            if asyncio.iscoroutine(maybe):
                await maybe

    await asyncio.gather(*(one(c) for c in todo))
    results = [done[i] for i in ids]
    summary = summarise(results, config, out, time.perf_counter() - started, ran=len(todo))
    _write(out / "summary.json", summary.model_dump_json(indent=1) + "\n")
    return summary
