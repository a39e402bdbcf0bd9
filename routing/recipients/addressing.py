"""Find who each recipient line names in the directory: our units and people, other agencies, and the
administrator's distribution lists; say what stays unknown, with the closest names, before issuance."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from routing.models import DistributionList
from routing.recipients import parse as recipients
from routing.recipients.parse import Line, fold
from workflow import access
from workflow.audit import audit
from workflow.documents.service import get_document
from workflow.errors import Conflict, Forbidden, Invalid, NotFound
from workflow.models import Agency, Document, Person, Unit

# Abbreviated positions as clerks write them, folded, word by word.
_SHORT = {
    "gd": "giam doc",
    "pgd": "pho giam doc",
    "ct": "chu tich",
    "pct": "pho chu tich",
    "ttg": "thu tuong",
    "pttg": "pho thu tuong",
    "cvp": "chanh van phong",
    "pcvp": "pho chanh van phong",
    "tp": "truong phong",
}
# The leadership as a whole: every leader of the agency.
_LEADERSHIP = ("lanh dao", "ban lanh dao", "ban giam doc", "bld", "bgd")
# How a line names our own agency after a position ("Giám đốc Sở", "Lãnh đạo Bộ").
_OWN_WORDS = ("", "so", "bo", "co quan", "cuc", "tong cuc", "vien")
MAX_SUGGESTIONS = 3
MIN_LIKENESS = 0.5  # the share of (weighted) words two names must have in common to be suggested


@dataclass(frozen=True)
class Target:
    """Where a recipient line goes: one of our units, one of our people, another agency, or nowhere."""

    kind: str  # unit | person | agency | unresolved (and list, for a suggestion)
    id: int | None
    name: str  # what it resolved to, as the pages show it
    unit_id: int | None = None  # a person's unit


@dataclass(frozen=True)
class Resolved:
    """One recipient line and where it goes, with the list it went through and, if unknown, the closest names."""

    line: Line
    targets: list[Target]
    via: str | None = None  # the distribution list the line named
    suggestions: list[Target] = field(default_factory=list)  # the closest units, agencies and lists

    @property
    def unresolved(self) -> bool:
        return any(t.kind == "unresolved" for t in self.targets)


class Directory:
    """The names our agency resolves recipients by, read once per document."""

    def __init__(self, session: Session, agency_id: int) -> None:
        own = session.get(Agency, agency_id)
        assert own is not None
        self.units: dict[str, list[Unit]] = {}
        for unit in session.scalars(select(Unit).where(Unit.agency_id == agency_id)):
            for name in [unit.name, unit.code, *unit.aliases.splitlines()]:
                if name.strip():
                    self.units.setdefault(fold(name), []).append(unit)
        self.agencies: dict[str, Agency] = {}
        for agency in session.scalars(select(Agency).where(Agency.id != agency_id)):
            for name in [agency.name, agency.code, *agency.aliases.splitlines()]:
                if name.strip():
                    self.agencies[fold(name)] = agency
        self.lists: dict[str, DistributionList] = {}
        for group in session.scalars(select(DistributionList).where(DistributionList.agency_id == agency_id)):
            for name in [group.name, *group.aliases.splitlines()]:
                if name.strip():
                    self.lists[fold(name)] = group
        self.own = {fold(x) for x in [own.name, own.abbreviation, *own.aliases.splitlines()] if x.strip()}
        self.own |= set(_OWN_WORDS)
        self.people = list(
            session.scalars(
                select(Person)
                .join(Unit)
                .where(Unit.agency_id == agency_id, Person.active.is_(True))
                .order_by(Person.id)
            )
        )
        # Every position held here, and the usual ones elsewhere, longest first: "phó giám đốc" before "giám đốc".
        positions = {fold(p.position) for p in self.people if p.position.strip()}
        positions |= {_long(p) for p in recipients.POSITIONS}
        self.positions = sorted(positions, key=len, reverse=True)
        self._names: dict[str, Target] | None = None  # made on first use
        self._words: dict[str, frozenset[str]] | None = None
        self._postings: dict[str, set[str]] = {}  # word -> the names that have it
        self._weight: dict[str, float] = {}

    def names(self) -> dict[str, Target]:
        """Every name a line can resolve by (folded) and what it names: a unit, an agency or a list."""
        if self._names is None:
            named = {key: Target("unit", units[0].id, units[0].name) for key, units in self.units.items()}
            named |= {key: Target("agency", agency.id, agency.name) for key, agency in self.agencies.items()}
            named |= {key: Target("list", group.id, group.name) for key, group in self.lists.items()}
            self._names = named
        return self._names

    def closest(self, key: str) -> list[Target]:
        """The units, agencies and lists whose names share the most words with a folded name, rare words
        weighing more (weighted Jaccard over words, idf weights). Only names sharing one of its rarer words
        are scored: about 1 ms a line against a thousand like names, where difflib took 70 ms."""
        if self._words is None:
            self._words = {name: frozenset(name.split()) for name in self.names()}
            for name, words in self._words.items():
                for word in words:
                    self._postings.setdefault(word, set()).add(name)
            total = len(self._words) + 1
            self._weight = {word: math.log(total / len(names)) + 0.1 for word, names in self._postings.items()}
        wanted = frozenset(key.split())
        common = max(50, len(self._words) // 20)
        rare = [w for w in wanted if 0 < len(self._postings.get(w, ())) <= common]
        candidates: set[str] = set().union(*(self._postings.get(w, set()) for w in (rare or wanted)))
        scored: list[tuple[float, str]] = []
        for name in candidates:
            words = self._words[name]
            union = sum(self._weight.get(w, 1.0) for w in wanted | words)
            scored.append((sum(self._weight[w] for w in wanted & words) / union, name))
        named = self.names()
        best = [named[name] for score, name in sorted(scored, key=lambda x: (-x[0], x[1])) if score >= MIN_LIKENESS]
        return list(dict.fromkeys(best))[:MAX_SUGGESTIONS]  # one suggestion per unit, agency or list

    def choices(self) -> list[Target]:
        """Every unit, agency and list a name can be remembered for, each once, by kind and name."""
        unique = {(t.kind, t.id): t for t in self.names().values()}
        order = {"unit": 0, "agency": 1, "list": 2}
        return sorted(unique.values(), key=lambda t: (order[t.kind], fold(t.name)))


def _long(folded: str) -> str:
    """A folded position with its abbreviations written out ("pho gd so" → "pho giam doc so")."""
    return " ".join(_SHORT.get(word, word) for word in folded.split())


def _organisation(key: str, directory: Directory, drafting_unit_id: int | None) -> list[Target] | None:
    without_brackets = fold(key.split("(", maxsplit=1)[0]) if "(" in key else None
    for candidate in filter(None, [fold(key), without_brackets]):
        if candidate in directory.units:
            return [
                Target("unit", u.id, u.name)
                for u in directory.units[candidate]
                # The drafting unit keeps its archive copy ("Lưu: VT, <unit>"); it is not a recipient.
                if u.id != drafting_unit_id
            ]
        if candidate in directory.agencies:
            agency = directory.agencies[candidate]
            return [Target("agency", agency.id, agency.name)]
    return None


def _people(label: str, directory: Directory) -> list[Target] | None:
    """Our people a line names by position ("Giám đốc Sở", "Phó GĐ Sở"), as the leadership ("Lãnh đạo Sở")
    or by name ("Đ/c Hoàng Văn Minh"); another agency when the position is of theirs ("Chủ tịch UBND tỉnh")."""
    words = _long(fold(label))
    chosen: list[Person] = []
    rest: str | None = None
    for leadership in _LEADERSHIP:
        if words == leadership or words.startswith(leadership + " "):
            chosen, rest = [p for p in directory.people if p.has_role("leader")], words[len(leadership) :].strip()
            break
    else:
        for position in directory.positions:
            if words == position or words.startswith(position + " "):
                chosen = [p for p in directory.people if _long(fold(p.position)) == position]
                rest = words[len(position) :].strip()
                break
    if rest is None:
        named = [p for p in directory.people if fold(p.full_name) and fold(p.full_name) in words]
        return [_person(p) for p in named] or None
    if rest in directory.own:
        return [_person(p) for p in chosen] or None
    # "Trưởng phòng Quản lý đất đai": the position in that unit, whose name lost the "phòng" to the position.
    unit = next((u for u in (rest, f"phong {rest}") if u in directory.units), None)
    if unit is not None:
        unit_ids = {u.id for u in directory.units[unit]}
        return [_person(p) for p in chosen if p.unit_id in unit_ids] or None
    if rest in directory.agencies:
        agency = directory.agencies[rest]
        return [Target("agency", agency.id, agency.name)]  # their clerk routes it to the person named
    return None


def _person(person: Person) -> Target:
    title = f"{person.position} " if person.position else ""
    return Target("person", person.id, f"{title}{person.full_name}", person.unit_id)


def resolve_line(
    line: Line, directory: Directory, drafting_unit_id: int | None, depth: int = 0, suggest: bool = True
) -> Resolved:
    """Where one line goes: a distribution list's members, our people, a unit or agency, or nowhere (with
    the closest names when `suggest`: for the pages, not for issuance's write transaction)."""
    key = fold(line.label)
    group = directory.lists.get(key)
    if group is not None and depth == 0:
        targets: list[Target] = []
        unknown: list[str] = []
        for member in recipients.parse("", group.members):
            member_line = Line(member.label, line.purpose, member.kind)
            inner = resolve_line(member_line, directory, drafting_unit_id, depth=1, suggest=False)
            targets += [t for t in inner.targets if t.kind != "unresolved"]
            unknown += [member.label] if inner.unresolved else []
        targets += [Target("unresolved", None, name) for name in unknown]
        return Resolved(line, targets, via=group.name)
    people = _people(line.label, directory) if line.kind == "people" else None
    if people is not None:
        return Resolved(line, people)
    organisation = _organisation(line.label, directory, drafting_unit_id)
    if organisation is not None:
        return Resolved(line, organisation)
    if not suggest:
        return Resolved(line, [Target("unresolved", None, line.label)])
    suggestions = directory.closest(key)
    return Resolved(line, [Target("unresolved", None, line.label)], suggestions=suggestions)


