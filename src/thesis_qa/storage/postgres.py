"""The PostgreSQL store: indexes, uploads, owners and accounts in one database with pgvector,
so several app replicas serve the same library and users.

An index version is rows tagged with its key and version number: passage and sentence vectors
(pgvector), and as bytea the files the files store writes for a segment (the passage table,
the lexical postings, the vocabulary), cut into parts a bytea value can hold. Opening a version
reads those arrays; no row per passage is parsed. A build inserts a new version and then
points `indexes.version` at it in one transaction; the version before stays until the next
build, so a replica still reading it never sees rows vanish mid-question.

Vectors: an index of up to `EXACT_MAX` passages is loaded into an exact FAISS index on open
(as the files store does, so rankings are the same); a larger one is searched in PostgreSQL
through an HNSW index of its own version, with iterative scans so a filter to one document
still finds its k nearest. The graph holds the vectors at half precision (`halfvec`): half the
memory and disk (1M passages of the scale corpus: 4.0 GB of graphs, not about 7, so they stay in the
buffer cache), the same candidates within the graph's own approximation; the rows keep full
precision, and every cosine the ranker sees is computed from them.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from thesis_qa.errors import StoreError
from thesis_qa.index.layout import Index, Manifest, document_from_json, passage_from_json
from thesis_qa.index.passage_table import FILES as TABLE_FILES
from thesis_qa.index.passage_table import Documents, Passages, PassageTable, npy_array, npy_bytes
from thesis_qa.index.postings import Postings
from thesis_qa.index.vectors import EXACT_MAX, HNSW_M, vector_index
from thesis_qa.index.vocabulary import Vocabulary
from thesis_qa.storage import IndexContents, Json

Cursor = psycopg.Cursor[Any]

SCHEMA_1 = """
    CREATE EXTENSION IF NOT EXISTS vector;
    CREATE TABLE indexes (key text PRIMARY KEY, version bigint NOT NULL, manifest jsonb NOT NULL,
                          updated timestamptz NOT NULL DEFAULT now());
    CREATE TABLE documents (key text, version bigint, position int, data jsonb NOT NULL,
                            PRIMARY KEY (key, version, position));
    CREATE TABLE passages (key text, version bigint, row int, data jsonb NOT NULL, embedding vector NOT NULL,
                           PRIMARY KEY (key, version, row));
    CREATE TABLE sentences (key text, version bigint, row int, embedding vector NOT NULL,
                            PRIMARY KEY (key, version, row));
    CREATE TABLE blobs (key text, version bigint, name text, data bytea NOT NULL, PRIMARY KEY (key, version, name));
    CREATE TABLE records (area text, key text, value jsonb NOT NULL, PRIMARY KEY (area, key));
    CREATE SEQUENCE index_versions;
