"""The ``user`` commands (``_cli_users``), run as a real subprocess on a real store."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys

import copro_feeds
from copro_feeds._admin._passwords import verify_password
from copro_feeds._store import open_store


def user(*args: str, cwd, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "copro_feeds", "user", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        input=password if password is not None else "",
        env=dict(os.environ),
        check=False,
    )


def stored(project):
    store = open_store(copro_feeds.load_config(project.config_path).storage)
    try:
        return {u.name: u for u in store.users()}
    finally:
        store.close()


def test_add_list_passwd_and_remove(project):
    root = project.root
    added = user("add", "ann", "--role", "admin", "--password-stdin", cwd=root,
                 password="first password\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Added ann (admin).\n"
    assert user("add", "bob", "--role", "editor", "--password-stdin", cwd=root,
                password="bobs password").returncode == 0  # fmt: skip
    listed = user("list", cwd=root)
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [
        ["name", "role"], ["ann", "admin"], ["bob", "editor"],
    ]  # fmt: skip
    users = stored(project)
    assert verify_password(users["ann"].password_hash, "first password")  # no newline kept
    changed = user("passwd", "ann", "--password-stdin", cwd=root, password="second password\n")
    assert changed.returncode == 0, changed.stderr
    ann = stored(project)["ann"]
    assert verify_password(ann.password_hash, "second password")
    assert not verify_password(ann.password_hash, "first password")
    assert user("remove", "bob", cwd=root).stdout == "Removed bob.\n"
    assert set(stored(project)) == {"ann"}
    store = open_store(copro_feeds.load_config(project.config_path).storage)
    try:
        actions = [(a.by, a.action, a.subject) for a in store.staff_actions()]
    finally:
        store.close()
    by = getpass.getuser()  # who ran the commands
    assert actions == [
        (by, "added account", "ann (admin)"),
        (by, "added account", "bob (editor)"),
        (by, "set a new password", "ann"),
        (by, "removed account", "bob"),
    ]
    for output in (added, changed, listed):  # the password is never echoed back
        assert "first password" not in output.stdout + output.stderr
        assert "second password" not in output.stdout + output.stderr


def test_mistakes_are_refused_saying_why_and_change_nothing(project):
    root = project.root
    short = user("add", "ann", "--role", "editor", "--password-stdin", cwd=root, password="x\n")
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr
    assert "nothing changed" in short.stderr
    bad_name = user("add", "ann smith", "--role", "editor", "--password-stdin", cwd=root,
                    password="long enough password\n")  # fmt: skip
    assert bad_name.returncode == 2
    assert "letters, digits" in bad_name.stderr
    assert user("add", "ann", "--role", "editor", "--password-stdin", cwd=root,
                password="long enough password\n").returncode == 0  # fmt: skip
    again = user("add", "ann", "--role", "admin", "--password-stdin", cwd=root,
                 password="another long password\n")  # fmt: skip
    assert (again.returncode, again.stderr) == (
        1,
        "copro-feeds: there is already a user called 'ann'; nothing changed\n",
    )
    assert stored(project)["ann"].role.value == "editor"
    missing = user("remove", "zoe", cwd=root)
    assert (missing.returncode, "no user called 'zoe'" in missing.stderr) == (1, True)
    nobody = user("passwd", "zoe", "--password-stdin", cwd=root, password="long enough pw\n")
    assert nobody.returncode == 1
    empty = user("passwd", "ann", "--password-stdin", cwd=root, password="")
    assert (empty.returncode, empty.stderr) == (
        1,
        "copro-feeds: no password given; nothing changed\n",
    )
    wrong_role = user("add", "cy", "--role", "owner", "--password-stdin", cwd=root)
    assert wrong_role.returncode == 2
    assert "invalid choice" in wrong_role.stderr


def test_list_with_no_users_says_how_to_add_one(project):
    listed = user("list", cwd=project.root)
    assert listed.returncode == 0
    assert "copro-feeds user add NAME --role admin" in listed.stdout
