"""``meddiag simulate``: a bundled scenario played by a simulated patient, streamed to the terminal."""

from __future__ import annotations

import asyncio
import json
import sys

from meddiag.schema import Fallback, Finished, RedFlagRaised, TestResult, Utterance


def register(sub) -> None:
    p = sub.add_parser("simulate", help="run a simulated consultation on a scenario")
    p.add_argument("--scenario", required=True, help="bundled scenario name or path to a scenario YAML")
    p.add_argument("--model", default="local", help="model spec: local, gguf:PATH, openai:MODEL[@URL], scripted")
    p.add_argument("--max-turns", type=int, default=12, help="history questions at most (default 12)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for local models (default: all cores but one)")
    p.add_argument("--json", action="store_true", help="print one JSON result object at the end")
    p.add_argument("--summary", metavar="PATH", help="write the SOAP note (PATH.md) and FHIR R4 bundle (PATH.fhir.json)")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.max_turns < 1:
        raise ValueError("--max-turns must be at least 1")
    return asyncio.run(_simulate(args))


async def _simulate(args) -> int:
    from meddiag.knowledge.umls_graph import load_graph
    from meddiag.models import load_model
    from meddiag.orchestrator import Consultation, ConsultationConfig
    from meddiag.simulation.case import load_scenario
    from meddiag.simulation.judge import matches
    from meddiag.simulation.patient import SimulatedPatient

    case = load_scenario(args.scenario)
    model = load_model(args.model, n_threads=args.threads)
    graph = load_graph()
    config = ConsultationConfig(model=args.model, max_turns=args.max_turns, stop_on_emergency=False)
    consultation = Consultation(config, model=model, graph=graph)
    patient = SimulatedPatient(case, graph)
    out = sys.stdout
    if not args.json:
        print(f"# {case.title or case.id}  (model: {args.model})", file=out)
        if case.objective:
            print(f"# {case.objective}\n", file=out)
    finished: Finished | None = None
    warned = False
    async for event in consultation.run(patient, brief=case.objective):
        if isinstance(event, Finished):
            finished = event
        elif isinstance(event, Fallback) and event.kind == "error" and not warned:
            warned = True
            print(f"meddiag: {event.agent}: {event.reason}; falling back to the knowledge graph", file=sys.stderr)
        elif args.json:
            continue
        elif isinstance(event, Utterance):
            who = {"doctor": "Doctor", "patient": "Patient"}.get(event.turn.role, event.turn.role.title())
            print(f"{who}: {event.turn.text}", file=out, flush=True)
        elif isinstance(event, RedFlagRaised):
            print(f"  !! {event.flag.level.upper()} red flag: {event.flag.rule}", file=out, flush=True)
        elif isinstance(event, TestResult):
            print(f"Examiner: {event.result}", file=out, flush=True)
    assert finished is not None
    tests = [name for _, name, _ in graph.suggest_tests(consultation.state, top=3)]
    if args.summary:
        from meddiag.tools.summary import write_summary

        write_summary(args.summary, consultation.state, finished.differential, consultation.transcript,
                      consultation.flags, tests=tests)
    top = finished.differential.top(10)
    workup, treatment = graph.plan(top[0].disease_id) if top else ([], [])
    correct = bool(finished.final_diagnosis) and matches(finished.final_diagnosis or "", case.diagnosis, graph)
    if args.json:
        print(json.dumps({
            "scenario": case.id, "model": args.model, "turns": finished.turns,
            "differential": [{"name": h.name, "icd10": h.icd10, "probability": round(h.probability, 4)} for h in top],
            "final_diagnosis": finished.final_diagnosis, "correct": correct, "suggested_tests": tests,
            "leading_workup": workup, "leading_treatment": treatment,
            "seconds": finished.seconds, "tokens": finished.tokens,
        }))
        return 0
    print("\nDifferential:", file=out)
    for i, h in enumerate(top[:5], 1):
        print(f"  {i}. {h.name} [{h.icd10 or '-'}] p={h.probability:.2f} — {h.reason}", file=out)
    if tests:
        print(f"Investigations to consider: {', '.join(tests)}", file=out)
    if workup or treatment:
        print(f"For {top[0].name}: work-up {'; '.join(workup) or '-'}; first-line treatment "
              f"{'; '.join(treatment) or '-'}", file=out)
    print(f"\nAnswer: {case.diagnosis} — {'matched' if correct else 'not matched'} by the top diagnosis; "
          f"{finished.turns} doctor turns, {finished.tokens} tokens, {finished.seconds:.1f} s ({finished.reason}).", file=out)
    return 0
