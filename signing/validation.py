"""Validation of the signatures in a PDF with pyHanko, reported as plain data with our own verdict.

Policy (SIGNING-NOTES §6): pyHanko's `bottom_line` is never taken alone. A signature is good only
when it is intact, cryptographically valid, chained to a configured trust root, covers the whole
file or a whole revision, and nothing beyond form filling, or long-term validation updates (DSS,
document timestamps), was added after it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from asn1crypto import cms as asn1_cms
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfDecodeLimitError
from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from signing.errors import PdfError, SigningError
from signing.inspection import (
    MAX_PAGE_CONTENT,
    MAX_PAGE_POINTS,
    Box,
    Layout,
    PdfInfo,
    inspect_untrusted,
    locate_layout,
    open_reader,
)

ALLOWED_AFTER = ("NONE", "LTA_UPDATES", "FORM_FILLING")
GOOD_COVERAGE = ("ENTIRE_FILE", "ENTIRE_REVISION")


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of validating one signature, with the reasons it is not good (in Vietnamese)."""

    field: str
    signer: str
    intact: bool
    # The signature's value matches the signed bytes (pyHanko's `valid`): one check among several, not a verdict.
    value_ok: bool
    trusted: bool
    coverage: str
    modification_level: str | None
    signing_time: str | None
    timestamp: str | None = None
    timestamp_ok: bool | None = None
    level: str = "B-B"
    chain: list[str] = dataclasses.field(default_factory=list)
    certificate: dict[str, str] = dataclasses.field(default_factory=dict)
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing in the policy above is violated."""
        return not self.problems

    @property
    def covers(self) -> str:
        """What the signature vouches for: the whole file, its signed revision with only the additions allowed
        after it (form fields, validation data, later signatures), or not what the file is now."""
        if self.coverage == "ENTIRE_FILE":
            return "whole_file"
        if self.coverage in GOOD_COVERAGE and self.modification_level in ALLOWED_AFTER and self.ok:
            return "signed_revision_and_allowed_additions"
        return "not_the_file_as_it_is"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, our verdict on this signature first."""
        return {"verdict": "valid" if self.ok else "invalid", "covers": self.covers} | asdict(self) | {"ok": self.ok}


@dataclass(frozen=True)
class TimestampCheck:
    """A document timestamp (/DocTimeStamp) found in the file."""

    field: str
    time: str | None
    intact: bool
    value_ok: bool  # the token's signature matches (pyHanko's `valid`), not a verdict
    trusted: bool
    tsa: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, our verdict on this timestamp first."""
        good = self.intact and self.value_ok and self.trusted
        return {"verdict": "valid" if good else "invalid"} | asdict(self)


@dataclass(frozen=True)
class Report:
    """Every signature and document timestamp of a file, and the verdict on the whole."""

    signatures: list[SignatureCheck]
    timestamps: list[TimestampCheck]

    @property
    def verdict(self) -> str:
        """ "valid" when there are signatures and all are good; "invalid"; or "unsigned"."""
        if not self.signatures:
            return "unsigned"
        return "valid" if all(s.ok for s in self.signatures) else "invalid"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "verdict": self.verdict,
            "signatures": [s.as_dict() for s in self.signatures],
            "timestamps": [t.as_dict() for t in self.timestamps],
        }


def load_certs(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    """Parse one or more PEM certificates."""
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(pem_bytes, multiple=True)]


def cert_pem(cert: asn1_x509.Certificate) -> bytes:
    """PEM encoding of a parsed certificate."""
    return pem.armor("CERTIFICATE", cert.dump())


def _name(cert: asn1_x509.Certificate) -> str:
    return str(cert.subject.native.get("common_name", "") or cert.subject.human_friendly)


def _context(reader: PdfFileReader, roots: list[asn1_x509.Certificate], require_revocation: bool) -> ValidationContext:
    """A context that never goes to the network: trust roots plus what the file's DSS carries."""
    kwargs: dict[str, Any] = {
        "trust_roots": roots,
        "allow_fetching": False,
        "revocation_mode": "hard-fail" if require_revocation else "soft-fail",
    }
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except (KeyError, ValueError, TypeError, PyHankoPdfError):
        return ValidationContext(**kwargs, crls=[], ocsps=[])


