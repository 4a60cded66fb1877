"""Backend overhead: raw llama-cpp-python vs meddiag's ``LlamaCppClient`` on the same prompts.

Both sides use the same shared ``Llama`` instance, the same messages, greedy decoding and
the same token budget. Runs are interleaved (the order rotates every round) and the KV
cache is reset before every call, so neither side profits from the other's prompt
prefix. Tokens are counted the same way for all four paths (the completion text
re-tokenized). Prints median tokens/s per path and the ratio ours/raw (goal: >= 0.95).

    .venv/bin/python benchmarks/backend_overhead.py [--model local|gguf:PATH] [--rounds 5] [--max-tokens 64] [--json]
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

from meddiag.models import LlamaCppClient, load_model  # noqa: E402
from meddiag.models.messages import to_openai_messages  # noqa: E402

SYSTEM = "You are a careful doctor. Answer in full sentences."
PROMPTS = [
    "Explain the common causes of a chronic cough in adults.",
    "Describe how you would assess a patient with sudden chest pain.",
    "What questions would you ask a patient with a severe headache?",
    "List the warning signs of sepsis and explain each one.",
]


def raw_call(client: LlamaCppClient, messages: list[dict[str, Any]], max_tokens: int, stream: bool) -> str:
    llama = client.llama
    args = dict(messages=messages, max_tokens=max_tokens, temperature=0.0, seed=1)
    if stream:
        return "".join(c["choices"][0]["delta"].get("content") or "" for c in llama.create_chat_completion(stream=True, **args))
    return llama.create_chat_completion(**args)["choices"][0]["message"]["content"] or ""


async def ours_call(client: LlamaCppClient, messages: list[Any], max_tokens: int, stream: bool) -> str:
    extra = {"max_tokens": max_tokens, "temperature": 0.0, "seed": 1}
    if stream:
        result = None
        async for item in client.create_stream(messages, extra_create_args=extra):
            result = item
        return result.content  # type: ignore[union-attr]
    return (await client.create(messages, extra_create_args=extra)).content  # type: ignore[return-value]


def orchestrator_overhead() -> dict[str, float] | None:
    """HOOK for the orchestrator part of this benchmark (ms per turn without a model).

    Left for the orchestrator's owner: run a scripted consultation and return
    ``{"ms_per_turn": ...}``; None prints "n/a" in the table.
    """
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description="tokens/s of raw llama-cpp-python vs meddiag's client")
    parser.add_argument("--model", default="local", help="local or gguf:PATH")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    client = load_model(args.model, n_threads=args.threads, n_ctx=2048)
    if not isinstance(client, LlamaCppClient):
        print("this benchmark needs a llama.cpp model spec (local or gguf:PATH)", file=sys.stderr)
        return 2
    llama = client.llama
    loop = asyncio.new_event_loop()
    paths: dict[str, Callable[[int], str]] = {}
    for stream in (False, True):
        mode = "stream" if stream else "create"
        paths[f"raw {mode}"] = lambda i, s=stream: raw_call(
            client, [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPTS[i]}], args.max_tokens, s)
        paths[f"ours {mode}"] = lambda i, s=stream: loop.run_until_complete(ours_call(
            client, [SystemMessage(content=SYSTEM), UserMessage(content=PROMPTS[i], source="user")], args.max_tokens, s))

    rates: dict[str, list[float]] = {name: [] for name in paths}
    names = list(paths)
    paths[names[0]](0)  # warm-up
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for i in range(len(PROMPTS)):
            for name in order:
                llama.reset()  # no KV-prefix reuse across calls
                t0 = time.perf_counter()
                text = paths[name](i)
                dt = time.perf_counter() - t0
                n = len(llama.tokenize(text.encode(), add_bos=False, special=True))
                rates[name].append(n / dt)
    loop.close()

    med = {name: statistics.median(v) for name, v in rates.items()}
    ratios = {m: med[f"ours {m}"] / med[f"raw {m}"] for m in ("create", "stream")}
    orch = orchestrator_overhead()
    if args.json:
        print(json.dumps({"model": args.model, "threads": llama.n_threads if hasattr(llama, "n_threads") else None,
                          "tokens_per_s": med, "ratio_ours_over_raw": ratios, "orchestrator": orch}))
        return 0
    print(f"model {client.model_name} ({args.model}), {args.rounds} rounds x {len(PROMPTS)} prompts, max_tokens {args.max_tokens}")
    print(f"{'path':<14}{'median tok/s':>14}{'runs':>6}")
    for name in names:
        print(f"{name:<14}{med[name]:>14.1f}{len(rates[name]):>6}")
    for mode, ratio in ratios.items():
        print(f"ours/raw {mode:<7}{ratio:>12.3f}  ({'within' if ratio >= 0.95 else 'OUTSIDE'} 5%)")
    print("orchestrator   " + ("n/a (see orchestrator_overhead)" if orch is None else f"{orch['ms_per_turn']:.1f} ms/turn"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
