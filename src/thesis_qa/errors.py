"""Errors the library raises on purpose.

Each carries a one-line English message for logs and the CLI, plus a `code` and `params` so
the app can say the same thing in the user's language (see `src/thesis_qa_app/texts.py`).
"""

from __future__ import annotations


class ThesisQAError(Exception):
    """Base of every expected failure; callers show it and go on serving."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.code = code or self.code
        self.params = params


class ModelError(ThesisQAError):
    """The embedding model cannot be found, built or loaded."""

    code = "model"


class LoadError(ThesisQAError):
    """A document cannot be read: unsupported type, broken file, unknown encoding, no text."""

    code = "load"


class StoreError(ThesisQAError):
    """A persisted index is missing, damaged, unwritable or does not match its model."""

    code = "store"
