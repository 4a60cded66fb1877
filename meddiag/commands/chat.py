"""``meddiag chat`` (the consultation room) and ``meddiag sessions`` (stored chats).

``chat`` opens the Textual app, or the line-based plain mode with ``--plain`` or when
stdin is not a terminal. ``sessions list|show|export`` read the session store under
``$MEDDIAG_HOME``.
"""

from __future__ import annotations

import asyncio
import json
import sys


def register(sub) -> None:
    p = sub.add_parser("chat", help="a consultation in the terminal (you are the patient, the doctor, or watch)")
    p.add_argument("--as", dest="role", choices=("patient", "doctor"), default="patient",
                   help="who you play (default: patient; doctor = OSCE practice, needs --scenario)")
    p.add_argument("--watch", action="store_true", help="watch the team consult a simulated patient (needs --scenario)")
    p.add_argument("--scenario", help="bundled scenario name or path to a scenario YAML")
    p.add_argument("--model", default=None, help="model spec: local, gguf:PATH, openai:MODEL[@URL], scripted "
                   "(default: local; a resumed session keeps its model)")
    p.add_argument("--max-turns", type=int, default=12, help="history questions at most (default 12)")
    p.add_argument("--resume", metavar="ID", help="continue a stored session where it stopped")
    p.add_argument("--no-log", action="store_true", help="keep nothing on disk")
    p.add_argument("--plain", action="store_true", help="line-based mode (automatic when stdin is not a terminal)")
    p.add_argument("--pace", type=float, default=None, help="seconds between simulated answers in --watch")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for local models")
    p.set_defaults(func=chat)

    s = sub.add_parser("sessions", help="list, show or export stored chat sessions")
    ss = s.add_subparsers(dest="action", metavar="ACTION", required=True)
    ls = ss.add_parser("list", help="stored sessions, newest first")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.add_argument("--limit", type=int, default=50)
    ls.set_defaults(func=sessions_list)
    sh = ss.add_parser("show", help="a session's transcript as Markdown")
    sh.add_argument("id")
    sh.set_defaults(func=sessions_show)
    ex = ss.add_parser("export", help="a session as Markdown, JSON or a FHIR R4 Bundle")
    ex.add_argument("id")
    ex.add_argument("--format", choices=("md", "json", "fhir"), default="md")
    ex.add_argument("--output", "-o", help="write to this file instead of stdout")
    ex.set_defaults(func=sessions_export)


def _options(args):
    from meddiag.tui.driver import ChatOptions

    if args.max_turns < 1:
        raise ValueError("--max-turns must be at least 1")
    role = "watch" if args.watch else args.role
    values = {"role": role, "scenario": args.scenario, "max_turns": args.max_turns, "resume": args.resume,
              "threads": args.threads, "pace": args.pace if args.pace is not None else (1.0 if role == "watch" else 0.0)}
    if args.model is not None:
        values["model"] = args.model
    elif not args.resume:
        values["model"] = "local"
    return ChatOptions(**values)


def _check_spec(spec: str) -> None:
    """A mistyped model spec is an error before anything is stored (a model that fails to load is not)."""
    from meddiag.models import BACKENDS, VALID_FORMS, ModelSpecError
    from meddiag.models.registry import split_spec

    if split_spec(spec)[0] not in BACKENDS:
        raise ModelSpecError(f"unknown model spec {spec!r}; valid forms: {VALID_FORMS}")


def chat(args) -> int:
    from meddiag.sessions import SessionStore
    from meddiag.tui.driver import ChatSession, load_model_or_problem

    options = _options(args)
    _check_spec(options.model)
    plain = args.plain or not sys.stdin.isatty() or not sys.stdout.isatty()
    if plain and options.role == "watch" and args.pace is None:
        options = options.model_copy(update={"pace": 0.0})
    store = SessionStore.memory() if args.no_log else SessionStore()
    session = ChatSession(options, store)
    if plain:
        from meddiag.tui.plain import run_plain

        model, problem = load_model_or_problem(session.options.model, options.threads)
        if problem:
            print(f"meddiag: {problem}; continuing on 'scripted'", file=sys.stderr, flush=True)
            session.use_model("scripted", None)
        return asyncio.run(run_plain(session, model))
    from meddiag.tui.app import ChatApp

    ChatApp(session).run()
    return 0


def sessions_list(args) -> int:
    from meddiag.sessions import SessionStore

    rows = SessionStore().list(limit=args.limit)
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return 0
    if not rows:
        print("no sessions yet; start one with `meddiag chat`")
        return 0
    for r in rows:
        what = r.scenario or r.title or "-"
        print(f"{r.id}  {r.updated:%Y-%m-%d %H:%M}  {r.role:<7} {r.status:<8} {r.turns:>3} turns  "
              f"{r.model:<10} {what[:40]}")
    return 0


def sessions_show(args) -> int:
    from meddiag.sessions import SessionStore, export

    print(export(SessionStore().load(args.id), "md"))
    return 0


def sessions_export(args) -> int:
    from pathlib import Path

    from meddiag.sessions import SessionStore, export

    text = export(SessionStore().load(args.id), args.format)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0
