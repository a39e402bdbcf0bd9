"""Coverage-guided fuzzing (atheris) of what an uploaded PDF goes through: the strict inspection of uploads
and signature validation. Only PdfError and SigningError (a clear refusal) may come out — or, for files that
exhaust the child process's limits, MemoryError, RecursionError and pyHanko's decode limit, which the child
answers as "pdf_too_complex". Anything else is a finding and stops the run.

The suite runs a short session (tests/test_fuzz.py); a longer one:
    .venv/bin/python tests/support/fuzz_upload.py -max_total_time=3600 /tmp/congvan-fuzz-corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError

    from signing import inspection, validation
    from signing.errors import PdfError, SigningError

EXPECTED = (PdfError, SigningError, MemoryError, RecursionError, PdfDecodeLimitError)


def seeds() -> list[bytes]:
    """Starting points: a plain PDF and the hostile corpus of the tests."""
    from tests.support import hostile

    return [hostile.plain(), hostile.page_loop(), hostile.xref_past_end(), hostile.polyglot(), hostile.deep(50)]


def one_input(data: bytes) -> None:
    """What the upload path does with a file: the strict inspection, then (if it passed) validation."""
    try:
        inspection.inspect_untrusted(data, max_inflated=16 * 1024 * 1024)
    except EXPECTED:
        return
    try:
        validation.report(data, [])
    except EXPECTED:
        return


def main() -> None:
    """Run atheris; with a corpus folder given last, seed it first."""
    folders = [a for a in sys.argv[1:] if not a.startswith("-")]
    if folders:
        corpus = Path(folders[-1])
        corpus.mkdir(parents=True, exist_ok=True)
        for n, seed in enumerate(seeds()):
            (corpus / f"seed-{n}.pdf").write_bytes(seed)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