def resolve(directory: Directory, document: Document, *, suggest: bool = True) -> list[Resolved]:
    """Every recipient of a document and where it goes in its agency's directory (nothing is stored)."""
    lines = recipients.parse(document.kinh_gui, document.noi_nhan)
    return [resolve_line(line, directory, document.drafting_unit_id, suggest=suggest) for line in lines]


# --- what the drafter and the clerk see and set before issuance ---------------------------------------

MAX_LIST_MEMBERS = 500
KINDS = {"unit": "đơn vị", "agency": "cơ quan", "list": "danh sách nơi nhận"}


@dataclass(frozen=True)
class Preview:
    """Where each recipient of a document goes, and what the drafter should put right."""

    recipients: list[Resolved]
    warnings: list[str]

    @property
    def unresolved(self) -> int:
        """How many lines stay unknown."""
        return sum(1 for r in self.recipients if r.unresolved)


def preview(session: Session, actor: Person, document_id: int) -> Preview:
    """Where each recipient of a document goes, what stays unknown (with the closest names) and what the
    drafter should put right, as the document's page and the API show it before issuance."""
    document = get_document(session, actor, document_id, need=access.WORK)
    found = resolve(Directory(session, document.agency_id), document)
    return Preview(found, recipients.warnings(document.kinh_gui, document.noi_nhan))


