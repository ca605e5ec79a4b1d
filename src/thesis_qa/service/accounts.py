"""Accounts: who may log in, with what role, and whether the server may face a network.

The users file (`Settings.users_path`, JSON, mode 0600), or with a PostgreSQL store its
`accounts` record, holds per user name a role and a salted scrypt hash of the password, never
the password itself. `thesis-qa users add|remove|list` manages it; servers re-read it when it
changes, so an account added while they run can log in at once.
`THESIS_QA_USER`/`THESIS_QA_PASSWORD` remain a one-account shortcut (an admin).

Roles: a `student` keeps private uploads; a `lecturer` or an `admin` may also add an upload to
the library everyone searches.

A login is a signed token (`issue`, `holder`): the account's name, when it was issued, and the
account's session epoch, signed with HMAC-SHA256 under a secret kept with the users (the file
`<users file>.secret`, mode 0600, or the store's `session_secret` record), so logins survive a
restart of the server and hold on every replica. The epoch is derived from the password's
salt and a counter that `end_sessions` raises (a logout): changing a password, removing the
account or logging out ends every session of the account at its next request.

Account names are NFKC, without invisible characters, without a word mixing two scripts, and
never a look-alike (same letters up to case or script) of another account (thesis_qa.text.names).

Failed logins are counted per account and per address in `LoginFailures`: in the server's
memory with the files store (one server a folder), in the database's `login_failures` table
with PostgreSQL, so replicas behind one balancer throttle together (thesis_qa_app.guard).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from thesis_qa.errors import ThesisQAError
from thesis_qa.text.names import clean_name, mixed_script, twin

if TYPE_CHECKING:
    from thesis_qa.config import Settings
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

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> Users:
        try:
            return _checked(json.loads(self.path.read_text(encoding="utf-8"))["users"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccountError(f"the users file {self.path} is damaged ({exc})") from exc

    def secret(self) -> bytes:
        """The sessions' signing key, next to the file (made on first use, mode 0600)."""
        path = self.path.with_name(self.path.name + ".secret")
        try:
            return bytes.fromhex(path.read_text(encoding="ascii").strip())
        except (FileNotFoundError, ValueError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
            return bytes.fromhex(path.read_text(encoding="ascii").strip())

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

    def exists(self) -> bool:
        return self.records.get(self.key) is not None

    def read(self) -> Users:
        data = self.records.get(self.key)
        try:
            return _checked(data.get("users", {})) if isinstance(data, dict) else {}
        except (TypeError, KeyError) as exc:
            raise AccountError(f"the accounts record is damaged ({exc})") from exc

    def secret(self) -> bytes:
        """The sessions' signing key, a record of the store (made by the first server)."""
        key = f"{self.key}/session_secret"
        if _secret_of(self.records.get(key)) is None:
            self.records.put(key, {"hex": secrets.token_hex(32)})
        secret = _secret_of(self.records.get(key))  # read back: another replica may have written first
        if secret is None:
            raise AccountError("the sessions' signing key cannot be kept in the store")
        return secret

    def write(self, users: Users) -> None:
        self.records.put(self.key, {"version": 1, "users": users})


def _secret_of(record: object) -> bytes | None:
    """The signing key a record holds, if it holds one."""
    if isinstance(record, dict) and isinstance(record.get("hex"), str):
        return bytes.fromhex(record["hex"])
    return None


Failures = tuple[int, float, float]  # failed logins, the last one's time, locked until (unix seconds)
REMEMBERED_FAILURES = 100_000  # accounts and addresses a server's memory keeps count of


class LoginFailures(Protocol):
    """Failed logins per (kind, key): kind "account" or "address"."""

    def get(self, kind: str, key: str) -> Failures | None: ...

    def add(self, kind: str, key: str, now: float, lock_at: int, lockout_s: float) -> Failures:
        """One more failure, atomically: the count starts afresh after `lockout_s` of quiet,
        and reaching `lock_at` locks the key for `lockout_s`. The record after it."""

    def forget(self, kind: str, key: str) -> None: ...

    def lessen(self, kind: str, key: str) -> None:
        """One failure fewer (a right password from an address)."""


class MemoryFailures:
    """`LoginFailures` in this process (the files store: one server a folder)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: OrderedDict[tuple[str, str], Failures] = OrderedDict()

    def get(self, kind: str, key: str) -> Failures | None:
        return self._failures.get((kind, key))

    def add(self, kind: str, key: str, now: float, lock_at: int, lockout_s: float) -> Failures:
        with self._lock:
            count, last, locked_until = self._failures.pop((kind, key), (0, 0.0, 0.0))
            if last + lockout_s < now and locked_until < now:
                count, locked_until = 0, 0.0  # quiet for a lockout's length: forgotten
            count += 1
            record = (count, now, now + lockout_s if count == lock_at else locked_until)
            self._failures[(kind, key)] = record
            while len(self._failures) > REMEMBERED_FAILURES:
                self._failures.popitem(last=False)
            return record

    def forget(self, kind: str, key: str) -> None:
        with self._lock:
            self._failures.pop((kind, key), None)

    def lessen(self, kind: str, key: str) -> None:
        with self._lock:
            record = self._failures.get((kind, key))
            if record is not None:
                self._failures[(kind, key)] = (max(0, record[0] - 1), *record[1:])


class Accounts:
    """The users (a file or a record) plus the environment's one-account shortcut, and where
    failed logins are counted (`failures`)."""

    def __init__(
        self,
        users: UsersFile | UsersRecord,
        shortcut: tuple[str, str] | None = None,
        failures: LoginFailures | None = None,
    ) -> None:
        self.users = users
        self.shortcut = shortcut if shortcut and all(shortcut) else None
        self.failures: LoginFailures = failures or MemoryFailures()
        self._lock = threading.Lock()
        self._cache: tuple[object, Users] | None = None
        self._secret: bytes | None = None
        self._shortcut_epoch = 0  # the shortcut account has no record: its logouts count here

    def configured(self) -> bool:
        """Whether anyone can log in (then the server asks every visitor to)."""
        return bool(self.shortcut) or bool(self._users())

    def check(self) -> None:
        """Refuse users that would leave a server open or failing: a damaged file, or one that
        exists but holds no account (a server would start without logins)."""
        if self.users.exists() and not self._fresh():
            remedy = "add one (thesis-qa users add NAME) or remove it"
            raise AccountError(f"{_where(self.users)} holds no account: {remedy}")

    def verify(self, name: str, password: str, hasher: Callable[[str, bytes], bytes] | None = None) -> bool:
        """Whether `password` is `name`'s; the same work is done for unknown names. `hasher`
        computes `password_hash` (elsewhere: a server runs it in processes of its own)."""
        if self.shortcut and hmac.compare_digest(name.encode(), self.shortcut[0].encode()):
            return hmac.compare_digest(password.encode(), self.shortcut[1].encode())
        record = self._users().get(name)
        salt = bytes.fromhex(record["salt"]) if record else b"\0" * 16
        digest = (hasher or password_hash)(password, salt)  # hashed even for no account: no timing tell
        return record is not None and hmac.compare_digest(digest.hex(), record["hash"])

    def account(self, name: str) -> Account | None:
        if self.shortcut and name == self.shortcut[0]:
            return Account(name, SHORTCUT_ROLE)
        record = self._users().get(name)
        return Account(name, record["role"]) if record else None  # type: ignore[arg-type]

    def list(self) -> list[Account]:
        return [Account(name, record["role"]) for name, record in sorted(self._users().items())]  # type: ignore[arg-type]

    def add(self, name: str, password: str, role: Role = "student") -> None:
        """Add `name`, or change their password and role (which ends their sessions)."""
        if not _USER_NAME.fullmatch(name) or clean_name(name) != name:
            raise AccountError(f"'{name}' is not a user name (letters, digits, . @ _ -; up to 64)")
        if mixed_script(name):
            raise AccountError(f"'{name}' mixes letters of two scripts in '{mixed_script(name)}'")
        if role not in ROLES:
            raise AccountError(f"'{role}' is not a role ({', '.join(ROLES)})")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
        salt = secrets.token_bytes(16)
        digest = password_hash(password, salt).hex()
        with self._lock:
            users = self._fresh()
            if twin(name, set(users)):
                raise AccountError(f"'{name}' looks like the account '{twin(name, set(users))}'")
            users[name] = {"role": role, "salt": salt.hex(), "hash": digest, "kdf": "scrypt"}
            self._write(users)

    def issue(self, name: str) -> str:
        """A session token for `name` (just logged in)."""
        body = _b64(json.dumps([name, int(time.time()), self._epoch(name)], ensure_ascii=False).encode())
        return f"{body}.{self._sign(body)}"

    def holder(self, token: str, max_age_s: float) -> str | None:
        """Whose session `token` is: None when it is forged, older than `max_age_s`, or of an
        account removed, whose password changed, or who logged out since."""
        body, _, signature = token.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            name, issued, epoch = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            current, fresh = self._epoch(name), time.time() < float(issued) + max_age_s
            alive = bool(current) and fresh and hmac.compare_digest(str(epoch), current)
        except (ValueError, TypeError, AccountError):
            return None
        return name if alive else None

    def end_sessions(self, name: str) -> None:
        """End every session of `name` (a logout ends them all, on every replica)."""
        if self.shortcut and name == self.shortcut[0]:
            self._shortcut_epoch += 1
            return
        with self._lock:
            users = self._fresh()
            if name in users:
                users[name] = {**users[name], "epoch": str(int(users[name].get("epoch", "0")) + 1)}
                self._write(users)

    def remove(self, name: str) -> bool:
        with self._lock:
            users = self._fresh()
            if users.pop(name, None) is None:
                return False
            self._write(users)
            return True

    def _epoch(self, name: str) -> str:
        """What a session of `name` must carry to be alive ("" for no such account)."""
        if self.shortcut and name == self.shortcut[0]:
            material = f"{self.shortcut[1]}:{self._shortcut_epoch}".encode()
        elif record := self._users().get(name):
            material = f"{record['salt']}:{record.get('epoch', '0')}".encode()
        else:
            return ""
        return hmac.new(self._key(), material, hashlib.sha256).hexdigest()[:24]

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key(), body.encode("ascii", "replace"), hashlib.sha256).digest())

    def _key(self) -> bytes:
        if self._secret is None:
            self._secret = self.users.secret()
        return self._secret

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


def _checked(users: object) -> Users:
    """`users` if it is a mapping of names to records with a role, salt and hash."""
    if not isinstance(users, dict):
        raise TypeError(f"'users' is a {type(users).__name__}, not a mapping of names")
    for name, record in users.items():
        if not isinstance(record, dict) or not {"role", "salt", "hash"} <= record.keys():
            raise KeyError(f"the account '{name}' has no role, salt and hash")
    return users


def _where(users: UsersFile | UsersRecord) -> str:
    return f"the users file {users.path}" if isinstance(users, UsersFile) else "the accounts record"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def password_hash(password: str, salt: bytes) -> bytes:
    """scrypt of the password (it holds Python's GIL for its ~50 ms: a server runs it in
    processes of its own, thesis_qa_app.guard)."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)


def open_accounts(settings: Settings) -> Accounts:
    """The users file, or the store's accounts record when the store is a database."""
    shortcut = (settings.user, settings.password)
    if settings.store:
        from thesis_qa.storage import open_store
        from thesis_qa.storage.postgres import PostgresStore

        store = open_store(settings.store, settings.index_dir)
        failures = store.login_failures() if isinstance(store, PostgresStore) else None
        return Accounts(UsersRecord(store.records("accounts")), shortcut, failures)
    return Accounts(UsersFile(settings.users_path), shortcut)
