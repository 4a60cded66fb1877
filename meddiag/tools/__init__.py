"""Clinical tools: ICD-10-CM coding, guideline lookup, calculators, the encounter summary.

Each tool is a plain typed function or class (``coding``, ``guidelines``, ``calculators``,
``summary``); ``function_tools()`` wraps them as autogen ``FunctionTool``s for the agents,
and ``commands.register`` adds the ``code``, ``guideline`` and ``calc`` CLI commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autogen_core.tools import FunctionTool


def function_tools() -> list["FunctionTool"]:
    """Every clinical tool as an autogen FunctionTool (imports autogen on first call)."""
    from meddiag.tools.function_tools import function_tools as build

    return build()
