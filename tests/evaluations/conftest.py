"""A course with an evaluation form, a class of six learners whose last day has passed, and helpers."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from lms.auth.models import Role
from tests import factories
from tests.factories import EVALUATION_YML

# A whole, valid set of answers (English field names are the form's question ids).
ANSWERS = {
    "q:phu_hop": "4",
    "q:thoi_luong": "2",
    "q:ro_rang@{teacher}": "5",
    "q:gop_y": "Bài tình huống rất sát thực tế.",
}


def answers_for(w, **changes) -> dict[str, str]:
    """ANSWERS with the instructor's id filled in, and any answers changed."""
    filled = {key.format(teacher=w.teacher.id): value for key, value in ANSWERS.items()}
    return {**filled, **{f"q:{k.replace('__', '@')}": v for k, v in changes.items()}}


@pytest.fixture
def ev(app, tmp_path):
    """Units, staff, six learners (English interface) in LOP-1 (ended yesterday), an outsider, LOP-2."""
    city = factories.make_unit("tp", "Thành phố", "Thành phố")
    admin = factories.make_user("admin", Role.ADMIN, city, "Quản Trị Viên")
    teacher = factories.make_user("gv.an", Role.INSTRUCTOR, city, "Giảng Viên An")
    other_teacher = factories.make_user("gv.binh", Role.INSTRUCTOR, city, "Giảng Viên Bình")
    learners = [factories.make_user(f"hv.{n}", Role.LEARNER, city, f"Học Viên {n}") for n in range(1, 7)]
    outsider = factories.make_user("hv.ngoai", Role.LEARNER, city, "Hồ Văn Ngoại")
    for user in (admin, teacher, other_teacher, outsider, *learners):
        user.locale = "en"
    course = factories.make_course(tmp_path, evaluation=EVALUATION_YML)
    yesterday = date.today() - timedelta(days=2)
    lop1 = factories.make_class(
        course, "LOP-1", instructors=[teacher], learners=learners, ends_on=yesterday, mode="online"
    )
    lop2 = factories.make_class(course, "LOP-2", instructors=[other_teacher], mode="in_person")
    return SimpleNamespace(
        admin=admin,
        teacher=teacher,
        other_teacher=other_teacher,
        learners=learners,
        learner=learners[0],
        outsider=outsider,
        course=course,
        lop1=lop1,
        lop2=lop2,
    )
