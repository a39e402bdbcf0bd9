"""Issuance: the date line, the next number and symbol, the agency's signature, dispatch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signing import issuance as signing_issuance
from signing import pdf as signing_pdf
from signing.errors import SigningError
from workflow import catalog
from workflow.audit import audit
from workflow.directory.service import image
from workflow.documents.drafting import store_version
from workflow.documents.lifecycle import check, transition
from workflow.documents.service import read_pdf
from workflow.errors import IssueFailed
from workflow.issuance.registers import choose_register, make_symbol, take_number
from workflow.models import Document, Person, Register, RegisterEntry
from workflow.runtime import Runtime
from workflow.signals import document_issued
from workflow.signatures.tsa_policy import with_tsa_policy


def date_line(place: str, day: dt.date) -> str:
    """The place and date line: 'Tuyên Quang, ngày 05 tháng 01 năm 2026' (leading zeros per Decree 30)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def issue(session: Session, rt: Runtime, actor: Person, document: Document) -> dict[str, Any]:
    """Give the next number, fill number and date, add the agency signature, then dispatch."""
    check(actor, document, "issue")  # before a number is taken
    register = choose_register(session, document)
    now = rt.now()
    number = take_number(session, register.id, now.year)
    symbol = make_symbol(register, document, number)
    entry = RegisterEntry(
        register_id=register.id,
        year=now.year,
        number=number,
        symbol=symbol,
        status="issued",
        document_id=document.id,
        issued_at=now,
        doc_type=document.doc_type,
        summary=document.summary,
        signer_name=document.signer.full_name,
        signer_authority=" / ".join(x for x in (document.authority_line, document.authority_title) if x),
        recipients=document.noi_nhan,
        copies=len([line for line in document.noi_nhan.splitlines() if line.strip()]),
        issued_by_id=actor.id,
    )
    try:
        agency_key = rt.keyring.agency(document.agency.code)
        data = read_pdf(rt, document.current_version)
        issued = with_tsa_policy(
            session,
            rt,
            actor,
            document,
            lambda pades: signing_issuance.issue(
                data,
                agency_key,
                number_text=symbol,
                date_text=date_line(document.agency.place, now.date()),
                agency=document.agency.name,
                moment=now,
                font=rt.font,
                seal=image(rt, document.agency.seal_image),
                seal_mm=document.agency.seal_mm,
                leader_image=image(rt, document.signer.signature_image),
                pades=pades,
            ),
        )
        signed_appendices = [
            signing_issuance.sign_appendix(
                rt.store.get(a.sha256),
                agency_key,
                symbol=symbol,
                moment=now,
                font=rt.font,
                pades=signing_pdf.B_B if document.timestamp_due else rt.pades,
            )
            for a in document.appendices
        ]
    except SigningError as exc:
        # The number is taken: keep it in the register as voided, with the reason.
        entry.status = "voided"
        entry.document_id = document.id
        entry.void_reason = f"{exc.code}: {exc.message}"
        session.add(entry)
        audit(session, actor, "issue_failed", document, number=number, symbol=symbol, error=exc.code)
        raise IssueFailed(
            "issue_failed", f"Phát hành thất bại: {exc.message}", voided={"number": number, "symbol": symbol}
        ) from exc
    warnings = []
    duplicate = session.scalar(
        select(func.count())
        .select_from(RegisterEntry)
        .join(Register)
        .where(
            Register.agency_id == document.agency_id,
            RegisterEntry.year == now.year,
            RegisterEntry.symbol == symbol,
            RegisterEntry.status == "issued",
        )
    )
    if duplicate:
        warnings.append({"code": "duplicate_symbol", "message": f"Số, ký hiệu {symbol} đã có trong năm."})
    session.add(entry)
    version = store_version(session, rt, document, issued, "issued", actor)
    for appendix, signed in zip(document.appendices, signed_appendices, strict=True):
        appendix.issued_sha256 = rt.store.put(signed)
    document.number, document.symbol, document.issued_at = number, symbol, now
    transition(
        session, actor, document, "issue", number=number, symbol=symbol, sha256=version.sha256, register=register.code
    )
    dispatched = dispatch(session, actor, document)
    return {
        "number": number,
        "symbol": symbol,
        "sha256": version.sha256,
        "appendices": [{"seq": a.seq, "sha256": a.issued_sha256} for a in document.appendices],
        "warnings": warnings,
        "dispatch": dispatched,
    }


def dispatch(session: Session, actor: Person | None, document: Document) -> dict[str, Any]:
    """Hand the issued document to routing; secret documents are never sent over the network."""
    if catalog.is_secret(document.confidentiality):
        audit(session, actor, "dispatch_refused", document, reason="confidential")
        return {
            "error": {
                "code": "confidential_no_electronic_dispatch",
                "message": "Văn bản có nội dung bí mật nhà nước (Mật, Tối mật, Tuyệt mật) không được gửi qua mạng.",
            },
        }
    results = document_issued.send(session, document=document, actor=actor)
    transition(session, actor, document, "dispatch")
    deliveries = sum(int(r or 0) for _, r in results)
    return {"deliveries": deliveries}
