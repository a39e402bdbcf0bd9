"""The scale benchmark, reduced to 50,000 documents: every request answered, no query scans a big table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_reduced_scale_run(tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    reduced = ["--documents", "50000", "--seconds", "1", "--connections", "2", "--pipeline", "12"]
    run = subprocess.run(
        [sys.executable, "bench/scale.py", *reduced, "--json", str(out), "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    rows = results["load"]["rows"]
    assert rows["documents"] >= 50000 and rows["deliveries"] >= 140000 and rows["audit_events"] >= 140000
    for name, pair in results["requests"].items():
        assert pair["congvan"]["requests"] > 0 and pair["congvan"]["errors"] == 0, (name, pair)
        assert pair["hello"]["errors"] == 0, (name, pair)
    # No statement of the four requests reads a whole big table (its time would grow with it).
    assert set(results["explain"]) == {"inbox", "document", "search", "board", "home page", "reconcile"}
    for name, statements in results["explain"].items():
        assert statements, name
        assert not [s for s in statements if s["seq_scans"]], (name, statements)
    pipeline = results["pipeline"]
    assert pipeline["documents"] == 12 and pipeline["documents_per_minute"] > 0
