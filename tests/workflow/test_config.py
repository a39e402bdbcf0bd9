"""Settings are checked at start: a wrong one stops the process with a Vietnamese message naming the variable."""

from __future__ import annotations

import os
import subprocess

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
