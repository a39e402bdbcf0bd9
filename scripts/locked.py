"""Says whether the running interpreter's environment is exactly a lock file: `python scripts/locked.py LOCK...`."""

import re
import sys
from importlib import metadata

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def canonical(name: str) -> str:
    """The name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(paths: list[str]) -> dict[str, str]:
    """The name → version pins of the given lock files."""
    found: dict[str, str] = {}
    for path in paths:
        with open(path, encoding="utf-8") as lock:
            for line in lock:
                match = PIN.match(line)
                if match:
                    found[canonical(match[1])] = match[2]
    return found


def main() -> int:
    """Prints each difference between the environment and the locks; exit 1 if there is one."""
    wanted = pins(sys.argv[1:])
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differences = [
        f"{name}: {installed.get(name, 'missing')}, lock {version}"
        for name, version in sorted(wanted.items())
        if installed.get(name) != version
    ]
    differences += [
        f"{name} {version}: not in the lock"
        for name, version in sorted(installed.items())
        if name not in wanted and name not in ("congvan", "congvan-agent")  # ours, installed from this tree
    ]
    for difference in differences:
        print(f"  {difference}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
