"""A leader's USB token through congvan-agent: the token's signatures per second, and a batch from the PIN until
every document is committed.

Usage: .venv/bin/python bench/agent.py [--docs 500]

The token is SoftHSM2 (a software token: a real USB token is slower, about 0.2–1 s per RSA-2048 signature, so
on one the token's own time dominates); the agent is its own process (the installed `congvan-agent` command)
on 127.0.0.1, called over HTTP as the page calls it. Figures:
- signatures per second: 500 digests signed in-process with python-pkcs11 (the baseline: the token alone), then
  through the agent in requests of 50 (HTTP, the pairing key's check, base64);
- the batch: the same documents (realistic công văn of 1 to 3 pages, full Decree-30 stamp, B-B) signed with
  the PKCS#12 file on the server (the baseline: the two-phase path from confirmation until committed), then
  through the agent: confirmation (the job prepares and records the requests) apart, then from the PIN typed
  until every document is committed (each request carried to the agent, its signatures checked and written
  by the job `agent_signed`, inline here as a worker would run it).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from sqlalchemy import select

from bench.sign_batch import batch, build, confirm, create, make_documents
from tests.support.agent import PIN, Agent, Token, make_token
from workflow import outbox, runtime
from workflow.directory import trust
from workflow.models import Person, SigningBatch
from workflow.signatures import agent as agent_service
from workflow.signatures.models import SigningAgent
from workflow.states import BatchState

ORIGIN = "http://127.0.0.1:5000"


def call(agent: Agent, path: str, body: Any, answer: str | None, question: str) -> Any:
    """The page's call; the leader types `answer` when the agent asks `question`."""
    replies: list[Any] = []
    calling = threading.Thread(
        target=lambda: replies.append(
            requests.post(agent.url + path, json=body, headers={"Origin": ORIGIN}, timeout=120)
        )
    )
    calling.start()
    if answer is not None:
        agent.asked(question, timeout=120)
        agent.type(answer)
    calling.join(300)
    reply = replies[0]
    assert reply.status_code == 200, reply.text
    return reply.json()


def pair(rt: runtime.Runtime, agent: Agent, token: Token) -> Person:
    """The administrator trusts the token's root; the director pairs the agent with the code shown."""
    from signing import pki

    with rt.sessions() as session, session.begin():
        trust.add(session, rt, None, pki.cert_pem(token.ca.cert))
        leader = session.scalar(select(Person).where(Person.username == "giamdoc"))
        assert leader is not None
        offer = agent_service.start_pairing(session, leader, leader.id, rt.now())
    answer = call(agent, "/pair", {"nonce": offer.nonce, "key": offer.key}, offer.code, "Nhập mã ghép nối")
    with rt.sessions() as session, session.begin():
        leader = session.scalar(select(Person).where(Person.username == "giamdoc"))
        assert leader is not None
        agent_service.pair(session, leader, leader.id, answer["certificates"], answer["proof"], rt.now())
        session.expunge(leader)
    return leader


def raw_rate(token: Token, count: int) -> float:
    """Seconds for `count` RSA-2048 signatures of SHA-256 digests on the token, in this process (after login)."""
    os.environ["SOFTHSM2_CONF"] = token.env["SOFTHSM2_CONF"]
    import pkcs11
    from pkcs11 import Mechanism, ObjectClass

    lib = pkcs11.lib(token.module)
    with lib.get_token(token_label="leader-token").open(user_pin=PIN) as session:
        key = session.get_key(ObjectClass.PRIVATE_KEY, label="leader")
        prefix = bytes.fromhex("3031300d060960864801650304020105000420")
        digests = [hashlib.sha256(str(i).encode()).digest() for i in range(count)]
        started = time.perf_counter()
        for digest in digests:
            key.sign(prefix + digest, mechanism=Mechanism.RSA_PKCS)
        return time.perf_counter() - started


def agent_rate(rt: runtime.Runtime, agent: Agent, leader: Person, count: int) -> float:
    """Seconds for `count` digests through the agent, in requests of 50 (the PIN typed before the clock)."""
    import hmac

    with rt.readers() as session:
        paired = session.scalar(select(SigningAgent).where(SigningAgent.person_id == leader.id))
        assert paired is not None
        key = base64.b64decode(paired.key or "")
    digests = [base64.b64encode(hashlib.sha256(str(i).encode()).digest()).decode() for i in range(count)]

    def request(n: int, chunk: list[str]) -> dict[str, Any]:
        expires = int(time.time()) + 600
        message = agent_service.mac_message(ORIGIN, "rate", f"r{n}", expires, chunk)
        mac = hmac.new(key, message, hashlib.sha256).hexdigest()
        return {
            "batch": "rate",
            "request": f"r{n}",
            "description": "đo tốc độ",
            "expires": expires,
            "hashes": chunk,
            "mac": mac,
        }

    call(agent, "/sign", request(0, digests[:1]), PIN, "Nhập mã PIN")  # the login, outside the clock
    started = time.perf_counter()
    for n, at in enumerate(range(0, count, 50), start=1):
        call(agent, "/sign", request(n, digests[at : at + 50]), None, "")
    return time.perf_counter() - started


