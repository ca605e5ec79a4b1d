"""Accounts: who may log in, with what role, and whether the server may face a network.

The users file (`Settings.users_path`, JSON, mode 0600), or with a PostgreSQL store its
`accounts` record, holds per user name a role and a salted scrypt hash of the password, never
the password itself. `thesis-qa users add|remove|list` manages it; servers re-read it when it
changes, so an account added while they run can log in at once.
`THESIS_QA_USER`/`THESIS_QA_PASSWORD` remain a one-account shortcut (an admin).

Roles: a `student` keeps private uploads; a `lecturer` or an `admin` may also add an upload to
the library everyone searches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from thesis_qa.errors import ThesisQAError

if TYPE_CHECKING:
    from thesis_qa.storage import Records

Role = Literal["student", "lecturer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
PUBLISHERS: frozenset[Role] = frozenset({"lecturer", "admin"})
SHORTCUT_ROLE: Role = "admin"
MIN_PASSWORD_CHARS = 8
_USER_NAME = re.compile(r"[\w.@-]{1,64}")
# scrypt at n=2^14, r=8: 16 MB and ~50 ms a check, OWASP's minimum for interactive logins.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_REMEDY = "add accounts (thesis-qa users add NAME) or pass --allow-anonymous"


class AccountError(ThesisQAError):
    code = "account"


@dataclass(frozen=True)
class Account:
    name: str
    role: Role


Users = dict[str, dict[str, str]]


class UsersFile:
    """The users as a JSON file readable by its owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def stamp(self) -> object:
        """What changes when the users change (None: there are none)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def read(self) -> Users:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))["users"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccountError(f"the users file {self.path} is damaged ({exc})") from exc

    def write(self, users: Users) -> None:
        """Replace the file atomically, readable by its owner only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "users": users}, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)


class UsersRecord:
    """The users as one record of a shared store (thesis_qa.storage), re-read at most every
    `RECHECK_S` seconds by each server."""

    RECHECK_S = 1.0

    def __init__(self, records: Records, key: str = "accounts") -> None:
        self.records, self.key = records, key

    def stamp(self) -> object:
        return int(time.monotonic() / self.RECHECK_S)

    def read(self) -> Users:
        data = self.records.get(self.key)
        return dict(data.get("users", {})) if isinstance(data, dict) else {}  # type: ignore[arg-type]

    def write(self, users: Users) -> None:
        self.records.put(self.key, {"version": 1, "users": users})


class Accounts:
    """The users (a file or a record) plus the environment's one-account shortcut."""

    def __init__(self, users: UsersFile | UsersRecord, shortcut: tuple[str, str] | None = None) -> None:
        self.users = users
        self.shortcut = shortcut if shortcut and all(shortcut) else None
        self._lock = threading.Lock()
        self._cache: tuple[object, Users] | None = None

    def configured(self) -> bool:
        """Whether anyone can log in (then the server asks every visitor to)."""
        return bool(self.shortcut) or bool(self._users())

    def verify(self, name: str, password: str) -> bool:
        """Whether `password` is `name`'s; the same work is done for unknown names."""
        if self.shortcut and hmac.compare_digest(name.encode(), self.shortcut[0].encode()):
            return hmac.compare_digest(password.encode(), self.shortcut[1].encode())
        record = self._users().get(name)
        salt = bytes.fromhex(record["salt"]) if record else b"\0" * 16
        digest = _hash(password, salt)
        return bool(record) and hmac.compare_digest(digest.hex(), record["hash"])

    def account(self, name: str) -> Account | None:
        if self.shortcut and name == self.shortcut[0]:
            return Account(name, SHORTCUT_ROLE)
        record = self._users().get(name)
        return Account(name, record["role"]) if record else None  # type: ignore[arg-type]

    def list(self) -> list[Account]:
        return [Account(name, record["role"]) for name, record in sorted(self._users().items())]  # type: ignore[arg-type]

    def add(self, name: str, password: str, role: Role = "student") -> None:
        """Add `name`, or change their password and role."""
        if not _USER_NAME.fullmatch(name):
            raise AccountError(f"'{name}' is not a user name (letters, digits, . @ _ -; up to 64)")
        if role not in ROLES:
            raise AccountError(f"'{role}' is not a role ({', '.join(ROLES)})")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
        salt = secrets.token_bytes(16)
        with self._lock:
            users = self._fresh()
            users[name] = {"role": role, "salt": salt.hex(), "hash": _hash(password, salt).hex(), "kdf": "scrypt"}
            self._write(users)

    def remove(self, name: str) -> bool:
        with self._lock:
            users = self._fresh()
            if users.pop(name, None) is None:
                return False
            self._write(users)
            return True

    def _users(self) -> Users:
        """The users, re-read only when they changed."""
        stamp = self.users.stamp()
        if stamp is None:
            return {}
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self.users.read())
        return self._cache[1]

    def _fresh(self) -> Users:
        """The users as stored now (to change them), bypassing the cache."""
        return dict(self.users.read()) if self.users.stamp() is not None else {}

    def _write(self, users: Users) -> None:
        self.users.write(users)
        self._cache = None


def may_publish(role: Role) -> bool:
    """Whether this role may add an upload to the library."""
    return role in PUBLISHERS


def exposure_problem(host: str, share: bool, logins: bool, allow_anonymous: bool) -> str:
    """Why the server must not start this way ("" when it may): beyond loopback, or behind a
    public link, someone must log in unless anonymous access was asked for explicitly."""
    if logins or allow_anonymous:
        return ""
    if share:
        return f"--share opens a public link without logins: {_REMEDY}"
    if host not in _LOOPBACK:
        return f"serving on {host} without logins: {_REMEDY}"
    return ""


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
