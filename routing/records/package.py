"""A case file accepted by the archive as a package that stands on its own for decades: its documents' signed PDFs,
its metadata (ho-so.xml: the file's and each document's fields), the trust anchors its signatures chain to, and a
manifest of SHA-256 digests (SHA256SUMS, as `sha256sum -c` reads it) — and the offline check of such a package.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from lxml import etree

from routing.models import CaseFile, CaseFileItem
from signing import validation
from signing.errors import SigningError
from workflow import catalog
from workflow.documents.service import read_pdf
from workflow.runtime import Runtime

MANIFEST, METADATA, ROOTS = "SHA256SUMS", "ho-so.xml", "trust/roots.pem"
# Bounds of a package read back: entries and bytes unpacked.
MAX_ENTRIES = 20_000
MAX_UNPACKED = 4 * 1024**3


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:60] or "van-ban"


def _sub(parent: etree._Element, name: str, value: object) -> None:
    etree.SubElement(parent, name).text = "" if value is None else str(value)


def _document_fields(rt: Runtime, item: CaseFileItem) -> tuple[dict[str, object], bytes]:
    """A filed document's metadata and its PDF (ours as issued; an incoming one as received)."""
    if item.document is not None:
        document = item.document
        issued = (document.issued_at or document.created_at).astimezone(rt.tz)
        fields: dict[str, object] = {
            "SoKyHieu": document.symbol,
            "NgayThang": f"{issued:%d/%m/%Y}",
            "TenLoai": catalog.DOC_TYPES[document.doc_type][0],
            "TrichYeu": document.summary,
            "TacGia": document.agency.name,
            "NguoiKy": document.signer.full_name,
            "DoMat": catalog.CONFIDENTIALITY[document.confidentiality],
            "LoaiVanBan": "Văn bản đi",
        }
        return fields, read_pdf(rt, document.current_version)
    incoming = item.incoming
    assert incoming is not None
    fields = {
        "SoKyHieu": incoming.symbol,
        "NgayThang": f"{incoming.promulgation_date:%d/%m/%Y}",
        "TenLoai": incoming.type_name,
        "TrichYeu": incoming.subject,
        "TacGia": incoming.sender_name,
        "NguoiKy": incoming.signer_name,
        "DoMat": catalog.CONFIDENTIALITY.get(incoming.confidentiality, incoming.confidentiality),
        "LoaiVanBan": f"Văn bản đến số {incoming.incoming_number}/{incoming.incoming_year}",
    }
    return fields, rt.store.get(incoming.pdf_sha256)


def export(rt: Runtime, case_file: CaseFile) -> bytes:
    """The accepted file as a ZIP package: ho-so.xml, van-ban/NNN-….pdf, trust/roots.pem, SHA256SUMS."""
    plan = case_file.plan
    files: dict[str, bytes] = {}
    root = etree.Element("HoSo")
    heading: tuple[tuple[str, object], ...] = (
        ("MaHoSo", plan.code),
        ("TieuDeHoSo", case_file.title),
        ("NamHoSo", plan.file_list.year),
        ("ThoiHanBaoQuan", f"{plan.retention_years} năm" if plan.retention_years else "Vĩnh viễn"),
        ("DonViLapHoSo", plan.unit.name),
        ("NguoiLapHoSo", plan.keeper.full_name),
        ("CoQuan", plan.unit.agency.name),
        ("NgayBatDau", f"{case_file.opened_at.astimezone(rt.tz):%d/%m/%Y}"),
        ("NgayKetThuc", f"{case_file.end_date:%d/%m/%Y}" if case_file.end_date else ""),
        ("TongSoVanBan", len(case_file.items)),
        ("SoLuongTrang", sum(i.pages for i in case_file.items)),
    )
    for name, value in heading:
        _sub(root, name, value)
    documents = etree.SubElement(root, "VanBan")
    for number, item in enumerate(case_file.items, start=1):
        fields, pdf = _document_fields(rt, item)
        path = f"van-ban/{number:03d}-{_slug(str(fields['SoKyHieu']))}.pdf"
        files[path] = pdf
        node = etree.SubElement(documents, "TaiLieu", SoThuTu=str(number))
        for name, value in fields.items():
            _sub(node, name, value)
        _sub(node, "SoTrang", item.pages)
        _sub(node, "TepTin", path)
        _sub(node, "SHA256", hashlib.sha256(pdf).hexdigest())
    files[METADATA] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    files[ROOTS] = b"".join(validation.cert_pem(c) for c in rt.keyring.trust_roots)
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
        package.writestr(MANIFEST, manifest)
    return out.getvalue()


