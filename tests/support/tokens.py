"""A real PKCS#11 token for tests: SoftHSM2 initialised in a temporary directory, keys made on it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class Token:
    """Where a test token lives and how to log in to it."""

    module: str
    label: str
    pin: str


def softhsm_token(workdir: Path, label: str = "congvan-test", pin: str = "246810") -> Token:
    """Initialise a SoftHSM2 token; SOFTHSM2_CONF is set for this process before the library loads."""
    module = next((m for m in MODULES if Path(m).exists()), None)
    assert module, "SoftHSM2 is not installed (scripts/system-packages test installs softhsm2)"
    tokens = workdir / "tokens"
    tokens.mkdir(parents=True)
    conf = workdir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "13579", "--pin", pin],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Token(module=module, label=label, pin=pin)


def token_for_another_process(workdir: Path, label: str, pin: str) -> tuple[dict[str, str], str]:
    """Initialise a SoftHSM2 token for a process of its own (a signing tool, congvan-agent): the environment
    that process needs (SOFTHSM2_CONF, this repository on PYTHONPATH) and the library; this process's own
    environment is left as it is, since a PKCS#11 library loads once per process with the configuration it
    first saw."""
    module = next((m for m in MODULES if Path(m).exists()), None)
    assert module, "SoftHSM2 is not installed (scripts/system-packages test installs softhsm2)"
    (workdir / "tokens").mkdir(parents=True)
    conf = workdir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {workdir / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ) | {"SOFTHSM2_CONF": str(conf), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    init = ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "13579", "--pin", pin]
    subprocess.run(init, env=env, check=True, capture_output=True, timeout=60)
    return env, module
