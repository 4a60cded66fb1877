"""The clinical tools as autogen FunctionTools: typed schemas, and real runs through run_json."""

from __future__ import annotations

import asyncio

from autogen_core import CancellationToken
from autogen_core.tools import FunctionTool

from meddiag.tools import function_tools


def run(tool: FunctionTool, args: dict):
    return asyncio.run(tool.run_json(args, CancellationToken()))


def tools_by_name() -> dict[str, FunctionTool]:
    return {t.name: t for t in function_tools()}


def test_every_tool_has_a_typed_schema():
    tools = tools_by_name()
    expected = {"icd10_search", "icd10_check", "icd10_code_differential", "guideline_search", "guideline_section",
                "calc_curb65", "calc_heart", "calc_wells_pe", "calc_wells_dvt", "calc_qsofa", "calc_news2",
                "calc_cha2ds2_vasc", "calc_centor"}
    assert expected <= set(tools)
    curb = tools["calc_curb65"].schema["parameters"]
    assert curb["properties"]["confusion"]["type"] == "boolean"
    assert curb["properties"]["respiratory_rate"]["type"] == "integer"
    assert set(curb["required"]) == {"confusion", "bun", "respiratory_rate", "systolic_bp", "diastolic_bp", "age"}
    assert tools["icd10_search"].schema["parameters"]["properties"]["query"]["type"] == "string"


def test_tools_run_and_serialise():
    tools = tools_by_name()
    found = run(tools["icd10_search"], {"query": "community acquired pneumonia", "limit": 3})
    assert "J18.9" in [h.code for h in found.hits]
    assert '"J18.9"' in tools["icd10_search"].return_value_as_string(found)
    hits = run(tools["guideline_search"], {"query": "CURB-65 severity pneumonia"}).hits
    assert (hits[0].guideline_id, hits[0].section) == ("bts_cap_2009", "severity_assessment")
    assert run(tools["calc_qsofa"], {"respiratory_rate": 24, "systolic_blood_pressure": 95,
                                     "altered_mentation": True}).score == 3
    coded = run(tools["icd10_code_differential"], {"differential": {"hypotheses": [
        {"disease_id": "x", "name": "Pneumonia", "icd10": "J18", "probability": 0.7}]}})
    assert coded.proposals[0].code == "J18.9"
