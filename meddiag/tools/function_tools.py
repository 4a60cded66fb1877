"""The clinical tools as autogen ``FunctionTool``s with typed signatures, for the agents.

ICD-10-CM search, code check, differential coding, guideline search and section lookup,
and one tool per calculator whose arguments are the calculator's own typed fields. Each
returns a pydantic model (autogen serialises it to JSON for the model). Shared resources
(the ICD index, the guideline library) are opened on first use.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Annotated, Any

from autogen_core.tools import FunctionTool
from pydantic import BaseModel

from meddiag.schema import Differential
from meddiag.tools.calculators import CALCULATORS, CalcResult, Calculator
from meddiag.tools.coding import CodeCheck, CodeHit, CodingResult, coder
from meddiag.tools.guidelines import GuidelineHit, GuidelineLibrary, GuidelineSection


class CodeSearchResult(BaseModel):
    query: str
    hits: list[CodeHit]


class GuidelineSearchResult(BaseModel):
    query: str
    hits: list[GuidelineHit]


@lru_cache(maxsize=1)
def _library() -> GuidelineLibrary:
    return GuidelineLibrary()


def icd10_search(
    query: Annotated[str, "diagnosis or finding in words, e.g. 'community acquired pneumonia'"],
    limit: Annotated[int, "how many codes to return"] = 5,
) -> CodeSearchResult:
    return CodeSearchResult(query=query, hits=coder().search(query, limit=limit))


def icd10_check(code: Annotated[str, "an ICD-10-CM code, e.g. 'J18.9'"]) -> CodeCheck:
    return coder().check(code)


def icd10_code_differential(
    differential: Annotated[Differential, "the ranked differential (name and optional icd10 per hypothesis)"],
    top: Annotated[int, "how many hypotheses to code"] = 5,
) -> CodingResult:
    return coder().code_differential(differential, top=top)


def guideline_search(
    query: Annotated[str, "clinical question or topic, e.g. 'CURB-65 severity pneumonia'"],
    limit: Annotated[int, "how many sections to return"] = 3,
) -> GuidelineSearchResult:
    return GuidelineSearchResult(query=query, hits=_library().search(query, limit=limit))


def guideline_section(
    guideline_id: Annotated[str, "guideline id from guideline_search, e.g. 'bts_cap_2009'"],
    section: Annotated[str, "section id from guideline_search, e.g. 'severity_assessment'"],
) -> GuidelineSection:
    return _library().get(guideline_id, section)


def _calculator_function(calc: Calculator) -> Any:
    """A function whose typed keyword arguments are the calculator's own fields."""
    model = calc.model()

    def run(**kwargs: Any) -> CalcResult:
        return calc(**{k: v for k, v in kwargs.items() if v is not None or model.model_fields[k].is_required()})

    params, annotations = [], {}
    for name, f in model.model_fields.items():
        annotation = Annotated[f.annotation, f.description or name]  # type: ignore[valid-type]
        default = inspect.Parameter.empty if f.is_required() else f.default
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation))
        annotations[name] = annotation
    run.__signature__ = inspect.Signature(params, return_annotation=CalcResult)  # type: ignore[attr-defined]
    run.__annotations__ = {**annotations, "return": CalcResult}
    run.__name__ = f"calc_{calc.name}"
    return run


def function_tools() -> list[FunctionTool]:
    """Every clinical tool as an autogen FunctionTool."""
    tools = [
        FunctionTool(icd10_search, "Search ICD-10-CM codes by description; billable codes rank first."),
        FunctionTool(icd10_check, "Check an ICD-10-CM code: valid, billable, and its billable children."),
        FunctionTool(icd10_code_differential,
                     "Propose a billable ICD-10-CM code for each hypothesis of a differential, with reasons and excludes1 conflicts."),
        FunctionTool(guideline_search, "Search clinical guideline sections; each hit names its source and year."),
        FunctionTool(guideline_section, "Get the text of one guideline section with its source."),
    ]
    for calc in CALCULATORS.values():
        tools.append(FunctionTool(_calculator_function(calc), f"Calculate the {calc.title}.", name=f"calc_{calc.name}"))
    return tools
