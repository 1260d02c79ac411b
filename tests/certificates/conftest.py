"""Learners who have completed a class, certificates issued through the service, fixture files."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from lms.certificates.models import Certificate
from lms.certificates.service import certify
from lms.courses.models import Enrolment
from lms.database import utcnow
from lms.extensions import db
from lms.progress.service import mark_done
from tests.factories import enrolment_of

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def complete(enrolment: Enrolment) -> None:
    """Mark every required module done, as the module page would."""
    for module in enrolment.course_class.course.active_modules:
        if module.required:
            mark_done(enrolment, module, utcnow())
    db.session.commit()


def issue(world, user, reason: str | None = None) -> Certificate:
    """Issue a certificate through the service, as an admin's request would."""
    enrolment = enrolment_of(user, world.course_class)
    reasons = {enrolment.id: reason} if reason else {}
    (certificate,) = certify(world.course_class, [enrolment.id], reasons, world.admin, utcnow(), ZONE, "CCHC")
    db.session.commit()
    return certificate


@pytest.fixture
def certified(world):
    """The world's learner (hv.mai) completed LOP-1 and holds a certificate; hv.nam has not started."""
    world.learner.email = "mai@example.org"
    complete(enrolment_of(world.learner, world.course_class))
    world.certificate = issue(world, world.learner)
    return world
