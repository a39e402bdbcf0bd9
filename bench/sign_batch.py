"""The end-of-day batch, measured three ways on the same realistic Vietnamese PDFs, in one run.

Usage: .venv/bin/python bench/sign_batch.py [--docs 500] [--naive 20] [--no-tsa] [--no-big]
(the naive baseline needs the pyHanko command line: scripts/venv bench)

Prints documents per second and ms per document for:
- the floor: SHA-256 over each file plus one RSA-2048 signature with `cryptography`;
- the naive baseline: the `pyhanko sign addsig` command once per file, visible Vietnamese stamp;
- congvan's batch path with the full Decree-30 leader appearance, from the leader's confirmation
  until every document is signed and committed (database, files, audit): prepared at confirmation,
  prepared ahead while the batch waited (and how long that took), and B-T with a TSA on 127.0.0.1;
then the peak memory and times for one 20 MB PDF, measured in a child process.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from workflow.documents import schemas

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from congvan import demo
from congvan.cli import upgrade_database
from congvan.demo_day import BODIES
from signing import appearance, inspection
from signing import pdf as signing_pdf
from workflow import config, outbox, runtime
from workflow.accounts import service as auth
from workflow.documents import drafting, lifecycle
from workflow.documents import service as documents
from workflow.models import Person, SigningBatch
from workflow.signatures import jobs
from workflow.signatures import service as batches
from wsgi import create_app

PASSPHRASE = "bench"


def build(base: Path, keys: Path | None, **overrides: Any) -> runtime.Runtime:
    """A fresh embedded deployment (SQLite, files, demo directory, images), jobs run inline."""
    cfg = {
        "DATABASE_URL": f"sqlite:///{base}/congvan.db",
        "FILES_DIR": str(base / "files"),
        "KEYS_DIR": str(keys or base / "keys"),
        "KEY_PASSPHRASE": PASSPHRASE,
        "JOB_MODE": "inline",
        **overrides,
    }
    upgrade_database(config.load(cfg).database_url)
    create_app(cfg)
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        demo.load_directory(session, generate_password_hash("x"))
        demo.make_pki(rt, session)
        demo.load_images(rt, session)
    return rt


def make_documents(rt: runtime.Runtime, count: int) -> list[int]:
    """Approved công văn of 1 to 3 pages waiting in the director's signing book."""
    ids = []
    with rt.readers() as session:
        people_ids = {p.username: p.id for p in session.scalars(select(Person))}
    for i in range(count):
        body = "\n".join(BODIES * (1 + i % 3 * 2))  # one, two or three pages
        draft = schemas.Draft(
            doc_type="cong_van",
            summary=f"tiếp tục thực hiện công tác phòng, chống dịch (số {i + 1})",
            body=body,
            signer_id=people_ids["giamdoc"],
            kinh_gui=["Các phòng, đơn vị trực thuộc Sở"],
            noi_nhan=["Như trên;", "UBND tỉnh (b/c);", "Lưu: VT, VP."],
        )
        content = drafting.make_content(rt, people_ids["chuyenvien"], draft, None)
        with rt.sessions() as session, session.begin():
            people = {p.username: p for p in session.scalars(select(Person))}
            doc = drafting.create_document(session, rt, people["chuyenvien"], draft, content)
            lifecycle.transition(session, people["chuyenvien"], doc, "submit")
            lifecycle.approve(session, rt, people["truongphong"], doc)
            ids.append(doc.id)
    return ids


def pdfs_of(rt: runtime.Runtime, ids: list[int]) -> list[bytes]:
    """The current (prepared, unsigned) PDFs of the documents."""
    from workflow.models import Document

    with rt.readers() as session:
        return [documents.read_pdf(rt, session.get(Document, i).current_version) for i in ids]  # type: ignore[union-attr]


def leader_key(keys: Path) -> tuple[Any, Any, list[Any]]:
    """The director's key and certificates from the demo PKCS#12 file."""
    key, cert, chain = pkcs12.load_key_and_certificates(
        (keys / "people" / "giamdoc.p12").read_bytes(), PASSPHRASE.encode()
    )
    return key, cert, list(chain or [])


def floor(pdfs: list[bytes], key: rsa.RSAPrivateKey) -> float:
    """Seconds for: SHA-256 of each file and one RSA-2048 signature over it."""
    started = time.perf_counter()
    for data in pdfs:
        key.sign(hashlib.sha256(data).digest(), padding.PKCS1v15(), hashes.SHA256())
    return time.perf_counter() - started


