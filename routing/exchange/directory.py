"""The directory of agencies we exchange with: our own, the others with their pinned certificates, and the
agencies the national exchange lists (getAgenciesList)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.exchange import edxml, vxp
from routing.models import Peer
from signing import validation
from workflow.audit import audit
from workflow.errors import Forbidden, NotFound
from workflow.models import Agency, Person
from workflow.notifications.service import notify_role
from workflow.runtime import Runtime


def self_agency(session: Session) -> Agency:
    """Our own agency."""
    agency = session.scalar(select(Agency).where(Agency.is_self.is_(True)))
    assert agency is not None, "the directory has no agency of our own"
    return agency


def organ(agency: Agency) -> edxml.Organ:
    """An agency as an edXML organ."""
    return edxml.Organ(agency.code, agency.name, in_charge=agency.superior)


def identity(rt: Runtime, agency: Agency) -> dict[str, str]:
    """What another agency needs to recognise our packages' signatures: organ id, name, certificate with its chain."""
    signer = rt.keyring.agency(agency.code)
    own = signer.signing_cert
    assert own is not None
    chain = [c for c in signer.cert_registry if c.dump() != own.dump()]
    pem = b"".join(validation.cert_pem(c) for c in [own, *chain])
    return {"organ_id": agency.code, "name": agency.name, "certificate": pem.decode("ascii")}


def add_peer(session: Session, organ_id: str, name: str, certificate: str) -> Peer:
    """Put an agency in our directory with its certificate (PEM with its chain), pinned for its packages."""
    if certificate:
        validation.pem_sha256(certificate.encode())  # refuses what is not a certificate
    agency = session.scalar(select(Agency).where(Agency.code == organ_id))
    if agency is None:
        agency = Agency(code=organ_id, name=name)
        session.add(agency)
        session.flush()
    peer = session.scalar(select(Peer).where(Peer.agency_id == agency.id))
    if peer is None:
        peer = Peer(agency_id=agency.id)
        session.add(peer)
    peer.certificate = certificate
    session.flush()
    return peer


def peer_of(session: Session, organ_id: str) -> Peer | None:
    """An agency's entry with its pinned certificate, if we have one."""
    return session.scalar(select(Peer).join(Agency).where(Agency.code == organ_id))


def chain_of(certificate: str) -> list[Any]:
    """The CA certificates that come with a peer's pinned certificate (its issuers, up to its root)."""
    return validation.load_certs(certificate.encode())[1:] if certificate else []


def sender_roots(rt: Runtime, peer: Peer | None) -> list[Any]:
    """Roots trusted for a sender's signatures: ours plus the chain it registered with."""
    return [*rt.keyring.trust_roots, *chain_of(peer.certificate if peer else "")]


def client(session: Session, rt: Runtime) -> vxp.Client | None:
    """The national exchange (or provincial axis) this agency is connected to (CONGVAN_VXP_URL), or None."""
    if not rt.settings.vxp_url:
        return None
    return vxp.Client(
        rt.settings.vxp_url,
        rt.settings.vxp_system_id,
        rt.settings.vxp_secret,
        self_agency(session).code,
        rt.settings.exchange_timeout,
    )


@dataclass(frozen=True)
class Synced:
    """What one reading of the exchange's agency list changed: codes added, and names it lists differently from
    our directory, reported to the administrator (never applied on the exchange's word)."""

    added: int
    renames: int


def sync_agencies(rt: Runtime) -> Synced:
    """Bring the agencies the national exchange lists (getAgenciesList: code and name) into our directory, so
    recipients in Kính gửi / Nơi nhận resolve to them. A code we lack is added; an agency we have keeps its name:
    where the exchange lists another one (any system registering there could write it) the administrator is told
    and decides (`decide_name`)."""
    with rt.readers() as session:
        exchange = client(session, rt)
    if exchange is None:
        return Synced(0, 0)
    listed = exchange.call("getAgenciesList", {}).get("data") or []
    entries = {
        str(e["code"]).strip()[:32]: str(e.get("name") or "").strip()[:255]
        for e in listed[:MAX_LISTED]
        if isinstance(e, dict) and str(e.get("code") or "").strip()
    }
    added: list[str] = []
    renamed: list[Agency] = []
    with rt.sessions() as session, session.begin():
        known = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(list(entries))))}
        for code, name in entries.items():
            agency = known.get(code)
            if agency is None:
                session.add(Agency(code=code, name=name or code))
                added.append(code)
            elif agency.is_self or not name or name in (agency.name, agency.dismissed_name):
                agency.listed_name = None
            elif agency.listed_name != name:
                agency.listed_name = name  # waits for the administrator, told once per listed name
                renamed.append(agency)
        if renamed:
            ours = self_agency(session)
            names = "; ".join(f"{a.code}: “{a.name}” → “{a.listed_name}”" for a in renamed[:5])
            more = f" và {len(renamed) - 5} cơ quan khác" if len(renamed) > 5 else ""
            notify_role(
                session,
                ours.id,
                "admin",
                "agency_renamed",
                f"Trục liên thông ghi tên khác danh bạ cho {len(renamed)} cơ quan ({names}{more}). "
                "Vào Quản trị › Tên cơ quan trên trục liên thông để giữ tên cũ hoặc dùng tên mới.",
                None,
            )
    return Synced(len(added), len(renamed))


# Entries of the exchange's list read at most (a national list has a few thousand agencies).
MAX_LISTED = 20_000


def pending_names(session: Session, actor: Person) -> list[Agency]:
    """The agencies whose name on the exchange differs from ours, waiting for the administrator."""
    _admin(actor)
    return list(session.scalars(select(Agency).where(Agency.listed_name.is_not(None)).order_by(Agency.name)))


def decide_name(session: Session, actor: Person, agency_id: int, accept: bool) -> Agency:
    """The administrator takes the name the exchange lists for an agency, or keeps ours (and is not asked
    about that listed name again)."""
    _admin(actor)
    agency = session.get(Agency, agency_id, with_for_update=True)
    if agency is None or agency.listed_name is None:
        raise NotFound("agency_name_not_pending", "Không có tên cơ quan nào đang chờ quyết định với mã này.")
    if accept:
        agency.name = agency.listed_name
    else:
        agency.dismissed_name = agency.listed_name
    agency.listed_name = None
    audit(session, actor, "agency_name_kept" if not accept else "agency_renamed", None, agency=agency.code)
    return agency


def _admin(actor: Person) -> None:
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên quyết định tên cơ quan trong danh bạ.")
