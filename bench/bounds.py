"""Heavy and hostile requests of issue 14, before and after, in one run: each request's time and answer, and
how long another person's sign-in waited meanwhile.

Usage: .venv/bin/python bench/bounds.py [--baseline REV] [--timeout 60]

For each of two checkouts of congvan (the baseline revision, by default the one before issue 14, in a
temporary git worktree; and this tree), a fresh SQLite instance with the demo directory is served by gunicorn
(2 workers x 4 threads, jobs inline). Every case gets a freshly started server (a request stuck in the old
code keeps burning its worker after the client gives up), sends its request, and meanwhile signs another
person in three times. Prints one table per checkout and the ratio of the times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from tests.support import hostile, processes

HERE = Path(__file__).resolve().parents[1]
PASSWORD = "congvan-demo"
WORD = "Sở Tài nguyên và Môi trường đề nghị các đơn vị phối hợp thực hiện "


def _text(chars: int) -> str:
    return (WORD * (chars // len(WORD) + 1))[:chars]


class Server:
    """gunicorn serving one checkout on a fresh port, with its own instance folder."""

    def __init__(self, tree: Path, workdir: Path) -> None:
        self.tree, self.workdir = tree, workdir
        self.env = dict(os.environ) | {
            "PYTHONPATH": str(tree),
            "CONGVAN_DATABASE_URL": f"sqlite:///{workdir}/congvan.db",
            "CONGVAN_FILES_DIR": str(workdir / "files"),
            "CONGVAN_KEYS_DIR": str(workdir / "keys"),
            "CONGVAN_JOB_MODE": "inline",
            "CONGVAN_KEY_PASSPHRASE": "bench-passphrase",
        }
        subprocess.run(
            [sys.executable, "-m", "congvan.cli", "setup-demo"],
            cwd=tree,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        self.port = processes.free_port()
        command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"]
        self.process = subprocess.Popen(
            [*command, "--threads", "4", "wsgi:create_app()"],
            cwd=self.tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        processes.wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process, signal.SIGKILL)
            self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, user: str) -> str:
        answer = requests.post(
            f"{self.url}/api/v1/auth/login", json={"username": user, "password": PASSWORD}, timeout=60
        )
        return str(answer.json()["token"])


def _draft(server: Server, timeout: float, **fields: Any) -> requests.Response:
    token = server.token("chuyenvien")
    people = requests.get(
        f"{server.url}/api/v1/directory", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ).json()["people"]
    body = {
        "doc_type": "cong_van",
        "summary": "đề nghị phối hợp rà soát hồ sơ đất đai",
        "body": "Nội dung./.",
        "signer_id": next(p["id"] for p in people if p["username"] == "giamdoc"),
        "kinh_gui": ["Sở Nội vụ"],
        "noi_nhan": ["Như trên;", "Lưu: VT, VP."],
    } | fields
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = json.dumps(body)  # escapes a lone surrogate as "\ud800", as a client sends it
    return requests.post(f"{server.url}/api/v1/documents", data=data, headers=headers, timeout=timeout)


def _upload(server: Server, timeout: float, pdf: bytes) -> requests.Response:
    token = server.token("chuyenvien")
    people = requests.get(
        f"{server.url}/api/v1/directory", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ).json()["people"]
    fields = {
        "doc_type": "cong_van",
        "summary": "tệp tải lên",
        "signer_id": next(p["id"] for p in people if p["username"] == "giamdoc"),
    }
    return requests.post(
        f"{server.url}/api/v1/documents",
        data=fields,
        files={"file": ("van-ban.pdf", pdf)},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )


def _deep_login(server: Server, timeout: float) -> requests.Response:
    deep = '{"username": ' + "[" * 100_000 + "]" * 100_000 + "}"
    headers = {"Content-Type": "application/json"}
    return requests.post(f"{server.url}/api/v1/auth/login", data=deep, headers=headers, timeout=timeout)


CASES: dict[str, Callable[[Server, float], requests.Response]] = {
    "draft, one 300 KB paragraph": lambda s, t: _draft(s, t, body=_text(300_000)),
    "draft, one 2 MB paragraph": lambda s, t: _draft(s, t, body=_text(2_000_000)),
    "draft, 190 KB in one paragraph (within limits)": lambda s, t: _draft(s, t, body=_text(190_000)),
    "Kính gửi of 10,000 lines": lambda s, t: _draft(s, t, kinh_gui=[f"Đơn vị {i}" for i in range(10_000)]),
    "Nơi nhận of 60 lines": lambda s, t: _draft(s, t, noi_nhan=[f"UBND xã số {i};" for i in range(60)]),
    "lone surrogate in the summary": lambda s, t: _draft(s, t, summary="\ud800"),
    "25 KB PDF, 8 MB of text": lambda s, t: _upload(s, t, hostile.text_bomb()),
    "PDF with a 5-metre page": lambda s, t: _upload(s, t, hostile.huge_page()),
    "sign-in with JSON 100,000 deep": _deep_login,
}


def measure(server: Server, timeout: float) -> list[tuple[str, str, float, float]]:
    """Each case against a freshly started server: (case, answer, seconds, slowest sign-in meanwhile)."""
    rows = []
    for name, case in CASES.items():
        server.start()
        server.token("truongphong")  # warm: the first request of a worker loads the app
        result: dict[str, Any] = {}

        def send(case: Callable[[Server, float], requests.Response] = case, result: dict[str, Any] = result) -> None:
            started = time.monotonic()
            try:
                response = case(server, timeout)
                code = (
                    (response.json().get("error") or {}).get("code", "")
                    if "json" in response.headers.get("Content-Type", "")
                    else ""
                )
                result["answer"] = f"{response.status_code} {code}".strip()
            except requests.RequestException:
                result["answer"] = f"no answer in {timeout:.0f} s"
            result["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(0.3)
        waits = []
        for _ in range(3):
            started = time.monotonic()
            try:
                requests.post(
                    f"{server.url}/api/v1/auth/login",
                    json={"username": "truongphong", "password": PASSWORD},
                    timeout=timeout,
                )
                waits.append(time.monotonic() - started)
            except requests.RequestException:
                waits.append(float(timeout))
        thread.join()
        server.stop()
        rows.append((name, result["answer"], result["seconds"], max(waits)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="2b1ac46", help="git revision measured as the baseline")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a client waits for an answer")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="congvan-bounds-"))
    baseline = work / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(baseline), args.baseline], cwd=HERE, check=True)
    try:
        tables = {}
        for label, tree in (("before", baseline), ("after", HERE)):
            server = Server(tree, work / f"instance-{label}")
            tables[label] = measure(server, args.timeout)
            print(f"\n{label} ({args.baseline if label == 'before' else 'this tree'}):")
            print(f"{'case':48} {'answer':28} {'time':>8} {'sign-in waited':>15}")
            for name, answer, seconds, waited in tables[label]:
                print(f"{name:48} {answer:28} {seconds:7.2f}s {waited:14.2f}s")
        print("\nratio before/after of each request's time:")
        for (name, _, before, _), (_, _, after, _) in zip(tables["before"], tables["after"], strict=True):
            print(f"{name:48} {before / after:8.1f}x")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=HERE, check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
