"""Exchange through the hub, measured on 127.0.0.1 with real processes, in one run.

Usage: .venv/bin/python bench/exchange.py [--agencies 100] [--statuses 1000] [--clients 8]

Starts redis-server, a hub (gunicorn 2 workers + 2 rq workers + scheduler) and agency A
(gunicorn + rq worker + scheduler), registers `--agencies` recipient agencies whose instances are
played by one light HTTP receiver in this process (it answers 200 at once, so the figures are the
hub's and A's work, not the recipients'). Prints:
- fan-out: from the clerk's "issue" request at A until every recipient agency has the signed
  package through the hub (A signs one message per recipient, the hub verifies, stores and pushes);
  baseline in the same run: the same document sent by A directly to every recipient;
- status relay: `--statuses` signed status messages posted to the hub by the recipient agencies
  (`--clients` concurrent connections): how many per second the hub takes (authenticates,
  verifies, stores durably), then how many per second it pushes on to their recipient; baseline in
  the same run: the same requests posted straight to the receiver.
- then the same over the national exchange's protocol (VXP) through the same hub: A and every recipient
  registered as systems; the document's fan-out until every recipient's item is kept at the hub, and
  `--statuses` signed status packages sent by the recipients (sendEdoc), then taken by A's scheduler
  (getReceivedEdocList, getEdoc, applied to the board, done).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from routing import edxml, transport, vxp
from routing import hub as hub_module
from routing.models import HubMessage
from signing import pki, signers
from tests import processes
from tests.network import STNMT, Instance, _runtime, add_peer, make_instance, register_at_hub, wait_for
from workflow.demo_day import PASSWORD


class Receiver:
    """Every recipient agency's instance at once: records which message reached which agency, when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: dict[str, list[tuple[str, float]]] = {}  # document key or kind -> (organ, time)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        organ = environ["PATH_INFO"].split("/")[2]
        tag = "status" if b"<edXML:StatusCode>" in body else "package"
        with self.lock:
            self.arrivals.setdefault(tag, []).append((organ, time.monotonic()))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"result": "accepted"}']

    def count(self, tag: str) -> int:
        with self.lock:
            return len(self.arrivals.get(tag, []))

    def reset(self) -> None:
        with self.lock:
            self.arrivals.clear()


def organs(count: int) -> list[tuple[dict[str, str], signers.Signer]]:
    """Recipient agencies: identity (organ id, name, certificate with chain) and signing key."""
    root = pki.make_root("CA thử nghiệm liên thông", "congvan bench")
    made = []
    for n in range(1, count + 1):
        name = f"Cơ quan thử nghiệm {n:03d}"
        identity = pki.issue_signing_cert(root, name, name)
        signer = signers.load_pkcs12(pki.to_pkcs12(identity, [root.cert], b"b", "x"), b"b")
        pem = (pki.cert_pem(identity.cert) + pki.cert_pem(root.cert)).decode()
        made.append(({"organ_id": f"000.99.{n:02d}.B{n:03d}", "name": name, "certificate": pem}, signer))
    return made


def fan_out(a: Instance, receiver: Receiver, names: list[str], label: str) -> tuple[float, float]:
    """Issue one document to every agency; seconds until issued, and until all recipients have it."""
    receiver.reset()
    start = time.monotonic()
    a.issue(summary=f"đề nghị phối hợp ({label})", kinh_gui=[], noi_nhan=[*names, "Lưu: VT, VP."])
    issued = time.monotonic() - start
    wait_for(lambda: receiver.count("package") >= len(names), 600, f"{label} fan-out", a)
    last = max(t for _, t in receiver.arrivals["package"])
    return issued, last - start


def post_all(jobs: list[tuple[str, dict[str, str], bytes]], clients: int) -> float:
    """POST every (url, headers, body) with `clients` concurrent connections; seconds taken."""
    local = threading.local()

    def one(job: tuple[str, dict[str, str], bytes]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.post(job[0], data=job[2], headers=job[1], timeout=120)
        response.raise_for_status()

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, jobs))
    return time.monotonic() - start


