"""Every request answered within a fixed time: a watchdog ends a request past its budget with a clear error.

gunicorn's threaded workers never time a request out, and a thread cannot be killed. The known slow parts
(rendering, PDF inspection, page images, validation) are bounded on their own, in child processes or by
input limits; this is the last resort for anything that still runs too long. One watchdog thread per
process looks at the requests in flight once a second and raises RequestTimeout in the thread of any past
its deadline (CPython delivers it at the thread's next Python instruction, so work in C ends first). The
request then fails like any other: its transaction is rolled back and the client gets a 503 in Vietnamese.
"""

from __future__ import annotations

import ctypes
import functools
import threading
import time

from workflow.errors import Busy


class RequestTimeout(Busy):
    """Raised inside a request's thread when it has run past its budget (503, a Vietnamese message)."""

    def __init__(self, *_args: object) -> None:
        # Raised by the interpreter with no arguments; libraries that re-raise it annotated (reportlab) pass one.
        super().__init__(
            "request_timeout", "Yêu cầu chạy quá thời gian cho phép và đã bị dừng; chưa có gì được lưu. Hãy thử lại."
        )


_lock = threading.Lock()
_deadlines: dict[int, float] = {}  # thread id -> monotonic deadline
TICK = 0.5  # seconds between looks; a request ends at most about this long after its budget


def start(seconds: float) -> None:
    """Give the current thread's request `seconds` from now."""
    _watchdog()
    with _lock:
        _deadlines[threading.get_ident()] = time.monotonic() + seconds


def stop() -> None:
    """The current thread's request has ended: forget it, and drop a timeout raised but not yet delivered."""
    ident = threading.get_ident()
    with _lock:
        if _deadlines.pop(ident, None) is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)


@functools.cache
def _watchdog() -> threading.Thread:
    thread = threading.Thread(target=_watch, name="congvan-request-watchdog", daemon=True)
    thread.start()
    return thread


def _watch() -> None:
    while True:
        time.sleep(TICK)
        now = time.monotonic()
        with _lock:  # under the lock, so stop() cannot be passed by a timeout raised after it
            for ident, deadline in _deadlines.items():
                if deadline <= now:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(RequestTimeout))
                    # Once more a second later if the first was swallowed by a broad except somewhere.
                    _deadlines[ident] = now + 1
