"""The ``code``, ``guideline`` and ``calc`` CLI commands (``register(sub)`` adds them).

Each handler prints its answer (JSON with ``--json``) and returns the exit code; a bad
code, query, calculator or argument prints one line to stderr and returns 2.
``code --check`` returns 0 for a billable code and 1 for a code that is not billable
or not valid, so scripts can test it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from meddiag.tools.calculators import CALCULATORS, CalculatorError, calculate, get_calculator, parse_assignments
from meddiag.tools.coding import CodingError, coder
from meddiag.tools.guidelines import GuidelineError, GuidelineLibrary


def _emit(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            raise  # output piped into `head` and closed: the CLI's own business, not an input error
        except (CodingError, GuidelineError, CalculatorError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


def _code(args: argparse.Namespace) -> int:
    c = coder()
    if args.check:
        result = c.check(args.check)
        _emit(result.model_dump()) if args.json else print(result.message)
        return 0 if result.billable else 1
    if args.lookup:
        info = c.lookup(args.lookup)
        if args.json:
            _emit(info.model_dump())
            return 0
        print(f"{info.code}  {info.description}  ({info.kind}, {'billable' if info.billable else 'not billable'})")
        if info.ancestors:
            print("  in: " + " > ".join(f"{a.code} {a.description}" for a in reversed(info.ancestors)))
        for child in info.children[:30]:
            print(f"  - {child.code}  {child.description}{'' if child.billable else '  (not billable)'}")
        for note in info.notes:
            print(f"  {note.kind} [{note.at}]: {note.text}")
        return 0
    query = " ".join(args.query)
    if not query:
        raise CodingError("give a search text, --check CODE or --lookup CODE")
    hits = c.search(query, limit=args.limit, billable_only=args.billable)
    if args.json:
        _emit([{"code": h.code, "description": h.description, "billable": h.billable} for h in hits])
        return 0
    for h in hits:
        extra = f"  [{h.matched}]" if h.matched else ""
        print(f"{h.code:9} {'billable' if h.billable else 'category'}  {h.description}{extra}")
    return 0 if hits else 1


def _guideline(args: argparse.Namespace) -> int:
    lib = GuidelineLibrary(dirs=args.dir or [], include_open_medicine=not args.only_dir)
    if args.section:
        gid, _, section = args.section.partition("/")
        s = lib.get(gid, section or None)
        if args.json:
            _emit({**s.model_dump(), "citation": s.citation})
        else:
            print(s.text.rstrip() + "\n\n" + s.citation)
        return 0
    query = " ".join(args.query)
    if not query:
        raise GuidelineError("give a query or --section GUIDELINE_ID/SECTION")
    hits = lib.search(query, limit=args.limit)
    if args.json:
        _emit([h.row() for h in hits])
        return 0 if hits else 1
    if not hits:
        print(f"no guideline section matches {query!r}")
        return 1
    if args.show:
        s = lib.get(hits[0].guideline_id, hits[0].section)
        print(s.text.rstrip() + "\n\n" + s.citation + "\n")
    for h in hits:
        print(f"{h.guideline_id}/{h.section}  {h.title}  — {h.source}{f' ({h.year})' if h.year else ''}")
    return 0


def _calc(args: argparse.Namespace) -> int:
    if args.list or not args.name:
        rows = {
            c.name: {"title": c.title, "aliases": list(c.aliases), "arguments": c.fields(), "note": c.note}
            for c in (CALCULATORS.values() if not args.name else [get_calculator(args.name)])
        }
        if args.json:
            _emit(rows)
            return 0
        for name, row in rows.items():
            print(f"{name}: {row['title']}")
            for arg, about in row["arguments"].items():
                print(f"    {arg}={about}")
            if row["note"]:
                print(f"    ({row['note']})")
        return 0
    result = calculate(args.name, **parse_assignments(args.assignments))
    if args.json:
        _emit(result.model_dump())
    else:
        print(f"{result.title}: {result.score}\n{result.interpretation}\nSource: {result.source} doi:{result.doi}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``code``, ``guideline`` and ``calc`` subcommands."""
    p = sub.add_parser("code", help="ICD-10-CM: search codes, check or look up a code")
    p.add_argument("query", nargs="*", help="text to search for, e.g. 'community acquired pneumonia'")
    p.add_argument("--check", metavar="CODE", help="is CODE valid and billable? (exit 0 only when billable)")
    p.add_argument("--lookup", metavar="CODE", help="CODE with its hierarchy, children and notes")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--billable", action="store_true", help="only billable codes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guarded(_code))

    p = sub.add_parser("guideline", help="search guideline sections (open-medicine and your own Markdown)")
    p.add_argument("query", nargs="*")
    p.add_argument("--dir", action="append", metavar="PATH", help="a folder of Markdown guidelines (repeatable)")
    p.add_argument("--only-dir", action="store_true", help="search only the --dir folders")
    p.add_argument("--section", metavar="ID/SECTION", help="print one section with its source")
    p.add_argument("--show", action="store_true", help="print the best section's text too")
    p.add_argument("--limit", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guarded(_guideline))

    p = sub.add_parser("calc", help="clinical calculators (CURB-65, HEART, Wells, qSOFA, NEWS2, ...)")
    p.add_argument("name", nargs="?", help="calculator name (see --list)")
    p.add_argument("assignments", nargs="*", metavar="key=value")
    p.add_argument("--list", action="store_true", help="list calculators and their arguments")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_guarded(_calc))
