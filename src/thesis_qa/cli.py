"""`thesis-qa`: index documents, ask questions, evaluate, serve the app.

A thin layer over `Workspace`. Every flag doubles as a THESIS_QA_* environment variable.
Expected failures print one line and exit 1; nothing prints a traceback unless
THESIS_QA_DEBUG=1.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from thesis_qa import Answer, Mode, __version__, load_document, render_terminal
from thesis_qa.config import OPTIONS, SERVER_OPTIONS, USERS_OPTIONS, Option, Settings, envvar
from thesis_qa.document import page_ranges
from thesis_qa.errors import ThesisQAError
from thesis_qa.limits import DEFAULT_K, MAX_K
from thesis_qa.service.accounts import ROLES, exposure_problem, open_accounts
from thesis_qa.service.evaluate import DEPTH, DocumentShelf, GoldQuery, evaluate, format_table, read_gold
from thesis_qa.service.workspace import Workspace

_FLAG_TYPES: dict[str, Any] = {
    "index_dir": click.Path(file_okay=False, path_type=Path),
    "cache_dir": click.Path(file_okay=False, path_type=Path),
    "users_file": click.Path(dir_okay=False, path_type=Path),
    "port": click.IntRange(1, 65535),
    "max_upload_mb": click.IntRange(1, 1024),
    "top_k": click.IntRange(1, MAX_K),
    "upload_lifetime_hours": click.FloatRange(min=0.0, min_open=True),
    "quota_files": click.IntRange(1),
    "quota_mb": click.IntRange(1),
    "quota_passages": click.IntRange(1),
    "index_workers": click.IntRange(1, 16),
    "worker_memory_mb": click.IntRange(1024),
    "max_request_mb": click.FloatRange(min=0.0, min_open=True),
    "session_hours": click.FloatRange(min=0.0, min_open=True),
    "login_delay_after": click.IntRange(1),
    "login_lockout_after": click.IntRange(1),
    "login_address_lockout_after": click.IntRange(1),
    "login_lockout_minutes": click.FloatRange(min=0.0, min_open=True),
    "login_hash_workers": click.IntRange(1, 16),
}


def _flags(options: tuple[Option, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            flag = "--" + option.field.replace("_", "-")
            command = click.option(
                flag,
                option.field,
                envvar=envvar(option.field),
                type=_FLAG_TYPES.get(option.field, str),
                default=None,
                help=option.described(),
            )(command)
        return command

    return decorate


def _settings(**values: Any) -> Settings:
    return Settings.from_env(**{k: v for k, v in values.items() if k in Settings.__dataclass_fields__})


def _notify(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    from tqdm import tqdm

    bar = tqdm(desc=label, unit="text", file=sys.stderr, disable=None, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


def _workspace(settings: Settings, default_sources: list[Path] | None = None, mode: Mode = "hybrid") -> Workspace:
    with _progress_bar("embedding") as progress:
        workspace = Workspace(settings, notify=_notify, progress=progress, default_sources=default_sources, mode=mode)
        workspace.searcher  # noqa: B018 - open (or build) the index while the bar is live
    return workspace


class _Group(click.Group):
    """Turns every failure into one line and a non-zero exit; never a traceback for users."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ThesisQAError as error:
            raise click.ClickException(str(error)) from error
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as error:
            if os.environ.get("THESIS_QA_DEBUG") == "1":
                raise
            message = f"unexpected {type(error).__name__}: {error}".splitlines()[0]
            raise click.ClickException(f"{message} (THESIS_QA_DEBUG=1 shows more)") from error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="thesis-qa")
