"""`congvan worker` whose work horse stops itself (SIGSTOP) after the first chunk of a batch it commits.

A test that must kill a worker in the middle of a batch starts this instead of `congvan worker`:
the pause comes from the work itself, at the same point on a fast machine and a busy one, where a
kill timed from outside would race the batch to its end. The file named by PAUSED_MARK
receives the horse's pid just before it stops (not a CONGVAN_ name: the
settings refuse names they do not know).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from congvan import cli
from workflow.signatures import steps

_commit = steps.commit


def _commit_then_stop(*args: Any, **kwargs: Any) -> None:
    _commit(*args, **kwargs)
    Path(os.environ["PAUSED_MARK"]).write_text(str(os.getpid()))
    os.kill(os.getpid(), signal.SIGSTOP)


if __name__ == "__main__":
    steps.commit = _commit_then_stop  # type: ignore[assignment]  # in the worker, and the horses it forks
    sys.argv[0] = "congvan"
    cli.main()
