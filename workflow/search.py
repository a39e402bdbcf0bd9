"""Accent-insensitive search of documents: Vietnamese text folded to plain letters, matched word by word.

Each document keeps a folded copy of its number/symbol, type and summary (kept current by an ORM
hook, so no code path can forget it); a search folds the query the same way and needs every word.
Indexed: SQLite FTS5 (words and word prefixes), PostgreSQL pg_trgm (any substring).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from workflow import catalog
from workflow.models import Document, Person


def fold(text: str) -> str:
    """Accent-insensitive, case-insensitive form ('Phòng, chống dịch' ~ 'phong chong dich')."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def search_text(document: Document) -> str:
    """What a document is found by: number/symbol, type and summary, folded."""
    type_name = catalog.DOC_TYPES.get(document.doc_type, ("", None))[0]
    return fold(" ".join(filter(None, [document.symbol or "", type_name, document.summary])))


@event.listens_for(Document, "before_insert")
@event.listens_for(Document, "before_update")
def _index(_mapper: Any, _connection: Any, document: Document) -> None:
    document.search_text = search_text(document)


def search(
    session: Session,
    actor: Person,
    query: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 200,
) -> list[Document]:
    """Documents of the actor's agency matching every word of the query, within the dates (created or issued)."""
    statement = select(Document).where(Document.agency_id == actor.unit.agency_id)
    words = fold(query).split()
    if words and session.get_bind().dialect.name == "sqlite":
        # FTS5 (migration 0005): every word, as a whole word or the start of one.
        fts = text("SELECT rowid FROM documents_fts WHERE documents_fts MATCH :match")
        statement = statement.where(Document.id.in_(fts.bindparams(match=" ".join(f'"{w}"*' for w in words))))
    else:
        for word in words:
            # PostgreSQL: substring match, served by the pg_trgm GIN index (migration 0005).
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            statement = statement.where(Document.search_text.like(f"%{escaped}%", escape="\\"))
    if since is not None:
        statement = statement.where(Document.created_at >= dt.datetime.combine(since, dt.time(), dt.UTC))
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        statement = statement.where(Document.created_at < end)
    return list(session.scalars(statement.order_by(Document.id.desc()).limit(limit)))
