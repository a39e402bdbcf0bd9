"""The directory of agencies we exchange with: our own, the others with their pinned certificates, and the
agencies the national exchange lists (getAgenciesList)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing import edxml, vxp
from routing.models import Peer
from signing import validation
from workflow.models import Agency
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


def sync_agencies(rt: Runtime) -> int:
    """Bring the agencies the national exchange lists (getAgenciesList: code and name) into our directory, so
    recipients in Kính gửi / Nơi nhận resolve to them; returns how many were added or renamed."""
    with rt.readers() as session:
        exchange = client(session, rt)
    if exchange is None:
        return 0
    listed = exchange.call("getAgenciesList", {}).get("data") or []
    entries = {
        str(e["code"]).strip(): str(e.get("name") or "").strip()
        for e in listed
        if isinstance(e, dict) and str(e.get("code") or "").strip()
    }
    changed = 0
    with rt.sessions() as session, session.begin():
        known = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(list(entries))))}
        for code, name in entries.items():
            agency = known.get(code)
            if agency is None:
                session.add(Agency(code=code[:32], name=(name or code)[:255]))
                changed += 1
            elif name and not agency.is_self and agency.name != name:
                agency.name = name[:255]
                changed += 1
    return changed
