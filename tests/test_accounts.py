"""Accounts: the users file and `thesis-qa users`, salted hashes, roles, the one-account
shortcut, and when a server may face a network."""

from __future__ import annotations

import json
import stat

import pytest
from click.testing import CliRunner

from thesis_qa.cli import main
from thesis_qa.service.accounts import AccountError, Accounts, UsersFile, exposure_problem, may_publish
from thesis_qa.service.owners import Owner

PASSWORD = "Абай-1845-ақын"


@pytest.fixture
def accounts(tmp_path):
    return Accounts(UsersFile(tmp_path / "users.json"))


def test_an_added_account_logs_in_with_its_password_only(accounts):
    accounts.add("aigerim", PASSWORD)

    assert accounts.verify("aigerim", PASSWORD)
    assert not accounts.verify("aigerim", PASSWORD + "!")
    assert not accounts.verify("aigerim", "")
    assert not accounts.verify("someone", PASSWORD)
    assert accounts.account("aigerim").role == "student"


def test_the_users_file_holds_salted_hashes_and_no_password(accounts):
    accounts.add("aigerim", PASSWORD)
    accounts.add("dana", PASSWORD)  # the same password

    raw = accounts.users.path.read_bytes()
    users = json.loads(raw)["users"]
    assert PASSWORD.encode() not in raw and PASSWORD.encode("unicode_escape") not in raw
    assert users["aigerim"]["salt"] != users["dana"]["salt"]
    assert users["aigerim"]["hash"] != users["dana"]["hash"]
    assert stat.S_IMODE(accounts.users.path.stat().st_mode) == 0o600


def test_roles_decide_who_may_add_to_the_library(accounts):
    accounts.add("student", PASSWORD)
    accounts.add("teacher", PASSWORD, "lecturer")
    accounts.add("boss", PASSWORD, "admin")

    roles = {a.name: a.role for a in accounts.list()}
    assert roles == {"boss": "admin", "student": "student", "teacher": "lecturer"}
    assert [may_publish(roles[n]) for n in ("student", "teacher", "boss")] == [False, True, True]


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [("", PASSWORD, "student"), ("a b", PASSWORD, "student"), ("x" * 65, PASSWORD, "student"),
     ("ok", "short", "student"), ("ok", PASSWORD, "root")],
)  # fmt: skip
def test_bad_names_passwords_and_roles_are_refused(accounts, name, password, role):
    with pytest.raises(AccountError):
        accounts.add(name, password, role)
    assert accounts.list() == []


def test_a_removed_account_can_no_longer_log_in(accounts):
    accounts.add("aigerim", PASSWORD)

    assert accounts.remove("aigerim") and not accounts.remove("aigerim")
    assert not accounts.verify("aigerim", PASSWORD)
    assert not accounts.configured()


def test_the_environment_shortcut_is_one_admin_account(tmp_path):
    accounts = Accounts(UsersFile(tmp_path / "users.json"), ("lecturer", "s3cret-пароль"))

    assert accounts.configured()
    assert accounts.verify("lecturer", "s3cret-пароль") and not accounts.verify("lecturer", "s3cret")
    assert accounts.account("lecturer").role == "admin"
    assert not Accounts(UsersFile(tmp_path / "users.json"), ("lecturer", "")).configured()


@pytest.mark.parametrize(
    ("host", "share", "logins", "anonymous", "refused"),
    [
        ("127.0.0.1", False, False, False, False),
        ("0.0.0.0", False, False, False, True),
        ("127.0.0.1", True, False, False, True),
        ("0.0.0.0", True, True, False, False),
        ("0.0.0.0", True, False, True, False),
    ],
)
def test_a_server_beyond_loopback_needs_logins_or_an_explicit_yes(host, share, logins, anonymous, refused):
    assert bool(exposure_problem(host, share, logins, anonymous)) is refused


def test_the_users_command_adds_lists_and_removes_accounts(tmp_path):
    env = {"THESIS_QA_INDEX_DIR": str(tmp_path / "index")}
    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", "aigerim", "--role", "lecturer"], input=f"{PASSWORD}\n{PASSWORD}\n", env=env
    )
    piped = runner.invoke(main, ["users", "add", "dana", "--password-stdin"], input=f"{PASSWORD}\n", env=env)
    assert added.exit_code == 0 and piped.exit_code == 0, added.output + piped.output
    owner_folder = tmp_path / "index" / "thesis.owners" / Owner.account("dana", "student").id
    owner_folder.mkdir(parents=True)

    assert runner.invoke(main, ["users", "list"], env=env).output == "aigerim\tlecturer\ndana\tstudent\n"
    assert Accounts(UsersFile(tmp_path / "index" / "users.json")).verify("dana", PASSWORD)
    assert runner.invoke(main, ["users", "remove", "dana"], env=env).exit_code == 0
    assert not owner_folder.exists()  # the account's uploads went with it
    refused = runner.invoke(main, ["users", "remove", "dana"], env=env)
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
