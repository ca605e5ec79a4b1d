"""The PostgreSQL store (thesis_qa.storage.postgres) against a real PostgreSQL with pgvector:
the same answers as the files store, indexes and uploads shared by every process using the
database, accounts and pins kept there, nothing of a removed upload left behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, replace

import numpy as np
import psycopg
import pytest
from click.testing import CliRunner
from pgvector.psycopg import register_vector
from psycopg.types.json import Jsonb

from thesis_qa.cli import main
from thesis_qa.config import Settings
from thesis_qa.index import vectors as ann
from thesis_qa.index.passage_table import npy_bytes
from thesis_qa.index.postings import Postings
from thesis_qa.ingest import load_document
from thesis_qa.retrieval.search import Searcher
from thesis_qa.service.accounts import Accounts, UsersFile, UsersRecord
from thesis_qa.service.indexing import build_index
from thesis_qa.service.owners import INCOMING, Owner
from thesis_qa.service.transfer import copy_store
from thesis_qa.service.worker import index_upload
from thesis_qa.service.workspace import RECHECK_S, Workspace
from thesis_qa.storage.embedded import create_database
from thesis_qa.storage.files import FilesStore
from thesis_qa.storage.postgres import GRAPH_TYPE, SCHEMA_1, PostgresStore

pytestmark = pytest.mark.postgres  # every test here talks to a real PostgreSQL

QUESTIONS = [
    "Саяси модернизация теорияларын кім ұсынды?",
    "Хантингтон саяси институттар туралы не айтты?",
    "Кто такой Хантингтон и что он предложил?",
    "Какие типы модернизации выделяет автор?",
    "What are the driving forces of modernization?",
    "Қазақстандағы саяси модернизацияның ерекшеліктері қандай?",
    "Зерттеудің мақсаты мен міндеттері",
    "1966",
]
ABAI = "Абай Құнанбайұлы 1845 жылы Шыңғыстау бөктерінде дүниеге келген.\n\nОл қазақ ақыны, ағартушы."
ALICE, BOB = Owner.browser("a" * 43), Owner.browser("b" * 43)


@pytest.fixture
def library(postgres_url, thesis_index, embedder):
    """The bundled thesis's index written into the database (its vectors reused, not re-embedded)."""
    location = PostgresStore(postgres_url).index("thesis")
    return build_index(location, list(thesis_index.documents.values()), embedder, previous=thesis_index)


def ranking(searcher: Searcher, question: str) -> list[tuple[str, float]]:
    return [(hit.passage.id, round(hit.score, 4)) for hit in searcher.search(question, 10)]


def test_the_same_questions_get_the_same_rankings_as_from_files(library, searcher, embedder):
    from_database = Searcher(library, embedder)

    for question in QUESTIONS:
        assert ranking(from_database, question) == ranking(searcher, question), question


def test_a_large_index_is_searched_by_pgvector_and_finds_what_faiss_finds(postgres_url, thesis_index, embedder):
    large = PostgresStore(postgres_url, exact_max=0).index("thesis")  # every index counts as large
    index = build_index(large, list(thesis_index.documents.values()), embedder, previous=thesis_index)
    exact = Searcher(thesis_index, embedder)

    assert index.manifest.index_type == GRAPH_TYPE
    for question in QUESTIONS:
        found, expected = Searcher(index, embedder).search(question, 5), exact.search(question, 5)
        assert [h.passage.id for h in found] == [h.passage.id for h in expected], question
        assert np.allclose([h.score for h in found], [h.score for h in expected], atol=1e-3)


def test_the_planner_knows_the_size_of_a_new_version_before_anyone_reads_it(postgres_url, thesis_index, embedder):
    # Without statistics it takes a version for a row or two and searches a large one exactly.
    large = PostgresStore(postgres_url, exact_max=0).index("thesis")
    index = build_index(large, list(thesis_index.documents.values()), embedder, previous=thesis_index)
    rows = index.manifest.sentences

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        query = f"SELECT row FROM sentences WHERE key = 'thesis' AND version = {index.version} AND row < {rows}"
        [[[plan]]] = conn.execute(f"EXPLAIN (FORMAT JSON) {query}").fetchall()
    assert plan["Plan"]["Plan Rows"] > rows / 2


