"""Certificate rules as pure functions: serials, codes, printed facts, who may be certified.

Nothing here touches the database or the request; `service.py` gathers the records and writes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lms.refusals import N_, Problem
from lms.text import forbidden_character, whole_number

SERIAL_DIGITS = 6
REASON_MAX = 1000
REASON_MIN = 5
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def format_serial(prefix: str, year: int, number: int) -> str:
    """The readable serial of a year's n-th certificate, e.g. CCHC-2026-000123."""
    return f"{prefix}-{year}-{number:0{SERIAL_DIGITS}d}"


def serial_number(serial: str, prefix: str, year: int) -> int | None:
    """The sequence number of a serial of that prefix and year, or None for another one."""
    head = f"{prefix}-{year}-"
    tail = serial[len(head) :] if serial.startswith(head) else ""
    return whole_number(tail)


def next_serial(prefix: str, year: int, existing: Iterable[str]) -> str:
    """The serial after the highest one of that year (the first is 000001)."""
    numbers = [n for n in (serial_number(s, prefix, year) for s in existing) if n is not None]
    return format_serial(prefix, year, max(numbers, default=0) + 1)


def new_verification_code() -> str:
    """An unguessable code for the public verification page: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def new_salt() -> str:
    """A salt for the hashed recipient email of the Open Badges assertion."""
    return secrets.token_hex(16)


def looks_like_code(code: str) -> bool:
    """Tell whether a string could be a verification code (anything else is not looked up)."""
    return bool(CODE_RE.match(code))


def hashed_identity(email: str, salt: str) -> str:
    """Open Badges 2.0 hashed recipient: "sha256$" + hex sha256 of the email then the salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def format_hours(minutes: int) -> str:
    """Study time as hours for the certificate: 90 → "1,5", 120 → "2" (Vietnamese decimal comma)."""
    hours = minutes / 60
    text = f"{hours:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def course_minutes(estimated_hours: float | None) -> int:
    """The study time a certificate states: the course's declared hours, or none (0) if it declares none.

    Not the learner's credited reading time (it varies with reading speed and misses live sessions),
    and not a sum of the modules' estimates (a guess the course's authors never stated as its length).
    """
    return round(estimated_hours * 60) if estimated_hours else 0


def clean_reason(text: str | None) -> str:
    """A reason as stored: trimmed, inner whitespace kept as typed."""
    return (text or "").strip()


def reason_problem(reason: str) -> str | None:
    """Why a written reason is not acceptable ("short", "long"), or None when it is."""
    if len(reason) < REASON_MIN:
        return "short"
    if len(reason) > REASON_MAX:
        return "long"
    return None


class Ineligibility(StrEnum):
    """Why one enrolment of a certification request cannot be certified."""

    NOT_IN_CLASS = "not_in_class"
    WITHDRAWN = "withdrawn"
    ALREADY = "already"
    INCOMPLETE = "incomplete"
    REASON_LONG = "reason_long"
    REASON_CONTROL = "reason_control"


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know about one enrolment asked to be certified."""

    enrolment_id: int
    name: str
    class_id: int
    active: bool
    complete: bool
    certified: bool


@dataclass(frozen=True)
class Ineligible:
    """One enrolment that cannot be certified, and why."""

    enrolment_id: int
    name: str
    why: Ineligibility

    @property
    def problem(self) -> Problem:
        """Why, as the admin reads it."""
        match self.why:
            case Ineligibility.NOT_IN_CLASS:
                return Problem(N_("Enrolment no. %(id)d is not a place in this class."), id=self.enrolment_id)
            case Ineligibility.WITHDRAWN:
                return Problem(N_("%(name)s has withdrawn from this class."), name=self.name)
            case Ineligibility.ALREADY:
                return Problem(N_("%(name)s already has a valid certificate."), name=self.name)
            case Ineligibility.INCOMPLETE:
                return Problem(
                    N_(
                        "%(name)s has not completed the course: write a reason (at least %(min)d characters)"
                        " to certify anyway."
                    ),
                    name=self.name,
                    min=REASON_MIN,
                )
        if self.why is Ineligibility.REASON_CONTROL:
            return Problem(
                N_("The reason for %(name)s contains a control character or a text-direction mark; remove it."),
                name=self.name,
            )
        return Problem(N_("The reason for %(name)s is longer than %(max)d characters."), name=self.name, max=REASON_MAX)


def check_request(
    class_id: int, requested: Iterable[int], candidates: Mapping[int, Candidate], reasons: Mapping[int, str]
) -> list[Ineligible]:
    """Every reason the request cannot be carried out; empty when all of it can.

    The request is all or nothing: one refusal and nothing is issued. An enrolment of another
    class (or none at all) is refused without naming anyone, so ids cannot be probed.
    """
    refusals: list[Ineligible] = []
    for enrolment_id in requested:
        candidate = candidates.get(enrolment_id)
        reason = reasons.get(enrolment_id, "")
        if candidate is None or candidate.class_id != class_id:
            refusals.append(Ineligible(enrolment_id, "", Ineligibility.NOT_IN_CLASS))
        elif not candidate.active:
            refusals.append(Ineligible(enrolment_id, candidate.name, Ineligibility.WITHDRAWN))
        elif candidate.certified:
            refusals.append(Ineligible(enrolment_id, candidate.name, Ineligibility.ALREADY))
        elif forbidden_character(reason):
            refusals.append(Ineligible(enrolment_id, candidate.name, Ineligibility.REASON_CONTROL))
        elif len(reason) > REASON_MAX:
            refusals.append(Ineligible(enrolment_id, candidate.name, Ineligibility.REASON_LONG))
        elif not candidate.complete and reason_problem(reason):
            refusals.append(Ineligible(enrolment_id, candidate.name, Ineligibility.INCOMPLETE))
    return refusals


@dataclass(frozen=True)
class PrintedFacts:
    """What a certificate states, copied from the records on the day it is issued."""

    recipient_name: str
    unit_name: str
    course_title: str
    class_name: str
    starts_on: date | None
    ends_on: date | None
    completed_on: date
    minutes: int
