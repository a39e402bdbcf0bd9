"""Where a document's recipients go, at a province's scale: the recipient preview of a document whose
Kính gửi and Nơi nhận are as long as the bounds allow (50 + 150 lines), against a directory of a thousand
agencies with like names, with the closest names for every line nobody was found for.

Usage: .venv/bin/python bench/recipients.py [--agencies 1000] [--lines 200]

Prints the time to parse the lines, to resolve them, and to find the suggestions, with the baseline measured
in the same run: difflib.get_close_matches (what the first version used) on the same names and lines.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import routing.models  # noqa: F401 - routing's tables on the shared metadata
from congvan import demo
from routing.recipients import addressing
from routing.recipients import parse as recipients
from routing.recipients.parse import fold
from workflow.models import Agency, Base


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args()
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        ours = demo.load_directory(session, "x")
        for i in range(args.agencies):
            name = f"Ủy ban nhân dân xã {i} huyện Chiêm Hóa tỉnh Tuyên Quang"
            session.add(Agency(code=f"999.{i:04d}.B01", name=name, aliases=f"UBND xã {i}"))
        session.flush()
        kinh_gui = "\n".join(f"- Trường Trung học cơ sở số {i};" for i in range(args.lines // 4))
        # Written as a clerk might, close to a directory name but not one of them: the suggestions' worst case.
        noi_nhan = "\n".join(
            ["- Như trên;", *(f"- UBND xã {i} Chiêm Hóa Tuyên Quang (để biết);" for i in range(args.lines * 3 // 4))]
        )

        start = time.perf_counter()
        lines = recipients.parse(kinh_gui, noi_nhan)
        parsed = time.perf_counter()
        directory = addressing.Directory(session, ours.id)
        found = [addressing.resolve_line(line, directory, None, suggest=False) for line in lines]
        resolved = time.perf_counter()
        suggested = [directory.closest(fold(line.label)) for line in lines]
        example = (lines[-1].label, [t.name for t in suggested[-1]])
        closest = time.perf_counter()
        names = list(directory.names())
        for line in lines:
            difflib.get_close_matches(fold(line.label), names, n=6, cutoff=0.6)
        baseline = time.perf_counter()

    unknown = sum(1 for r in found if r.unresolved)
    print(f"directory: {len(names)} names ({args.agencies} agencies with like names); {len(lines)} recipient lines")
    print(f"parse:                {1000 * (parsed - start):8.1f} ms")
    print(f"resolve ({unknown} unknown): {1000 * (resolved - parsed):8.1f} ms")
    print(f"suggestions (words):  {1000 * (closest - resolved):8.1f} ms  ({sum(map(len, suggested))} suggested)")
    print(f"suggestions (difflib):{1000 * (baseline - closest):8.1f} ms  (baseline)")
    print(f"e.g. {example[0]!r} -> {example[1]}")
    print(f"ratio baseline / now: {(baseline - closest) / max(closest - resolved, 1e-9):8.0f}x")


if __name__ == "__main__":
    main()
