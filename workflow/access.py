"""Who may see and do what with a document: one table of rules, which every service enforces in its queries.

A person sees a document of their own agency only through one of the relations below; each relation says
what it allows. The same relation names are the actor kinds of the lifecycle table (states.py), so the
person who may take a step is exactly the one the table relates to the document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from blinker import Namespace
from sqlalchemy import ColumnElement, CompoundSelect, Select, false, or_, select, union
from sqlalchemy.sql import and_

from workflow.models import Document, Person
from workflow.states import AFTER_ISSUANCE, DocumentState

# What a relation allows. READ: the document, its current PDF, appendices and signatures.
# WORK: also its drafts and versions, history, comments and recipients (the drafting agency's own file).
READ = "read"
WORK = "work"

# The states in which the clerk handles a document: the leader's signing book (which the clerk prepares,
# DESIGN §3), then issuance and delivery.
CLERK_STATES = frozenset({DocumentState.AWAITING_SIGNATURE, DocumentState.SIGNED, *AFTER_ISSUANCE})


class Rule(NamedTuple):
    """One way a person comes to a document: what it allows, and when it holds (per document and in SQL)."""

    label: str
    allows: frozenset[str]
    # For a loaded document (None: only known to the database, e.g. a delivery to the person's unit).
    holds: Callable[[Person, Document], bool] | None
    # The same as a condition on documents; None when it can never hold for this person.
    where: Callable[[Person], ColumnElement[bool] | None]


signals = Namespace()
# Other packages tell how a person's unit may have received a document (routing: a delivery to it that has
# arrived, unless recalled). Receivers take the person and return a condition on documents.
document_readers = signals.signal("document-readers")


def _received(person: Person) -> ColumnElement[bool] | None:
    conditions = [condition for _, condition in document_readers.send(person) if condition is not None]
    return or_(*conditions) if conditions else None


RULES: dict[str, Rule] = {
    "drafter": Rule(
        "Người soạn thảo",
        frozenset({READ, WORK}),
        lambda p, d: d.drafter_id == p.id,
        lambda p: Document.drafter_id == p.id,
    ),
    "unit_head": Rule(
        "Lãnh đạo đơn vị soạn thảo",
        frozenset({READ, WORK}),
        lambda p, d: p.has_role("unit_head") and d.drafting_unit_id == p.unit_id,
        lambda p: Document.drafting_unit_id == p.unit_id if p.has_role("unit_head") else None,
    ),
    "signer": Rule(
        "Người ký",
        frozenset({READ, WORK}),
        lambda p, d: p.has_role("leader") and d.signer_id == p.id,
        lambda p: Document.signer_id == p.id if p.has_role("leader") else None,
    ),
    "clerk": Rule(
        "Văn thư",
        frozenset({READ, WORK}),
        lambda p, d: p.has_role("clerk") and d.state in CLERK_STATES,
        lambda p: Document.state.in_(CLERK_STATES) if p.has_role("clerk") else None,
    ),
    "recipient": Rule("Đơn vị nhận", frozenset({READ}), None, _received),
}


def visible(person: Person, need: str = READ) -> ColumnElement[bool]:
    """The documents a person may see (or, with `need` WORK, work on), as a condition for any query on
    documents."""
    ways = [
        condition for rule in RULES.values() if need in rule.allows and (condition := rule.where(person)) is not None
    ]
    return and_(Document.agency_id == person.unit.agency_id, or_(*ways) if ways else false())


def newest_ids(
    person: Person, where: Sequence[ColumnElement[bool]], before: int | None, count: int
) -> Select[Any] | CompoundSelect[Any]:
    """The ids of up to `count` newest documents the person may see (below `before`, meeting `where`):
    one top-`count` per rule, each served by its own index, merged. The same as filtering by visible(), but
    someone who sees few documents among millions does not make the database walk past all the others."""
    below = [Document.id < before] if before is not None else []
    branches = []
    for rule in RULES.values():
        condition = rule.where(person)
        if condition is None:
            continue
        newest = (
            select(Document.id)
            .where(Document.agency_id == person.unit.agency_id, condition, *where, *below)
            .order_by(Document.id.desc())
            .limit(count)
            .subquery()
        )
        branches.append(select(newest.c.id))
    if not branches:
        return select(Document.id).where(false())
    return union(*branches) if len(branches) > 1 else branches[0]


def relations(person: Person, document: Document) -> set[str]:
    """The relations that hold between a person and a loaded document (those known without the database)."""
    if person.unit.agency_id != document.agency_id:
        return set()
    return {name for name, rule in RULES.items() if rule.holds is not None and rule.holds(person, document)}


def labels(person: Person, document: Document) -> list[str]:
    """Why the person sees a document they could load, in words: their relations, else a receiving unit's."""
    return [RULES[name].label for name in RULES if name in relations(person, document)] or [RULES["recipient"].label]


def allows(person: Person, document: Document, what: str) -> bool:
    """Whether a person's relations to a document they can see allow `what` (READ or WORK)."""
    return any(what in RULES[name].allows for name in relations(person, document))