def _has_dss_at(reader: PdfFileReader, revision: int) -> bool:
    try:
        root = reader.get_historical_root(revision)
        if "/DSS" not in root:
            return False
        dss = root["/DSS"]
    except (PyHankoPdfError, KeyError, IndexError):
        return False
    return "/OCSPs" in dss or "/CRLs" in dss


def _level(
    reader: PdfFileReader, embedded: EmbeddedPdfSignature, signature_ts: bool, doc_ts: list[EmbeddedPdfSignature]
) -> str:
    """The PAdES baseline level the file reaches for this signature (EN 319 142-1)."""
    later = [t for t in doc_ts if t.signed_revision > embedded.signed_revision]
    if not (signature_ts or later):
        return "B-B"
    revisions = reader.xrefs.total_revisions
    dss_revisions = [r for r in range(embedded.signed_revision, revisions) if _has_dss_at(reader, r)]
    if not dss_revisions:
        return "B-T"
    first_dss = min(dss_revisions)
    if any(t.signed_revision >= first_dss for t in later):
        return "B-LTA"
    return "B-LT"


def _check(
    reader: PdfFileReader,
    embedded: EmbeddedPdfSignature,
    context: ValidationContext,
    doc_ts: list[EmbeddedPdfSignature],
    stray_tail: bool,
) -> SignatureCheck:
    problems = []
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context, ts_validation_context=context)
    except (SignatureValidationError, PyHankoPdfError, ValueError, KeyError, TypeError) as exc:
        return SignatureCheck(
            field=str(embedded.field_name),
            signer="",
            intact=False,
            value_ok=False,
            trusted=False,
            coverage="UNKNOWN",
            modification_level=None,
            signing_time=None,
            problems=[f"Không kiểm tra được chữ ký: {type(exc).__name__}."],
        )
    coverage = status.coverage.name if status.coverage else "UNKNOWN"
    level_after = status.modification_level.name if status.modification_level is not None else None
    if not status.intact:
        problems.append("Nội dung đã bị thay đổi sau khi ký (mã băm không khớp).")
    if not status.valid:
        problems.append("Chữ ký số không hợp lệ về mật mã.")
    if not status.trusted:
        problems.append("Chứng thư số không chuỗi được tới tổ chức chứng thực tin cậy.")
    if coverage not in GOOD_COVERAGE:
        problems.append("Chữ ký không bao phủ toàn bộ tệp hoặc một phiên bản trọn vẹn.")
    elif coverage != "ENTIRE_FILE" and (stray_tail or embedded.signed_revision >= reader.xrefs.total_revisions - 1):
        # Bytes after the signed range that no later revision accounts for: pyHanko reports the
        # revision as fully covered, but the file is not what was signed.
        problems.append("Sau phạm vi được ký có dữ liệu không thuộc phiên bản hợp lệ nào của tệp.")
    if level_after not in ALLOWED_AFTER:
        problems.append("Sau khi ký, tệp đã bị sửa vượt quá điền biểu mẫu hoặc bổ sung dữ liệu xác thực dài hạn.")
    ts = status.timestamp_validity
    timestamp_ok = None
    if ts is not None:
        timestamp_ok = bool(ts.intact and ts.valid and ts.trusted)
        if not timestamp_ok:
            problems.append("Dấu thời gian của chữ ký không hợp lệ hoặc không tin cậy.")
    cert = status.signing_cert
    path = status.validation_path
    chain = [_name(c) for c in reversed(list(path))] if path is not None else [_name(cert)]  # signer first
    return SignatureCheck(
        field=str(embedded.field_name),
        signer=_name(cert),
        intact=status.intact,
        value_ok=status.valid,
        trusted=status.trusted,
        coverage=coverage,
        modification_level=level_after,
        signing_time=status.signer_reported_dt.isoformat() if status.signer_reported_dt else None,
        timestamp=ts.timestamp.isoformat() if ts is not None else None,
        timestamp_ok=timestamp_ok,
        level=_level(reader, embedded, ts is not None, doc_ts),
        chain=chain,
        certificate={
            "subject": cert.subject.human_friendly,
            "issuer": cert.issuer.human_friendly,
            "serial": format(cert.serial_number, "x"),
            "not_before": cert.not_valid_before.isoformat(),
            "not_after": cert.not_valid_after.isoformat(),
        },
        problems=problems,
    )


