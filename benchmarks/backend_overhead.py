"""Backend overhead: raw llama-cpp-python vs meddiag's ``LlamaCppClient`` on the same prompts.

"raw" is a pristine ``llama_cpp.Llama`` called directly (``create_chat_completion``);
"ours" is the client's ``create`` / ``create_stream`` (worker thread, asyncio hand-off,
lazy grammar sampler). Both load the same GGUF with the same n_ctx and n_threads, get the
same messages, decode greedily with the same token budget, and have their KV cache reset
before every call, so neither profits from a cached prompt prefix. Each raw call is paired
with our call on the same prompt, back to back in alternating order, and the ratio is the
median of the per-pair ratios (robust to the machine's load drifting during the run);
tokens are counted the same way for every path (the completion text re-tokenized). Three modes: free text (create), streaming (stream), and
JSON-schema-constrained output (schema: raw ``response_format`` vs ``json_output=Model``).

Two rates are printed per path: tokens per wall-clock second (what a user sees) and tokens
per CPU-second of this process (robust when other programs share the machine). The ratio
ours/raw (median of paired ratios) is the goal metric: >= 0.95 means our client is
within 5% of raw.

    .venv/bin/python benchmarks/backend_overhead.py [--model local|gguf:PATH] [--rounds 5] [--max-tokens 48] [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autogen_core.models import SystemMessage, UserMessage  # noqa: E402
from llama_cpp import Llama  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

from meddiag.models import LlamaCppClient, load_model  # noqa: E402

SYSTEM = "You are a careful doctor. Answer in full sentences."
PROMPTS = [
    "Explain the common causes of a chronic cough in adults.",
    "Describe how you would assess a patient with sudden chest pain.",
    "What questions would you ask a patient with a severe headache?",
    "List the warning signs of sepsis and explain each one.",
]
MODES = ("create", "stream", "schema")


class NextQuestion(BaseModel):
    question: str = Field(max_length=120)
    reason: str = Field(max_length=120)


def raw_call(llama: Llama, prompt: str, max_tokens: int, mode: str) -> str:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
    args: dict[str, Any] = dict(messages=messages, max_tokens=max_tokens, temperature=0.0, seed=1)
    if mode == "stream":
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in llama.create_chat_completion(stream=True, **args))
    if mode == "schema":
        args["response_format"] = {"type": "json_object", "schema": NextQuestion.model_json_schema()}
    return llama.create_chat_completion(**args)["choices"][0]["message"]["content"] or ""


async def ours_call(client: LlamaCppClient, prompt: str, max_tokens: int, mode: str) -> str:
    messages = [SystemMessage(content=SYSTEM), UserMessage(content=prompt, source="user")]
    extra = {"max_tokens": max_tokens, "temperature": 0.0, "seed": 1}
    if mode == "stream":
        result = None
        async for item in client.create_stream(messages, extra_create_args=extra):
            result = item
        return result.content  # type: ignore[union-attr,return-value]
    json_output = NextQuestion if mode == "schema" else None
    return (await client.create(messages, json_output=json_output, extra_create_args=extra)).content  # type: ignore[return-value]


def orchestrator_overhead(rounds: int = 3) -> dict[str, float] | None:
    """Milliseconds per doctor turn of the orchestrator itself: a consultation with no model.

    Each bundled scenario is played by the simulated patient on the scripted (model-free)
    backend; the first pass warms caches and is not counted. What is timed is everything a
    turn does besides the model: extraction, ranking, next question, red-flag screen,
    critic review, events.
    """
    from meddiag.knowledge.umls_graph import load_graph
    from meddiag.models import ScriptedClient
    from meddiag.orchestrator import Consultation, ConsultationConfig
    from meddiag.simulation.case import bundled_scenarios, load_scenario
    from meddiag.simulation.patient import SimulatedPatient

    graph = load_graph()
    cases = [load_scenario(n) for n in bundled_scenarios()]

    async def play(case) -> tuple[float, int]:
        consultation = Consultation(ConsultationConfig(max_turns=12, stop_on_emergency=False),
                                    model=ScriptedClient(), graph=graph)
        start = time.perf_counter()
        turns = 0
        async for event in consultation.run(SimulatedPatient(case, graph)):
            turns += event.type == "utterance" and event.turn.role == "doctor"
        return time.perf_counter() - start, turns

    per_turn: list[float] = []
    for r in range(rounds + 1):
        for case in cases:
            seconds, turns = asyncio.run(play(case))
            if r:
                per_turn.append(1000 * seconds / max(turns, 1))
    return {"ms_per_turn": statistics.median(per_turn), "ms_per_turn_max": max(per_turn)}


def main() -> int:
    parser = argparse.ArgumentParser(description="tokens/s of raw llama-cpp-python vs meddiag's client")
    parser.add_argument("--model", default="local", help="local or gguf:PATH")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads (default: all cores)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    client = load_model(args.model, n_threads=args.threads, n_ctx=2048)
    if not isinstance(client, LlamaCppClient):
        print("this benchmark needs a llama.cpp model spec (local or gguf:PATH)", file=sys.stderr)
        return 2
    threads = client.llama.n_threads
    raw = Llama(model_path=client.model_path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    loop = asyncio.new_event_loop()
    paths: dict[str, tuple[Llama, Callable[[str], str]]] = {}
    for mode in MODES:
        paths[f"raw {mode}"] = (raw, lambda p, m=mode: raw_call(raw, p, args.max_tokens, m))
        paths[f"ours {mode}"] = (client.llama, lambda p, m=mode: loop.run_until_complete(ours_call(client, p, args.max_tokens, m)))

    names = list(paths)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    pairs: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}  # (wall, cpu) ratios ours/raw per pair

    def measure(name: str, prompt: str) -> tuple[float, float]:
        llama, call = paths[name]
        llama.reset()
        w0, c0 = time.perf_counter(), time.process_time()
        text = call(prompt)
        dw, dc = time.perf_counter() - w0, time.process_time() - c0
        n = len(llama.tokenize(text.encode(), add_bos=False, special=True))
        wall[name].append(n / dw)
        cpu[name].append(n / dc)
        return n / dw, n / dc

    for name in names:  # warm-up: template compile, grammar compile, first decode
        paths[name][1](PROMPTS[0])
    for r in range(args.rounds):
        for i, prompt in enumerate(PROMPTS):
            for mode in MODES:  # a raw call and our call back to back, in alternating order
                first, second = (f"raw {mode}", f"ours {mode}") if (r + i) % 2 == 0 else (f"ours {mode}", f"raw {mode}")
                a, b = measure(first, prompt), measure(second, prompt)
                ours, raw_ = (b, a) if first.startswith("raw") else (a, b)
                pairs[mode].append((ours[0] / raw_[0], ours[1] / raw_[1]))
    loop.close()

    med_wall = {n: statistics.median(v) for n, v in wall.items()}
    med_cpu = {n: statistics.median(v) for n, v in cpu.items()}
    ratio = {m: (statistics.median(w for w, _ in pairs[m]), statistics.median(c for _, c in pairs[m])) for m in MODES}
    orch = orchestrator_overhead()
    if args.json:
        print(json.dumps({"model": args.model, "threads": threads, "rounds": args.rounds, "max_tokens": args.max_tokens,
                          "tokens_per_wall_s": med_wall, "tokens_per_cpu_s": med_cpu,
                          "ratio_ours_over_raw": {m: {"wall": w, "cpu": c} for m, (w, c) in ratio.items()},
                          "orchestrator": orch}))
        return 0
    print(f"{client.model_name} ({args.model}), {threads} thread(s), {args.rounds} rounds x {len(PROMPTS)} prompts, "
          f"max_tokens {args.max_tokens}, greedy")
    print(f"{'mode':<8}{'raw tok/s':>11}{'ours tok/s':>12}{'ours/raw':>10}{'raw tok/cpu-s':>15}{'ours tok/cpu-s':>16}{'ours/raw':>10}")
    for m in MODES:
        w, c = ratio[m]
        print(f"{m:<8}{med_wall[f'raw {m}']:>11.1f}{med_wall[f'ours {m}']:>12.1f}{w:>10.3f}"
              f"{med_cpu[f'raw {m}']:>15.1f}{med_cpu[f'ours {m}']:>16.1f}{c:>10.3f}")
    print("orchestrator: " + ("n/a (see orchestrator_overhead)" if orch is None else f"{orch['ms_per_turn']:.1f} ms/turn"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
