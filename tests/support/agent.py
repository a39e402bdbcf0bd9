"""congvan-agent as a leader runs it: its own process (the installed `congvan-agent` command), a SoftHSM2 token of
its own with the leader's key made on it, and its terminal played by the test (what it asks, what is typed)."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from signing import pki
from tests.support import processes
from tests.support.tokens import token_for_another_process

PIN = "135790"
# Made in a process of its own: a PKCS#11 library loads once per process, with the SOFTHSM2_CONF it first saw.
_MAKE_KEY = """
import sys
from cryptography.hazmat.primitives import serialization
from congvan.demo_token import add_signing_key
from signing import pki
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from cryptography import x509
work = sys.argv[1]
ca = pki.Identity(
    key=load_pem_private_key(open(work + "/ca-key.pem", "rb").read(), None),
    cert=x509.load_pem_x509_certificate(open(work + "/ca.pem", "rb").read()),
)
agency = "Sở Tài nguyên và Môi trường"
cert = add_signing_key(sys.argv[2], "leader-token", sys.argv[3], "leader", ca, sys.argv[4], agency)
open(work + "/leader.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
"""


@dataclass(frozen=True)
class Token:
    """The leader's SoftHSM2 token: where it lives, its library, its CA and the leader's certificate."""

    env: dict[str, str]
    module: str
    ca: pki.Identity
    certificate: x509.Certificate


def make_token(work: Path, name: str = "Phạm Mạnh Duyệt") -> Token:
    """A SoftHSM2 token with the leader's RSA key (never extractable) and its certificate, under a test VGCA."""
    from cryptography.hazmat.primitives import serialization

    env, module = token_for_another_process(work, "leader-token", PIN)
    ca = pki.make_root("Test VGCA Root", "Ban Cơ yếu Chính phủ (thử nghiệm)")
    (work / "ca.pem").write_bytes(pki.cert_pem(ca.cert))
    key = ca.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (work / "ca-key.pem").write_bytes(key)
    made = [sys.executable, "-c", _MAKE_KEY, str(work), module, PIN, name]
    subprocess.run(made, env=env, check=True, capture_output=True, timeout=120)
    certificate = x509.load_pem_x509_certificate((work / "leader.pem").read_bytes())
    return Token(env=env, module=module, ca=ca, certificate=certificate)


class Agent:
    """A running congvan-agent: its address, what it printed, and its terminal's input."""

    def __init__(self, token: Token, service: str, state: Path, *extra: str, port: int | None = None) -> None:
        self.port = port or processes.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = str(Path(sys.executable).with_name("congvan-agent"))
        args = ["--service", service, "--module", token.module, "--port", str(self.port), "--state", str(state)]
        self.process = subprocess.Popen(
            [command, *args, *extra],
            env=token.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.printed: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        processes.wait_for_port(self.port, timeout=30)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            self.printed.append(line)
            self.lines.put(line)

    def asked(self, words: str, timeout: float = 30) -> str:
        """Wait for the agent to print a line with `words` (a question to the leader); the line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.05, deadline - time.monotonic()))
            except queue.Empty:
                break
            if words in line:
                return line
        raise AssertionError(f"congvan-agent did not ask {words!r}; it printed {self.printed}")

    def type(self, text: str) -> None:
        """What the leader types into the agent's window."""
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def count(self, words: str) -> int:
        """How many printed lines have `words`."""
        return sum(1 for line in self.printed if words in line)

    def stop(self) -> None:
        processes.stop_all([self.process])
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()
