"""Report figures as pure functions of plain facts: no database, no request.

The query layer (`lms.reports.queries`) turns each active enrolment into a `PlaceFact`, asking the
one completion function (`lms.progress.service.completion_for`) whether it is complete; the
functions here only count. Withdrawn enrolments never become facts, so they are in no count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l

from lms.courses.models import ClassMode
from lms.text import whole_number


@dataclass(frozen=True)
class PlaceFact:
    """One active enrolment (a learner-place), as far as the reports care."""

    enrolment_id: int
    user_id: int
    unit_id: int | None
    class_id: int
    course_id: int
    level: str
    started: bool
    complete: bool
    certified: bool
    share: float = 0.0  # how far along, 0 to 1 (`CompletionStatus.share`)

    @property
    def state(self) -> str:
        """ "completed", "in_progress" or "not_started" (certification is counted on its own)."""
        if self.complete:
            return "completed"
        return "in_progress" if self.started else "not_started"


@dataclass(frozen=True)
class Counts:
    """The figures of one report row."""

    learners: int = 0
    places: int = 0
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    certified: int = 0

    @property
    def rate(self) -> float | None:
        """Completed learner-places over all learner-places; None when there are none."""
        return self.completed / self.places if self.places else None


def tally(places: Iterable[PlaceFact]) -> Counts:
    """Count learners (distinct people), learner-places and each state among the places."""
    people: set[int] = set()
    states = {"not_started": 0, "in_progress": 0, "completed": 0}
    total = certified = 0
    for place in places:
        people.add(place.user_id)
        total += 1
        states[place.state] += 1
        certified += place.certified
    return Counts(learners=len(people), places=total, certified=certified, **states)


@dataclass(frozen=True)
class ReportRow:
    """One row of a report: what it is about, its tree depth (units only) and its counts."""

    key: object
    label: str
    counts: Counts
    depth: int = 0
    note: str = ""  # a unit's level, a class's course, ...
    retired: bool = False


@dataclass(frozen=True)
class Report:
    """The rows of one report and the total over every place it covers."""

    kind: str
    rows: tuple[ReportRow, ...]
    total: Counts


# -- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitNode:
    """One unit of the tree."""

    id: int
    name: str
    level: str = ""
    parent_id: int | None = None
    retired: bool = False


def unit_ancestry(units: Sequence[UnitNode]) -> dict[int, tuple[int, ...]]:
    """Each unit's id followed by its ancestors' ids, up to its root (a cycle stops the climb)."""
    parent = {u.id: u.parent_id for u in units}
    chains: dict[int, tuple[int, ...]] = {}
    for unit in units:
        chain = [unit.id]
        seen = {unit.id}
        current = parent.get(unit.id)
        while current is not None and current in parent and current not in seen:
            chain.append(current)
            seen.add(current)
            current = parent[current]
        chains[unit.id] = tuple(chain)
    return chains


def by_unit(places: Sequence[PlaceFact], units: Sequence[UnitNode]) -> Report:
    """Rows per unit, rolled up: a unit counts its own learners and every descendant's.

    Rows follow the tree (a parent, then its children by name) and carry their depth; units with
    no place anywhere below them are left out. Learners with no unit (or one not in the tree) get
    a last row of their own.
    """
    chains = unit_ancestry(units)
    below: dict[int, list[PlaceFact]] = {}
    homeless: list[PlaceFact] = []
    for place in places:
        chain = chains.get(place.unit_id) if place.unit_id is not None else None
        if chain is None:
            homeless.append(place)
            continue
        for unit_id in chain:
            below.setdefault(unit_id, []).append(place)
    known = {u.id for u in units}
    children: dict[int | None, list[UnitNode]] = {}
    for unit in units:
        # A unit whose parent is not in the tree is shown as a root.
        children.setdefault(unit.parent_id if unit.parent_id in known else None, []).append(unit)
    rows: list[ReportRow] = []
    shown: set[int] = set()

    def visit(unit: UnitNode, depth: int) -> None:
        if unit.id in shown or unit.id not in below:
            return
        shown.add(unit.id)
        rows.append(ReportRow(unit.id, unit.name, tally(below[unit.id]), depth, unit.level, unit.retired))
        for child in sorted(children.get(unit.id, ()), key=_name_key):
            visit(child, depth + 1)

    for root in sorted(children.get(None, ()), key=_name_key):
        visit(root, 0)
    for unit in sorted(units, key=_name_key):  # units caught in a parent cycle have no root above them
        visit(unit, 0)
    if homeless:
        rows.append(ReportRow(None, str(_l("No unit")), tally(homeless)))
    return Report("units", tuple(rows), tally(places))


def _name_key(unit: UnitNode) -> tuple[str, int]:
    return (unit.name.casefold(), unit.id)


# -- classes, courses, levels --------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """One class as a report row names it."""

    id: int
    name: str
    course_id: int
    course_title: str
    level: str = ""
    mode: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


def _group(places: Iterable[PlaceFact], key) -> dict[object, list[PlaceFact]]:
    groups: dict[object, list[PlaceFact]] = {}
    for place in places:
        groups.setdefault(key(place), []).append(place)
    return groups


def by_class(places: Sequence[PlaceFact], classes: Sequence[ClassInfo]) -> Report:
    """One row per class, in the order given (a class with no learner shows zeros)."""
    groups = _group(places, lambda p: p.class_id)
    rows = tuple(ReportRow(c.id, c.name, tally(groups.get(c.id, ())), note=c.course_title) for c in classes)
    return Report("classes", rows, tally(places))


def by_course(places: Sequence[PlaceFact], courses: Mapping[int, str]) -> Report:
    """One row per course (id -> title), by title; a person in two classes of it is one learner."""
    groups = _group(places, lambda p: p.course_id)
    ordered = sorted(courses.items(), key=lambda item: (item[1].casefold(), item[0]))
    rows = tuple(ReportRow(cid, title, tally(groups.get(cid, ()))) for cid, title in ordered)
    return Report("courses", rows, tally(places))


def by_level(places: Sequence[PlaceFact], levels: Iterable[str] = ()) -> Report:
    """One row per class level (free text, as entered on the class); a blank level has its own row."""
    groups = _group(places, lambda p: p.level.strip())
    names = sorted(set(groups) | {level.strip() for level in levels}, key=lambda n: (n == "", n.casefold()))
    rows = tuple(ReportRow(name, name or str(_l("No level")), tally(groups.get(name, ()))) for name in names)
    return Report("levels", rows, tally(places))


# -- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """Which classes a report covers: class dates overlapping a range, a mode, a course."""

    date_from: date | None = None
    date_to: date | None = None
    mode: str | None = None
    course_id: int | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links and exports)."""
        args = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "mode": self.mode or "",
            "course": str(self.course_id) if self.course_id else "",
        }
        return {k: v for k, v in args.items() if v}


