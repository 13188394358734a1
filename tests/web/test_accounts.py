"""Workbench accounts from the command line: hashed passwords, roles, names fit for a TEI pointer."""

from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from app.cli import main
from app.web.accounts import Accounts
from app.web.guard import FIRST_WAIT_S, FREE_ATTEMPTS, LoginThrottle
from corpora.parallel import CleaningConfig, clean_pair


def test_users_add_stores_an_argon2_hash_readable_by_the_service_alone(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["users", "add", "wang", "--role", "reviewer", "--store", str(tmp_path), "--password-stdin"],
        input="a long secret\n",
    )
    assert result.exit_code == 0, result.output
    users = tmp_path / ".workbench" / "users.json"
    record = json.loads(users.read_text())["wang"]
    assert record["role"] == "reviewer" and record["hash"].startswith("$argon2")
    assert "a long secret" not in users.read_text()
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert Accounts(tmp_path).verify("wang", "a long secret").role == "reviewer"
    assert Accounts(tmp_path).verify("wang", "a long secreT") is None
    assert Accounts(tmp_path).verify("nobody", "a long secret") is None
    listed = runner.invoke(main, ["users", "list", "--store", str(tmp_path)])
    assert listed.output == "wang\treviewer\n"


def test_users_add_refuses_bad_names_roles_short_passwords_and_silent_replacement(tmp_path):
    runner = CliRunner()

    def add(name, role="reviewer", password="a long secret", *extra):
        args = ["users", "add", name, "--role", role, "--store", str(tmp_path), "--password-stdin", *extra]
        return runner.invoke(main, args, input=password + "\n")

    assert add("wang").exit_code == 0
    assert "exists already" in add("wang").output
    assert add("wang", "admin", "another secret", "--replace").exit_code == 0
    assert Accounts(tmp_path).get("wang").role == "admin"
    assert "user name" in add("王").output  # it becomes an xml:id: ASCII name characters only
    assert "user name" in add("a b").output
    assert add("li", "owner").exit_code != 0
    assert "at least 8" in add("li", "reviewer", "short").output


def test_failed_logins_make_the_next_attempt_wait_longer_each_time():
    throttle = LoginThrottle()
    for _ in range(FREE_ATTEMPTS):
        assert throttle.wait_s("wang", "10.0.0.1", now=1000.0) == 0
        throttle.failed("wang", "10.0.0.1", now=1000.0)
    assert throttle.wait_s("wang", "10.0.0.1", now=1000.0) == FIRST_WAIT_S
    throttle.failed("wang", "10.0.0.1", now=1000.0)
    assert throttle.wait_s("wang", "10.0.0.1", now=1000.0) == 2 * FIRST_WAIT_S
    assert throttle.wait_s("wang", "10.0.0.2", now=1000.0) == 0  # per address
    assert throttle.wait_s("wang", "10.0.0.1", now=1000.0 + 2 * FIRST_WAIT_S) == 0
    throttle.succeeded("wang", "10.0.0.1")
    assert throttle.wait_s("wang", "10.0.0.1", now=1000.0) == 0


def test_a_sources_only_reading_takes_rows_without_a_translation():
    assert clean_pair("學而時習之。", "", CleaningConfig()) == "empty"
    assert clean_pair("學而時習之。", "", CleaningConfig(min_ratio=0.0)) == ("學而時習之。", "")