def agent_batch(rt: runtime.Runtime, agent: Agent, ids: list[int]) -> tuple[float, float, int]:
    """(seconds of the confirmation, seconds from the PIN until every document is committed, requests)."""
    batch_id, leader_id = create(rt, ids)
    started = time.perf_counter()
    confirm(rt, batch_id, leader_id)  # the signing job prepares and records the requests here
    confirmed = time.perf_counter() - started
    with rt.readers() as session:
        leader = session.get(Person, leader_id)
        assert leader is not None
        session.expunge(leader)
    pin: str | None = PIN
    carried = 0
    started = time.perf_counter()
    while True:
        with rt.sessions() as session, session.begin():
            leader = session.get(Person, leader_id)
            assert leader is not None
            found, _ = agent_service.requests_of(session, leader, batch_id, ORIGIN, rt.now())
        if not found:
            break
        request = found[0]
        body = {
            "batch": str(batch_id),
            "request": request.id,
            "description": request.description,
            "expires": request.expires,
            "hashes": request.hashes,
            "mac": request.mac,
        }
        signed = call(agent, "/sign", body, pin, "Nhập mã PIN")
        pin = None
        with rt.sessions() as session, session.begin():
            leader = session.get(Person, leader_id)
            assert leader is not None
            agent_service.answer(session, leader, batch_id, request.id, signed["signatures"])
        outbox.relay(rt)  # the job that checks and writes them, as a worker would run it
        carried += 1
    seconds = time.perf_counter() - started
    with rt.readers() as session:
        done = session.get(SigningBatch, batch_id)
        assert done is not None and done.state == BatchState.DONE, done.state if done else None
    return confirmed, seconds, carried


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=500)
    n = parser.parse_args().docs
    work = Path(tempfile.mkdtemp(prefix="congvan-bench-agent-"))
    print(f"congvan bench/agent.py: {n} documents, {os.cpu_count()} cores, RSA-2048 on SoftHSM2, B-B, full stamp")

    rt = build(work / "local", None, PREPARE_AHEAD=False)
    ids = make_documents(rt, n)
    rt.warm()
    _, local = batch(rt, ids, prepare_ahead=False)
    rt.close()

    token = make_token(work / "token")
    raw = raw_rate(token, n)
    rt = build(work / "agent", None, PREPARE_AHEAD=False)
    agent = Agent(token, ORIGIN, work / "agent-state")
    try:
        leader = pair(rt, agent, token)
        through = agent_rate(rt, agent, leader, n)
        ids = make_documents(rt, n)
        rt.warm()
        confirmed, carried, requests_ = agent_batch(rt, agent, ids)
    finally:
        agent.stop()
        rt.close()

    print(f"\n{'signatures on the token':52} {'sigs':>5} {'total s':>8} {'sigs/s':>8} {'x token':>8}")
    for name, seconds in (
        ("python-pkcs11 in-process (baseline)", raw),
        ("through congvan-agent, requests of 50", through),
    ):
        print(f"{name:52} {n:5d} {seconds:8.2f} {n / seconds:8.1f} {seconds / raw:8.2f}")
    print(f"\n{'batch':60} {'docs':>5} {'total s':>8} {'ms/doc':>8} {'docs/s':>8} {'x local':>8}")
    for name, seconds in (
        ("PKCS#12 on the server, confirmation to committed (baseline)", local),
        ("agent: confirmation (prepare, record requests)", confirmed),
        ("agent: PIN to all committed", carried),
        ("agent: confirmation to all committed", confirmed + carried),
    ):
        print(f"{name:60} {n:5d} {seconds:8.2f} {1000 * seconds / n:8.2f} {n / seconds:8.1f} {seconds / local:8.2f}")
    asked = agent.count("Nhập mã PIN")
    print(f"requests carried to the agent: {requests_} of at most 50 documents; PIN asked {asked} times (rate + batch)")


if __name__ == "__main__":
    main()
