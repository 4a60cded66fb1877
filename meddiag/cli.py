"""The ``meddiag`` command: a thin argparse layer over the library.

Each subsystem adds its own subcommands through a ``register(sub)`` function (the
plug-in list below); this module only parses, dispatches and turns every expected
failure into one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# module path -> the function adding its subcommands; a missing optional module is skipped
PLUGINS = [
    ("meddiag.commands.simulate", "register"),
    ("meddiag.knowledge.umls_graph.commands", "register"),
    ("meddiag.commands.bench", "register"),
    ("meddiag.tools.commands", "register"),
    ("meddiag.safety.commands", "register"),
    ("meddiag.commands.chat", "register"),
]


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (argparse's own prints the usage block first)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="meddiag", description="Multi-agent conversational diagnosis.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module, func in PLUGINS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                continue  # that subsystem is not installed in this build
            raise
        getattr(mod, func)(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("meddiag: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if os.environ.get("MEDDIAG_DEBUG"):
            raise
        print(f"meddiag: {error_line(exc)}", file=sys.stderr)
        return 2


def error_line(exc: BaseException) -> str:
    """One line for an error: the message of the errors we raise, the type for the rest."""
    message = " ".join(str(exc).split())
    ours = type(exc).__module__.startswith("meddiag")
    if ours or isinstance(exc, (ValueError, OSError)):
        return message or type(exc).__name__
    return f"internal error ({type(exc).__name__}: {message[:200]}); set MEDDIAG_DEBUG=1 for details"


if __name__ == "__main__":
    sys.exit(main())
