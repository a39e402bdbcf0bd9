"""Rows for service tests, made directly in a session: the demo directory's people and units by default,
any field overridden by keyword. Nothing here commits; the test's savepoint rolls it all back."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import IncomingDocument
from workflow.directory.authorities import default_of
from workflow.models import Agency, Document, DocumentVersion, Person, SigningBatch, SigningBatchItem, Unit
from workflow.states import BatchState, DocumentState

if TYPE_CHECKING:
    from flask import Flask

    from tests.support.api import Api

_serial = itertools.count(1)


def person(session: Session, username: str) -> Person:
    """A person of the demo directory, by username."""
    found = session.scalar(select(Person).where(Person.username == username))
    assert found is not None, f"no {username} in the demo directory"
    return found


def unit(session: Session, code: str) -> Unit:
    """A unit of our agency, by code."""
    found = session.scalar(select(Unit).join(Agency).where(Unit.code == code, Agency.is_self.is_(True)))
    assert found is not None, f"no unit {code} in the demo directory"
    return found


def make_person(session: Session, roles: str = "specialist", unit_code: str | None = None, **overrides: Any) -> Person:
    """A new active person of our agency (in the drafting specialist's unit unless told)."""
    n = next(_serial)
    home = unit(session, unit_code) if unit_code else person(session, "chuyenvien").unit
    made = Person(
        **{
            "username": f"nguoi{n}",
            "full_name": f"Nguyễn Văn Thử {n}",
            "password_hash": "!",  # no password signs in as this person
            "unit": home,
            "roles": roles,
        }
        | overrides
    )
    session.add(made)
    session.flush()
    return made


def make_document(session: Session, state: str = DocumentState.DRAFTING, **overrides: Any) -> Document:
    """A document of our agency drafted by chuyenvien for giamdoc to sign, in any state, with one version whose
    bytes are not stored (services that read the PDF need a document made through drafting)."""
    drafter = overrides.pop("drafter", None) or person(session, "chuyenvien")
    signer = overrides.pop("signer", None) or person(session, "giamdoc")
    chosen = default_of(session, signer)
    made = Document(
        **{
            "agency": drafter.unit.agency,
            "doc_type": "cong_van",
            "summary": f"Về việc thử nghiệm số {next(_serial)}",
            "body": "Sở Tài nguyên và Môi trường đề nghị các đơn vị thực hiện./.",
            "drafting_unit": drafter.unit,
            "drafter": drafter,
            "signer": signer,
            "authority_kind": chosen.kind,
            "authority_line": chosen.line,
            "authority_title": chosen.title,
            "kinh_gui": "Các phòng, đơn vị trực thuộc Sở",
            "noi_nhan": "Như trên;\nLưu: VT.",
            "state": state,
        }
        | overrides
    )
    digest = hashlib.sha256(made.summary.encode()).hexdigest()
    made.versions.append(DocumentVersion(seq=1, kind="rendered", sha256=digest, size=1, created_by_id=drafter.id))
    session.add(made)
    session.flush()
    return made


def make_batch(session: Session, documents: list[Document], **overrides: Any) -> SigningBatch:
    """An open signing batch of these documents for their signer (the first one's)."""
    leader = overrides.pop("leader", None) or documents[0].signer
    made = SigningBatch(**{"leader": leader, "state": BatchState.OPEN} | overrides)
    made.items = [SigningBatchItem(document=d, sha256=d.current_version.sha256) for d in documents]
    session.add(made)
    session.flush()
    return made


def make_incoming(session: Session, **overrides: Any) -> IncomingDocument:
    """A document received from Sở Nội vụ through the exchange, waiting to be registered (its PDF not stored)."""
    ours = person(session, "vanthu").unit.agency
    n = next(_serial)
    subject = f"Về việc báo cáo công tác cải cách hành chính số {n}"
    made = IncomingDocument(
        **{
            "agency_id": ours.id,
            "sender_code": "000.00.09.H57",
            "sender_name": "Sở Nội vụ tỉnh Tuyên Quang",
            "document_key": f"000.00.09.H57,2026/12/01,{n}",
            "number": n,
            "symbol": f"{n}/SNV-VP",
            "promulgation_date": dt.date(2026, 12, 1),
            "subject": subject,
            "pdf_sha256": hashlib.sha256(subject.encode()).hexdigest(),  # bytes not stored
        }
        | overrides
    )
    session.add(made)
    session.flush()
    return made


def awaiting(app: Flask, api: Api, count: int) -> list[int]:
    """`count` documents waiting for giamdoc's signature: one drafted through the API, the others in the database
    sharing its rendered file (the store keeps files by content), so a test's time goes to signing, not drafting."""
    (first,) = api.drafted(1)
    rt = app.extensions["congvan"]
    with rt.sessions() as session, session.begin():
        model = session.get(Document, first)
        assert model is not None
        version = model.current_version
        ids = [first]
        for _ in range(count - 1):
            copy = make_document(session, DocumentState.AWAITING_SIGNATURE, summary=model.summary)
            copy.versions[0].sha256, copy.versions[0].size = version.sha256, version.size
            copy.versions[0].kind = version.kind
            ids.append(copy.id)
    return ids
