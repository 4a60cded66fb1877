"""Shared fixtures. MEDDIAG_HOME points at a per-run folder so tests never touch ~/.meddiag.

Hypothesis runs a fixed, repeatable set of examples unless HYPOTHESIS_PROFILE says otherwise."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import settings

# Property tests replay the same examples on every run (a CI run must not fail on a fresh random
# draw); `HYPOTHESIS_PROFILE=explore pytest tests/test_*fuzz*.py` searches new ground with more examples.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", max_examples=3000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

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