def test_a_document_indexed_by_one_process_is_answered_by_another_without_restart(
    postgres_url, library, cache_dir, embedder, tmp_path
):
    settings = Settings(index_dir=tmp_path / "a", cache_dir=cache_dir, store=postgres_url)
    first = Workspace(settings, embedder=embedder)
    second = Workspace(replace(settings, index_dir=tmp_path / "b"), embedder=embedder)
    assert second.documents() == ["thesis_kk.txt"]
    (tmp_path / "abai.txt").write_text(ABAI, encoding="utf-8")

    first.add_document(load_document(tmp_path / "abai.txt"))
    time.sleep(RECHECK_S + 0.1)

    assert sorted(second.documents()) == ["abai.txt", "thesis_kk.txt"]
    assert second.search("Абай қай жылы туған?", 1)[0].passage.doc == "abai.txt"


def write_schema_1(url: str, index) -> None:
    """`index` (of one segment) written as the first schema kept it: a JSON row per document
    and passage."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SCHEMA_1)
        register_vector(conn)
        conn.execute("CREATE TABLE schema_version (version int NOT NULL); INSERT INTO schema_version VALUES (1)")
        for position, doc in enumerate(index.documents.values()):
            conn.execute("INSERT INTO documents VALUES ('thesis', 1, %s, %s)", (position, Jsonb(asdict(doc))))
        vectors = ann.all_vectors(index.passage_vectors)
        for row, (passage, vector) in enumerate(zip(index.passages, vectors, strict=True)):
            record = {k: v for k, v in asdict(passage).items() if k != "text"}
            conn.execute("INSERT INTO passages VALUES ('thesis', 1, %s, %s, %s)", (row, Jsonb(record), vector))
        for row, vector in enumerate(ann.all_vectors(index.sentence_vectors)):
            conn.execute("INSERT INTO sentences VALUES ('thesis', 1, %s, %s)", (row, vector))
        [postings] = index.lexical.parts
        arrays = {f"lexical-{name}": getattr(postings, name) for name in Postings.FILES}
        arrays |= {"vocabulary": index.vocabulary.vectors, "vocabulary-keys": np.array(index.vocabulary.keys),
                   "vocabulary-forms": np.array(index.vocabulary.forms)}  # fmt: skip
        for name, array in arrays.items():
            conn.execute("INSERT INTO blobs VALUES ('thesis', 1, %s, %s)", (name, npy_bytes(array)))
        conn.execute("INSERT INTO indexes VALUES ('thesis', 1, %s)", (Jsonb(asdict(index.manifest)),))


def test_a_database_of_the_first_schema_is_migrated_and_answers_as_before(postgres_server, thesis_index, searcher):
    url = create_database(postgres_server, "schema_1", replace=True)
    write_schema_1(url, thesis_index)

    migrated = PostgresStore(url).index("thesis").open()

    assert list(migrated.passages) == list(thesis_index.passages)
    assert list(migrated.documents.values()) == list(thesis_index.documents.values())
    from_database = Searcher(migrated, searcher.embedder)
    for question in QUESTIONS:
        assert ranking(from_database, question) == ranking(searcher, question), question


def graphs(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname LIKE '%hnsw%'")]


def downgrade_to_full_precision_graphs(url: str) -> None:
    """Rebuild the database's graphs as the second schema built them (over `vector`)."""
    with psycopg.connect(url, autocommit=True) as conn:
        for definition in graphs(url):
            name = definition.split()[2]
            conn.execute(f"DROP INDEX {name}")
            conn.execute(definition.replace("halfvec", "vector"))
        conn.execute("DELETE FROM schema_version WHERE version >= 3")  # back to the second schema
        conn.execute("UPDATE indexes SET manifest = jsonb_set(manifest, '{index_type}', '\"pgvector-hnsw16\"')")