"""


def _passage_tables(cur: Cursor) -> None:
    """Schema 2: each version's documents and passages kept as its passage table's files
    (blobs in parts) instead of a JSON row each: opening 100k passages parsed 100k rows
    (31 s, 0.8 GB a replica). Existing versions are converted."""
    cur.execute("ALTER TABLE blobs ADD COLUMN part int NOT NULL DEFAULT 0")
    cur.execute("ALTER TABLE blobs DROP CONSTRAINT blobs_pkey, ADD PRIMARY KEY (key, version, name, part)")
    cur.execute("SELECT DISTINCT key, version FROM documents")
    for key, version in cur.fetchall():
        cur.execute("SELECT data FROM documents WHERE key = %s AND version = %s ORDER BY position", (key, version))
        documents = {d.name: d for d in (document_from_json(r[0]) for r in cur.fetchall())}
        cur.execute("SELECT data FROM passages WHERE key = %s AND version = %s ORDER BY row", (key, version))
        [table] = Passages.of(
            list(documents.values()), [passage_from_json(r[0], documents) for r in cur.fetchall()]
        ).tables
        _put_blobs(cur, key, version, _table_blobs(table))
    cur.execute("DROP TABLE documents")
    cur.execute("ALTER TABLE passages DROP COLUMN data")


def _half_precision_graphs(cur: Cursor) -> None:
    """Schema 3: HNSW graphs over `halfvec` (see the module's docstring). Existing graphs are
    rebuilt, which takes as long as building them did (replicas wait on the migration lock)."""
    cur.execute(
        "SELECT substring(indexname FROM '^passages_hnsw_([0-9]+)$')::bigint FROM pg_indexes "
        "WHERE tablename = 'passages' AND indexname ~ '^passages_hnsw_[0-9]+$'"
    )
    for (version,) in cur.fetchall():
        cur.execute(
            "SELECT p.key, vector_dims(p.embedding) FROM (SELECT DISTINCT key FROM indexes) k, "
            "LATERAL (SELECT key, embedding FROM passages WHERE key = k.key AND version = %s LIMIT 1) p",
            (version,),
        )
        key, dimension = _row(cur)
        for table in ("passages", "sentences"):
            cur.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(_graph_name(table, version)))
        _build_graphs(cur, key, version, dimension)
    cur.execute(
        "UPDATE indexes SET manifest = jsonb_set(manifest, '{index_type}', to_jsonb(%s::text)) "
        "WHERE manifest->>'index_type' LIKE 'pgvector-%%'",
        (GRAPH_TYPE,),
    )


# Schema 4: failed logins per account and per address, shared by replicas (thesis_qa.service.accounts).
LOGIN_FAILURES = """
    CREATE TABLE IF NOT EXISTS login_failures (kind text, key text, count int NOT NULL, last float8 NOT NULL,
                                 locked_until float8 NOT NULL, PRIMARY KEY (kind, key));
"""
# Numbered migrations: the database records the last one applied (schema_version).
MIGRATIONS: tuple[str | Callable[[Cursor], None], ...] = (
    SCHEMA_1, _passage_tables, _half_precision_graphs, LOGIN_FAILURES
)  # fmt: skip
BLOB_PART = 256 * 2**20  # bytes: a bytea value holds at most 1 GB
_VERSION_TABLES = ("passages", "sentences", "blobs")
# pgvector hnsw.ef_search (default 40, at most 1000): the smallest reaching recall@10 0.95 on both
# vector sets at 1M passages / 2.6M sentences (bench/postgres_store.py; 728 questions):
# 400 0.938 / 0.901, 600 0.951 / 0.940, 800 0.961 / 0.952, 1000 0.965 / 0.966.
EF_SEARCH = 800
GRAPH_TYPE = f"pgvector-halfvec-hnsw{HNSW_M}"  # the manifest's index_type of a version searched in PostgreSQL
GRAPH_BUILD_CONSTRUCTION = 80  # pgvector ef_construction (default 64)
IDLE_CHECK_S = 5.0  # a connection idle this long is checked before use
GRAPH_BYTES_PER_VECTOR = 2048  # building in memory; 384-d halfvec at m 16 takes ~1.2 kB a vector on disk


def _pending(conn: psycopg.Connection[Any]) -> bool:
    """Whether the server sent anything to a connection no query waits on: the notice that
    it ended the session (a restart, `pg_terminate_backend`). Free: no round trip."""
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):  # the socket is gone
        return True
    return bool(readable)


def _alive(conn: psycopg.Connection[Any]) -> bool:
    try:
        conn.execute("SELECT 1")
    except (psycopg.OperationalError, psycopg.InterfaceError):
        return False
    return True


class Database:
    """Connections to one database, one per thread (psycopg connections are not shared
    across threads mid-query), schema brought up to date on first use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()
        self._migrated = False

    def connection(self) -> psycopg.Connection[Any]:
        """This thread's connection. One left idle for `IDLE_CHECK_S`, or one the server sent
        something to since (`_pending`), is checked first: the database may have restarted
        meanwhile, and a thread's first request after that would otherwise fail on the
        connection it kept ("cannot reach the database" once the database is back)."""
        conn = getattr(self._local, "conn", None)
        idle = time.monotonic() - getattr(self._local, "used", 0.0) > IDLE_CHECK_S
        if conn is not None and not conn.closed and (idle or _pending(conn)) and not _alive(conn):
            self._forget_connection()
            conn = None
        if conn is None or conn.closed:
            conn = self._connect()
            self._local.conn = conn
        self._local.used = time.monotonic()
        return conn

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise self.unreachable(exc) from exc
        if not self._migrated:
            migrate(conn)
            self._migrated = True
        from pgvector.psycopg import register_vector

        register_vector(conn)
        return conn

    @contextmanager
    def transaction(self, isolation: str = "") -> Iterator[Cursor]:
        """A transaction on this thread's connection (`isolation`: its level, if not the
        default). The database gone (stopped, restarted, the network down) is a
        `StoreError` "store_unreachable", and the next transaction connects afresh: service
        resumes by itself once the database is back."""
        try:
            conn = self.connection()
            with conn.transaction(), conn.cursor() as cur:
                if isolation:
                    cur.execute(sql.SQL("SET TRANSACTION ISOLATION LEVEL {}").format(sql.SQL(isolation)))
                yield cur
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._forget_connection()
            raise self.unreachable(exc) from exc

    def unreachable(self, exc: Exception) -> StoreError:
        lines = str(exc).strip().splitlines() or [type(exc).__name__]
        return StoreError(
            f"cannot reach the database {redacted(self.url)} ({lines[-1].strip()})",
            code="store_unreachable",
            name=redacted(self.url),
        )

    def _forget_connection(self) -> None:
        conn, self._local.conn = getattr(self._local, "conn", None), None
        if conn is not None:
            with suppress(psycopg.Error):
                conn.close()


def migrate(conn: psycopg.Connection[Any]) -> None:
    """Apply the migrations this database has not seen, one process at a time."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(4242)")
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)")
        cur.execute("SELECT max(version) FROM schema_version")
        done = _row(cur)[0] or 0
        for number, migration in enumerate(MIGRATIONS[done:], start=done + 1):
            if callable(migration):
                migration(cur)
            else:
                cur.execute(migration)
            cur.execute("INSERT INTO schema_version VALUES (%s)", (number,))


def redacted(url: str) -> str:
    """The URL without its password."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    return f"{scheme}://{credentials.split(':')[0]}@{tail}"


class PostgresVectors:
    """The rows of one version's passage or sentence vectors, searched in PostgreSQL; offers
    what the searcher asks of a FAISS index (`ntotal`, `d`, `reconstruct_batch`,
    `reconstruct_n`), and `nearest` and `similarities` (thesis_qa.index.vectors)."""

    def __init__(self, location: PostgresLocation, table: str, version: int, count: int, dimension: int) -> None:
        self.db, self.table, self.key, self.version = location.db, table, location.key, version
        self.ntotal, self.d = count, dimension

    def nearest(self, vector: np.ndarray, k: int, rows: range) -> np.ndarray:
        # Key, version and rows as literals: the planner must see them to pick this version's
        # partial HNSW index, and to judge a row range. psycopg prepares a statement run five
        # times; the generic plan of a parameterised range guessed it kept 0.5 % of the rows and
        # walked every row of the primary key instead (sentences of 20k passages: 175 ms, not 7).
        query = sql.SQL(
            "SELECT row FROM {} WHERE key = {} AND version = {} AND row >= {} AND row < {} "
            "ORDER BY embedding::halfvec({}) <#> %s::halfvec({}) LIMIT {}"
        ).format(
            sql.Identifier(self.table),
            sql.Literal(self.key),
            sql.Literal(self.version),
            sql.Literal(rows.start),
            sql.Literal(rows.stop),
            sql.Literal(self.d),
            sql.Literal(self.d),
            sql.Literal(k),
        )
        with self.db.transaction() as cur:
            cur.execute(sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(max(k, EF_SEARCH))))
            cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cur.execute(query, (np.asarray(vector, np.float32),), prepare=False)
            found = np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
        return found

    def similarities(self, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Inner products computed in the database: a few bytes a row come back, not 1.5 kB."""
        query = sql.SQL(
            "SELECT row, -(embedding <#> %s) FROM {} WHERE key = %s AND version = %s AND row = ANY(%s)"
        ).format(sql.Identifier(self.table))
        rows = np.asarray(rows, dtype=np.int64)
        with self.db.transaction() as cur:
            cur.execute(query, (np.asarray(vector, np.float32), self.key, self.version, rows.tolist()), binary=True)
            found = dict(cur.fetchall())
        return np.array([found[int(r)] for r in rows], dtype=np.float32)

    def reconstruct_batch(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        query = sql.SQL("SELECT row, embedding FROM {} WHERE key = %s AND version = %s AND row = ANY(%s)").format(
            sql.Identifier(self.table)
        )
        with self.db.transaction() as cur:
            cur.execute(query, (self.key, self.version, [int(r) for r in rows]), binary=True)  # binary: no text parsing
            found = {row: vector.to_numpy() for row, vector in cur.fetchall()}
        return np.stack([found[int(r)] for r in rows]) if len(rows) else np.zeros((0, self.d), np.float32)

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        return self.reconstruct_batch(np.arange(start, start + n))


class PostgresLocation:
    def __init__(self, store: PostgresStore, key: str) -> None:
        self.store, self.key = store, key

    @property
    def db(self) -> Database:
        return self.store.db

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def spec(self) -> str:
        return f"{self.db.url}#{self.key}"

    def version(self) -> str | None:
        with self.db.transaction() as cur:
            cur.execute("SELECT version FROM indexes WHERE key = %s", (self.key,))
            row = cur.fetchone()
        return str(row[0]) if row else None

    def manifest(self) -> Manifest | None:
        with self.db.transaction() as cur:
            cur.execute("SELECT manifest FROM indexes WHERE key = %s", (self.key,))
            row = cur.fetchone()
        return Manifest.from_json(row[0]) if row else None

    def open(self, verify: bool = False) -> Index:
        with self.db.transaction("REPEATABLE READ") as cur:
            cur.execute("SELECT version, manifest FROM indexes WHERE key = %s", (self.key,))
            row = cur.fetchone()
            if row is None:
                raise StoreError(
                    f"no index '{self.key}' in {redacted(self.db.url)}", code="store_missing", name=self.name
                )
            version, manifest = int(row[0]), Manifest.from_json(row[1])
            try:
                return self._read(cur, version, manifest)
            except (KeyError, ValueError, TypeError) as exc:
                raise StoreError(
                    f"index '{self.name}' is damaged ({type(exc).__name__}: {exc})",
                    code="store_damaged",
                    name=self.name,
                ) from exc

    def _read(self, cur: Cursor, version: int, manifest: Manifest) -> Index:
        blobs = _get_blobs(cur, self.key, version)
        table = PassageTable.from_contents({name: blobs[f"table-{name}"] for name in TABLE_FILES})
        arrays = {name: npy_array(blobs[name]) for name in _ARRAYS}
        passages = Passages([table])
        if len(passages) != manifest.passages or passages.sentence_offsets[-1] != manifest.sentences:
            raise ValueError("row counts differ from the manifest")
        passage_vectors, sentence_vectors = self._vectors(cur, version, manifest)
        lexical = Postings(*(arrays[f"lexical-{name}"] for name in Postings.FILES))
        vocabulary = Vocabulary(
            tuple(arrays["vocabulary-keys"]), tuple(arrays["vocabulary-forms"]), arrays["vocabulary"]
        )
        if len(lexical) != len(passages) or vocabulary.vectors.shape != (len(lexical.keys), manifest.dimension):
            raise ValueError("lexical postings differ from the passages")
        return Index(
            manifest, Documents([table]), passages, passage_vectors, sentence_vectors, lexical, vocabulary, str(version)
        )

    def _vectors(self, cur: Cursor, version: int, manifest: Manifest) -> tuple[Any, Any]:
        """Exact FAISS indexes for a small version (loaded whole), PostgreSQL-searched rows for a large one."""
        if manifest.passages > self.store.exact_max:
            return (
                PostgresVectors(self, "passages", version, manifest.passages, manifest.dimension),
                PostgresVectors(self, "sentences", version, manifest.sentences, manifest.dimension),
            )
        loaded = []
        for table in ("passages", "sentences"):
            query = sql.SQL("SELECT embedding FROM {} WHERE key = %s AND version = %s ORDER BY row")
            cur.execute(query.format(sql.Identifier(table)), (self.key, version), binary=True)
            rows = [r[0].to_numpy() for r in cur.fetchall()]
            vectors = np.stack(rows) if rows else np.zeros((0, manifest.dimension), np.float32)
            loaded.append(vector_index(vectors, manifest.dimension, "flat"))
        return loaded[0], loaded[1]

    def write(self, contents: IndexContents) -> None:
        manifest = contents.manifest
        large = manifest.passages > self.store.exact_max
        manifest.index_type = GRAPH_TYPE if large else "flat"
        with self.db.transaction() as cur:
            cur.execute("SELECT nextval('index_versions')")
            version = int(_row(cur)[0])
            self._insert(cur, version, contents)
            if large:
                _build_graphs(cur, self.key, version, manifest.dimension)
            # Statistics before any replica sees the version: without them the planner takes a
            # fresh version for a row or two and walks the primary key, an exact search (0.4 s
            # for 254k sentences), until autovacuum gets round to it.
            cur.execute("ANALYZE passages, sentences")
            cur.execute("SELECT version FROM indexes WHERE key = %s FOR UPDATE", (self.key,))
            previous = cur.fetchone()
            cur.execute(
                "INSERT INTO indexes (key, version, manifest) VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE "
                "SET version = EXCLUDED.version, manifest = EXCLUDED.manifest, updated = now()",
                (self.key, version, Jsonb(asdict(manifest))),
            )
            # Keep the version just replaced (replicas may still be answering from it); drop older ones.
            keep = [version, int(previous[0])] if previous else [version]
            self._drop_versions(cur, keep)

    def _insert(self, cur: Cursor, version: int, contents: IndexContents) -> None:
        with cur.copy("COPY passages (key, version, row, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int8", "int4", "vector"])
            for row, vector in enumerate(contents.passage_vectors):
                copy.write_row((self.key, version, row, vector))
        with cur.copy("COPY sentences (key, version, row, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int8", "int4", "vector"])
            for row, vector in enumerate(contents.sentence_vectors):
                copy.write_row((self.key, version, row, vector))
        table = PassageTable.build(contents.documents, contents.passages, contents.languages)
        vocabulary = contents.vocabulary
        arrays = {f"lexical-{name}": getattr(contents.lexical, name) for name in Postings.FILES}
        arrays |= {
            "vocabulary": np.ascontiguousarray(vocabulary.vectors, dtype=np.float32),
            "vocabulary-keys": np.array(vocabulary.keys, dtype=str),
            "vocabulary-forms": np.array(vocabulary.forms, dtype=str),
        }
        _put_blobs(cur, self.key, version, _table_blobs(table) | {n: npy_bytes(a) for n, a in arrays.items()})

    def _drop_versions(self, cur: Cursor, keep: list[int]) -> None:
        for table in _VERSION_TABLES:
            cur.execute(
                sql.SQL("SELECT DISTINCT version FROM {} WHERE key = %s AND version <> ALL(%s)").format(
                    sql.Identifier(table)
                ),
                (self.key, keep),
            )
            for (old,) in cur.fetchall():
                self._drop_version(cur, table, int(old))

    def _drop_version(self, cur: Cursor, table: str, version: int) -> None:
        cur.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(_graph_name(table, version)))
        cur.execute(
            sql.SQL("DELETE FROM {} WHERE key = %s AND version = %s").format(sql.Identifier(table)), (self.key, version)
        )

    @contextmanager
    def lock(self) -> Iterator[None]:
        """A session advisory lock on a connection of its own, held while the builder works.
        The database gone while taking it is a `StoreError` "store_unreachable"; gone while it
        is held, there is nothing left to release (a session's locks end with it), so what the
        block raised, or its success, stands rather than a bare driver error."""
        try:
            conn = psycopg.connect(self.db.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise self.db.unreachable(exc) from exc
        with conn:
            try:
                conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (self.key,))
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                raise self.db.unreachable(exc) from exc
            try:
                yield
            finally:
                with suppress(psycopg.Error):
                    conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self.key,))

    def remove(self) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM indexes WHERE key = %s", (self.key,))
            self._drop_versions(cur, [])


def _build_graphs(cur: Cursor, key: str, version: int, dimension: int) -> None:
    """HNSW graphs over one version's passage and sentence vectors (partial indexes: one a
    version), each built in memory: pgvector builds many times slower once the graph outgrows
    `maintenance_work_mem`, and a parallel build reserves all of it as shared memory, so it is
    sized to the graph rather than set high."""
    for table in ("passages", "sentences"):
        cur.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE key = %s AND version = %s").format(sql.Identifier(table)),
            (key, version),
        )
        memory_kb = max(64 * 1024, _row(cur)[0] * GRAPH_BYTES_PER_VECTOR // 1024)
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", (f"{memory_kb}kB",))
        cur.execute(
            sql.SQL(
                "CREATE INDEX {} ON {} USING hnsw ((embedding::halfvec({})) halfvec_ip_ops) "
                "WITH (m = {}, ef_construction = {}) WHERE key = {} AND version = {}"
            ).format(
                _graph_name(table, version),
                sql.Identifier(table),
                sql.Literal(dimension),
                sql.Literal(HNSW_M),
                sql.Literal(GRAPH_BUILD_CONSTRUCTION),
                sql.Literal(key),
                sql.Literal(version),
            )
        )


def _graph_name(table: str, version: int) -> sql.Identifier:
    return sql.Identifier(f"{table}_hnsw_{version}")


_ARRAYS = (*(f"lexical-{name}" for name in Postings.FILES), "vocabulary", "vocabulary-keys", "vocabulary-forms")


def _table_blobs(table: PassageTable) -> dict[str, bytes]:
    return {f"table-{name}": data for name, data in table.contents().items()}


def _put_blobs(cur: Cursor, key: str, version: int, blobs: dict[str, bytes]) -> None:
    with cur.copy("COPY blobs (key, version, name, part, data) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["text", "int8", "text", "int4", "bytea"])
        for name, data in blobs.items():
            view = memoryview(data)
            for part, start in enumerate(range(0, max(len(data), 1), BLOB_PART)):
                copy.write_row((key, version, name, part, view[start : start + BLOB_PART]))


def _get_blobs(cur: Cursor, key: str, version: int) -> dict[str, bytes]:
    cur.execute(
        "SELECT name, data FROM blobs WHERE key = %s AND version = %s ORDER BY name, part", (key, version), binary=True
    )
    parts: dict[str, list[bytes]] = {}
    for name, data in cur.fetchall():
        parts.setdefault(name, []).append(data)
    return {name: b"".join(chunks) for name, chunks in parts.items()}


class PostgresRecords:
    def __init__(self, db: Database, area: str) -> None:
        self.db, self.area = db, area

    def get(self, key: str) -> Json | None:
        with self.db.transaction() as cur:
            cur.execute("SELECT value FROM records WHERE area = %s AND key = %s", (self.area, key))
            row = cur.fetchone()
        return row[0] if row else None

    def put(self, key: str, value: Json) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO records VALUES (%s, %s, %s) ON CONFLICT (area, key) DO UPDATE SET value = EXCLUDED.value",
                (self.area, key, Jsonb(value)),
            )

    def children(self, prefix: str) -> list[str]:
        start = f"{prefix}/" if prefix else ""
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT DISTINCT split_part(substr(key, %s), '/', 1) FROM records "
                "WHERE area = %s AND starts_with(key, %s)",
                (len(start) + 1, self.area, start),
            )
            return sorted(r[0] for r in cur.fetchall() if r[0])

    def delete(self, prefix: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM records WHERE area = %s AND (key = %s OR starts_with(key, %s))",
                (self.area, prefix, f"{prefix}/"),
            )

    def discard(self, key: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM records WHERE area = %s AND key = %s", (self.area, key))


class PostgresLoginFailures:
    """Failed logins in the `login_failures` table (`accounts.LoginFailures`): each failure one
    statement, so replicas counting at once never lose one."""

    # A failure after `lockout` seconds of quiet (and no lock) starts the count afresh.
    _ADD = """
        INSERT INTO login_failures AS f VALUES (%(kind)s, %(key)s, 1, %(now)s,
            CASE WHEN %(lock_at)s = 1 THEN %(now)s + %(lockout)s ELSE 0 END)
        ON CONFLICT (kind, key) DO UPDATE SET
            count = CASE WHEN f.last + %(lockout)s < %(now)s AND f.locked_until < %(now)s THEN 1 ELSE f.count + 1 END,
            last = %(now)s,
            locked_until = CASE
                WHEN (CASE WHEN f.last + %(lockout)s < %(now)s AND f.locked_until < %(now)s THEN 1
                      ELSE f.count + 1 END) = %(lock_at)s THEN %(now)s + %(lockout)s
                WHEN f.last + %(lockout)s < %(now)s AND f.locked_until < %(now)s THEN 0
                ELSE f.locked_until END
        RETURNING count, last, locked_until
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, kind: str, key: str) -> tuple[int, float, float] | None:
        with self.db.transaction() as cur:
            cur.execute(
                "SELECT count, last, locked_until FROM login_failures WHERE kind = %s AND key = %s", (kind, key)
            )
            row = cur.fetchone()
        return (int(row[0]), float(row[1]), float(row[2])) if row else None

    def add(self, kind: str, key: str, now: float, lock_at: int, lockout_s: float) -> tuple[int, float, float]:
        with self.db.transaction() as cur:
            cur.execute(self._ADD, {"kind": kind, "key": key, "now": now, "lock_at": lock_at, "lockout": lockout_s})
            count, last, locked_until = _row(cur)
        return int(count), float(last), float(locked_until)

    def forget(self, kind: str, key: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM login_failures WHERE kind = %s AND key = %s", (kind, key))

    def lessen(self, kind: str, key: str) -> None:
        with self.db.transaction() as cur:
            cur.execute(
                "UPDATE login_failures SET count = greatest(count - 1, 0) WHERE kind = %s AND key = %s", (kind, key)
            )


class PostgresStore:
    shared = True  # several app replicas may share it

    def __init__(self, url: str, exact_max: int = EXACT_MAX) -> None:
        """`exact_max`: indexes of up to this many passages are searched exactly, in memory."""
        self.db = Database(url)
        self.exact_max = exact_max

    def index(self, key: str) -> PostgresLocation:
        return PostgresLocation(self, key)

    def indexes(self) -> list[str]:
        with self.db.transaction() as cur:
            cur.execute("SELECT key FROM indexes ORDER BY key")
            return [r[0] for r in cur.fetchall()]

    def records(self, area: str) -> PostgresRecords:
        return PostgresRecords(self.db, area)

    def areas(self) -> list[str]:
        with self.db.transaction() as cur:
            cur.execute("SELECT DISTINCT area FROM records ORDER BY area")
            return [r[0] for r in cur.fetchall()]

    def describe(self) -> str:
        return redacted(self.db.url)

    def login_failures(self) -> PostgresLoginFailures:
        return PostgresLoginFailures(self.db)


def _row(cur: psycopg.Cursor[Any]) -> tuple[Any, ...]:
    """The one row a query that always yields one (an aggregate, nextval) returned."""
    row = cur.fetchone()
    if row is None:
        raise StoreError("the database answered a query that always returns a row with none")
    return tuple(row)
