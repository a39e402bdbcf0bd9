"""Recipients found in the directory, on SQLite and PostgreSQL: units, agencies by their other names, people."""

from __future__ import annotations

from sqlalchemy.orm import Session

from routing.recipients import addressing
from tests.support.factories import make_document, person, unit


def test_each_line_is_found_as_a_unit_an_agency_or_left_unresolved(db_session: Session) -> None:
    document = make_document(
        db_session,
        kinh_gui="Sở Nội vụ tỉnh Tuyên Quang",
        noi_nhan="Như trên;\nPhòng QLĐĐ;\nCông ty Không Rõ;\nLưu: VT.",
    )
    found = addressing.resolve(addressing.Directory(db_session, document.agency_id), document, suggest=False)
    kinds = {r.line.label: [t.kind for t in r.targets] for r in found}
    assert kinds["Sở Nội vụ tỉnh Tuyên Quang"] == ["agency"]
    assert kinds["Phòng QLĐĐ"] == ["unit"]
    assert kinds["Công ty Không Rõ"] == ["unresolved"]


def test_a_line_remembered_by_a_clerk_is_found_next_time(db_session: Session) -> None:
    clerk = person(db_session, "vanthu")
    directory = addressing.Directory(db_session, clerk.unit.agency_id)
    document = make_document(db_session, kinh_gui="Phòng đất", noi_nhan="")
    assert [t.kind for t in addressing.resolve(directory, document, suggest=False)[0].targets] == ["unresolved"]
    target = unit(db_session, "QLDD").id
    addressing.remember(db_session, clerk, "Phòng đất", "unit", target)
    again = addressing.resolve(addressing.Directory(db_session, clerk.unit.agency_id), document, suggest=False)
    assert [(t.kind, t.id) for t in again[0].targets] == [("unit", target)]