@dataclass(frozen=True)
class Verdict:
    """What the offline check says of one document (or of the package itself)."""

    name: str
    ok: bool
    said: str


def verify(data: bytes, roots_pem: bytes | None = None) -> list[Verdict]:
    """Check a package offline: every file against the manifest (and nothing unlisted), the metadata against the
    files, and every document's signatures and their long-term evidence against the trust anchors (the package's
    own unless others are given)."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        entries = package.infolist()
    except zipfile.BadZipFile:
        return [Verdict("gói", False, "Tệp không phải gói hồ sơ (ZIP) đọc được.")]
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED:
        return [Verdict("gói", False, "Gói hồ sơ vượt giới hạn số tệp hoặc dung lượng giải nén.")]
    names = {e.filename for e in entries}
    if MANIFEST not in names or METADATA not in names:
        return [Verdict("gói", False, f"Gói hồ sơ thiếu {MANIFEST} hoặc {METADATA}.")]
    listed = {}
    for line in package.read(MANIFEST).decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    verdicts = []
    unlisted = names - set(listed) - {MANIFEST}
    if unlisted:
        verdicts.append(
            Verdict("gói", False, "Có tệp không ghi trong danh sách mã băm: " + ", ".join(sorted(unlisted)))
        )
    for name, digest in listed.items():
        if name not in names:
            verdicts.append(Verdict(name, False, "Thiếu tệp ghi trong danh sách mã băm."))
        elif hashlib.sha256(package.read(name)).hexdigest() != digest and not name.startswith("van-ban/"):
            verdicts.append(Verdict(name, False, "Mã băm SHA-256 không khớp: tệp đã bị thay đổi."))
    roots = roots_pem if roots_pem is not None else (package.read(ROOTS) if ROOTS in names else b"")
    metadata = etree.fromstring(package.read(METADATA), etree.XMLParser(resolve_entities=False, no_network=True))
    described = {node.findtext("TepTin") for node in metadata.iter("TaiLieu")}
    for name in sorted(n for n in listed if n.startswith("van-ban/") and n not in described and n in names):
        if hashlib.sha256(package.read(name)).hexdigest() != listed[name]:
            verdicts.append(Verdict(name, False, "Mã băm SHA-256 không khớp: tệp đã bị thay đổi."))
    for node in metadata.iter("TaiLieu"):
        symbol, path = node.findtext("SoKyHieu") or "", node.findtext("TepTin") or ""
        label = f"{node.get('SoThuTu')}. {symbol}"
        if path not in names:
            verdicts.append(Verdict(label, False, f"Thiếu tệp {path}."))
            continue
        pdf = package.read(path)
        actual = hashlib.sha256(pdf).hexdigest()
        if actual != listed.get(path) or actual != node.findtext("SHA256"):
            verdicts.append(Verdict(label, False, "Mã băm SHA-256 không khớp: văn bản đã bị thay đổi sau khi nộp lưu."))
            continue
        try:
            report = validation.report_isolated(pdf, roots)
        except SigningError as exc:
            verdicts.append(Verdict(label, False, f"Không kiểm tra được chữ ký: {exc.message}"))
            continue
        signatures = report.get("signatures", [])
        levels = ", ".join(str(s.get("level")) for s in signatures) or "không có"
        if report["verdict"] == "valid":
            verdicts.append(Verdict(label, True, f"{len(signatures)} chữ ký hợp lệ (mức {levels})."))
        elif report["verdict"] == "unsigned":
            verdicts.append(Verdict(label, True, "Không có chữ ký số (bản quét); mã băm khớp."))
        else:
            problems = "; ".join(p for s in signatures for p in s.get("problems", [])) or "chữ ký không hợp lệ"
            verdicts.append(Verdict(label, False, f"Chữ ký không hợp lệ: {problems}"))
    return verdicts