def main() -> None:
    """Ask questions of a thesis (Kazakh, Russian, English) and see where the answer is."""


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--verify",
    is_flag=True,
    help="Check every file of the index against its SHA-256 (reads all of it) and rebuild it if damaged",
)
@_flags(OPTIONS)
def index_command(paths: tuple[Path, ...], verify: bool, **options: Any) -> None:
    """Index PATHS (.txt .md .docx .pdf .jsonl) into one index, replacing what it held; or,
    with --verify, check the index file by file."""
    if verify == bool(paths):
        raise click.UsageError("give PATHS to index, or --verify")
    settings = _settings(**options)
    if verify:
        with _progress_bar("embedding") as progress:
            index = Workspace(settings, notify=_notify, progress=progress).verify_library()
        click.echo(f"index '{settings.index}': {len(index.passages)} passages; every file matches its SHA-256")
        return
    documents = [load_document(path) for path in paths]  # fail on a bad file before loading the model
    with _progress_bar("embedding") as progress:
        workspace = Workspace(settings, notify=_notify, progress=progress)
        workspace.index_documents(documents)
    index = workspace.searcher.index
    where = f"'{settings.index}' in {workspace.store.describe()}"
    click.echo(f"indexed {len(index.documents)} document(s), {len(index.passages)} passages into {where}")
    for doc in documents:
        if doc.image_pages:
            click.echo(f"note: {doc.name}: {_image_pages(doc.image_pages)} only an image (a scan?): not searchable")


def _image_pages(pages: tuple[int, ...]) -> str:
    return f"page {pages[0]} holds" if len(pages) == 1 else f"pages {page_ranges(pages)} hold"


@main.command("ask")
@click.argument("question", required=False)
@click.option(
    "--top-k", "-k", type=click.IntRange(1, MAX_K), default=None, help=f"Passages to return [default: {DEFAULT_K}]"
)
@click.option("--doc", default=None, help="Only search the document with this name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text")
@click.option(
    "--batch",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A .jsonl file of {"id", "question", "history"?}: one JSON line of results per question',
)
@_flags(OPTIONS)
def ask_command(
    question: str | None, top_k: int | None, doc: str | None, as_json: bool, batch: Path | None, **options: Any
) -> None:
    """Answer QUESTION from the index (the bundled thesis by default)."""
    if (question is None) == (batch is None):
        raise click.UsageError("give a QUESTION or --batch FILE, not both")
    settings = _settings(**options)
    workspace = _workspace(settings)
    k = top_k or settings.top_k
    if batch:
        for record in _read_batch(batch):
            click.echo(json.dumps(_batch_answer(workspace, record, k, doc), ensure_ascii=False))
        return
    answer = workspace.ask(question or "", k, doc)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        click.echo(_format_answer(answer, color=sys.stdout.isatty()))


@main.command("names")
@click.option("--doc", default=None, help="Only the document with this name")
@click.option("--json", "as_json", is_flag=True, help="One JSON line an entry")
@_flags(OPTIONS)
def names_command(doc: str | None, as_json: bool, **options: Any) -> None:
    """The index of names and works: every person and work the documents cite, A-Я."""
    for entry in _workspace(_settings(**options)).names(doc=doc):
        if as_json:
            click.echo(json.dumps(entry.to_json(), ensure_ascii=False))
        else:
            year = f" ({entry.year})" if entry.year else ""
            pages = ", ".join(entry.pages)
            click.echo(f"{entry.name}{year}  {entry.count}" + (f"  p. {pages}" if pages else ""))


@main.command("glossary")
@click.option("--doc", default=None, help="Only the document with this name")
@click.option("--json", "as_json", is_flag=True, help="One JSON line a definition")
@_flags(OPTIONS)
def glossary_command(doc: str | None, as_json: bool, **options: Any) -> None:
    """The glossary: the terms the documents define, with the defining sentence."""
    for definition in _workspace(_settings(**options)).glossary(doc=doc):
        if as_json:
            click.echo(json.dumps(definition.to_json(), ensure_ascii=False))
        else:
            click.echo(f"{definition.term}: {definition.definition}")


