"""The README's deployment snippet works as written with docker/compose.yaml. No container engine runs where
congvan is developed, so this runs the snippet's own shell lines that make the secrets, then checks what
`docker compose` would need: every variable compose requires is set, the values are what the processes accept
(their settings load; the secrets' key is a Fernet key; the database password fits in its URL), and a service the
snippet scales publishes no fixed host port (the proxy is the one address)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from cryptography.fernet import Fernet

from workflow import config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMPOSE_TEXT = (ROOT / "docker" / "compose.yaml").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load(COMPOSE_TEXT)


def _snippet() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    (snippet,) = [b for b in blocks if "docker compose up" in b]
    return snippet


def _made_env(tmp_path: Path) -> dict[str, str]:
    """Run the snippet's lines up to the first `docker compose` in an empty folder named like docker/."""
    lines = _snippet().split("docker compose up", 1)[0]
    work = tmp_path / "checkout"
    (work / "docker").mkdir(parents=True)
    done = subprocess.run(["bash", "-euc", lines], cwd=work, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    pairs = (line.split("=", 1) for line in (work / "docker" / ".env").read_text().splitlines() if "=" in line)
    return {name: value for name, value in pairs}


def _substituted(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: env[m.group(1)], value)


def test_the_snippet_sets_what_compose_requires(tmp_path: Path) -> None:
    env = _made_env(tmp_path)
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_TEXT))
    assert required and not required - set(env), f"compose requires, the snippet leaves out: {required - set(env)}"
    assert all(env[name] for name in required)
    Fernet(env["CONGVAN_SECRETS_KEYS"].encode())  # a key the processes accept
    assert re.fullmatch(r"[0-9a-f]+", env["POSTGRES_PASSWORD"])  # nothing that would break the database URL
    # What every congvan process reads loads as settings (names and values alike).
    environment = {k: _substituted(str(v), env) for k, v in COMPOSE["x-congvan"]["environment"].items()}
    assert not config.unknown_variables(environment)
    settings = config._checked(
        {**config.DEFAULTS, **{k.removeprefix("CONGVAN_").lower(): v for k, v in environment.items()}}
    )
    assert settings.env == "production" and settings.trusted_proxies == 1


def test_what_the_snippet_scales_publishes_no_fixed_port() -> None:
    services = COMPOSE["services"]
    scaled = re.findall(r"--scale (\S+)=\d+", _snippet())
    assert "web" in scaled
    for name in scaled:
        assert name in services and not services[name].get("ports"), f"{name} publishes a fixed host port"
    proxy = services["proxy"]
    assert proxy["ports"] == ["127.0.0.1:5000:80"]
    mounted = proxy["volumes"][0].split(":")[0]
    assert (ROOT / "docker" / mounted).is_file()
    assert "http://web:5000" in (ROOT / "docker" / mounted).read_text()
