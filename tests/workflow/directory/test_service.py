"""The directory called directly, on SQLite and PostgreSQL: who may change people and their signing keys."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.support.factories import make_person, person
from workflow.directory import service as directory
from workflow.errors import Conflict, Forbidden, Invalid


def test_only_an_admin_sets_where_a_leaders_key_lives_and_a_token_needs_its_label(db_session: Session) -> None:
    admin = make_person(db_session, roles="admin")
    leader = person(db_session, "giamdoc")
    with pytest.raises(Forbidden):
        directory.set_signer(db_session, person(db_session, "vanthu"), leader.id, "pkcs11", "giamdoc")
    with pytest.raises(Invalid) as bare:
        directory.set_signer(db_session, admin, leader.id, "pkcs11", "  ")
    assert bare.value.detail["field"] == "ref"
    with pytest.raises(Invalid) as unknown:
        directory.set_signer(db_session, admin, leader.id, "may-chu-khac", "giamdoc")
    assert unknown.value.code == "invalid_signer_kind"
    with pytest.raises(Invalid) as usb:
        directory.set_signer(db_session, admin, leader.id, "usb", "giamdoc")  # registered with its certificate
    assert usb.value.code == "certificate_required"
    directory.set_signer(db_session, admin, leader.id, "pkcs11", " giamdoc-key ")
    assert (leader.signer_kind, leader.signer_ref) == ("pkcs11", "giamdoc-key")
    directory.set_signer(db_session, admin, leader.id, "pkcs12", "ignored")
    assert (leader.signer_kind, leader.signer_ref) == ("pkcs12", "")


def test_an_admin_adds_a_person_with_a_free_username_a_unit_of_ours_and_a_long_password(db_session: Session) -> None:
    admin = make_person(db_session, roles="admin")
    unit_id = person(db_session, "chuyenvien").unit_id
    data = {"username": "nguyenvana", "full_name": "Nguyễn Văn A", "unit_id": unit_id, "roles": ["specialist"]}
    with pytest.raises(Invalid) as short:
        directory.save_person(db_session, admin, None, data | {"password": "ngan"})
    assert short.value.detail["field"] == "password"
    with pytest.raises(Invalid) as bad_name:
        directory.save_person(db_session, admin, None, data | {"username": "Nguyễn A", "password": "mat-khau-du-dai"})
    assert bad_name.value.code == "invalid_username"
    made = directory.save_person(db_session, admin, None, data | {"password": "mat-khau-du-dai"})
    assert made.username == "nguyenvana" and made.has_role("specialist")
    with pytest.raises(Conflict):
        directory.save_person(db_session, admin, None, data | {"password": "mat-khau-du-dai"})
    with pytest.raises(Forbidden):
        directory.save_person(db_session, person(db_session, "chuyenvien"), made.id, data)
