"""CLI plug-in: ``meddiag safety "patient text" [--json]`` prints the red-flag triage."""

from __future__ import annotations

import argparse
import json
import sys

from meddiag.safety.redflags import RuleError, assess


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("safety", help="red-flag triage of a patient message (emergency / urgent / routine)")
    parser.add_argument("text", help='the patient\'s words, in quotes ("-" reads standard input)')
    parser.add_argument("--json", action="store_true", help="print JSON: level, red_flags, advice")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        print("meddiag safety: empty patient text", file=sys.stderr)
        return 2
    try:
        result = assess(text)
    except RuleError as exc:
        print(f"meddiag safety: {exc}", file=sys.stderr)
        return 2
    flags = [{"rule": f.rule, "evidence": f.evidence} for f in result.flags]
    if args.json:
        print(json.dumps({"level": result.level, "red_flags": flags, "advice": result.advice}, ensure_ascii=False))
        return 0
    print(f"level: {result.level}")
    for flag in result.flags:
        print(f"  [{flag.level}] {flag.rule}: \"{flag.evidence}\"")
    print(f"advice: {result.advice}")
    return 0
