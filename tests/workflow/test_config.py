"""Settings are checked at start: a wrong one stops the process with a Vietnamese message naming the variable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support import processes
from workflow import config as config_module


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("PADES_LEVEL", "B-X", "CONGVAN_PADES_LEVEL không hợp lệ"),
        ("JOB_MODE", "threads", "CONGVAN_JOB_MODE không hợp lệ"),
        ("RETRY_MAX_ATTEMPTS", "nhiều", "CONGVAN_RETRY_MAX_ATTEMPTS không đọc được"),
        ("SESSION_IDLE_MINUTES", "-5", "CONGVAN_SESSION_IDLE_MINUTES phải là một số không âm"),
        ("HUB_MODE", "1", "CONGVAN_HUB_MODE phải là true hoặc false"),
        ("WORKDAY_END", "25:00", "CONGVAN_WORKDAY_END phải là giờ:phút"),
        ("TIMEZONE", "Asia/Saigon-ish", "CONGVAN_TIMEZONE không phải múi giờ"),
        ("WORKING_DAYS", "thứ hai", "CONGVAN_WORKING_DAYS phải gồm các chữ số"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, setting: str, value: str, words: str
) -> None:
    monkeypatch.setenv(f"CONGVAN_{setting}", value)
    with pytest.raises(config_module.ConfigError, match=words):
        config_module.load()


def test_settings_are_read_as_their_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONGVAN_RETRY_BASE_SECONDS", "0.5")
    monkeypatch.setenv("CONGVAN_EXCHANGE_PULL", "false")
    monkeypatch.setenv("CONGVAN_VXP_SECRET", "12345678901234567890")  # digits stay text
    settings = config_module.load({"SIGNING_PROCESSES": "2"})
    assert settings.retry_base_seconds == 0.5 and settings.exchange_pull is False
    assert settings.vxp_secret == "12345678901234567890" and settings.signing_processes == 2


def test_every_command_stops_at_once_on_a_wrong_setting() -> None:
    done = subprocess.run(
        [*processes.congvan_command(), "init-db"],
        env=os.environ | {"CONGVAN_PADES_LEVEL": "B-X"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "CONGVAN_PADES_LEVEL không hợp lệ: 'B-X'" in done.stderr and "Traceback" not in done.stderr


def test_a_variable_that_is_no_setting_is_refused_with_the_closest_name(monkeypatch: pytest.MonkeyPatch) -> None:
    # The README's shorthand once read as this; it was silently ignored.
    monkeypatch.setenv("CONGVAN_MAX_PAIR_FAILURES", "3")
    with pytest.raises(config_module.ConfigError) as refused:
        config_module.load()
    assert "CONGVAN_MAX_PAIR_FAILURES (có phải CONGVAN_LOGIN_MAX_PAIR_FAILURES?)" in str(refused.value)
    monkeypatch.delenv("CONGVAN_MAX_PAIR_FAILURES")
    monkeypatch.setenv("CONGVAN_SMTP_PASWORD_FILE", "/run/secrets/smtp")
    with pytest.raises(config_module.ConfigError, match="có phải CONGVAN_SMTP_PASSWORD_FILE"):
        config_module.load()
    monkeypatch.delenv("CONGVAN_SMTP_PASWORD_FILE")
    monkeypatch.setenv("CONGVAN_SMTP_PASSWORD_FILE", os.devnull)  # a secret read from a file is one
    assert config_module.load().smtp_password == ""
    done = subprocess.run(
        [*processes.congvan_command(), "init-db"],
        env=os.environ | {"CONGVAN_WORKDAY_STRAT": "07:00"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "CONGVAN_WORKDAY_STRAT (có phải CONGVAN_WORKDAY_START?)" in done.stderr


def test_the_operators_commands_refuse_in_words_not_tracebacks(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("ngắn")
    environment = os.environ | {
        "CONGVAN_DATABASE_URL": f"sqlite:///{tmp_path}/hub.db",
        "CONGVAN_FILES_DIR": str(tmp_path / "files"),
        "CONGVAN_KEYS_DIR": str(tmp_path / "keys"),
        "CONGVAN_HUB_MODE": "true",
    }
    add = ["hub", "add-system", "000.00.01.H57", "--name", "Sở thử", "--secret-file", str(secret)]
    for command in (["init-db"], add):
        done = subprocess.run(
            [*processes.congvan_command(), *command],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "ít nhất 16 ký tự" in done.stderr
