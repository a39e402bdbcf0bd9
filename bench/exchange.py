"""The exchange through a congvan hub speaking the national exchange's protocol (VXP), measured on 127.0.0.1
with real processes, in one run.

Usage: .venv/bin/python bench/exchange.py [--agencies 100] [--statuses 1000] [--clients 8]

Starts redis-server, a hub (gunicorn 2 workers + 2 rq workers + scheduler) and agency A (gunicorn + rq worker
+ scheduler, connected by CONGVAN_VXP_URL), and registers A and `--agencies` recipient agencies as systems at
the hub. Prints:
- fan-out: from the clerk's "issue" request at A until every recipient agency's item is kept at the hub (A
  packages and signs once, then one sendEdoc per organ; the hub checks each request's signature, parses,
  routes and keeps it); baseline in the same run: the same package sent to every organ straight to the hub's
  sendEdoc by this process (the hub's own share);
- status relay: `--statuses` status packages sent by the recipient agencies' systems (sendEdoc, `--clients`
  concurrent connections): how many per second the hub takes, then how many per second A's scheduler takes
  (getReceivedEdocList, getEdoc, applied to the clerk's board, updateStatus done); baseline in the same run:
  the same requests posted to a receiver that answers at once (the HTTP floor of this machine).
The figures before the congvan-only transports were removed are printed beside them (4.45 s; 72 /s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from congvan.demo_day import PASSWORD
from routing.exchange import edxml, edxml_build, vxp
from routing.hub import service as hub_module
from routing.models import HubMessage
from tests.support import processes
from tests.support.network import STNMT, Instance, _runtime, make_instance, wait_for

# What the congvan-only transport measured before this protocol replaced it (README, issue 15).
PREVIOUS_FAN_OUT_SECONDS = 4.45
PREVIOUS_STATUSES_PER_SECOND = 72


def null_receiver(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers every request at once, as the hub's answer looks: the floor of an HTTP round trip here."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status": "OK", "ErrorCode": "0", "ErrorDesc": "", "DocId": "x"}']


def organs(count: int) -> list[tuple[str, str]]:
    """Recipient agencies: organ id and name."""
    return [(f"000.99.{n:02d}.B{n:03d}", f"Cơ quan thử nghiệm {n:03d}") for n in range(1, count + 1)]


def post_all(jobs: list[tuple[str, dict[str, str], bytes]], clients: int) -> float:
    """POST every (url, headers, body) with `clients` concurrent connections; seconds taken."""
    local = threading.local()

    def one(job: tuple[str, dict[str, str], bytes]) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        response = local.session.post(job[0], data=job[2], headers=job[1], timeout=120)
        response.raise_for_status()
        assert response.json()["status"] == "OK", response.text

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


def send_edoc(url: str, system_id: str, secret: str, sender: str, body: bytes, kind: str, to: str = "") -> Any:
    """One sendEdoc request as (url, headers, body), signed as the SDK signs it."""
    params = {"from": sender, "servicetype": "eDoc", "messagetype": kind, "hash-file": vxp.file_hash(body)}
    if to:
        params["to"] = f'["{to}"]'
    return (f"{url}/vxp/sendEdoc", vxp.sign(system_id, secret, params, "application/octet-stream"), body + b"\r\n")


def measure(args: argparse.Namespace, hub: Instance, a: Instance, floor_url: str) -> None:
    """Fan-out and status relay over VXP, each with its baseline."""
    recipients = organs(args.agencies)
    names = [name for _, name in recipients]
    warm = hub_items(hub, "package")
    a.issue(summary="khởi động", kinh_gui=[], noi_nhan=[*names[:3], "Lưu: VT, VP."])
    wait_for(lambda: hub_items(hub, "package") >= warm + 3, 120, "warm-up", a, hub)
    before = hub_items(hub, "package")
    start = time.monotonic()
    document = a.issue(summary="đề nghị phối hợp", kinh_gui=[], noi_nhan=[*names, "Lưu: VT, VP."])
    issued = time.monotonic() - start
    wait_for(lambda: hub_items(hub, "package") >= before + len(names), 600, "fan-out", a, hub)
    fan_out = time.monotonic() - start
    # Baseline: A's own package bytes, sent to every organ straight to the hub by this process.
    rt = _runtime(hub)
    with rt.readers() as session:
        kept = session.scalar(select(HubMessage).where(HubMessage.kind == "package").order_by(HubMessage.id.desc()))
        assert kept is not None
        # The same package as a new one (another subject): the hub answers a file it already kept from A with the
        # first item's DocId, which would not be the same work.
        package = rt.store.get(kept.body_sha256, ".xml").replace("đề nghị phối hợp".encode(), "đo lường".encode())
    rt.close()
    direct = [
        send_edoc(hub.url, "sys-stnmt", "vxp-secret-of-stnmt", STNMT, package, "edoc", organ) for organ, _ in recipients
    ]
    hub_only = post_all(direct, 8)
    print(f"One công văn to {len(names)} agencies over VXP (one sendEdoc per organ; issue request {issued:.2f} s):")
    print(f"  until every agency's item is kept at the hub: {fan_out:6.2f} s")
    print(
        f"  baseline, the same package sent straight to the hub's sendEdoc (8 clients): {hub_only:6.2f} s"
        f"  (A end to end / hub alone = x{fan_out / hub_only:.2f})"
    )
    print(
        f"  previous figure (congvan's own transport, before this protocol): {PREVIOUS_FAN_OUT_SECONDS:.2f} s"
        f"  (now / then = x{fan_out / PREVIOUS_FAN_OUT_SECONDS:.2f})"
    )

    key = f"{STNMT},{document['issued_at'][:10].replace('-', '/')},{document['symbol']}"  # its edXML DocumentId
    jobs, floor = [], []
    for n in range(args.statuses):
        organ, name = recipients[n % len(recipients)]
        status = edxml.Status(
            edxml.Organ(organ, name),
            edxml.Reference(key, STNMT),
            ("01", "03", "04", "05", "06")[n % 5],
            edxml.moment_text(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=n)),
        )
        job = send_edoc(
            hub.url, f"sys-{organ}", f"vxp-secret-{organ}", organ, edxml_build.build_status(status), "status"
        )
        jobs.append(job)
        floor.append((f"{floor_url}/vxp/sendEdoc", job[1], job[2]))
    before_status = hub_items(hub, "status")
    taken = post_all(jobs, args.clients)
    start = time.monotonic()
    wait_for(
        lambda: hub_items(hub, "status", "pending") == 0 and hub_items(hub, "status") >= before_status + len(jobs),
        900,
        "A taking the statuses",
        a,
        hub,
    )
    pulled = time.monotonic() - start
    baseline = post_all(floor, args.clients)
    print(f"\n{args.statuses} status packages over VXP, {args.clients} concurrent systems:")
    print(f"  taken by the hub (signature checked, parsed, routed, kept): {args.statuses / taken:7.1f} /s")
    print(f"  taken by A (getReceivedEdocList, getEdoc, applied, done):   {args.statuses / pulled:7.1f} /s")
    print(
        f"  baseline, the same requests to a receiver answering at once: {args.statuses / baseline:7.1f} /s"
        f"  (hub / floor = x{baseline / taken:.2f})"
    )
    print(
        f"  previous figure (congvan's own transport, taken by the hub): {PREVIOUS_STATUSES_PER_SECOND} /s"
        f"  (now / then = x{args.statuses / taken / PREVIOUS_STATUSES_PER_SECOND:.2f})"
    )


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--statuses", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="congvan-bench-exchange-"))
    password_hash = generate_password_hash(PASSWORD)
    floor_port = processes.free_port()
    started: list[Instance] = []
    with processes.redis_server(base / "redis") as redis_url, processes.serve_in_thread(null_receiver, floor_port):
        try:
            root = redis_url.rsplit("/", 1)[0]
            hub, _ = make_instance(base, "hub", f"{root}/1", password_hash, None, {"CONGVAN_HUB_MODE": "true"})
            vxp_env = {
                "CONGVAN_VXP_URL": f"{hub.url}/vxp",
                "CONGVAN_VXP_SYSTEM_ID": "sys-stnmt",
                "CONGVAN_VXP_SECRET": "vxp-secret-of-stnmt",
            }
            a, _ = make_instance(base, "a", f"{root}/2", password_hash, STNMT, vxp_env)
            rt = _runtime(hub)
            with rt.sessions() as session, session.begin():
                hub_module.add_system(session, "sys-stnmt", STNMT, "Sở Tài nguyên và Môi trường", "vxp-secret-of-stnmt")
                for organ, name in organs(args.agencies):
                    hub_module.add_system(session, f"sys-{organ}", organ, name, f"vxp-secret-{organ}")
            rt.close()
            # The recipients join A's directory from the exchange's list (getAgenciesList) when A starts.
            hub.start(web_workers=2, workers=2)
            started.append(hub)
            a.start()
            started.append(a)
            wait_for(
                lambda: len(a.ok("vanthu", "GET", "/api/v1/directory")["agencies"]) > args.agencies,
                120,
                "the exchange's agencies in A's directory",
                a,
            )
            measure(args, hub, a, f"http://127.0.0.1:{floor_port}")
        finally:
            for instance in started:
                instance.stop()
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
