"""The exchange hub's directory rules, on SQLite and PostgreSQL: systems and the national organ codes."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from routing.hub import service as hub
from workflow.errors import Invalid


def test_a_system_is_registered_with_a_long_secret_and_changed_in_place(db_session: Session) -> None:
    with pytest.raises(Invalid):
        hub.add_system(db_session, "he-thong-a", "000.00.12.H57", "Sở A", "ngan")
    first = hub.add_system(db_session, "he-thong-a", "000.00.12.H57", "Sở A", "bi-mat-du-dai-16+")
    again = hub.add_system(db_session, "he-thong-a", "000.00.09.H57", "Sở A", "bi-mat-moi-du-dai-16+")
    assert again.id == first.id and again.organ_id == "000.00.09.H57"
    assert hub.system_secret(db_session, "he-thong-a") == "bi-mat-moi-du-dai-16+"
    assert hub.system_secret(db_session, "khong-co") is None


def test_an_organ_registers_only_codes_under_it() -> None:
    assert hub.organ_under("000.01.09.H57", "000.00.09.H57")
    assert not hub.organ_under("000.00.09.H57", "000.00.09.H57")  # itself is not under itself
    assert not hub.organ_under("000.00.04.H57", "000.00.09.H57")  # a sibling
    assert not hub.organ_under("000.01.09.G22", "000.00.09.H57")  # another province
    assert not hub.organ_under("bất kỳ", "000.00.09.H57")
