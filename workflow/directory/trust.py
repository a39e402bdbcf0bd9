"""The roots an administrator trusts beyond the deployment's own: a signing service's CA (SmartCA, MySign, VGCA).

Each is kept as a PEM file under KEYS_DIR/trusted named by its SHA-256, where every process reads it at its
next validation: no restart. Adding and removing are audited.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from sqlalchemy.orm import Session

from signing import validation
from workflow.audit import audit
from workflow.errors import Forbidden, Invalid, NotFound
from workflow.models import Person
from workflow.runtime import Runtime

MAX_PEM_BYTES = 64 * 1024  # a root with room to spare; a chain of a few certificates at most


@dataclass(frozen=True)
class Root:
    """A trusted root as the administrator sees it."""

    sha256: str
    subject: str
    issuer: str
    valid_from: str
    valid_to: str
    added: bool  # added by an administrator (False: the deployment's roots.pem)


def _admin(actor: Person | None) -> None:
    if actor is not None and not actor.has_role("admin"):  # None: the server's own command line
        raise Forbidden("forbidden", "Chỉ quản trị viên được quản lý danh sách chứng thư gốc tin cậy.")


def _root(cert: asn1_x509.Certificate, added: bool) -> Root:
    return Root(
        sha256=hashlib.sha256(cert.dump()).hexdigest(),
        subject=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        valid_from=cert["tbs_certificate"]["validity"]["not_before"].native.isoformat(),
        valid_to=cert["tbs_certificate"]["validity"]["not_after"].native.isoformat(),
        added=added,
    )


def parse(data: bytes) -> list[asn1_x509.Certificate]:
    """The CA certificates of a PEM upload, or a clear error naming what is wrong."""
    if len(data) > MAX_PEM_BYTES:
        raise Invalid("pem_too_large", "Tệp chứng thư quá lớn (tối đa 64 KB).")
    if not pem.detect(data):
        raise Invalid("not_pem", "Nội dung không phải chứng thư dạng PEM (-----BEGIN CERTIFICATE-----).")
    try:
        certs = validation.load_certs(data)
        _ = [c.public_key for c in certs]
    except (ValueError, TypeError) as exc:
        raise Invalid("pem_unreadable", "Không đọc được chứng thư trong tệp PEM.") from exc
    if not certs:
        raise Invalid("not_pem", "Tệp PEM không chứa chứng thư nào.")
    for cert in certs:
        if not cert.ca:
            raise Invalid(
                "not_a_ca",
                f"Chứng thư “{cert.subject.human_friendly}” không phải chứng thư của tổ chức cấp (CA); "
                "hãy gửi chứng thư gốc hoặc trung gian của nhà cung cấp.",
            )
    return certs


def add(session: Session, rt: Runtime, actor: Person | None, data: bytes) -> list[Root]:
    """Trust the CA certificates of a PEM upload from now on, in every process; already trusted ones stay."""
    _admin(actor)
    certs = parse(data)
    folder = rt.keyring.trusted_dir
    folder.mkdir(parents=True, exist_ok=True)
    added = []
    for cert in certs:
        root = _root(cert, True)
        path = folder / f"{root.sha256}.pem"
        if not path.exists():
            partial = path.with_suffix(".part")
            partial.write_bytes(validation.cert_pem(cert))
            os.replace(partial, path)  # whole or not at all: another process may read the folder now
            audit(session, actor, "trust_root_added", None, sha256=root.sha256, subject=root.subject)
        added.append(root)
    return added


def listed(rt: Runtime) -> list[Root]:
    """Every trusted root: the deployment's, then those added."""
    added = {p.stem for p in rt.keyring.trusted_dir.glob("*.pem")}
    roots = [_root(c, hashlib.sha256(c.dump()).hexdigest() in added) for c in rt.keyring.trust_roots]
    return list({r.sha256: r for r in roots}.values())


def remove(session: Session, rt: Runtime, actor: Person, sha256: str) -> None:
    """Stop trusting a root an administrator added (the deployment's roots.pem is changed on the server)."""
    _admin(actor)
    path = rt.keyring.trusted_dir / f"{sha256}.pem"
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256) or not path.is_file():
        raise NotFound("trust_root_not_found", "Không có chứng thư gốc nào do quản trị viên thêm mang mã này.")
    path.unlink()
    audit(session, actor, "trust_root_removed", None, sha256=sha256)
