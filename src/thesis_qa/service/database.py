"""The database operations `thesis-qa db` offers: a local PostgreSQL started and stopped
(`storage.embedded`), and a department's files store copied into a database (`transfer`)."""

from __future__ import annotations

from collections.abc import Callable

from thesis_qa.config import Settings
from thesis_qa.service.accounts import UsersFile
from thesis_qa.service.transfer import Copied, copy_store
from thesis_qa.storage import open_store
from thesis_qa.storage.embedded import start, stop

__all__ = ["import_files_store", "start", "stop"]


def import_files_store(settings: Settings, notify: Callable[[str], None]) -> tuple[Copied, str]:
    """Copy the files store under `settings.index_dir` (and its accounts file) into the
    database `settings.store`; returns what was copied and the database's description."""
    source, target = open_store("", settings.index_dir), open_store(settings.store, settings.index_dir)
    return copy_store(source, target, UsersFile(settings.users_path), notify=notify), target.describe()