def test_full_precision_graphs_are_rebuilt_at_half_precision_and_answer_as_before(postgres_url, thesis_index, embedder):
    large = PostgresStore(postgres_url, exact_max=0).index("thesis")
    build_index(large, list(thesis_index.documents.values()), embedder, previous=thesis_index)
    downgrade_to_full_precision_graphs(postgres_url)
    assert all("vector_ip_ops" in d for d in graphs(postgres_url))

    migrated = PostgresStore(postgres_url, exact_max=0).index("thesis").open()

    assert migrated.manifest.index_type == GRAPH_TYPE
    assert len(graphs(postgres_url)) == 2 and all("halfvec_ip_ops" in d for d in graphs(postgres_url))
    exact = Searcher(thesis_index, embedder)
    for question in QUESTIONS:
        found, expected = Searcher(migrated, embedder).search(question, 5), exact.search(question, 5)
        assert [h.passage.id for h in found] == [h.passage.id for h in expected], question


def upload(workspace: Workspace, owner: Owner, name: str, text: str) -> str:
    """Upload `text` as `owner`'s file `name`, as the intake and the worker do it; its id."""
    reserved = workspace.uploads.reserve(owner, name, len(text.encode()), workspace.documents())
    source = reserved.folder / INCOMING / name
    source.write_text(text, encoding="utf-8")
    task = {"source": str(source), "name": name, "index": reserved.location.spec, "max_bytes": 10**7,
            "max_passages": 1000, "quota_passages": 1000}  # fmt: skip
    index_upload(task, workspace.embedder, lambda message: None)
    workspace.uploads.settle(owner, reserved)
    return reserved.id


@pytest.fixture
def replicas(postgres_url, library, cache_dir, embedder, tmp_path):
    """Two workspaces on one database, as two app replicas on two machines hold them."""
    settings = Settings(index_dir=tmp_path / "a", cache_dir=cache_dir, store=postgres_url)
    second = replace(settings, index_dir=tmp_path / "b")
    return Workspace(settings, embedder=embedder), Workspace(second, embedder=embedder)


def test_an_upload_through_one_replica_answers_its_owner_on_the_other_and_nobody_else(replicas):
    one, other = replicas
    upload(one, ALICE, "abai.txt", ABAI)

    assert other.search("Абай қай жылы туған?", 1, owner=ALICE)[0].passage.doc == "abai.txt"
    assert all(hit.passage.doc != "abai.txt" for hit in other.search("Абай қай жылы туған?", 10, owner=BOB))
    assert "abai.txt" not in other.documents(BOB)


def test_a_removed_upload_leaves_nothing_in_the_database(replicas, postgres_url):
    one, other = replicas
    upload_id = upload(one, ALICE, "abai.txt", ABAI)

    assert other.uploads.remove(ALICE, upload_id)

    assert "abai.txt" not in one.documents(ALICE)
    with psycopg.connect(postgres_url) as conn:
        for table in ("indexes", "passages", "sentences", "blobs"):
            left = conn.execute(f"SELECT count(*) FROM {table} WHERE key LIKE 'thesis.owners/%'").fetchone()[0]
            assert left == 0, table
        assert conn.execute("SELECT count(*) FROM records WHERE key LIKE %s", (f"%{upload_id}%",)).fetchone()[0] == 0


def test_pins_are_kept_in_the_database(replicas):
    one, other = replicas
    one.uploads.save_collection(ALICE, [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}])

    assert other.uploads.collection(ALICE) == [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}]
    assert other.uploads.collection(BOB) == []


