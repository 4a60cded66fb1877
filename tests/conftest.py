"""Shared fixtures. MEDDIAG_HOME points at a per-run folder so tests never touch ~/.meddiag."""

from __future__ import annotations

import os
import tempfile

import pytest

_HOME = tempfile.mkdtemp(prefix="meddiag-test-home-")
os.environ["MEDDIAG_HOME"] = _HOME


@pytest.fixture(scope="session")
def meddiag_home() -> str:
    return _HOME


@pytest.fixture(scope="session")
def graph():
    from meddiag.knowledge.umls_graph import load_graph

    return load_graph()


@pytest.fixture(scope="session")
def local_model():
    """The embedded SmolLM2 model on the real llama.cpp backend, loaded once per test run."""
    from meddiag.models import load_model

    return load_model("local", n_threads=2)
