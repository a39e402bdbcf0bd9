"""Keyset paging: a page of rows by id, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, joinedload, selectinload

from workflow.models import Document
from workflow.web import schemas


@dataclass(frozen=True)
class Page:
    """One page of a newest-first list: at most `limit` rows whose id is below `before` (keyset paging)."""

    limit: int = 20
    before: int | None = None


FIRST_PAGE = Page()
MAX_PAGE = 200

# What a document's JSON or table row reads, loaded with the list instead of one query per row.
DOCUMENT_LOADS = (
    joinedload(Document.drafting_unit),
    joinedload(Document.drafter),
    joinedload(Document.signer),
    selectinload(Document.versions),
    selectinload(Document.appendices),
)


def page_of(limit: str | None, before: str | None) -> Page:
    """The page a request asks for (?limit=&before=), checked by schemas.PageQuery."""
    query = schemas.parse(schemas.PageQuery, {"limit": limit, "before": before})
    return Page(query.limit, query.before)


def paged(session: Session, query: Any, column: Any, page: Page) -> tuple[list[Any], int | None]:
    """Run a query newest first one page at a time; return its rows and the `before` of the next page."""
    if page.before is not None:
        query = query.where(column < page.before)
    rows = list(session.scalars(query.order_by(column.desc()).limit(page.limit + 1)))
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, int(rows[-1].id)
