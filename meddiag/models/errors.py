"""Errors raised by the model backends.

Every message is one line, fit for the CLI to print as it is. ``ModelSpecError`` is a
``ValueError`` (a bad string from the user); the others mean a model could not be loaded,
could not be reached, or answered with something unusable.
"""

from __future__ import annotations


class ModelError(Exception):
    """Base class of every backend error; ``str(error)`` is a single line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class ModelSpecError(ModelError, ValueError):
    """A model spec string that names no backend."""


class ModelLoadError(ModelError):
    """A model file that is missing or is not a usable model."""


class ModelUnavailableError(ModelError):
    """A backend that cannot answer: unreachable server, refused key, or no model at all."""
