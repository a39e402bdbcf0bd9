"""`congvan demo-day` against the service as the README's first command runs it: gunicorn, rq worker, scheduler."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests import processes
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_demo_day_command(deployment: Deployment) -> None:
    port = processes.free_port()
    started = [
        processes.start_congvan(["serve", "--port", str(port)], deployment.env, deployment.logs / "web.log"),
        processes.start_congvan(["worker"], deployment.env, deployment.logs / "worker.log"),
        processes.start_congvan(["scheduler", "--interval", "1"], deployment.env, deployment.logs / "sched.log"),
    ]
    try:
        processes.wait_for_port(port)
        run = subprocess.run(
            [sys.executable, "-m", "workflow.cli", "demo-day", "--url", f"http://127.0.0.1:{port}", "--drafts", "6"],
            env=deployment.env,
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        for process in started:
            processes.stop(process)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Giám đốc xác nhận một lần; ký xong 5 văn bản" in run.stdout
    assert "Văn bản khẩn ký và phát hành ngay: 01/STNMT-VP." in run.stdout
    assert "Phòng Quản lý đất đai nhận 6 văn bản" in run.stdout
