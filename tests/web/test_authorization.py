"""The authorization matrix, generated from the URL map: every endpoint and method, tried by every role on
objects of every kind (documents in each state, of another agency and missing; deliveries, batches, people,
registers, incoming documents, notifications, tokens, webhooks).

- Nothing answers 2xx (a page: changes anything) to a person the expected rules below do not allow.
- A document the person may not see answers exactly like one that does not exist (no id enumeration).
- No answer to anyone carries the marker of a document that person may not see (lists, search, boards).

The expected rules are written out here, independently of workflow/access.py; an endpoint missing from
EXPECTED fails the test, so a new endpoint cannot be forgotten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from werkzeug.security import generate_password_hash

from routing.models import Delivery
from tests.routing.foreign import Foreign, arrive, package_from_snv
from tests.support.api import PASSWORD, Api
from tests.web.test_pages import _token
from workflow.models import Agency, ApiToken, Base, Notification, Person, Register, Unit
from workflow.states import ACTIONS, TRANSITIONS
from workflow.web.pages import PAGE_BLUEPRINTS

# The roles the issue names (and the admin), as demo users; "khac" is every role at once in another agency.
ROLES = {
    "specialist": "chuyenvien",
    "unit_head": "truongphong",
    "leader": "giamdoc",
    "other_leader": "phogiamdoc",
    "clerk": "vanthu",
    "receiver": "chuyenvien_dd",
    # a leader whose unit receives the dispatched document: reads it, but not the drafting agency's file
    "receiving_leader": "lanhdao_dd",
    "other_agency": "khac",
    "admin": "admin",
    "anonymous": None,
}
SIGNED_IN = set(ROLES) - {"anonymous"}
OURS = SIGNED_IN - {"other_agency"}

# Who may see each document (drafted by chuyenvien of VP for giamdoc, addressed to Phòng Quản lý đất đai).
DRAFTERS = {"specialist", "unit_head", "leader"}
SEES = {
    "drafting": DRAFTERS,
    "in_review": DRAFTERS,
    "awaiting_signature": DRAFTERS | {"clerk"},
    "signed": DRAFTERS | {"clerk"},
    "dispatched": DRAFTERS | {"clerk", "receiver", "receiving_leader"},
    "recalled": DRAFTERS | {"clerk"},
    "foreign": {"other_agency"},  # a draft of the other agency
    "missing": set(),
}
WORKS = {label: roles - {"receiver", "receiving_leader"} for label, roles in SEES.items()}
# The actor kinds of the lifecycle table, as roles (for the foreign draft, its drafter is "khac").
ACTOR_ROLES = {"drafter": "specialist", "unit_head": "unit_head", "signer": "leader", "clerk": "clerk"}
# Incoming documents: clerks and leaders of the agency (one received from Sở Nội vụ, not yet assigned).
INCOMING = {"clerk", "leader", "other_leader", "receiving_leader"}
# Reports and registers: clerks and leaders, each of their own agency.
REPORTERS = {"clerk", "leader", "other_leader", "receiving_leader", "other_agency"}

Rule = Callable[[str, dict[str, str]], bool]
# Called by other servers or the signing tool on a leader's PC, never by a person: an unknown address is simply
# not found.
WITHOUT_SIGN_IN = {"signatures_api.smartca_notify", "signatures_api.token_file", "signatures_api.token_file_back"}


def anyone(role: str, p: dict[str, str]) -> bool:
    return True


def signed_in(role: str, p: dict[str, str]) -> bool:
    return role in SIGNED_IN


def roles(*names: str) -> Rule:
    return lambda role, p: role in names


def sees(role: str, p: dict[str, str]) -> bool:
    return role in SEES[p["doc_id"]]


def works(role: str, p: dict[str, str]) -> bool:
    return role in WORKS[p["doc_id"]]


def acts(role: str, p: dict[str, str]) -> bool:
    if p["doc_id"] == "foreign":  # its drafter holds every role of the other agency
        return role == "other_agency"
    step = TRANSITIONS.get((p["doc_id"], p["action"]))
    return step is not None and ACTOR_ROLES.get(step.actor) == role


def drafts(role: str, p: dict[str, str]) -> bool:
    return (p["doc_id"], role) in {("drafting", "specialist"), ("foreign", "other_agency")}


def nobody(role: str, p: dict[str, str]) -> bool:
    return False


def own(kind: str) -> Rule:
    return lambda role, p: p[kind] == role


# endpoint -> who may get a 2xx (pages: change anything). Lists are open to everyone signed in; what they
# show is checked by the markers.
EXPECTED: dict[str, Rule] = {
    "static": anyone,
    "pages.favicon": anyone,
    "pages.static": anyone,
    "healthz": anyone,
    "readyz": anyone,
    "accounts.login": anyone,
    "accounts.language": anyone,
    "accounts_api.login": anyone,
    "api.openapi_spec": anyone,
    "accounts_api.logout": signed_in,
    "accounts.logout": signed_in,
    "accounts_api.me": signed_in,
    "accounts_api.start_totp": signed_in,  # one's own second factor
    "accounts_api.confirm_totp": signed_in,
    "accounts_api.stop_totp": signed_in,
    "accounts_api.list_tokens": signed_in,
    "accounts_api.revoke_token": lambda role, p: p["token_id"] == role or (role == "admin" and p["token_id"] in OURS),
    "directory_api.directory": signed_in,
    "notifications_api.notifications": signed_in,
    "notifications_api.notification_read": own("notification_id"),
    "documents_api.list_documents": signed_in,
    "documents_api.create_document": roles("specialist", "unit_head", "other_agency"),
    "documents_api.validate": signed_in,
    "directory_api.get_seal_image": signed_in,
    "directory_api.set_seal_image": roles("admin", "other_agency"),
    "directory_api.get_signature_image": lambda role, p: (
        role in (OURS if p["person_id"] == "leader" else {"other_agency"}) and p["person_id"] != "missing"
    ),
    "directory_api.set_signature_image": lambda role, p: (
        (p["person_id"], role) in {("leader", "admin"), ("other", "other_agency")}
    ),
    "directory_api.set_signer": lambda role, p: (
        (p["person_id"], role) in {("leader", "admin"), ("other", "other_agency")}
    ),
    # Pairing congvan-agent: only the leader themself, on their own PC (the code is for their eyes).
    "directory_api.start_pairing": lambda role, p: (
        (p["person_id"], role) in {("leader", "leader"), ("other", "other_agency")}
    ),
    "directory_api.get_signer": lambda role, p: (
        (p["person_id"], role) in {("leader", "leader"), ("leader", "admin"), ("other", "other_agency")}
    ),
    # Authority lines are printed on every document: any colleague reads them; the admin keeps them.
    "directory_api.get_authorities": lambda role, p: (
        role in (OURS if p["person_id"] == "leader" else {"other_agency"}) and p["person_id"] != "missing"
    ),
    "directory_api.set_authorities": lambda role, p: (
        (p["person_id"], role) in {("leader", "admin"), ("other", "other_agency")}
    ),
    # Delegations: each sees the ones they gave or received; a leader (or the admin) delegates and withdraws.
    "directory_api.list_delegations": signed_in,
    "directory_api.create_delegation": roles(
        "leader", "other_leader", "receiving_leader", "unit_head", "admin", "other_agency"
    ),
    "directory_api.withdraw_delegation": lambda role, p: p["delegation_id"] == "ours" and role in {"leader", "admin"},
    "directory.delegations_page": signed_in,
    "directory.delegation_withdraw": lambda role, p: p["delegation_id"] == "ours" and role in {"leader", "admin"},
    # The signer chooses while the document waits for them; the drafter while drafting.
    "signatures_api.choose_authority": lambda role, p: (
        (role, p["doc_id"])
        in {
            ("leader", "awaiting_signature"),
            ("specialist", "drafting"),
            ("other_agency", "foreign"),
        }
    ),
    "signatures.signing_authority": lambda role, p: (
        (role, p["doc_id"])
        in {
            ("leader", "awaiting_signature"),
            ("specialist", "drafting"),
            ("other_agency", "foreign"),
        }
    ),
    # The roots a deployment trusts: its administrators (the other agency's user holds every role of theirs).
    "directory_api.trust_roots": roles("admin", "other_agency"),
    "directory_api.add_trust_root": roles("admin", "other_agency"),
    "directory_api.remove_trust_root": roles("admin", "other_agency"),
    "signatures.signer": roles("leader", "other_leader", "receiving_leader", "other_agency"),  # their own page
    "signatures_api.smartca_notify": nobody,  # only a transaction's own unguessable address
    # The leader's own token: its one-time addresses are asked by the batch's leader; the tool on the PC uses them.
    "signatures_api.token_files": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures_api.token_file": nobody,
    "signatures_api.agent_requests": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures_api.agent_answer": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures_api.token_file_back": nobody,
    "documents_api.get_document": sees,
    "documents_api.get_pdf": sees,
    "documents_api.list_signatures": sees,
    "documents_api.get_appendix_pdf": sees,
    "documents_api.list_versions": works,
    "documents_api.list_events": works,
    "documents_api.list_comments": works,
    "documents_api.add_comment": works,
    "documents_api.add_version": drafts,
    "documents_api.add_appendix": drafts,
    "documents_api.remove_appendix": drafts,
    "documents_api.document_action": acts,
    "deliveries_api.document_deliveries": works,
    "recipients_api.document_recipients": works,
    "recipients_api.remember_recipient_name": roles("clerk", "admin", "other_agency"),
    "exchange_api.agency_names": roles("admin", "other_agency"),
    "exchange_api.decide_agency_name": lambda role, p: (
        p["agency_id"] == "pending" and role in ("admin", "other_agency")
    ),
    "recipients_api.distribution_lists": signed_in,
    "recipients_api.create_distribution_list": roles("admin", "other_agency"),
    "recipients_api.update_distribution_list": lambda role, p: p["list_id"] == "ours" and role == "admin",
    "recipients_api.delete_distribution_list": lambda role, p: p["list_id"] == "ours" and role == "admin",
    "exchange_api.document_edxml": works,
    "deliveries_api.document_certificate": works,
    "deliveries.document_certificate": works,
    "exchange_api.exchange_update": lambda role, p: role == "clerk" and p["doc_id"] == "dispatched",
    "signatures_api.signing_book": roles(
        "leader", "other_leader", "receiving_leader", "other_agency"
    ),  # a clerk names the leader
    "signatures_api.create_batch": roles("leader", "other_leader", "receiving_leader", "clerk", "other_agency"),
    "signatures_api.get_batch": lambda role, p: p["batch_id"] == "ours" and role in {"leader", "clerk"},
    "signatures_api.confirm_batch": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures_api.retry_batch": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "issuance_api.registers": signed_in,
    "issuance_api.register_entries": lambda role, p: p["register_id"] == "ours" and role == "clerk",
    "issuance_api.register_pdf": lambda role, p: p["register_id"] == "ours" and role == "clerk",
    "deliveries_api.inbox": signed_in,
    "deliveries_api.update_status": lambda role, p: (
        p["delivery_id"] == "receiver" and role in ("receiver", "receiving_leader")
    ),
    "deliveries_api.resend_delivery": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "deliveries_api.record_paper": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "deliveries_api.send_unresolved": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "deliveries_api.dispatch_board": roles(
        "clerk", "leader", "other_leader", "receiving_leader", "admin", "other_agency"
    ),
    "incoming_api.incoming_list": signed_in,
    "incoming_api.incoming_import": roles("clerk", "other_agency"),  # a clerk imports for their own agency
    "incoming_api.incoming_register_one": roles("clerk", "other_agency"),  # registers for their own agency
    "incoming_api.incoming_register": roles("clerk", "leader", "other_leader", "receiving_leader", "other_agency"),
    "incoming_api.incoming_register_pdf": roles("clerk", "leader", "other_leader", "receiving_leader", "other_agency"),
    "reports_api.report": lambda role, p: p["kind"] == "incoming" and role in REPORTERS,
    # The world has no file list and no case file yet; a body-less request is refused for want of its fields.
    "records_api.file_list": nobody,
    "records_api.file_list_start": nobody,
    "records_api.file_list_entry": nobody,
    "records_api.file_list_entry_remove": nobody,
    "records_api.file_list_approve": nobody,
    "records_api.case_files": signed_in,
    "records_api.case_file_open": nobody,
    "records_api.case_file": nobody,
    "records_api.case_file_add": nobody,
    "records_api.case_file_close": nobody,
    "records_api.case_file_hand_over": nobody,
    "records_api.case_file_accept": nobody,
    "records_api.case_file_return": nobody,
    "records_api.case_file_export": nobody,
    # The drafter asks and chooses for a document they may see; issued documents are filed from the file's page.
    "records_api.document_filing": sees,
    "records_api.document_filing_choose": lambda role, p: (
        (role == "specialist" and p["doc_id"] in ("drafting", "in_review", "awaiting_signature", "signed"))
        or (role == "other_agency" and p["doc_id"] == "foreign")
    ),
    # The world's incoming document is received, not yet assigned: nobody hands it on, reports on it, asks for
    # or answers more time, or reminds anyone of it.
    "incoming_api.incoming_forward": nobody,
    "incoming_api.incoming_progress": nobody,
    "incoming_api.incoming_extend": nobody,
    "incoming_api.incoming_extension_answer": nobody,
    "incoming_api.incoming_remind": nobody,
    "incoming_api.my_work": signed_in,
    # Without documents named, every bulk step is refused.
    "incoming_api.incoming_bulk_assign": nobody,
    "incoming_api.incoming_bulk_finish": nobody,
    "incoming_api.incoming_detail": lambda role, p: p["incoming_id"] == "ours" and role in INCOMING,
    "incoming_api.incoming_pdf": lambda role, p: p["incoming_id"] == "ours" and role in INCOMING,
    "incoming_api.incoming_text_layer": nobody,  # the world's document came over the exchange: no scan to read
    "incoming_api.incoming_action": lambda role, p: (
        p["incoming_id"] == "ours" and role == "clerk" and p["action"] in ("register", "return")
    ),
    "webhooks_api.webhook_list": roles("admin"),
    "webhooks_api.webhook_create": roles("admin"),
    "webhooks_api.webhook_log": lambda role, p: p["endpoint_id"] == "ours" and role == "admin",
    "webhooks_api.webhook_replay": lambda role, p: p["delivery_id"] == "ours" and role == "admin",
    # Pages
    "pages.home": signed_in,
    "accounts.account": signed_in,  # one's own account
    "documents.documents": signed_in,
    "documents.find": signed_in,
    "documents.new_document": lambda role, p: (
        p["method"] == "GET" or role in {"specialist", "unit_head", "other_agency"}
    ),
    "documents.preview": signed_in,
    "documents.document": sees,
    "documents.document_pdf": sees,
    # Version 1: the current one of a draft, an earlier one (the drafting file) once signed or issued.
    "documents.document_page": works,
    "documents.document_act": acts,
    "documents.document_version": drafts,
    "documents.document_comment": works,
    "documents.review": signed_in,
    "signatures.signing": signed_in,
    "notifications.notification_list": signed_in,
    "notifications.notification_open": own("notification_id"),
    "notifications.notification_read_all": signed_in,
    "notifications.live": signed_in,
    # Bulk actions: each ticked document is acted on with its own checks (an empty form changes nothing).
    "documents.approve_all": roles("unit_head"),
    "issuance.issue_all": roles("clerk"),
    # The reader shows a document of the leader's own signing book; anything else goes back to the book.
    "signatures.signing_read": lambda role, p: role == "leader" and p["doc_id"] == "awaiting_signature",
    "signatures.batch": lambda role, p: p["batch_id"] == "ours" and role in {"leader", "clerk"},
    "signatures.batch_progress": lambda role, p: p["batch_id"] == "ours" and role in {"leader", "clerk"},
    "signatures.batch_retry": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures.batch_token_files": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures.batch_agent_requests": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures.batch_agent_answer": lambda role, p: p["batch_id"] == "ours" and role == "leader",
    "signatures.signer_pairing": roles("leader", "other_leader", "receiving_leader", "other_agency"),
    "signatures.signer_agent": roles("leader", "other_leader", "receiving_leader", "other_agency"),
    "signatures.sign_all": roles("leader", "other_leader", "receiving_leader", "other_agency"),
    "issuance.issuance": signed_in,
    "issuance.registers": roles("clerk", "other_agency"),
    "issuance.register_pdf": lambda role, p: p["register_id"] == "ours" and role == "clerk",
    "directory.admin": roles("admin", "other_agency"),
    "directory.admin_new_person": roles("admin", "other_agency"),
    "directory.admin_person": lambda role, p: (
        (p["person_id"], role) in {("leader", "admin"), ("other", "other_agency")}
    ),
    "directory.admin_signature": lambda role, p: (
        (p["person_id"], role) in {("leader", "admin"), ("other", "other_agency")}
    ),
    "directory.admin_unit": roles("admin", "other_agency"),
    "directory.admin_register": lambda role, p: p["register_id"] == "ours" and role == "admin",
    "directory.admin_seal": roles("admin", "other_agency"),
    "directory.admin_seal_image": roles("admin", "other_agency"),
    "deliveries.inbox": signed_in,
    "recipients.remember_name": roles("clerk", "admin", "other_agency"),
    "recipients.lists": roles("admin", "other_agency"),
    "exchange.agency_names": roles("admin", "other_agency"),
    "exchange.decide_agency_name": lambda role, p: p["agency_id"] == "pending" and role in ("admin", "other_agency"),
    # /admin/lists adds one (any admin, for their agency); /admin/lists/<id> changes ours.
    "recipients.save_list": lambda role, p: (
        (role == "admin" and p.get("list_id", "ours") == "ours") or (role == "other_agency" and "list_id" not in p)
    ),
    "recipients.delete_list": lambda role, p: p["list_id"] == "ours" and role == "admin",
    "deliveries.board": roles("clerk", "leader", "other_leader", "receiving_leader", "admin", "other_agency"),
    "deliveries.delivery_status": lambda role, p: (
        p["delivery_id"] == "receiver" and role in ("receiver", "receiving_leader")
    ),
    "deliveries.delivery_resend": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "deliveries.delivery_paper": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "deliveries.delivery_target": lambda role, p: p["delivery_id"] != "missing" and role == "clerk",
    "incoming.incoming_list": signed_in,
    "incoming.incoming_import": roles("clerk", "other_agency"),
    "incoming.incoming_new": roles("clerk", "other_agency"),
    "incoming.incoming_mine": signed_in,
    # Nothing ticked: told so, nothing changed (each document's own rule applies to what is ticked).
    "incoming.incoming_bulk": lambda role, p: role in SIGNED_IN and p["action"] in ("assign", "finish"),
    "incoming.incoming_register_pdf": roles("clerk", "leader", "other_leader", "receiving_leader", "other_agency"),
    "reports.reports_page": lambda role, p: role in REPORTERS,
    "incoming.incoming_forward": nobody,  # as the API's: the world's document is not being handled
    "incoming.incoming_progress": nobody,
    "incoming.incoming_extend": nobody,
    "incoming.incoming_extension_answer": nobody,
    "incoming.incoming_remind": nobody,
    "incoming.incoming_document": lambda role, p: p["incoming_id"] == "ours" and role in INCOMING,
    "incoming.incoming_page": lambda role, p: p["incoming_id"] == "ours" and role in INCOMING,
    "incoming.incoming_pdf": lambda role, p: p["incoming_id"] == "ours" and role in INCOMING,
    "incoming.incoming_text_layer": nobody,
    "incoming.incoming_act": lambda role, p: (
        p["incoming_id"] == "ours" and role == "clerk" and p["action"] in ("register", "return")
    ),
}

# Endpoints whose allowed requests must answer 200 (the matrix refuses the right people, not everyone).
READABLE = {
    "documents_api.get_document",
    "documents_api.get_pdf",
    "documents_api.list_signatures",
    "documents_api.list_versions",
    "documents_api.list_events",
    "documents_api.list_comments",
    "deliveries_api.document_deliveries",
    "recipients_api.document_recipients",
    "documents.document",
    "documents.document_pdf",
    "documents.document_page",
    "signatures_api.get_batch",
    "issuance_api.register_entries",
    "incoming_api.incoming_detail",
    "incoming.incoming_document",
}

# Answers that show what only those who work on a document may see (every recipient's status).
BOARDS = {"deliveries_api.dispatch_board", "deliveries.board"}

# Answers whose body may name documents the person cannot see, and why.
MARKERS_ALLOWED = {
    # The admin configures the webhooks; their log holds what was sent to the subscribed systems.
    ("webhooks_api.webhook_log", "admin"),
}


def marker(label: str) -> str:
    return f"mqx{label.replace('_', '')}"


class World:
    """Everything the matrix is tried on, with the value each path parameter takes per object label."""

    def __init__(self, app: Flask, api: Api, foreign_agency: Foreign, pdf: bytes) -> None:
        self.app, self.api = app, api
        rt = app.extensions["congvan"]
        with rt.sessions() as session, session.begin():
            qldd = session.scalar(select(Unit).where(Unit.code == "QLDD"))
            session.add(
                Person(
                    username="lanhdao_dd",
                    full_name="Lãnh Đạo Đơn Vị Nhận",
                    unit=qldd,
                    position="Phó Giám đốc",
                    roles="leader",
                    password_hash=generate_password_hash(PASSWORD),
                )
            )
            snv = session.scalar(select(Agency).where(Agency.code == "000.00.09.H57"))
            assert snv is not None
            snv.listed_name = "Tên khác trên trục liên thông"  # waits for the administrator's decision
            session.flush()
            self.pending_agency = snv.id
            unit = Unit(agency=snv, code="VPSNV", name="Văn phòng Sở Nội vụ", aliases="")
            session.add(
                Person(
                    username="khac",
                    full_name="Người Cơ Quan Khác",
                    unit=unit,
                    position="Giám đốc",
                    roles="specialist unit_head leader clerk admin",
                    password_hash=generate_password_hash(PASSWORD),
                )
            )
        status, _ = api(
            "POST",
            "/api/v1/webhooks",
            api.token("admin"),
            {"url": "http://127.0.0.1:9/hook", "events": ["document.issued"]},
        )
        assert status == 201
        self.docs: dict[str, int] = {}
        for state in ("drafting", "in_review", "awaiting_signature", "signed", "dispatched", "recalled"):
            doc = api.draft(
                summary=f"kiểm tra quyền {marker(state)}",
                kinh_gui=["Phòng Quản lý đất đai"],
                noi_nhan=["Như trên;", "Lưu: VT, VP."],
            )
            api.advance(doc["id"], state)
            self.docs[state] = int(doc["id"])
        self.docs["foreign"] = int(
            api.draft("khac", summary=f"kiểm tra quyền {marker('foreign')}", signer_id=api.id_of("khac"))["id"]
        )
        self.docs["missing"] = 999999
        batch = api.as_(
            "vanthu", "POST", "/api/v1/signing-batches", json={"leader_id": api.id_of("giamdoc")}
        ).get_json()
        tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        delegated = api.as_(
            "giamdoc",
            "POST",
            "/api/v1/delegations",
            json={
                "delegate_id": api.id_of("truongphong"),
                "scopes": ["assign"],
                "starts_at": tomorrow.isoformat(),
                "ends_at": (tomorrow + dt.timedelta(hours=8)).isoformat(),
            },
        )
        assert delegated.status_code == 201, delegated.get_json()
        group = {"name": "Các Sở, ban, ngành thuộc tỉnh", "members": ["Sở Nội vụ", "Sở Tài chính"]}
        listed = api.as_("admin", "POST", "/api/v1/distribution-lists", json=group).get_json()
        answer = arrive(app, package_from_snv(pdf, code_number=77))
        assert answer["result"] == "received", answer
        with rt.sessions() as session:
            deliveries = {
                d.unit.code if d.unit else "agency": d.id
                for d in session.scalars(select(Delivery).where(Delivery.document_id == self.docs["dispatched"]))
            }
            register = session.scalar(select(Register).where(Register.code == "CV"))
            people = {p.username: p.id for p in session.scalars(select(Person))}
            notification = session.scalar(select(Notification).order_by(Notification.id))
            usernames = {i: name for name, i in people.items()}
            tokens = {usernames[t.person_id]: t.id for t in session.scalars(select(ApiToken))}
            webhook_delivery = session.scalar(text("SELECT min(id) FROM webhook_deliveries"))
            endpoint = session.scalar(text("SELECT min(id) FROM webhook_endpoints"))
        assert register is not None and webhook_delivery is not None
        self.notification_owner = next(
            (role for role, user in ROLES.items() if notification and people.get(user or "") == notification.person_id),
            "nobody",
        )
        self.values: dict[str, dict[str, int | str]] = {
            "doc_id": dict(self.docs),
            "action": {a: a for a in ACTIONS},
            "incoming_action": {a: a for a in ("register", "return", "assign", "start", "finish", "accept_recall")},
            "seq": {"1": 1},
            "page": {"1": 1},
            "person_id": {"leader": people["giamdoc"], "other": people["khac"], "missing": 999999},
            "register_id": {"ours": register.id, "missing": 999999},
            "batch_id": {"ours": batch["id"], "missing": 999999},
            "list_id": {"ours": listed["id"], "missing": 999999},
            "delegation_id": {"ours": delegated.get_json()["id"], "missing": 999999},
            "agency_id": {"pending": self.pending_agency, "missing": 999999},
            "delivery_id": {"receiver": deliveries["QLDD"], "missing": 999999},
            "webhook_delivery_id": {"ours": webhook_delivery, "missing": 999999},
            "endpoint_id": {"ours": endpoint, "missing": 999999},
            "incoming_id": {"ours": answer["incoming_id"], "missing": 999999},
            "extension_id": {"missing": 999999},
            "decision": {"grant": "grant", "refuse": "refuse"},
            "kind": {"incoming": "incoming", "missing": "weather"},
            "file_list_id": {"missing": 999999},
            "entry_id": {"missing": 999999},
            "file_id": {"missing": 999999},
            "notification_id": {
                **({self.notification_owner: notification.id} if notification else {}),
                "missing": 999999,
            },
            "token_id": {
                **{role: tokens[user] for role, user in ROLES.items() if user in tokens},
                "missing": 999999,
            },
            "filename": {"congvan.js": "congvan.js"},
            "digest": {"missing": "0" * 64},
            "secret": {"guessed": "doan-bua"},
            "request_id": {"guessed": "0" * 32},
        }

    def fingerprint(self) -> str:
        """Everything stored, but the sign-in bookkeeping that any request may touch."""
        return fingerprint(self.app.extensions["congvan"].engine)


def fingerprint(engine: Engine) -> str:
    """A digest of every table but the sign-in bookkeeping, each table's rows made one text by the database
    and all tables read in one statement (a round trip per table made the matrix twice as slow)."""
    skip = {"login_attempts", "web_sessions", "api_tokens"}
    digest = hashlib.sha256()
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        each = []
        for table in (t for t in Base.metadata.sorted_tables if t.name not in skip):
            if connection.dialect.name == "postgresql":
                each.append(f"(SELECT string_agg(t::text, '|' ORDER BY t::text) FROM {quote(table.name)} t)")
            else:
                row = " || ',' || ".join(f"quote({quote(c.name)})" for c in table.columns)
                order = ", ".join(quote(c.name) for c in table.primary_key.columns)
                rows = f"SELECT {row} AS r FROM {quote(table.name)} ORDER BY {order}"
                each.append(f"(SELECT group_concat(r, '|') FROM ({rows}))")
        for text_of_table in connection.execute(text("SELECT " + ", ".join(each))).one():
            digest.update((text_of_table or "").encode() + b"\x00")
    return digest.hexdigest()


@pytest.mark.both_databases
def test_the_fingerprint_sees_a_change_to_any_stored_value(app: Flask, database_kind: str) -> None:
    engine = app.extensions["congvan"].engine
    before = fingerprint(engine)
    assert fingerprint(engine) == before
    with engine.begin() as connection:
        connection.execute(text("UPDATE people SET position = position || '.' WHERE username = 'vanthu'"))
    changed = fingerprint(engine)
    assert changed != before
    with engine.begin() as connection:
        connection.execute(text("UPDATE people SET signer_kind = signer_kind WHERE username = 'vanthu'"))
        connection.execute(text("UPDATE login_attempts SET ok = ok"))  # bookkeeping: not counted
    assert fingerprint(engine) == changed


def _key(endpoint: str, name: str) -> str:
    """Which objects a path parameter names: the same name means other things on other endpoints."""
    if name == "delivery_id" and "webhook" in endpoint:
        return "webhook_delivery_id"
    if name == "action" and "incoming" in endpoint:
        return "incoming_action"
    return name


def _combinations(
    rule: str, endpoint: str, values: dict[str, dict[str, int | str]]
) -> list[tuple[str, dict[str, str]]]:
    """Every URL of a rule with its parameters filled from the world, with the labels used."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    combos: list[dict[str, str]] = [{}]
    for name in names:
        combos = [c | {name: label} for c in combos for label in values[_key(endpoint, name)]]
    urls = []
    for labels in combos:
        url = rule
        for name, label in labels.items():
            url = re.sub(rf"<(?:\w+:)?{name}>", str(values[_key(endpoint, name)][label]), url)
        urls.append((url, labels))
    return urls


