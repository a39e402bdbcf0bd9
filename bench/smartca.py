"""A batch signed through SmartCA, from the leader's confirmation until every document is committed.

Usage: .venv/bin/python bench/smartca.py [--docs 500]

Both runs sign the same kind of documents (realistic công văn of 1 to 3 pages, full Decree-30 stamp) at B-B:
- the baseline: the leader's key in a PKCS#12 file on the server (the two-phase batch path);
- SmartCA: the stand-in gateway of the tests (tests/support/smartca_gateway.py) on 127.0.0.1 over real HTTP,
  approving each transaction at once. The time spent waiting for approvals (the job's pauses between two
  questions to the gateway, which a real leader's phone would fill) is counted apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bench.sign_batch import batch, build, confirm, create, make_documents
from signing import pki
from tests.support.smartca_gateway import CLIENT_ID, CLIENT_SECRET, Gateway, smartca_gateway
from workflow import runtime
from workflow.directory import trust
from workflow.models import Person
from workflow.signatures import accounts, jobs
from workflow.states import BatchState

UID, PASSWORD = "079087001234", "bench-SmartCA"


def link(rt: runtime.Runtime, gateway: Gateway) -> None:
    """The director trusts nothing new; the administrator trusts the gateway's root; the director links."""
    with rt.sessions() as session, session.begin():
        trust.add(session, rt, None, pki.cert_pem(gateway.ca.cert))
    linked = accounts.reach(rt.settings, accounts.SMARTCA, UID, PASSWORD, None)
    with rt.sessions() as session, session.begin():
        leader = session.scalar(select(Person).where(Person.username == "giamdoc"))
        assert leader is not None
        accounts.link(session, leader, leader.id, linked)


def remote_batch(rt: runtime.Runtime, ids: list[int]) -> tuple[float, float]:
    """(seconds from the confirmation until every document is committed, seconds of it spent between questions
    to the gateway): the signing job sends the transactions, then polls are run as the scheduler would run them."""
    batch_id, leader_id = create(rt, ids)
    started = time.perf_counter()
    confirm(rt, batch_id, leader_id)  # the signing job prepares and sends here
    waited = 0.0
    while jobs.poll_approvals(batch_id) == BatchState.SIGNING:
        pause = time.perf_counter()
        time.sleep(0.05)  # the scheduler's tick
        waited += time.perf_counter() - pause
    return time.perf_counter() - started, waited


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=500)
    n = parser.parse_args().docs
    work = Path(tempfile.mkdtemp(prefix="congvan-bench-smartca-"))
    print(f"congvan bench/smartca.py: {n} documents, {os.cpu_count()} cores, RSA-2048, B-B, full Decree-30 stamp")

    rt = build(work / "local", None, PREPARE_AHEAD=False)
    ids = make_documents(rt, n)
    rt.warm()  # both runs with their signing processes started
    _, local = batch(rt, ids, prepare_ahead=False)
    rt.close()

    with smartca_gateway() as gateway:
        gateway.add_user(UID, PASSWORD, "PHẠM MẠNH DUYỆT")
        gateway.answer_after = 0.0
        settings = {
            "SMARTCA_URL": gateway.url,
            "SMARTCA_CLIENT_ID": CLIENT_ID,
            "SMARTCA_CLIENT_SECRET": CLIENT_SECRET,
            "SMARTCA_POLL_MAX": 1.0,
            "PREPARE_AHEAD": False,
        }
        rt = build(work / "smartca", None, **settings)
        link(rt, gateway)
        ids = make_documents(rt, n)
        rt.warm()
        remote, waited = remote_batch(rt, ids)
        transactions = len(gateway.trans)
        rt.close()

    working = remote - waited
    print(f"\n{'path':52} {'docs':>5} {'total s':>8} {'ms/doc':>8} {'docs/s':>8} {'x local':>8}")
    for name, seconds in (
        ("PKCS#12 on the server (baseline)", local),
        ("SmartCA stand-in, confirmation to all committed", remote),
        ("SmartCA stand-in, without waiting for approvals", working),
    ):
        print(f"{name:52} {n:5d} {seconds:8.2f} {1000 * seconds / n:8.2f} {n / seconds:8.1f} {seconds / local:8.2f}")
    print(f"approvals asked of the phone: {transactions} transactions of at most 50 documents")
    print(f"waiting for approvals: {waited:.2f} s between questions (a real leader approves on the phone meanwhile)")


if __name__ == "__main__":
    main()