def remember(session: Session, actor: Person, label: str, kind: str, target_id: int) -> str:
    """The clerk maps a name the directory did not know to a unit, agency or list once, for every later
    document: it becomes one of that target's other names. Returns the target's name."""
    if not (actor.has_role("clerk") or actor.has_role("admin")):
        raise Forbidden("forbidden", "Chỉ văn thư hoặc quản trị viên được ghi nhớ tên nơi nhận.")
    name = " ".join(label.split())
    if not fold(name):
        raise Invalid("missing_field", "Thiếu tên nơi nhận cần ghi nhớ.", field="label")
    agency_id = actor.unit.agency_id
    target: Unit | Agency | DistributionList | None
    if kind == "unit":
        target = session.get(Unit, target_id)
        target = target if target is not None and target.agency_id == agency_id else None
    elif kind == "agency":
        target = session.get(Agency, target_id)
        target = target if target is not None and target.id != agency_id else None
    else:
        target = session.get(DistributionList, target_id)
        target = target if target is not None and target.agency_id == agency_id else None
    if target is None:
        raise NotFound("target_not_found", f"Không tìm thấy {KINDS.get(kind, 'nơi nhận')} để ghi nhớ tên.")
    taken = Directory(session, agency_id)
    key = fold(name)
    if key in taken.units or key in taken.agencies or key in taken.lists:
        raise Conflict("name_taken", f"Tên “{name}” đã dùng cho một nơi nhận khác trong danh bạ.")
    target.aliases = "\n".join(filter(None, [*target.aliases.splitlines(), name]))
    audit(session, actor, "recipient_name_remembered", None, label=name, kind=kind, target_id=target_id)
    return target.name


