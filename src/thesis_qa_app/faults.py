"""A fault below the page (a `ThesisQAError`: a database gone, a damaged upload, the library
being rebuilt, a full disk, a read-only folder) never stops an event of the page: the step it
stopped is logged with what part of the page went without it, the event shows what it has,
and says why in the page's language (kk/ru/en)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from thesis_qa import Language
from thesis_qa.errors import ThesisQAError
from thesis_qa_app import render
from thesis_qa_app.texts import error_text, text

T = TypeVar("T")
P = ParamSpec("P")
_log = logging.getLogger(__name__)


def guarded(
    part: str, fallback: T, build: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> tuple[T, ThesisQAError | None]:
    """`build(*args, **kwargs)`, or when a fault below stops it `fallback` and the error,
    logged with what `part` of the page was lost."""
    try:
        return build(*args, **kwargs), None
    except ThesisQAError as error:
        _log.warning("the page went on without %s: %s (%s)", part, error, error.code)
        return fallback, error


class Steps:
    """Several guarded steps of one event; the first fault among them, to say why once."""

    def __init__(self) -> None:
        self.error: ThesisQAError | None = None

    def run(self, part: str, fallback: T, build: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        value, error = guarded(part, fallback, build, *args, **kwargs)
        self.error = self.error or error
        return value


def said(lang: Language, error: ThesisQAError) -> str:
    """What went wrong, from `error`'s code, in `lang` (plain text)."""
    return error_text(lang, error.code, error.params, str(error))


def why(lang: Language, error: ThesisQAError) -> str:
    """`said` as one warning line (plain text: a status escapes it)."""
    return "⚠ " + said(lang, error)


def note(lang: Language, error: ThesisQAError | None, key: str = "") -> str:
    """A note (HTML) saying why in `lang`: `why`, or the text `key` around it; "" without an error."""
    if error is None:
        return ""
    return render.note_html("⚠ " + text(key, lang, why=said(lang, error)) if key else why(lang, error))


def html_or_note(part: str, lang: Language, build: Callable[P, str], *args: P.args, **kwargs: P.kwargs) -> str:
    """`build`'s HTML, or when a fault stops it a note saying why in `lang` (logged)."""
    built, error = guarded(part, "", build, *args, **kwargs)
    return note(lang, error) or built
