"""meddiag: multi-agent conversational diagnosis.

    from meddiag import Consultation, ConsultationConfig, load_graph, load_model

    async for event in Consultation(ConsultationConfig(model="local")).run(patient):
        ...

Names are imported lazily so ``import meddiag`` stays cheap.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Consultation": "meddiag.orchestrator",
    "ConsultationConfig": "meddiag.orchestrator",
    "Patient": "meddiag.orchestrator",
    "load_graph": "meddiag.knowledge.umls_graph",
    "load_model": "meddiag.models",
    "load_scenario": "meddiag.simulation.case",
    "SimulatedPatient": "meddiag.simulation.patient",
    "SafetyGateError": "meddiag.agents.safety_critic",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'meddiag' has no attribute {name!r}")
