"""A real scripted consultation (no model) on the bundled pneumonia scenario, then its summary:
the FHIR bundle parses with fhir.resources and every Condition code validates in ICD-10-CM."""

from __future__ import annotations

import asyncio

import simple_icd_10_cm as cm
from fhir.resources.R4B.bundle import Bundle

from meddiag.models import load_model
from meddiag.orchestrator import Consultation, ConsultationConfig
from meddiag.simulation.case import load_scenario
from meddiag.simulation.patient import SimulatedPatient
from meddiag.tools.summary import ICD10CM, write_summary


def test_simulated_consultation_writes_a_valid_bundle(tmp_path, graph):
    config = ConsultationConfig(model="scripted", stop_on_emergency=False, max_turns=4, max_tests=1)
    consultation = Consultation(config, model=load_model("scripted"), graph=graph)
    case = load_scenario("community-acquired-pneumonia")

    async def play():
        async for _ in consultation.run(SimulatedPatient(case, graph)):
            pass

    asyncio.run(play())
    md, fhir = write_summary(tmp_path / "cap", consultation.state, consultation.differential,
                             consultation.transcript, consultation.flags)
    bundle = Bundle.model_validate_json(fhir.read_text())
    conditions = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Condition"]
    codes = [x.code for c in conditions for x in c.code.coding if x.system == ICD10CM]
    assert codes and len(codes) == len(conditions)
    assert all(cm.is_valid_item(c) and cm.is_leaf(c) for c in codes)
    observations = [e for e in bundle.entry if e.resource.get_resource_type() == "Observation"]
    assert len(observations) == sum(f.status != "unknown" for f in consultation.state.findings.values())
    text = md.read_text()
    assert "## Assessment" in text and consultation.differential.hypotheses[0].name in text