def test_accounts_added_from_the_command_line_log_in_on_every_replica_and_no_password_is_stored(postgres_url):
    password = "Абай-1845-ақын"
    command = ["users", "add", "aigerim", "--role", "lecturer", "--store", postgres_url]
    added = CliRunner().invoke(main, command, input=f"{password}\n{password}\n")
    assert added.exit_code == 0, added.output
    accounts = Accounts(UsersRecord(PostgresStore(postgres_url).records("accounts")))

    assert accounts.verify("aigerim", password) and not accounts.verify("aigerim", "wrong-password")
    assert accounts.account("aigerim").role == "lecturer"
    with psycopg.connect(postgres_url) as conn:
        stored = " ".join(r[0] for r in conn.execute("SELECT value::text FROM records").fetchall())
    assert "aigerim" in stored and password not in stored


@pytest.fixture
def department(thesis_index_folder, cache_dir, embedder, tmp_path):
    """A department's server on the files store: the thesis, Alice's upload and pins, an account."""
    index_dir = tmp_path / "department"
    shutil.copytree(thesis_index_folder, index_dir / "thesis")
    files = Workspace(Settings(index_dir=index_dir, cache_dir=cache_dir), embedder=embedder)
    upload(files, ALICE, "abai.txt", ABAI)
    files.uploads.save_collection(ALICE, [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}])
    command = ["users", "add", "aigerim", "--role", "lecturer", "--password-stdin", "--index-dir", str(index_dir)]
    assert CliRunner().invoke(main, command, input="Абай-1845-ақын\n").exit_code == 0
    return files


def test_a_departments_files_imported_into_the_database_serve_everyone_as_before(
    department, postgres_url, cache_dir, embedder, tmp_path
):
    command = ["db", "import", "--index-dir", str(department.settings.index_dir), "--store", postgres_url]
    imported = CliRunner().invoke(main, command)
    assert imported.exit_code == 0, imported.output
    assert "2 indexes" in imported.output and "3 records" in imported.output and "1 accounts" in imported.output

    settings = Settings(index_dir=tmp_path / "replica", cache_dir=cache_dir, store=postgres_url)
    database = Workspace(settings, embedder=embedder)
    for question in QUESTIONS:
        assert ranking(database.searcher, question) == ranking(department.searcher, question), question
    assert database.search("Абай қай жылы туған?", 1, owner=ALICE)[0].passage.doc == "abai.txt"
    assert "abai.txt" not in database.documents(BOB)
    assert database.uploads.collection(ALICE) == [{"id": "thesis_kk.txt#3", "doc": "thesis_kk.txt"}]
    accounts = Accounts(UsersRecord(PostgresStore(postgres_url).records("accounts")))
    assert accounts.verify("aigerim", "Абай-1845-ақын") and accounts.account("aigerim").role == "lecturer"


def test_an_import_into_a_database_in_use_is_refused_and_changes_nothing(department, library, postgres_url):
    before = PostgresStore(postgres_url).indexes()

    command = ["db", "import", "--index-dir", str(department.settings.index_dir), "--store", postgres_url]
    refused = CliRunner().invoke(main, command)

    assert refused.exit_code == 1 and "is not empty" in refused.output
    assert PostgresStore(postgres_url).indexes() == before == ["thesis"]


def test_an_import_carries_a_conversation_kept_under_an_empty_page_key(tmp_path, postgres_url):
    """Such a record (`<owner>/conversations/`, kept by an earlier version) is not among the
    folder's children; copied, the server's next start moves it as from the files store."""
    area, page = "thesis.owners", "c" * 32
    files = FilesStore(tmp_path / "department")
    lost = {"messages": [{"role": "user", "content": "Хантингтон кім?"}], "asked": ["Хантингтон кім?"], "saved": 1.0}
    files.records(area).put(f"{ALICE.id}/conversations/", lost)
    files.records(area).put(f"{ALICE.id}/conversations/{page}", {**lost, "saved": 2.0})

    copied = copy_store(files, PostgresStore(postgres_url), UsersFile(tmp_path / "users.json"))

    records = PostgresStore(postgres_url).records(area)
    assert copied.records == 2
    assert records.get(f"{ALICE.id}/conversations/") == lost
    assert records.get(f"{ALICE.id}/conversations/{page}") == {**lost, "saved": 2.0}