def naive(pdfs: list[bytes], keys: Path, work: Path) -> float | None:
    """Seconds for `pyhanko sign addsig` run once per file with a visible Vietnamese stamp."""
    cli = Path(sys.executable).with_name("pyhanko")
    if not cli.exists():
        return None
    key, cert, chain = leader_key(keys)
    (work / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (work / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (work / "chain.pem").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    (work / "pyhanko.yml").write_text(
        "stamp-styles:\n"
        "  vn:\n"
        "    type: text\n"
        '    stamp-text: "Ký bởi: %(signer)s\\nThời gian ký: %(ts)s"\n'
        "    text-box-style:\n"
        f"      font: {appearance.find_serif_font()}\n"
        "      font-size: 8\n"
    )
    started = time.perf_counter()
    for i, data in enumerate(pdfs):
        source, target = work / f"in{i}.pdf", work / f"out{i}.pdf"
        source.write_bytes(data)
        subprocess.run(
            [
                str(cli),
                "--config",
                str(work / "pyhanko.yml"),
                "sign",
                "addsig",
                "--field",
                signing_pdf.LEADER_FIELD,
                "--style-name",
                "vn",
                "--use-pades",
                "pemder",
                "--key",
                str(work / "key.pem"),
                "--cert",
                str(work / "cert.pem"),
                "--chain",
                str(work / "chain.pem"),
                "--no-pass",
                str(source),
                str(target),
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def create(rt: runtime.Runtime, ids: list[int]) -> tuple[int, int]:
    """A batch of these documents for the director, made by the clerk: (its id, the director's id)."""
    with rt.sessions() as session, session.begin():
        clerk = session.scalar(select(Person).where(Person.username == "vanthu"))
        leader = session.scalar(select(Person).where(Person.username == "giamdoc"))
        assert clerk is not None and leader is not None
        return batches.create_batch(session, clerk, leader.id, ids, prepare_ahead=False).id, leader.id


def confirm(rt: runtime.Runtime, batch_id: int, leader_id: int) -> None:
    """The director confirms the batch with the password, and the jobs that follow run (JOB_MODE inline)."""
    with rt.sessions() as session, session.begin():
        leader = session.get(Person, leader_id)
        assert leader is not None
        proof = auth.reauthenticate(session, rt, leader, "127.0.0.1", password="x")
        batches.confirm_batch(session, leader, batch_id, proof)
    outbox.relay(rt)  # the signing job runs here, as a worker would run it


def batch(rt: runtime.Runtime, ids: list[int], prepare_ahead: bool) -> tuple[float, float]:
    """(seconds preparing ahead, seconds from the leader's confirmation until every document is committed)."""
    batch_id, leader_id = create(rt, ids)
    ahead = 0.0
    if prepare_ahead:
        started = time.perf_counter()
        assert jobs.prepare_batch(batch_id) == len(ids)
        ahead = time.perf_counter() - started
    started = time.perf_counter()
    confirm(rt, batch_id, leader_id)
    elapsed = time.perf_counter() - started
    with rt.readers() as session:
        done = session.get(SigningBatch, batch_id)
        assert done is not None and done.state == "done", done.state if done else None
    return ahead, elapsed


def big_pdf(path: Path) -> None:
    """A one-page PDF of about 20 MB: a scanned page of incompressible noise, as an image XObject."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    noise = Image.frombytes("RGB", (2600, 2600), os.urandom(2600 * 2600 * 3))
    page = canvas.Canvas(str(path))
    page.drawImage(ImageReader(noise), 50, 300, 500, 500)
    page.showPage()
    page.save()


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_pdf_child(path: Path) -> None:
    """In a child process: prepare, sign and validate one big PDF; print sizes, times and memory."""
    import datetime

    from signing import pki, signers, validation

    root = pki.make_root("Bench Root", "congvan bench")
    ident = pki.issue_signing_cert(root, "Phạm Mạnh Duyệt", "Sở Tài nguyên và Môi trường")
    key = signers.load_pkcs12(pki.to_pkcs12(ident, [root.cert], b"x", "k"), b"x")
    font = appearance.prepare_font(appearance.find_serif_font())
    image = demo.signature_png("Phạm Mạnh Duyệt")
    before = peak_mb()
    started = time.perf_counter()
    data = path.read_bytes()
    fields = signing_pdf.prepare(data, inspection.locate_layout(data, "Phạm Mạnh Duyệt"))
    one = signing_pdf.prepare_leader(
        fields,
        key,
        signer_name="Phạm Mạnh Duyệt",
        position="Giám đốc",
        agency="Sở Tài nguyên và Môi trường",
        moment=datetime.datetime.now(datetime.UTC),
        day=datetime.date.today(),
        font=font,
        image=image,
    )
    signed = signing_pdf.finish(one, signing_pdf.sign_digests([one], key)[0])
    sign_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    verdict = validation.report(signed, validation.load_certs(pki.cert_pem(root.cert))).verdict
    validate_ms = (time.perf_counter() - started) * 1000
    peak = peak_mb()
    print(f"{len(signed) / 1e6:.1f} {sign_ms:.0f} {validate_ms:.0f} {verdict} {before:.0f} {peak:.0f}")


def tsa_child() -> None:
    """In a child process: run the local TSA, print its URL and root certificate file, serve until stdin closes."""
    from tests.support.trust_services import trust_services

    with trust_services() as services_up, tempfile.NamedTemporaryFile(suffix=".pem") as root:
        root.write(services_up.root_pem())
        root.flush()
        print(services_up.tsa_url, root.name, flush=True)
        sys.stdin.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--naive", type=int, default=20, help="files for the naive command-line loop")
    parser.add_argument("--no-tsa", action="store_true")
    parser.add_argument("--no-big", action="store_true")
    parser.add_argument("--big-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tsa-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tsa_child:
        tsa_child()
        return
    if args.big_child:
        big_pdf_child(args.big_child)
        return
    n = args.docs
    work = Path(tempfile.mkdtemp(prefix="congvan-bench-"))
    print(f"congvan bench/sign_batch.py: {n} documents, {os.cpu_count()} cores, RSA-2048, full Decree-30 leader stamp")

    rt = build(work / "fresh", None, PREPARE_AHEAD=False)
    keys = Path(rt.settings.keys_dir)
    started = time.perf_counter()
    ids = make_documents(rt, n)
    pdfs = pdfs_of(rt, ids)
    sizes = sorted(len(p) for p in pdfs)
    pages = {inspection.inspect(p).pages for p in pdfs[:6]}
    print(
        f"documents made in {time.perf_counter() - started:.1f} s: {min(pages)}-{max(pages)} pages, "
        f"{sizes[0] // 1024}-{sizes[-1] // 1024} KB"
    )
    key, _, _ = leader_key(keys)
    rt.warm()  # as `congvan worker` does when it starts
    rows: list[tuple[str, float, int]] = []
    rows.append(("floor: SHA-256 + one RSA-2048 signature", floor(pdfs, key), n))
    naive_n = min(args.naive, n)
    naive_s = naive(pdfs[:naive_n], keys, work)
    if naive_s is not None:
        rows.append(("naive: `pyhanko sign addsig` once per file", naive_s, naive_n))
    _, fresh_s = batch(rt, ids, prepare_ahead=False)
    rows.append(("congvan batch, prepared at confirmation", fresh_s, n))
    rt.close()

    rt = build(work / "ahead", keys, PREPARE_AHEAD=True)
    rt.warm()
    ahead_s, after_s = batch(rt, make_documents(rt, n), prepare_ahead=True)
    rows.append(("congvan batch, prepared ahead (after confirmation)", after_s, n))
    rt.close()

    if not args.no_tsa:
        # The TSA runs in its own process, as a real one would, not competing with the batch for the GIL.
        tsa = subprocess.Popen([sys.executable, __file__, "--tsa-child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert tsa.stdout is not None and tsa.stdin is not None
        tsa_url, root_pem = tsa.stdout.readline().decode().split()
        tsa_keys = work / "tsa-keys"
        shutil.copytree(keys, tsa_keys)
        (tsa_keys / "roots.pem").write_bytes((keys / "roots.pem").read_bytes() + Path(root_pem).read_bytes())
        rt = build(work / "tsa", tsa_keys, PREPARE_AHEAD=False, PADES_LEVEL="B-T", TSA_URL=tsa_url)
        rt.warm()
        _, tsa_s = batch(rt, make_documents(rt, n), prepare_ahead=False)
        rows.append(("congvan batch B-T (TSA on 127.0.0.1), at confirmation", tsa_s, n))
        rt.close()
        tsa.stdin.close()
        tsa.wait(10)

    floor_ms = rows[0][1] / rows[0][2] * 1000
    naive_ms = rows[1][1] / rows[1][2] * 1000 if naive_s is not None else None
    print(f"\n{'path':58} {'docs':>5} {'total s':>8} {'ms/doc':>8} {'docs/s':>8} {'x floor':>8} {'naive/x':>8}")
    for name, seconds, count in rows:
        ms = seconds / count * 1000
        speedup = f"{naive_ms / ms:8.1f}" if naive_ms else f"{'-':>8}"
        print(f"{name:58} {count:5d} {seconds:8.2f} {ms:8.2f} {1000 / ms:8.1f} {ms / floor_ms:8.1f} {speedup}")
    print(f"(preparing ahead, before the confirmation: {ahead_s:.2f} s for {n}; not counted above)")
    if not args.no_big:
        big_pdf(work / "big.pdf")
        command = [sys.executable, __file__, "--big-child", str(work / "big.pdf")]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        size, sign_ms, validate_ms, verdict, before, peak = out.stdout.split()
        print(
            f"{(work / 'big.pdf').stat().st_size / 1e6:.1f} MB PDF: fields + leader signature {sign_ms} ms, "
            f"validation {validate_ms} ms ({verdict}), {size} MB signed; peak RSS {peak} MB "
            f"({before} MB before the file was read)"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
