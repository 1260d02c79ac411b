"""A page opened normally shows no error: no error box, no flashed error, no Jinja object's repr.

Every page that carries a form (and the pages around them) is opened by the role that uses it,
in Vietnamese and in English; none may show an error element (a flash-error, a role=alert, a
form, field, import, enrolment, certify or filter error) or text such as `<Macro 'error'>`.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.database import utcnow
from lms.extensions import db
from lms.live.models import LiveSession
from lms.quizzes.models import QuizAttempt
from tests import factories
from tests.certificates.conftest import complete, enrolment_of, issue
from tests.conftest import AuthActions, csrf_token
from tests.quizzes.conftest import QUIZ, right_answers
from tests.refusals import assert_no_template_leak, error_elements, parse

ADMIN_PAGES = [
    "/admin/",
    "/admin/units",
    "/admin/units/{city}",
    "/admin/units/{retired}",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{learner}",
    "/admin/users/{admin}",
    "/admin/users/import",
    "/admin/classes",
    "/admin/classes/new",
    "/admin/classes/{class_id}",
    "/admin/classes/{class_id}?q=nam",
    "/admin/classes/{class_id}/edit",
    "/admin/classes/{class_id}/enrolments/{enrolment}/withdraw",
    "/admin/audit",
    "/certificates/classes",
    "/certificates/classes/{class_id}",
    "/certificates/{certificate}",
    "/reports/units",
    "/reports/classes",
    "/reports/courses",
    "/reports/levels",
    "/classes/{class_id}/sessions/new",
    "/sessions/{session}/attendance",
]
INSTRUCTOR_PAGES = [
    "/",
    "/classes/{quiz_class}",
    "/classes/{class_id}/sessions/new",
    "/sessions/{session}",
    "/sessions/{session}/edit",
    "/sessions/{session}/attendance",
    "/sessions/{session}/checkin-code",
    "/sessions/{session}/room",
    "/classes/{class_id}/progress",
    "/classes/{quiz_class}/quizzes/kiem-tra",
    "/classes/{quiz_class}/quizzes/kiem-tra/results",
    "/marking",
    "/marking/{pending}/{essay}",
    "/reports/units",
    "/calendar",
]
LEARNER_PAGES = [
    "/",
    "/classes",
    "/classes/{class_id}",
    "/classes/{class_id}/modules/mo-dau",
    "/classes/{quiz_class}/quizzes/kiem-tra",
    "/attempts/{open_attempt}",
    "/attempts/{pending}",
    "/sessions/{session}",
    "/sessions/{session}/room",
    "/certificates",
    "/calendar",
]
PAGES = {"admin": ADMIN_PAGES, "gv.an": INSTRUCTOR_PAGES, "hv.mai": LEARNER_PAGES, None: ["/login"]}


@pytest.fixture
def places(world, auth, tmp_path):
    """Ids of one of everything a form page shows: units, people, classes, a session, a quiz, a certificate."""
    retired = factories.make_unit("cu", "Đơn vị cũ", "Phường/xã", parent=world.city)
    retired.retired_at = utcnow()
    quiz_course = factories.make_course(tmp_path, slug="kiem-tra", quizzes={"kiem-tra.gift": QUIZ})
    quiz_class = factories.make_class(quiz_course, "LOP-Q", instructors=[world.teacher], learners=[world.learner])
    complete(enrolment_of(world.learner, world.course_class))
    certificate = issue(world, world.learner)
    session = LiveSession(
        class_id=world.course_class.id,
        title="Buổi 1",
        duration_minutes=60,
        starts_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    db.session.add(session)
    auth.login("hv.mai")
    attempts = []
    for _ in range(2):  # the first is submitted (an essay waits for its mark), the second stays open
        started = auth.post(f"/classes/{quiz_class.id}/quizzes/kiem-tra/start")
        attempts.append(int(started.headers["Location"].rsplit("/", 1)[1]))
        if len(attempts) == 1:
            db.session.commit()
            row = db.session.get(QuizAttempt, attempts[0])
            assert auth.post(f"/attempts/{row.id}/submit", {**right_answers(row), "seq": "1"}).status_code == 303
    auth.logout()
    db.session.commit()
    pending = db.session.get(QuizAttempt, attempts[0])
    essay = next(i for i, d in enumerate(pending.drawn) if d["question"]["type"] == "essay")
    return SimpleNamespace(
        city=world.city.id,
        retired=retired.id,
        learner=world.learner.id,
        admin=world.admin.id,
        class_id=world.course_class.id,
        enrolment=enrolment_of(world.other_learner, world.course_class).id,
        certificate=certificate.id,
        session=session.id,
        quiz_class=quiz_class.id,
        pending=pending.id,
        essay=essay,
        open_attempt=attempts[1],
    )


def use_locale(client, username: str | None, locale: str) -> None:
    """Log in with the account's saved language, or choose it with the switch when anonymous."""
    if username:
        db.session.scalar(select(User).where(User.username == username)).locale = locale
        db.session.commit()
        assert AuthActions(client).login(username).status_code == 302
    elif locale == "en":
        client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/login")})


def problems_of(response, locale: str) -> list[str]:
    """What is wrong with a page opened normally: status, language, error elements, leaked reprs."""
    if response.status_code != 200:
        return [f"status {response.status_code}"]
    page = parse(response)
    found = [f"error element {e!r}" for e in error_elements(page)]
    if page.one("html").attrs["lang"] != locale:
        found.append(f"language {page.one('html').attrs['lang']}")
    try:
        assert_no_template_leak(response)
    except AssertionError as leak:
        found.append(f"template leak {leak}")
    return found


@pytest.mark.parametrize("locale", ["vi", "en"])
@pytest.mark.parametrize("username", list(PAGES), ids=["admin", "instructor", "learner", "anonymous"])
def test_form_pages_opened_normally_show_no_error(places, client, username, locale):
    use_locale(client, username, locale)
    found = {}
    for path in PAGES[username]:
        url = path.format(**vars(places))
        if problems := problems_of(client.get(url), locale):
            found[url] = problems
    assert found == {}


def test_the_leak_and_error_checks_see_what_the_units_bug_showed():
    shadowed = (
        '<main><p class="flash flash-error" role="alert" data-test="form-error">&lt;Macro &#39;error&#39;&gt;</p>'
    )
    assert [e.text for e in error_elements(parse(shadowed))] == ["<Macro 'error'>"]
    with pytest.raises(AssertionError):
        assert_no_template_leak(SimpleNamespace(get_data=lambda as_text: shadowed))
    hidden_placeholder = '<p class="flash flash-error" id="room-error" role="alert" hidden data-test="room-error"></p>'
    assert error_elements(parse(hidden_placeholder)) == []