def test_an_unreachable_database_is_one_clear_line(tmp_path, cache_dir):
    url = f"postgresql://postgres@/thesis_qa?host={tmp_path}"  # no server there
    done = subprocess.run(
        [sys.executable, "-c", "from thesis_qa.cli import main; main()", "ask", "Абай", "--store", url],
        capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "THESIS_QA_CACHE_DIR": str(cache_dir)},
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "cannot reach the database" in done.stderr


def test_a_connection_the_database_dropped_is_replaced_before_use_however_recently_used(postgres_url):
    """After a restart of the database, a thread's first request is answered, not refused
    with "cannot reach the database" on the connection it kept from before, even one it used
    a moment ago (the server's notice that it ended the session is waiting on it)."""
    records = PostgresStore(postgres_url).records("people")
    records.put("a", {"seen": 1})
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with psycopg.connect(postgres_url, autocommit=True) as admin:  # every session of the database ends
        admin.execute(f"SELECT pg_terminate_backend(pid) {others}")
        deadline = time.monotonic() + 10
        while admin.execute(f"SELECT count(*) {others}").fetchone() != (0,) and time.monotonic() < deadline:
            time.sleep(0.05)

    assert records.get("a") == {"seen": 1}


def cut_lock_holder(url: str, key: str) -> int:
    """End the session holding `key`'s build lock, as a database restart would."""
    with psycopg.connect(url, autocommit=True) as admin:
        held = (
            "SELECT pid FROM pg_locks"
            " WHERE locktype = 'advisory' AND objid = (hashtext(%s)::bigint & 4294967295)::oid"
        )
        pids = [pid for (pid,) in admin.execute(held, (key,)).fetchall()]
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return len(pids)


def test_a_build_whose_lock_session_is_cut_keeps_its_own_outcome(postgres_url):
    location = PostgresStore(postgres_url).index("cut-lock")

    with location.lock():
        assert cut_lock_holder(postgres_url, "cut-lock") == 1
    with pytest.raises(ValueError, match="the build's own"), location.lock():
        cut_lock_holder(postgres_url, "cut-lock")
        raise ValueError("the build's own error")
    with location.lock():  # nothing left held
        assert cut_lock_holder(postgres_url, "cut-lock") == 1


def test_db_start_prints_the_url_and_db_stop_stops_the_server(tmp_path):
    data = tmp_path / "db"
    started = CliRunner().invoke(main, ["db", "start", "--data", str(data)])
    url = started.output.strip().splitlines()[-1]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    stopped = CliRunner().invoke(main, ["db", "stop", "--data", str(data)])

    assert stopped.exit_code == 0 and "stopped" in stopped.output
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=3)
    shutil.rmtree(data, ignore_errors=True)


def test_db_start_gives_the_server_a_quarter_of_the_memory_as_its_buffer_cache(postgres_server):
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    query = "SELECT setting::bigint * 8192 / 1048576 FROM pg_settings WHERE name = 'shared_buffers'"

    with psycopg.connect(postgres_server) as conn:
        assert conn.execute(query).fetchone()[0] == memory_mb // 4


def db(*args: str) -> str:
    """`thesis-qa db ...` in a process of its own, as a user runs it; its last line."""
    command = [sys.executable, "-c", "from thesis_qa.cli import main; main()", "db", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip().splitlines()[-1]


def test_db_start_keeps_a_buffer_cache_someone_chose(tmp_path):
    data = str(tmp_path / "db")
    with psycopg.connect(db("start", "--data", data), autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET shared_buffers = '64MB'")
    db("stop", "--data", data)

    url = db("start", "--data", data)

    with psycopg.connect(url) as conn:
        assert conn.execute("SHOW shared_buffers").fetchone() == ("64MB",)
    db("stop", "--data", data)
