"""Measure the end-of-day batch and issuance against the floor of the same work, in one run.

Usage: .venv/bin/python bench/batch_signing.py [--docs 50]

Prints ms per document for: the floor (read the PDF, SHA-256, one RSA-2048 signature), pyHanko as
documented (stock SimpleSigner, size estimated by a dry run), congvan's leader signature path, the
whole batch job (database, storage, audit), and issuance (number, fields, agency signature, dispatch).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers as pyhanko_signers
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from signing import pdf as signing_pdf
from workflow import config, demo, outbox, runtime, services
from workflow.cli import upgrade_database
from workflow.models import Document, Person
from wsgi import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=50)
    n = parser.parse_args().docs
    base = Path(tempfile.mkdtemp(prefix="congvan-bench-"))
    cfg = config.load(
        {
            "DATABASE_URL": f"sqlite:///{base}/b.db",
            "FILES_DIR": str(base / "files"),
            "KEYS_DIR": str(base / "keys"),
            "KEY_PASSPHRASE": "bench",
            "JOB_MODE": "inline",
        }
    )
    upgrade_database(cfg["DATABASE_URL"])
    app = create_app(cfg)
    rt = runtime.current()
    with rt.sessions() as session, session.begin():
        demo.load_directory(session, generate_password_hash("x"))
        demo.make_pki(rt, session)

    def person(session: Session, username: str) -> Person:
        found = session.scalar(select(Person).where(Person.username == username))
        assert found is not None
        return found

    ids = []
    body = Path(__file__).resolve().parents[2] / "shared/samples/000_9ffedc3093fc2c0b.txt"
    text = body.read_text() if body.exists() else "Nội dung văn bản./."
    with rt.sessions() as session, session.begin():
        leader = person(session, "giamdoc")
        for i in range(n):
            doc = services.create_document(
                session,
                rt,
                person(session, "chuyenvien"),
                {
                    "doc_type": "cong_van",
                    "summary": f"văn bản đo số {i}",
                    "body": text[:2500],
                    "signer_id": leader.id,
                    "kinh_gui": ["Các phòng, đơn vị trực thuộc Sở"],
                    "noi_nhan": ["Như trên;", "UBND tỉnh (b/c);", "Lưu: VT, VP."],
                },
                None,
            )
            services.transition(session, person(session, "chuyenvien"), doc, "submit")
            services.approve(session, rt, person(session, "truongphong"), doc)
            ids.append(doc.id)
    with rt.sessions() as session:
        pdfs = [services.read_pdf(rt, session.get(Document, i).current_version) for i in ids]
        key = rt.keyring.person(person(session, "giamdoc"))
    pages = signing_pdf.inspect(pdfs[0]).pages
    print(f"{n} công văn, {pages} trang, {statistics.mean(len(p) for p in pdfs) / 1024:.0f} KB mỗi tệp")

    started = time.perf_counter()
    for data in pdfs:
        digest = hashlib.sha256(data).digest()
        key._key.sign(digest, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
    floor = (time.perf_counter() - started) / n * 1000

    stock = pyhanko_signers.SimpleSigner(key.signing_cert, key.signing_key, key.cert_registry)
    started = time.perf_counter()
    for data in pdfs[: min(n, 20)]:
        pyhanko_signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(data)),
            pyhanko_signers.PdfSignatureMetadata(field_name=signing_pdf.LEADER_FIELD),
            signer=stock,
        )
    documented = (time.perf_counter() - started) / min(n, 20) * 1000

    _ = rt.font
    started = time.perf_counter()
    for data in pdfs:
        signing_pdf.sign_leader(
            data, key, signer_name="Phạm Mạnh Duyệt", position="Giám đốc", agency="Sở", moment=rt.now(), font=rt.font
        )
    adapter = (time.perf_counter() - started) / n * 1000

    started = time.perf_counter()
    with rt.sessions() as session, session.begin():
        batch = services.create_batch(session, person(session, "vanthu"), leader.id)
    with rt.sessions() as session, session.begin():
        services.confirm_batch(session, person(session, "giamdoc"), batch.id)
    outbox.relay(rt)  # inline mode: runs the batch job here
    batch_total = time.perf_counter() - started

    started = time.perf_counter()
    for doc_id in ids:
        with rt.sessions() as session, session.begin():
            clerk = person(session, "vanthu")
            result = services.issue(session, rt, clerk, services.get_document(session, clerk, doc_id, lock=True))
            assert result["ok"], result
        outbox.relay(rt)
    issue_total = time.perf_counter() - started

    print(f"{'floor: read + SHA-256 + RSA-2048':45s} {floor:8.2f} ms/doc   x1.0")
    print(f"{'pyHanko as documented (invisible)':45s} {documented:8.2f} ms/doc   x{documented / floor:.1f}")
    print(f"{'congvan leader signature (visible stamp)':45s} {adapter:8.2f} ms/doc   x{adapter / floor:.1f}")
    print(
        f"{'batch job, whole (db, files, audit)':45s} {batch_total / n * 1000:8.2f} ms/doc   "
        f"x{batch_total / n * 1000 / floor:.1f}   ({batch_total:.2f} s for {n})"
    )
    print(
        f"{'issuance (number, fields, agency sig, dispatch)':45s} {issue_total / n * 1000:8.2f} ms/doc   "
        f"x{issue_total / n * 1000 / floor:.1f}   ({issue_total:.2f} s for {n})"
    )
    app.extensions["congvan"].engine.dispose()


if __name__ == "__main__":
    main()
