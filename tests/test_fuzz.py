"""A short atheris session over the upload and validation path: no unexpected exception."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_short_fuzz_run_finds_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    options = ["-runs=4000", "-max_len=20000", "-rss_limit_mb=1024", f"-artifact_prefix={tmp_path}/"]
    run = subprocess.run(
        [sys.executable, "tests/support/fuzz_upload.py", *options, str(corpus)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    # libFuzzer counts the seed corpus's replays too: at least the runs asked for.
    done = re.search(r"Done (\d+) runs", run.stderr)
    assert done is not None and int(done.group(1)) >= 4000, run.stderr[-2000:]