def hub_items(hub: Instance, kind: str, state: str | None = None) -> int:
    """Items of a kind kept at the hub (in a state), read from its database."""
    rt = _runtime(hub)
    try:
        with rt.readers() as session:
            query = select(func.count()).select_from(HubMessage).where(HubMessage.kind == kind)
            if state is not None:
                query = query.where(HubMessage.state == state)
            return int(session.scalar(query) or 0)
    finally:
        rt.close()


def vxp_phase(
    args: argparse.Namespace, hub: Instance, a: Instance, recipients: list[tuple[dict[str, str], signers.Signer]]
) -> None:
    """The same document and statuses over the national exchange's protocol (VXP) through congvan's hub."""
    secrets = {identity["organ_id"]: f"vxp-secret-{identity['organ_id']}" for identity, _ in recipients}
    rt = _runtime(hub)
    with rt.sessions() as session, session.begin():
        hub_module.add_system(session, "sys-stnmt", STNMT, "Sở Tài nguyên và Môi trường", "vxp-secret-of-stnmt")
        for identity, _ in recipients:
            organ = identity["organ_id"]
            hub_module.add_system(session, f"sys-{organ}", organ, identity["name"], secrets[organ])
    rt.close()
    a.stop()
    a.env |= {
        "CONGVAN_VXP_URL": f"{hub.url}/vxp",
        "CONGVAN_VXP_SYSTEM_ID": "sys-stnmt",
        "CONGVAN_VXP_SECRET": "vxp-secret-of-stnmt",
        "CONGVAN_EXCHANGE_PULL": "true",
    }
    for identity, _ in recipients:
        add_peer(a, identity)  # no direct URL: everything goes by the exchange
    a.start()
    names = [identity["name"] for identity, _ in recipients]
    warm = hub_items(hub, "package")
    a.issue(summary="khởi động (VXP)", kinh_gui=[], noi_nhan=[*names[:3], "Lưu: VT, VP."])
    wait_for(lambda: hub_items(hub, "package") >= warm + 3, 120, "VXP warm-up", a, hub)
    before = hub_items(hub, "package")
    start = time.monotonic()
    document = a.issue(summary="đề nghị phối hợp (VXP)", kinh_gui=[], noi_nhan=[*names, "Lưu: VT, VP."])
    issued = time.monotonic() - start
    wait_for(lambda: hub_items(hub, "package") >= before + len(names), 600, "VXP fan-out", a, hub)
    fan_out_time = time.monotonic() - start
    print(f"\nOne công văn to {len(names)} agencies over VXP (sendEdoc, one item per organ; issue {issued:.2f} s):")
    print(f"  until every agency's item is kept at the hub: {fan_out_time:6.2f} s")

    key = f"{STNMT},{document['issued_at'][:10].replace('-', '/')},{document['symbol']}"  # its edXML DocumentId
    jobs = []
    for n in range(args.statuses):
        identity, _ = recipients[n % len(recipients)]
        organ = identity["organ_id"]
        status = edxml.Status(
            edxml.Organ(organ, identity["name"]),
            edxml.Reference(key, STNMT),
            ("01", "03", "04", "05", "06")[n % 5],
            edxml.moment_text(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=n)),
        )
        body = edxml.build_status(status)
        params = {"from": organ, "servicetype": "eDoc", "messagetype": "status", "hash-file": vxp.file_hash(body)}
        headers = vxp.sign(f"sys-{organ}", secrets[organ], params, "application/octet-stream")
        jobs.append((f"{hub.url}/vxp/sendEdoc", headers, body + b"\r\n"))
    before_status = hub_items(hub, "status")
    taken = post_all(jobs, args.clients)
    start = time.monotonic()
    wait_for(
        lambda: hub_items(hub, "status", "pending") == 0 and hub_items(hub, "status") >= before_status + len(jobs),
        900,
        "A taking the statuses over VXP",
        a,
        hub,
    )
    pulled = time.monotonic() - start
    print(f"\n{args.statuses} status packages over VXP, {args.clients} concurrent systems:")
    print(f"  taken by the hub (signature checked, parsed, routed, kept): {args.statuses / taken:7.1f} /s")
    print(f"  taken by A (getReceivedEdocList, getEdoc, applied, done):   {args.statuses / pulled:7.1f} /s")


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--statuses", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="congvan-bench-exchange-"))
    password_hash = generate_password_hash(PASSWORD)
    receiver = Receiver()
    receiver_port = processes.free_port()
    started: list[Instance] = []
    with processes.redis_server(base / "redis") as redis_url, processes.serve_in_thread(receiver, receiver_port):
        try:
            root = redis_url.rsplit("/", 1)[0]
            hub, _ = make_instance(base, "hub", f"{root}/1", password_hash, None, {"CONGVAN_HUB_MODE": "true"})
            a, a_identity = make_instance(
                base,
                "a",
                f"{root}/2",
                password_hash,
                STNMT,
                {
                    "CONGVAN_EXCHANGE_HUB_URL": hub.url,
                    "CONGVAN_EXCHANGE_HUB_TOKEN": "token-a",
                    "CONGVAN_EXCHANGE_PULL": "false",
                },
            )
            assert a_identity is not None
            t0 = time.monotonic()
            recipients = organs(args.agencies)
            print(f"{args.agencies} recipient agencies with their own keys made in {time.monotonic() - t0:.1f} s")
            target = f"http://127.0.0.1:{receiver_port}/org"
            register_at_hub(hub, a_identity, "token-a", push_url=f"{target}/{STNMT}")
            for identity, _ in recipients:
                register_at_hub(
                    hub, identity, f"token-{identity['organ_id']}", push_url=f"{target}/{identity['organ_id']}"
                )
                add_peer(a, identity)
            hub.start(web_workers=2, workers=2)
            started.append(hub)
            a.start()
            started.append(a)
            names = [identity["name"] for identity, _ in recipients]
            fan_out(a, receiver, names[:3], "warm-up")

            issued, hub_time = fan_out(a, receiver, names, "through the hub")
            for identity, _ in recipients:
                add_peer(a, identity, f"{target}/{identity['organ_id']}", "direct")
            issued_direct, direct_time = fan_out(a, receiver, names, "direct")
            print(f"\nOne công văn to {args.agencies} agencies (issue request {issued:.2f} s / {issued_direct:.2f} s):")
            print(f"  through the hub: {hub_time:6.2f} s until the last agency has it")
            print(f"  direct baseline: {direct_time:6.2f} s   (hub / direct = x{hub_time / direct_time:.2f})")

            key = f"{STNMT},{dt.date.today():%Y/%m/%d},1/STNMT-VP"
            hub_jobs, direct_jobs = [], []
            for n in range(args.statuses):
                identity, signer = recipients[n % len(recipients)]
                status = edxml.Status(
                    edxml.Organ(identity["organ_id"], identity["name"]),
                    edxml.Reference(key, STNMT),
                    ("01", "03", "04", "05", "06")[n % 5],
                    edxml.moment_text(dt.datetime.now(dt.UTC)),
                )
                body = edxml.build_status(status)
                envelope = transport.Envelope(
                    uuid.uuid4().hex, identity["organ_id"], STNMT, body, signers.sign_detached(body, signer)
                )
                hub_jobs.append((hub.url + transport.HUB_PATH, envelope.headers(f"token-{identity['organ_id']}"), body))
                direct_jobs.append((f"{target}/{STNMT}{transport.INBOX_PATH}", envelope.headers("x"), body))
            # Phase 1: the hub takes the messages (A is registered without a push URL for now, so the
            # hub only verifies and stores). Phase 2: A's push URL is set and the hub relays them all.
            register_at_hub(hub, a_identity, "token-a")
            receiver.reset()
            accepted = post_all(hub_jobs, args.clients)
            register_at_hub(hub, a_identity, "token-a", push_url=f"{target}/{STNMT}")
            start = time.monotonic()
            wait_for(lambda: receiver.count("status") >= args.statuses, 600, "status relay", hub)
            relayed = max(t for _, t in receiver.arrivals["status"]) - start
            receiver.reset()
            floor = post_all(direct_jobs, args.clients)
            print(f"\n{args.statuses} signed status messages, {args.clients} concurrent senders:")
            print(f"  taken by the hub (authenticated, verified, stored): {args.statuses / accepted:7.1f} /s")
            print(f"  relayed by the hub to their recipient:            {args.statuses / relayed:7.1f} /s")
            print(f"  baseline, the same requests straight to it:        {args.statuses / floor:7.1f} /s")
            vxp_phase(args, hub, a, recipients)
        finally:
            for instance in started:
                instance.stop()
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
