"""Accent-insensitive search of documents: Vietnamese text folded to plain letters, matched word by word.

Each document keeps a folded copy of its number/symbol, type, summary and body (kept current by an ORM
hook, so no code path can forget it); a search folds the query the same way and needs every word.
Indexed: SQLite FTS5 (words and word prefixes), PostgreSQL pg_trgm (any substring).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, select, text
from sqlalchemy.orm import Session

from workflow import access, catalog
from workflow.documents import schemas
from workflow.documents.service import visible_page
from workflow.models import Document, Person
from workflow.paging import DOCUMENT_LOADS, FIRST_PAGE, Page, paged
from workflow.web.schemas import parse


def fold(text: str) -> str:
    """Accent-insensitive, case-insensitive form ('Phòng, chống dịch' ~ 'phong chong dich')."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def search_text(document: Document) -> str:
    """What a document is found by: number/symbol, type, summary and body text, folded."""
    type_name = catalog.DOC_TYPES.get(document.doc_type, ("", None))[0]
    return fold(" ".join(filter(None, [document.symbol or "", type_name, document.summary, document.body or ""])))


def containing(column: Any, words: list[str]) -> list[ColumnElement[bool]]:
    """Conditions that a folded text column holds every word as a substring (LIKE, its wildcards escaped)."""
    conditions = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(column.like(f"%{escaped}%", escape="\\"))
    return conditions


@event.listens_for(Document, "before_insert")
@event.listens_for(Document, "before_update")
def _index(_mapper: Any, _connection: Any, document: Document) -> None:
    document.search_text = search_text(document)


@dataclass(frozen=True)
class Filters:
    """What a search narrows to besides its words: type, drafting unit, state and a date range (created)."""

    doc_type: str | None = None
    unit_id: int | None = None
    state: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


NO_FILTERS = Filters()


def filters_of(args: Mapping[str, str]) -> Filters:
    """The filters a request asks for (?type=&unit=&state=&from=&to=), checked by schemas.DocumentQuery."""
    query = parse(schemas.DocumentQuery, args)
    return filters_from(query)


def filters_from(query: schemas.DocumentQuery) -> Filters:
    """The filters of a checked query."""
    return Filters(query.type, query.unit, query.state, query.from_, query.to)


def search(
    session: Session, actor: Person, query: str, filters: Filters = NO_FILTERS, page: Page = FIRST_PAGE
) -> tuple[list[Document], int | None]:
    """Documents the actor may see matching every word of the query and the filters, newest first."""
    words = fold(query).split()
    if not words:  # a list by filters only: each visibility rule through its own index
        return visible_page(session, actor, _conditions(filters), page)
    statement = select(Document).where(access.visible(actor), *_conditions(filters)).options(*DOCUMENT_LOADS)
    if session.get_bind().dialect.name == "sqlite":
        # FTS5 (migration 0005): every word, as a whole word or the start of one.
        fts = text("SELECT rowid FROM documents_fts WHERE documents_fts MATCH :match")
        statement = statement.where(Document.id.in_(fts.bindparams(match=" ".join(f'"{w}"*' for w in words))))
    else:
        # PostgreSQL: substring match, served by the pg_trgm GIN index (migration 0005).
        statement = statement.where(*containing(Document.search_text, words))
    if session.get_bind().dialect.name == "postgresql":
        return _windowed(session, statement, actor.unit.agency_id, page)
    return paged(session, statement, Document.id, page)


def _conditions(filters: Filters) -> list[Any]:
    """The filters as conditions on documents."""
    conditions: list[Any] = []
    if filters.doc_type is not None:
        conditions.append(Document.doc_type == filters.doc_type)
    if filters.unit_id is not None:
        conditions.append(Document.drafting_unit_id == filters.unit_id)
    if filters.state is not None:
        conditions.append(Document.state == filters.state)
    if filters.since is not None:
        conditions.append(Document.created_at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until is not None:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        conditions.append(Document.created_at < end)
    return conditions


# Documents looked at first, newest first, before the index over all older ones is asked.
WINDOW = 5000


def _windowed(session: Session, statement: Any, agency_id: int, page: Page) -> tuple[list[Document], int | None]:
    """A page of matches newest first: among the WINDOW documents below the cursor first (common words
    fill the page there, however many documents match), then through the trigram index for older ones
    (rare words: few rows to sort); only words of middling frequency pay for sorting their older matches."""
    below = [Document.agency_id == agency_id] + ([Document.id < page.before] if page.before is not None else [])
    edge = session.scalar(select(Document.id).where(*below).order_by(Document.id.desc()).offset(WINDOW).limit(1))
    if edge is None:  # fewer documents than the window: one step
        return paged(session, statement, Document.id, page)
    if page.before is not None:
        statement = statement.where(Document.id < page.before)
    newest = Document.id.desc()
    rows = list(session.scalars(statement.where(Document.id > edge).order_by(newest).limit(page.limit + 1)))
    if len(rows) <= page.limit:
        missing = page.limit + 1 - len(rows)
        rows += list(session.scalars(statement.where(Document.id <= edge).order_by(newest).limit(missing)))
    if len(rows) <= page.limit:
        return rows, None
    return rows[: page.limit], int(rows[page.limit - 1].id)
