"""Nominations: a head proposes a member of their staff for a class; its instructors or an admin accept
(the person is enrolled, by the same code as every enrolment) or decline with a reason.

The rule (`nomination_problem`): a head nominates only a learner of the units they answer for,
whose account is active, into a class that has not ended, where the person is not already
enrolled and not already nominated. Every step is audited; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.audit.models import record_audit
from lms.auth.models import Role, User
from lms.courses.models import CourseClass, Enrolment, EnrolmentStatus
from lms.courses.service import enrol_users
from lms.database import utcnow
from lms.extensions import db
from lms.heads.models import Nomination, NominationState
from lms.org.heads import answered_unit_ids
from lms.refusals import N_, Problem, Refused
from lms.text import clean_name

REASON_MAX = 500


def nomination_problem(
    *, in_scope: bool, learner: bool, active: bool, class_ended: bool, enrolled: bool, pending: bool
) -> Problem | None:
    """Why this nomination may not be made, or None (pure)."""
    if not in_scope:
        return Problem(N_("you can only nominate people of the units you head"))
    if not learner or not active:
        return Problem(N_("only active learners can be nominated"))
    if class_ended:
        return Problem(N_("this class has ended"))
    if enrolled:
        return Problem(N_("this person is already in the class"))
    if pending:
        return Problem(N_("this person is already nominated for the class"))
    return None


def _pending(course_class: CourseClass, person: User) -> Nomination | None:
    return db.session.scalar(
        select(Nomination).where(
            Nomination.class_id == course_class.id,
            Nomination.user_id == person.id,
            Nomination.state == NominationState.PENDING.value,
        )
    )


def _enrolled(course_class: CourseClass, person: User) -> bool:
    return (
        db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.class_id == course_class.id,
                Enrolment.user_id == person.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
            )
        )
        is not None
    )


def class_ended(course_class: CourseClass, today: date) -> bool:
    return course_class.ends_on is not None and course_class.ends_on < today


def nominate(head: User, person: User, course_class: CourseClass, today: date) -> Nomination:
    """Record the head's nomination of `person` for `course_class`; refused by `nomination_problem`."""
    problem = nomination_problem(
        in_scope=person.unit_id is not None and person.unit_id in answered_unit_ids(head.id),
        learner=person.role == Role.LEARNER,
        active=person.active,
        class_ended=class_ended(course_class, today),
        enrolled=_enrolled(course_class, person),
        pending=_pending(course_class, person) is not None,
    )
    if problem:
        raise Refused(problem)
    nomination = Nomination(class_id=course_class.id, user_id=person.id, nominated_by_id=head.id)
    try:
        with db.session.begin_nested():  # another head or tab nominating the same person meanwhile
            db.session.add(nomination)
    except IntegrityError:
        raise Refused(Problem(N_("this person is already nominated for the class"))) from None
    record_audit(
        head.id, "nomination.create", f"class:{course_class.id}", username=person.username, nomination=nomination.id
    )
    return nomination


def pending_for_class(course_class: CourseClass) -> list[Nomination]:
    """The class's open nominations, oldest first."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(Nomination.class_id == course_class.id, Nomination.state == NominationState.PENDING.value)
            .order_by(Nomination.nominated_at, Nomination.id)
        )
    )


def decide(nomination: Nomination, accept: bool, reason: str, actor: User) -> None:
    """Accept (enrol the person) or decline (a reason is required) an open nomination."""
    if nomination.state != NominationState.PENDING.value:
        raise Refused(Problem(N_("this nomination has already been decided")), status=409)
    reason = clean_name(reason or "", field="reason")  # one line, as it is shown
    if not accept and not reason:
        raise Refused(Problem(N_("say why the nomination is declined")), field="reason")
    if len(reason) > REASON_MAX:
        raise Refused(Problem(N_("the reason is longer than %(limit)s characters"), limit=REASON_MAX), field="reason")
    # The state changes only if it is still pending: two deciders at once, one wins.
    changed = db.session.execute(
        Nomination.__table__.update()
        .where(Nomination.id == nomination.id, Nomination.state == NominationState.PENDING.value)
        .values(
            state=(NominationState.ACCEPTED if accept else NominationState.DECLINED).value,
            decided_by_id=actor.id,
            decided_at=utcnow(),
            reason="" if accept else reason,
        )
    )
    if changed.rowcount != 1:
        raise Refused(Problem(N_("this nomination has already been decided")), status=409)
    db.session.expire(nomination)
    if accept:
        enrol_users(nomination.course_class, [nomination.person], source="nomination", actor_id=actor.id)
    record_audit(
        actor.id,
        "nomination.accept" if accept else "nomination.decline",
        f"class:{nomination.class_id}",
        username=nomination.person.username,
        nomination=nomination.id,
        **({} if accept else {"reason": reason}),
    )


def nominations_of(person: User, since: datetime) -> list[Nomination]:
    """The nominations about a person that are pending or were decided since `since`, newest first
    (their dashboard tells them)."""
    return list(
        db.session.scalars(
            select(Nomination)
            .where(
                Nomination.user_id == person.id,
                (Nomination.state == NominationState.PENDING.value) | (Nomination.decided_at >= since),
            )
            .order_by(Nomination.nominated_at.desc(), Nomination.id.desc())
        )
    )


def pending_counts(class_ids: list[int]) -> dict[int, int]:
    """How many open nominations each of these classes has (classes with none are left out)."""
    if not class_ids:
        return {}
    rows = db.session.execute(
        select(Nomination.class_id, func.count())
        .where(Nomination.class_id.in_(class_ids), Nomination.state == NominationState.PENDING.value)
        .group_by(Nomination.class_id)
    )
    return {class_id: count for class_id, count in rows}


def nominations_by(head: User) -> list[Nomination]:
    """The nominations a head made, newest first."""
    return list(
        db.session.scalars(
            select(Nomination).where(Nomination.nominated_by_id == head.id).order_by(Nomination.nominated_at.desc())
        )
    )