def _read_batch(path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ThesisQAError(f"{path.name} line {number}: invalid JSON ({exc.msg})") from exc
            if not isinstance(record, dict) or "question" not in record:
                raise ThesisQAError(f'{path.name} line {number}: expected {{"id", "question"}}')
            yield record


def _batch_answer(workspace: Workspace, record: dict[str, Any], k: int, doc: str | None) -> dict[str, Any]:
    history = record.get("history") or []
    try:
        if not isinstance(history, list):
            raise ThesisQAError("'history' must be a list of earlier questions")
        answer = workspace.ask(str(record["question"]), k, doc, history)
    except ThesisQAError as error:
        return {"id": record.get("id"), "answered": False, "confidence": 0.0, "results": [], "error": str(error)}
    result = answer.to_json()
    del result["question"]
    return {"id": record.get("id"), **result}


def _format_answer(answer: Answer, color: bool) -> str:
    """One line when the documents do not answer, then the passages ranked."""
    if not answer.hits:
        return "No passages found."
    verdict = (
        f"confidence {answer.confidence:.0%}"
        if answer.answered
        else "The documents do not seem to answer this; the closest passages:"
    )
    blocks = [verdict]
    for rank, hit in enumerate(answer.hits, start=1):
        p = hit.passage
        section = p.section or ("table of contents" if p.kind == "toc" else "")
        where = [section, f"¶{p.paragraph}" if p.paragraph else "", f"p. {p.page}" if p.page else ""]
        where += [p.doc]
        header = f"{rank}. " + " · ".join(w for w in where if w)
        body = render_terminal(p.text, hit.highlights, hit.terms, color=color)
        blocks.append(f"{header}\n   {body}")
    return "\n\n".join(blocks)


@main.command("eval")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--pool",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Passages (.jsonl) the gold ids refer to; indexed as 'eval-<name>'",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the metrics as JSON to this file",
)
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "lexical"]),
    default="hybrid",
    show_default=True,
    help="Retrieval channels to use (dense or lexical alone for an ablation)",
)
@click.option(
    "--docs",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help='Folder of the documents gold lines name ("doc"), each asked alone (eval/realdev/get_docs.sh)',
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where those documents' indexes are kept (default: <index dir>/realdev); rebuilt only when stale",
)
@_flags(OPTIONS)
def eval_command(gold: Path, pool: Path | None, as_json: bool, out: Path | None, mode: Mode, **options: Any) -> None:
    """Measure a gold set: R@1/3/5/10, MRR@10, nDCG@10, highlight hits, refusals, calibration.

    GOLD lines hold anchors or gold ids, and may hold "history" (a follow-up),
    "answerable": false (a question the documents do not answer) or "doc" (asked of that
    document in --docs alone)."""
    docs: Path | None = options.pop("docs")
    cache: Path | None = options.pop("cache")
    settings = _settings(**options)
    if pool:
        settings = replace(settings, index=f"eval-{pool.stem}")
    queries = read_gold(gold)
    if any(q.doc for q in queries) and docs is None:
        raise click.UsageError(f"{gold.name} names documents: give their folder with --docs")
    if all(q.doc for q in queries):  # only the named documents are asked: the library is not opened
        workspace = Workspace(settings, notify=_notify, mode=mode)
    else:
        workspace = _workspace(settings, [pool] if pool else None, mode)
    cache = cache or settings.index_dir / "realdev"
    shelf = DocumentShelf(docs, cache, workspace.embedder, mode, _notify) if docs else None

    def answer(query: GoldQuery) -> Answer:
        if query.doc and shelf:
            return shelf.ask(query)
        return workspace.ask(query.question, DEPTH, None, query.history)

    result = evaluate(queries, answer)
    report = {"gold": gold.name, "pool": pool.name if pool else None, "mode": mode, **result}
    report["settings"] = {"model": settings.model, "query_engine": settings.query_engine}
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        n = result["metrics"]["all"]  # type: ignore[index]
        click.echo(format_table(f"{gold.name} ({n['n'] + n.get('negatives', 0)} questions, {mode})", result))


