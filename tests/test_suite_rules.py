"""Rules the suite keeps about itself: every process a test starts and waits for has a time bound."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subprocess_run_has_a_timeout() -> None:
    # A tool that hangs (a locked NSS database, a PostgreSQL that never starts) must fail its test, not CI's run.
    unbounded = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "run"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "subprocess"
                and not any(keyword.arg == "timeout" for keyword in node.keywords)
            ):
                unbounded.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unbounded == []


def test_the_longest_files_named_for_scheduling_exist() -> None:
    from tests.conftest import LONGEST_FIRST

    missing = [path for path in LONGEST_FIRST if not (ROOT / path).is_file()]
    assert not missing, f"moved or renamed: update LONGEST_FIRST in tests/conftest.py: {missing}"
