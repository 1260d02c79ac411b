"""A learner's overviews read together, course by course, are the ones read one enrolment at a time."""

from lms.courses.service import enrol_users, my_enrolments
from lms.database import utcnow
from lms.extensions import db
from lms.progress.service import mark_done, overview, overviews_of
from tests.factories import make_class, make_course


def test_overviews_read_by_course_match_those_read_one_by_one(world, tmp_path):
    second_course = make_course(tmp_path, slug="khoa-hai", title="Khóa hai")
    third_class = make_class(second_course, "LOP-3", learners=[world.learner])
    enrol_users(world.other_class, [world.learner], source="admin")
    db.session.commit()
    enrolments = my_enrolments(world.learner, with_courses=True)
    first = next(e for e in enrolments if e.class_id == world.course_class.id)
    mark_done(first, world.modules[0], utcnow())
    db.session.commit()

    together = overviews_of(enrolments)
    alone = [overview(e) for e in enrolments]

    assert {e.class_id for e in enrolments} == {world.course_class.id, world.other_class.id, third_class.id}
    assert [o.enrolment.id for o in together] == [e.id for e in enrolments]
    assert [(o.done, o.total, o.resume_module, o.next_module, o.seconds_spent) for o in together] == [
        (o.done, o.total, o.resume_module, o.next_module, o.seconds_spent) for o in alone
    ]
    assert [o.status for o in together] == [o.status for o in alone]
    assert next(o for o in together if o.enrolment.id == first.id).done == 1
