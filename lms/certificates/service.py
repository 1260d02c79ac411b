"""Issuing and revoking certificates, and the completion review they start from.

These functions only `flush()`; the view that owns the request commits once, so a refused or
failed request leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.audit.models import record_audit
from lms.auth.account import Actor
from lms.auth.models import User
from lms.certificates.issuing import (
    REASON_MAX,
    REASON_MIN,
    Candidate,
    PrintedFacts,
    check_request,
    course_minutes,
    new_salt,
    new_verification_code,
    next_serial,
    reason_problem,
)
from lms.certificates.models import Certificate
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.progress.completion import CompletionStatus
from lms.progress.service import EnrolmentOverview, class_overviews, completion_for, records_for
from lms.quizzes.attempts import active_quizzes
from lms.refusals import N_, Problem, Refused
from lms.text import clean_name, single_line_problem

SERIAL_ATTEMPTS = 5


@dataclass
class ReviewRow:
    """One active enrolment of a class: its completion and its certificate, if it has one."""

    overview: EnrolmentOverview
    certificate: Certificate | None

    @property
    def enrolment(self) -> Enrolment:
        return self.overview.enrolment

    @property
    def status(self) -> CompletionStatus:
        return self.overview.status


def valid_certificates(enrolment_ids: Sequence[int]) -> dict[int, Certificate]:
    """The certificate that is not revoked of each of these enrolments, by enrolment id."""
    if not enrolment_ids:
        return {}
    rows = db.session.scalars(
        select(Certificate).where(Certificate.enrolment_id.in_(list(enrolment_ids)), Certificate.revoked_at.is_(None))
    )
    return {c.enrolment_id: c for c in rows}


def valid_certificate(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate that is not revoked, if any."""
    return valid_certificates([enrolment.id]).get(enrolment.id)


def review(course_class: CourseClass) -> list[ReviewRow]:
    """Every active enrolment of the class with its completion verdict and certificate."""
    overviews = class_overviews(course_class)
    certificates = valid_certificates([o.enrolment.id for o in overviews])
    rows = [ReviewRow(o, certificates.get(o.enrolment.id)) for o in overviews]
    return sorted(rows, key=lambda r: (r.certificate is not None, not r.status.complete, r.enrolment.user.full_name))


def withdrawn(course_class: CourseClass) -> list[Enrolment]:
    """The class's withdrawn enrolments (listed on the review page, never certified)."""
    return list(
        db.session.scalars(
            select(Enrolment).where(
                Enrolment.class_id == course_class.id, Enrolment.status == EnrolmentStatus.WITHDRAWN
            )
        )
    )