def _timestamp(embedded: EmbeddedPdfSignature, context: ValidationContext) -> TimestampCheck:
    try:
        status = validate_pdf_timestamp(embedded, validation_context=context)
    except (SignatureValidationError, PyHankoPdfError, ValueError, KeyError, TypeError):
        return TimestampCheck(str(embedded.field_name), None, False, False, False, "")
    return TimestampCheck(
        field=str(embedded.field_name),
        time=status.timestamp.isoformat(),
        intact=status.intact,
        value_ok=status.valid,
        trusted=status.trusted,
        tsa=_name(status.signing_cert),
    )


def in_zone(report_data: dict[str, Any], zone: dt.tzinfo) -> dict[str, Any]:
    """A report's times (as data) in the given zone, as every other time the agency reads."""

    def local(value: str | None) -> str | None:
        return dt.datetime.fromisoformat(value).astimezone(zone).isoformat() if value else value

    return report_data | {
        "signatures": [
            s | {"signing_time": local(s.get("signing_time")), "timestamp": local(s.get("timestamp"))}
            for s in report_data.get("signatures", [])
        ],
        "timestamps": [t | {"time": local(t.get("time"))} for t in report_data.get("timestamps", [])],
    }


def report(data: bytes, trust_roots: list[asn1_x509.Certificate], *, require_revocation: bool = False) -> Report:
    """Validate every signature and document timestamp of a PDF, offline, against the trust roots."""
    reader = open_reader(data)
    context = _context(reader, trust_roots, require_revocation)
    doc_ts = list(reader.embedded_timestamp_signatures)
    stray_tail = bool(data[data.rfind(b"%%EOF") + 5 :].strip())
    return Report(
        signatures=[_check(reader, e, context, doc_ts, stray_tail) for e in reader.embedded_regular_signatures],
        timestamps=[_timestamp(t, context) for t in doc_ts],
    )


def validate(data: bytes, trust_roots: list[asn1_x509.Certificate]) -> list[SignatureCheck]:
    """Validate every signature in the PDF against the given trust roots."""
    return report(data, trust_roots).signatures


@dataclass(frozen=True)
class DetachedSigner:
    """Who made a valid detached signature: name and SHA-256 of the certificate (for pinning)."""

    name: str
    cert_sha256: str


def verify_detached(data: bytes, signature: bytes, trust_roots: list[asn1_x509.Certificate]) -> DetachedSigner:
    """Check a detached CMS signature over bytes; return its signer, or raise SigningError."""
    try:
        content = asn1_cms.ContentInfo.load(signature)
        status = asyncio.run(
            async_validate_detached_cms(
                data,
                content["content"],
                signer_validation_context=ValidationContext(trust_roots=trust_roots, allow_fetching=False),
            )
        )
    except (ValueError, KeyError, TypeError, SignatureValidationError) as exc:
        raise SigningError("signature_unreadable", "Chữ ký của gói tin không đọc được.") from exc
    if not (status.intact and status.valid):
        raise SigningError("signature_invalid", "Chữ ký của gói tin không hợp lệ (nội dung đã bị sửa).")
    if not status.trusted:
        raise SigningError("signature_untrusted", "Chữ ký của gói tin không chuỗi được tới tổ chức chứng thực tin cậy.")
    return DetachedSigner(_name(status.signing_cert), hashlib.sha256(status.signing_cert.dump()).hexdigest())


def pem_sha256(pem: bytes) -> str:
    """SHA-256 of the (first) certificate in a PEM text, as verify_detached reports it."""
    return hashlib.sha256(load_certs(pem)[0].dump()).hexdigest()