def lists_of(session: Session, actor: Person) -> list[DistributionList]:
    """The distribution lists of the person's agency, by name."""
    query = select(DistributionList).where(DistributionList.agency_id == actor.unit.agency_id)
    return list(session.scalars(query.order_by(DistributionList.name)))


def save_list(
    session: Session, actor: Person, list_id: int | None, name: str, aliases: str, members: str
) -> DistributionList:
    """The administrator adds or changes a distribution list: its name, other names and members, one a line."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được sửa danh sách nơi nhận.")
    lines = [x.strip() for x in members.splitlines() if x.strip()]
    if not lines:
        raise Invalid("missing_field", "Danh sách nơi nhận cần ít nhất một thành phần.", field="members")
    if len(lines) > MAX_LIST_MEMBERS:
        raise Invalid(
            "too_many_members", f"Danh sách nơi nhận có tối đa {MAX_LIST_MEMBERS} thành phần.", field="members"
        )
    agency_id = actor.unit.agency_id
    group = DistributionList(agency_id=agency_id) if list_id is None else session.get(DistributionList, list_id)
    if group is None or group.agency_id != agency_id:
        raise NotFound("list_not_found", "Không tìm thấy danh sách nơi nhận.")
    same = session.scalar(
        select(DistributionList).where(DistributionList.agency_id == agency_id, DistributionList.name == name.strip())
    )
    if same is not None and same.id != group.id:
        raise Conflict("name_taken", f"Đã có danh sách nơi nhận “{name.strip()}”.")
    group.name = name.strip()
    group.aliases = "\n".join(x.strip() for x in aliases.splitlines() if x.strip())
    group.members = "\n".join(lines)
    session.add(group)
    session.flush()
    audit(session, actor, "distribution_list_saved", None, list_id=group.id, name=group.name, members=len(lines))
    return group


def delete_list(session: Session, actor: Person, list_id: int) -> None:
    """The administrator removes a distribution list (documents already issued keep their deliveries)."""
    if not actor.has_role("admin"):
        raise Forbidden("forbidden", "Chỉ quản trị viên được sửa danh sách nơi nhận.")
    group = session.get(DistributionList, list_id)
    if group is None or group.agency_id != actor.unit.agency_id:
        raise NotFound("list_not_found", "Không tìm thấy danh sách nơi nhận.")
    session.delete(group)
    audit(session, actor, "distribution_list_deleted", None, list_id=list_id, name=group.name)