@dataclass
class ParsedFilters:
    """The filters read from a query string, and what was wrong with it."""

    filters: ReportFilters
    errors: list = field(default_factory=list)


MAX_FIELD = 40


def _parse_date(value: str, errors: list, message) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors.append(message)
        return None
    if not 1900 <= parsed.year <= 2999:
        errors.append(message)
        return None
    return parsed


def parse_filters(args: Mapping[str, str]) -> ParsedFilters:
    """Read the report filters from query arguments; every bad value gets a message."""
    errors: list = []
    raw = {k: (args.get(k) or "").strip()[:MAX_FIELD] for k in ("from", "to", "mode", "course")}
    date_from = _parse_date(raw["from"], errors, _l("The start date must be a date such as 2025-01-31."))
    date_to = _parse_date(raw["to"], errors, _l("The end date must be a date such as 2025-12-31."))
    if date_from and date_to and date_from > date_to:
        errors.append(_l("The start date is after the end date."))
    mode = raw["mode"] or None
    if mode is not None and mode not in {m.value for m in ClassMode}:
        errors.append(_l("Choose a mode from the list."))
        mode = None
    course_id = None
    if raw["course"]:
        course_id = whole_number(raw["course"], minimum=1)
        if course_id is None:
            errors.append(_l("Choose a course from the list."))
    return ParsedFilters(ReportFilters(date_from, date_to, mode, course_id), errors)


def class_in_range(starts_on: date | None, ends_on: date | None, filters: ReportFilters) -> bool:
    """Tell whether a class's dates overlap the filter's range (an undated class only without one).

    A class without an end date is taken to last one day; one without a start date starts at its end.
    """
    if filters.date_from is None and filters.date_to is None:
        return True
    start = starts_on or ends_on
    end = ends_on or starts_on
    if start is None or end is None:
        return False
    if filters.date_to is not None and start > filters.date_to:
        return False
    return not (filters.date_from is not None and end < filters.date_from)


# -- what a row becomes in a file and a chart ----------------------------------------------------


def percent(rate: float | None) -> int | None:
    """A rate as a whole percentage (rounded half up), None stays None."""
    return None if rate is None else int(rate * 100 + 0.5)