@pytest.fixture
def every_role() -> bool:
    """Every role tries every request here; test_authorization_postgresql.py asks one role per expected answer."""
    return True


def _one_per_answer(tried: list[tuple[str, dict[str, str], str, str]], endpoint: str) -> list[Any]:
    """The first role of each (URL, method, allowed or not): what the rules decide is the same Python on either
    database, already tried role by role on SQLite; on PostgreSQL each way a request is answered runs once."""
    kept: dict[tuple[str, str, bool], Any] = {}
    for url, labels, method, role in tried:
        allowed = EXPECTED[endpoint](role, labels | {"method": method})
        kept.setdefault((url, method, allowed), (url, labels, method, role))
    return list(kept.values())


# On SQLite here; tests/web/test_authorization_postgresql.py runs the same matrix on PostgreSQL.
def test_every_endpoint_by_every_role(
    app: Flask, api: Api, foreign: Foreign, signed_pdf: bytes, every_role: bool
) -> None:
    world = World(app, api, foreign, signed_pdf)
    rules = [r for r in app.url_map.iter_rules()]
    forgotten = sorted({r.endpoint for r in rules} - set(EXPECTED))
    assert not forgotten, f"endpoints without an expected rule: {forgotten}"

    browsers: dict[str, FlaskClient] = {}
    tokens: dict[str, str] = {}
    for role, user in ROLES.items():
        client = app.test_client()
        if user is not None:
            assert (
                client.post(
                    "/login", data={"username": user, "password": PASSWORD, "csrf_token": _token(client, "/login")}
                ).status_code
                == 302
            )
            tokens[role] = api.token(user)
        browsers[role] = client
    csrf = {
        role: _token(client, "/login") if role == "anonymous" else _token(client, "/documents/new")
        for role, client in browsers.items()
    }

    problems: list[str] = []
    checked = 0

    def request(role: str, method: str, url: str, is_page: bool) -> Any:
        client = browsers[role] if is_page else app.test_client()
        if is_page:
            data = {"csrf_token": csrf[role], "reason": "Kiểm tra quyền.", "body": "ý kiến", "status": "03"}
            return client.open(url, method=method, data=data if method != "GET" else None)
        headers = {"Authorization": f"Bearer {tokens[role]}"} if role in tokens else {}
        body = {
            "reason": "Kiểm tra quyền.",
            "body": "ý kiến",
            "status": "03",
            "password": PASSWORD,
            "leader_id": api.id_of("giamdoc"),
        }
        return client.open(url, method=method, headers=headers, json=body if method != "GET" else None)

    def check(endpoint: str, is_page: bool, url: str, labels: dict[str, str], method: str, role: str) -> None:
        """One request, and everything its answer must (not) show; what it changed is checked by the caller."""
        allowed = EXPECTED[endpoint](role, labels | {"method": method})
        response = request(role, method, url, is_page)
        status = response.status_code
        body = response.get_data()
        where = f"{role} {method} {url} -> {status}"
        if status >= 500:
            problems.append(f"server error: {where}")
        if not allowed:
            if 200 <= status < 300:
                problems.append(f"unauthorised 2xx: {where}")
            sent_to_sign_in = status == 401 or (is_page and status == 302)
            if role == "anonymous" and not sent_to_sign_in and endpoint not in WITHOUT_SIGN_IN:
                problems.append(f"anonymous not sent to sign in: {where}")
        hidden = labels.get("doc_id", "missing") != "missing" and role not in SEES[labels["doc_id"]]
        if hidden and role != "anonymous":
            # The same answer as for a document that does not exist.
            twin = url.replace(f"/{world.docs[labels['doc_id']]}", "/999999", 1)
            other = request(role, method, twin, is_page)
            if (other.status_code, _code(other)) != (status, _code(response)):
                problems.append(f"tells an invisible document from a missing one: {where} vs {other.status_code}")
        if allowed and endpoint in READABLE and labels.get("doc_id") != "missing" and status != 200:
            problems.append(f"refused to someone allowed: {where}")
        if 200 <= status < 300 and (endpoint, role) not in MARKERS_ALLOWED:
            # A board shows every recipient's status: the drafting agency's file (WORK).
            for label, seen_by in (WORKS if endpoint in BOARDS else SEES).items():
                if role not in seen_by and marker(label).encode() in body:
                    problems.append(f"shows document '{label}': {where}")
        response.close()

    for rule in sorted(rules, key=lambda r: r.rule):
        endpoint = rule.endpoint
        is_page = endpoint.split(".")[0] in PAGE_BLUEPRINTS and endpoint != "pages.static"
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if endpoint in (
            "accounts_api.logout",
            "accounts.logout",
            "accounts_api.login",
            "accounts.login",
            "accounts.language",
        ):
            continue  # signing in and out is tested in test_sessions/test_login; here it would end the sessions
        tried = [
            (url, labels, method, role)
            for url, labels in _combinations(rule.rule, endpoint, world.values)
            for method in methods
            for role in ROLES
        ]
        if not every_role:
            tried = _one_per_answer(tried, endpoint)
        # What a permitted change does is tested with the workflow; every refused change is tried in one run,
        # between two fingerprints of everything stored (any read may write: reading in the signing book does).
        refused = [t for t in tried if t[2] != "GET" and not EXPECTED[endpoint](t[3], t[1] | {"method": t[2]})]
        if refused:
            before = world.fingerprint()
            for url, labels, method, role in refused:
                check(endpoint, is_page, url, labels, method, role)
            if world.fingerprint() != before:
                tries = ", ".join(f"{role} {method} {url}" for url, _, method, role in refused)
                problems.append(f"unauthorised change by one of: {tries}")
        for url, labels, method, role in (t for t in tried if t[2] == "GET"):
            check(endpoint, is_page, url, labels, method, role)
        checked += len(refused) + sum(t[2] == "GET" for t in tried)
    assert checked > (3000 if every_role else 600)
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} problems, {checked} requests)"


def _code(response: Any) -> str:
    if response.is_json:
        error = (response.get_json() or {}).get("error") or {}
        return str(error.get("code"))
    return ""