@main.command("serve")
@click.option("--share", is_flag=True, default=None, help="Also open a public gradio.live link (off by default)")
@click.option(
    "--allow-anonymous",
    is_flag=True,
    default=None,
    envvar=envvar("allow_anonymous"),
    help="Serve beyond this machine (--host, --share) without logins",
)
@_flags(OPTIONS + SERVER_OPTIONS)
def serve_command(**options: Any) -> None:
    """Start the web app (http://127.0.0.1:7860 by default) on the index.

    The library (the index) is read-only from the browser; uploads are private to the browser
    or account that made them. Beyond 127.0.0.1 or with --share, logins are required unless
    --allow-anonymous is given."""
    settings = _settings(**options)
    accounts = open_accounts(settings)
    accounts.check()
    problem = exposure_problem(settings.host, settings.share, accounts.configured(), settings.allow_anonymous)
    if problem:
        raise click.ClickException(f"refusing to start: {problem}")
    from thesis_qa_app import launch

    launch(settings, accounts, notify=_notify)


@main.group("db")
def db_group() -> None:
    """A local PostgreSQL with pgvector to use as --store (run as root, it creates a system
    user 'embedded_postgres' to run the server as)."""


@db_group.command("start")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), required=True, help="The database's folder")
def db_start(data: Path) -> None:
    """Start the database in DATA (created on first start); prints its URL on the last line."""
    from thesis_qa.service.database import start

    click.echo(start(data))


@db_group.command("stop")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), required=True, help="The database's folder")
def db_stop(data: Path) -> None:
    """Stop the database in DATA."""
    from thesis_qa.service.database import stop

    click.echo("stopped" if stop(data) else f"no database running in {data}")


@db_group.command("import")
@_flags(USERS_OPTIONS)
def db_import(**options: Any) -> None:
    """Copy the files store (every index, upload, pin and account under --index-dir) into the
    empty database --store, without embedding anything again."""
    from thesis_qa.service.database import import_files_store

    settings = _settings(**options)
    if not settings.store:
        raise click.UsageError("give the database to import into with --store (or THESIS_QA_STORE)")
    copied, target = import_files_store(settings, _notify)
    click.echo(
        f"{copied.indexes} indexes ({copied.passages:,} passages), {copied.records} records and "
        f"{copied.accounts} accounts copied into {target}"
    )


@main.group("users")
def users_group() -> None:
    """Manage the accounts that may log in to the web app (salted scrypt hashes, never passwords)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="student", show_default=True, help="What the account may do")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin")
@_flags(USERS_OPTIONS)
def users_add(name: str, role: str, password_stdin: bool, **options: Any) -> None:
    """Add the account NAME (or change its password and role); the password is asked for."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    open_accounts(_settings(**options)).add(name, password, role)  # type: ignore[arg-type]
    click.echo(f"{name}: {role}")


@users_group.command("remove")
@click.argument("name")
@click.option("--keep-uploads", is_flag=True, help="Keep the account's uploads on disk")
@_flags(USERS_OPTIONS)
def users_remove(name: str, keep_uploads: bool, **options: Any) -> None:
    """Remove the account NAME and, unless --keep-uploads, everything it uploaded."""
    from thesis_qa.service.owners import remove_account_everywhere

    settings = _settings(**options)
    if not open_accounts(settings).remove(name):
        raise click.ClickException(f"no account called '{name}'")
    if not keep_uploads:
        remove_account_everywhere(settings.store, settings.index_dir, name)
    click.echo(f"removed {name}")


@users_group.command("list")
@_flags(USERS_OPTIONS)
def users_list(**options: Any) -> None:
    """List the accounts and their roles."""
    for account in open_accounts(_settings(**options)).list():
        click.echo(f"{account.name}\t{account.role}")
