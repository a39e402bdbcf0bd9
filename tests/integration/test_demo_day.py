"""`congvan demo-day` against the service as the README's first command runs it: gunicorn, rq worker, scheduler."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.integration.conftest import Deployment
from tests.support import processes

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_demo_day_command(deployment: Deployment) -> None:
    port = processes.free_port()
    started = [
        processes.start_congvan(["serve", "--port", str(port)], deployment.env, deployment.logs / "web.log"),
        processes.start_congvan(["worker"], deployment.env, deployment.logs / "worker.log"),
        processes.start_congvan(["scheduler", "--interval", "1"], deployment.env, deployment.logs / "sched.log"),
    ]
    command = [sys.executable, "-m", "congvan.cli", "demo-day", "--url", f"http://127.0.0.1:{port}", "--drafts", "6"]
    runs = []
    try:
        processes.wait_for_port(port)
        for _ in range(2):  # a second day on the same service: the first one's deliveries are done already
            runs.append(
                subprocess.run(
                    command,
                    env=deployment.env,
                    check=False,
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            )
    finally:
        processes.stop_all(started)
    first = runs[0]
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Giám đốc xác nhận một lần; ký xong 5 văn bản" in run.stdout
        assert "Phòng Quản lý đất đai nhận 6 văn bản" in run.stdout
    assert "Văn bản khẩn ký và phát hành ngay: 01/STNMT-VP." in first.stdout
    urgent = [re.search(r"Văn bản khẩn ký và phát hành ngay: (\S+)\.", run.stdout) for run in runs]
    assert urgent[1] is not None and urgent[0] is not None and urgent[1][1] != urgent[0][1]  # the next numbers