# --- untrusted files: validated in a child process with memory and CPU limits -----------------

ISOLATED_MEMORY = 768 * 1024 * 1024  # address space of the child, bytes
ISOLATED_SECONDS = 20
UPLOAD_MEMORY = 512 * 1024 * 1024  # an upload's check needs less than a full validation


def report_isolated(
    data: bytes, roots_pem: bytes, *, seconds: int = ISOLATED_SECONDS, memory: int = ISOLATED_MEMORY
) -> dict[str, Any]:
    """Validate a PDF from outside in a separate process, so a hostile file costs at most its limits.

    Returns the report as data; raises SigningError (PdfError for files that are not PDFs we can read).
    """
    with tempfile.TemporaryDirectory(prefix="congvan-validate-") as work:
        roots = Path(work) / "roots.pem"
        roots.write_bytes(roots_pem)
        return _isolated(["report", str(roots)], data, seconds, memory)


@dataclass(frozen=True)
class Inspected:
    """What the isolated check found in an uploaded PDF: its counts, and its layout when a signer was named."""

    info: PdfInfo
    layout: Layout | None


def inspect_isolated(
    data: bytes,
    *,
    signer_name: str | None = None,
    page_points: float = MAX_PAGE_POINTS,
    page_content_bytes: int = MAX_PAGE_CONTENT,
    seconds: int = ISOLATED_SECONDS,
    memory: int = UPLOAD_MEMORY,
) -> Inspected:
    """Check an uploaded PDF (inspection.inspect_untrusted) in a separate process with memory and CPU limits, and
    find where its number, date and signature go (inspection.locate_layout) when the signer's name is given."""
    task = ["inspect", str(page_points), str(page_content_bytes)]
    if signer_name is not None:
        task.append(signer_name)
    answer = _isolated(task, data, seconds, memory)
    info = PdfInfo(pages=int(answer["pages"]), signatures=int(answer["signatures"]))
    where = answer.get("layout")
    layout = Layout(**{name: Box(**box) for name, box in where.items()}) if where else None
    return Inspected(info, layout)


def _isolated(task: list[str], data: bytes, seconds: int, memory: int) -> dict[str, Any]:
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed argv; the file goes to stdin
            [sys.executable, "-m", "signing.validation", str(seconds), str(memory), *task],
            input=data,
            capture_output=True,
            timeout=seconds + 5,
            check=False,
            cwd=Path(__file__).resolve().parents[1],
        )
    except subprocess.TimeoutExpired as exc:
        raise SigningError("validation_timeout", "Kiểm tra tệp quá thời gian cho phép (tệp quá phức tạp).") from exc
    if done.returncode != 0:
        raise SigningError("validation_aborted", "Tệp vượt giới hạn tài nguyên khi kiểm tra (tệp quá phức tạp).")
    answer: dict[str, Any] = json.loads(done.stdout)
    if "error" in answer:
        raise PdfError(answer["error"]["code"], answer["error"]["message"])
    return answer


def _child(seconds: int, memory: int, task: str, *args: str) -> None:
    """Entry point of the child: limits first, then read stdin, do the task, print JSON."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    data = sys.stdin.buffer.read()
    answer: dict[str, Any]
    try:
        if task == "inspect":
            info = inspect_untrusted(data, max_page_points=float(args[0]))
            answer = {"pages": info.pages, "signatures": info.signatures}
            if len(args) > 2:
                answer["layout"] = asdict(locate_layout(data, args[2], int(args[1])))
        else:
            # A file from outside: refused as an upload would be for its size and structure (but a damaged
            # stream is what a validation reports, as a tampered file).
            inspect_untrusted(data, damaged_streams=True)
            answer = report(data, load_certs(Path(args[0]).read_bytes())).as_dict()
    except PdfError as exc:
        answer = {"error": {"code": exc.code, "message": exc.message}}
    except (PdfDecodeLimitError, RecursionError, MemoryError) as exc:
        answer = {
            "error": {"code": "pdf_too_complex", "message": f"Tệp PDF quá phức tạp để kiểm tra ({type(exc).__name__})."}
        }
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:])