def class_certificates(course_class: CourseClass) -> list[Certificate]:
    """Every certificate issued in the class, revoked ones too, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Enrolment)
            .where(Enrolment.class_id == course_class.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def user_certificates(user: Actor) -> list[Certificate]:
    """A learner's certificates, revoked ones too, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Enrolment)
            .where(Enrolment.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def printed_facts(enrolment: Enrolment, complete: bool, now: datetime, zone: tzinfo) -> PrintedFacts:
    """What the certificate will state, from today's records."""
    course_class = enrolment.course_class
    course = course_class.course
    finished = enrolment.completed_at if complete and enrolment.completed_at else now
    return PrintedFacts(
        recipient_name=clean_name(enrolment.user.full_name),
        unit_name=enrolment.user.unit.name if enrolment.user.unit else "",
        course_title=course.title,
        class_name=course_class.name,
        starts_on=course_class.starts_on,
        ends_on=course_class.ends_on,
        completed_on=finished.astimezone(zone).date(),
        minutes=course_minutes(course.estimated_hours),
    )


def _add_with_serial(certificate: Certificate, prefix: str, year: int) -> None:
    """Give the certificate the year's next serial and insert it; retry if another took it.

    On SQLite the write transaction (BEGIN IMMEDIATE) already serialises issuers; on PostgreSQL
    two issuers may pick the same number, and the unique constraint makes the later one retry.
    """
    head = f"{prefix}-{year}-"
    for _attempt in range(SERIAL_ATTEMPTS):
        highest = db.session.scalar(
            select(func.max(Certificate.serial)).where(Certificate.serial.startswith(head, autoescape=True))
        )
        certificate.serial = next_serial(prefix, year, [highest] if highest else [])
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
            return
        except IntegrityError:
            certificate.verification_code = new_verification_code()
    raise RuntimeError("could not allocate a certificate serial")


def certify(
    course_class: CourseClass,
    requested: Sequence[int],
    reasons: Mapping[int, str],
    actor: User,
    now: datetime,
    zone: tzinfo,
    serial_prefix: str,
) -> list[Certificate]:
    """Issue a certificate to each requested enrolment of the class, or to none of them.

    An enrolment that has not completed needs a written reason (an override). Raises
    `Refused` with a problem per enrolment that cannot be; the caller then rolls back.
    """
    ids = list(dict.fromkeys(requested))
    enrolments = {
        e.id: e
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.id.in_(ids)).options(selectinload(Enrolment.user)).with_for_update()
        )
    }
    ours = [e for e in enrolments.values() if e.class_id == course_class.id and e.status == EnrolmentStatus.ACTIVE]
    quizzes = active_quizzes(course_class.course_id)
    records = records_for(ours, quizzes)
    verdicts = {e.id: completion_for(e, records[e.id], quizzes).complete for e in ours}
    certified = valid_certificates(ids)
    candidates = {
        e.id: Candidate(
            e.id,
            e.user.full_name,
            e.class_id,
            e.status == EnrolmentStatus.ACTIVE,
            verdicts.get(e.id, False),
            e.id in certified,
        )
        for e in enrolments.values()
    }
    if ineligible := check_request(course_class.id, ids, candidates, reasons):
        raise Refused(*(i.problem for i in ineligible), code="ineligible")
    issued = []
    for enrolment_id in ids:
        enrolment = enrolments[enrolment_id]
        complete = verdicts[enrolment_id]
        facts = printed_facts(enrolment, complete, now, zone)
        certificate = Certificate(
            enrolment=enrolment,
            verification_code=new_verification_code(),
            recipient_salt=new_salt(),
            override_reason=None if complete else reasons[enrolment_id],
            issued_at=now,
            issued_by_id=actor.id,
            **asdict(facts),
        )
        _add_with_serial(certificate, serial_prefix, now.astimezone(zone).year)
        enrolment.certified_at = now
        record_audit(
            actor.id,
            "certificate.issue",
            f"certificate:{certificate.id}",
            enrolment_id=enrolment.id,
            serial=certificate.serial,
            override_reason=certificate.override_reason,
        )
        issued.append(certificate)
    db.session.flush()
    return issued


def revoke(certificate: Certificate, actor: User, reason: str, now: datetime) -> None:
    """Revoke a certificate with a reason; its verification page says so from now on."""
    if problem := single_line_problem(reason, field="reason"):
        raise Refused(problem)
    match reason_problem(reason):
        case "short":
            raise Refused(
                Problem(N_("Write the reason for revoking (at least %(min)d characters)."), min=REASON_MIN),
                field="reason",
            )
        case "long":
            raise Refused(Problem(N_("The reason is longer than %(max)d characters."), max=REASON_MAX), field="reason")
    if certificate.revoked:
        raise Refused(N_("This certificate was already revoked."), code="already_revoked", status=409)
    certificate.revoked_at = now
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    certificate.enrolment.certified_at = None
    record_audit(
        actor.id,
        "certificate.revoke",
        f"certificate:{certificate.id}",
        enrolment_id=certificate.enrolment_id,
        serial=certificate.serial,
        reason=reason,
    )
    db.session.flush()


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with this verification code, if any."""
    return db.session.scalar(select(Certificate).where(Certificate.verification_code == code))
