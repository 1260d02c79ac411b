"""A learner answers the evaluation once, inside its window, with answers in range; staff read results
only for groups of 5 or more; each bad input gets its message and writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses.models import Enrolment
from lms.database import utcnow
from lms.evaluations.models import ClassEvaluation, EvaluationResults, EvaluationSubmission
from lms.extensions import db
from lms.progress.service import completion_for, mark_done
from tests.evaluations.conftest import answers_for


def _url(w) -> str:
    return f"/evaluations/classes/{w.lop1.id}"


def _answer(auth, w, user, answers=None):
    auth.login(user.username)
    return auth.post(_url(w), answers if answers is not None else answers_for(w))


def _stored():
    submissions = db.session.scalar(select(func.count()).select_from(EvaluationSubmission))
    results = db.session.scalars(select(EvaluationResults)).all()
    return submissions, [(r.respondents, r.tallies, r.comments) for r in results]


def test_a_learner_answers_and_only_the_fact_is_tied_to_them(auth, ev):
    page = _answer(auth, ev, ev.learner)
    assert page.status_code == 303
    shown = auth.client.get(_url(ev)).get_data(as_text=True)
    assert "Thank you. Your answers were recorded without your name." in shown
    assert "You have answered this evaluation. Thank you." in shown
    assert 'data-test="evaluation-form"' not in shown
    assert db.session.scalars(select(EvaluationSubmission)).one().user_id == ev.learner.id
    assert _stored()[1] == [
        (
            1,
            {"phu_hop": [0, 0, 0, 1, 0], "thoi_luong": [0, 1, 0], f"ro_rang@{ev.teacher.id}": [0, 0, 0, 0, 1]},
            {"gop_y": ["Bài tình huống rất sát thực tế."]},
        )
    ]


def test_the_form_is_in_vietnamese_by_default(auth, ev):
    ev.learner.locale = None
    auth.login(ev.learner.username)
    page = auth.client.get(_url(ev)).get_data(as_text=True)
    assert "Phiếu khảo sát lớp học" in page
    assert "Gửi câu trả lời" in page
    assert "Giảng viên: Giảng Viên An" in page


def test_answering_twice_is_refused(auth, ev):
    _answer(auth, ev, ev.learner)
    before = _stored()
    again = auth.post(_url(ev), answers_for(ev, phu_hop="1"))
    assert again.status_code == 409
    assert "You have already answered this evaluation. Each learner answers once." in again.get_data(as_text=True)
    assert _stored() == before


def test_after_the_closing_day_answers_are_refused(auth, ev):
    db.session.add(ClassEvaluation(class_id=ev.lop1.id, required=False, closes_on=date.today() - timedelta(days=1)))
    page = _answer(auth, ev, ev.learner)
    assert page.status_code == 409
    assert "The evaluation closed on" in page.get_data(as_text=True)
    assert _stored() == (0, [])


def test_before_the_class_is_over_the_form_is_not_open(auth, ev):
    ev.lop1.ends_on = date.today() + timedelta(days=5)
    page = _answer(auth, ev, ev.learner)
    assert page.status_code == 409
    assert "The evaluation opens when the class's last session is over" in page.get_data(as_text=True)
    assert _stored() == (0, [])


def test_someone_not_enrolled_is_refused(auth, ev):
    page = _answer(auth, ev, ev.outsider)
    assert page.status_code == 403
    assert _stored() == (0, [])
    assert auth.client.get(_url(ev)).status_code == 403


def test_an_out_of_range_rating_is_refused_and_the_answers_kept_on_the_page(auth, ev):
    page = _answer(auth, ev, ev.learner, answers_for(ev, phu_hop="9"))
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Choose one of the answers offered (1 to 5)." in text
    assert 'value="2" checked' in text  # the choice already made is still chosen
    assert _stored() == (0, [])


def test_an_unknown_question_id_is_refused(auth, ev):
    page = _answer(auth, ev, ev.learner, answers_for(ev, bi_mat="5"))
    assert page.status_code == 400
    assert "There is no question &#39;bi_mat&#39; in this evaluation." in page.get_data(as_text=True)
    assert _stored() == (0, [])


def test_a_100_kb_comment_is_refused(auth, ev):
    page = _answer(auth, ev, ev.learner, answers_for(ev, gop_y="ý" * 100_000))
    assert page.status_code == 400
    assert "A comment may have at most 2000 characters; this one has 100000." in page.get_data(as_text=True)
    assert _stored() == (0, [])


def _answered_by(auth, w, count: int) -> None:
    for index, learner in enumerate(w.learners[:count]):
        _answer(auth, w, learner, answers_for(w, phu_hop=str(index % 5 + 1), gop_y=f"Góp ý số {index + 1}"))
        auth.logout()


def test_results_of_four_respondents_are_not_shown(auth, ev):
    _answered_by(auth, ev, 4)
    auth.login(ev.teacher.username)
    page = auth.client.get(f"{_url(ev)}/results")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4 of 6 learners answered" in text
    assert "Results are not shown for fewer than 5 respondents (4 so far)" in text
    assert "Góp ý số" not in text and 'data-test="mean"' not in text
    download = auth.client.get(f"{_url(ev)}/results?format=csv")
    assert download.status_code == 409
    assert download.mimetype == "text/html"


def test_results_of_five_respondents_are_shown_with_charts_and_exports(auth, ev):
    _answered_by(auth, ev, 5)
    auth.login(ev.teacher.username)
    text = auth.client.get(f"{_url(ev)}/results").get_data(as_text=True)
    assert "5 of 6 learners answered (83%)." in text
    assert "Mean: 3.0 / 5 from 5 answers" in text  # ratings 1..5 once each
    assert text.count('data-test="comment"') == 5
    assert "<svg" in text and 'role="img"' in text
    rows = list(csv.reader(io.StringIO(auth.client.get(f"{_url(ev)}/results?format=csv").data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Group", "Section", "Question", "Instructor", "Answers", "Mean (1–5)"]
    rating = next(r for r in rows if r[2] == "Nội dung phù hợp với công việc")
    assert rating[4:11] == ["5", "3.0", "1: 1", "2: 1", "3: 1", "4: 1", "5: 1"]
    assert sorted(r[6] for r in rows if r[2] == "Góp ý của Anh/Chị") == [f"Góp ý số {n}" for n in range(1, 6)]
    xlsx = auth.client.get(f"{_url(ev)}/results?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_instructor_and_course_results_and_the_mode_comparison(auth, ev):
    _answered_by(auth, ev, 5)
    auth.login(ev.teacher.username)
    mine = auth.client.get(f"/evaluations/instructors/{ev.teacher.id}").get_data(as_text=True)
    assert "Giảng viên truyền đạt rõ ràng" in mine and "Nội dung phù hợp" not in mine
    assert "Mean: 5.0 / 5 from 5 answers" in mine
    assert auth.client.get(f"/evaluations/instructors/{ev.other_teacher.id}").status_code == 403
    assert auth.client.get(f"/evaluations/courses/{ev.course.id}").status_code == 403
    auth.logout()
    auth.login(ev.admin.username)
    course = auth.client.get(f"/evaluations/courses/{ev.course.id}").get_data(as_text=True)
    assert 'data-mode="online"' in course
    online = course.split('data-mode="online"', 1)[1].split("</tr>", 1)[0]
    # Every rating together: "phu_hop" 1 to 5 once each (15) and "ro_rang" 5 five times (25), 40/10.
    assert "5/6" in online and ">4.0<" in online
    in_person = course.split('data-mode="in_person"', 1)[1].split("</tr>", 1)[0]
    assert "not shown (fewer than 5)" in in_person


def test_settings_make_the_evaluation_a_requirement_that_counts_the_fact_only(auth, ev):
    auth.login(ev.teacher.username)
    saved = auth.post(f"{_url(ev)}/settings", {"required": "1", "closes_on": ""})
    assert saved.status_code == 303
    assert db.session.get(ClassEvaluation, ev.lop1.id).required is True
    enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == ev.learner.id)).one()
    now = utcnow()
    for module in ev.course.active_modules:
        if module.required:
            mark_done(enrolment, module, now)
    db.session.commit()
    status = completion_for(enrolment)
    assert [r.key for r in status.unmet] == ["evaluation"]
    assert enrolment.completed_at is None
    auth.logout()
    auth.login(ev.learner.username)
    dashboard = auth.client.get("/").get_data(as_text=True)
    link = f'data-test="next-step"\n           href="/evaluations/classes/{ev.lop1.id}">'
    assert link + "Answer the course evaluation" in dashboard
    assert "Course evaluation: The course evaluation is still to be answered." in dashboard
    _answer(auth, ev, ev.learner, answers_for(ev, phu_hop="1"))
    db.session.expire_all()
    enrolment = db.session.get(Enrolment, enrolment.id)
    assert completion_for(enrolment).complete
    assert enrolment.completed_at is not None


def test_changing_the_settings_is_audited_and_saving_them_unchanged_is_not(auth, ev):
    auth.login(ev.teacher.username)
    auth.post(f"{_url(ev)}/settings", {"closes_on": "2026-12-31"})
    page = auth.post(f"{_url(ev)}/settings", {"closes_on": "2026-12-31"}, follow_redirects=True)
    assert "Nothing changed." in page.get_data(as_text=True)
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "evaluation.settings")).all()
    assert [(r.actor_id, r.target, r.details) for r in rows] == [
        (ev.teacher.id, f"class:{ev.lop1.id}", {"required": False, "closes_on": "2026-12-31"})
    ]


def test_a_bad_closing_day_is_refused(auth, ev):
    auth.login(ev.teacher.username)
    page = auth.post(f"{_url(ev)}/settings", {"closes_on": "31/12"}, follow_redirects=True)
    assert "Give the closing day as a date (for example 2026-12-31)." in page.get_data(as_text=True)
    assert db.session.get(ClassEvaluation, ev.lop1.id) is None


@pytest.mark.parametrize("value", ["¹", "②", "٣", "-0", "1e9", "9" * 30, "9" * 5000, "+1", " 3x"])
def test_a_rating_that_is_not_ascii_digits_is_refused_never_500(auth, ev, value):
    page = _answer(auth, ev, ev.learner, answers_for(ev, phu_hop=value))
    assert page.status_code == 400
    assert "Choose one of the answers offered (1 to 5)." in page.get_data(as_text=True)
    assert _stored() == (0, [])


@pytest.mark.parametrize("character", ["\x00", "\x07", "\u202e"])
def test_a_comment_with_a_control_character_or_bidi_override_is_refused_on_both_databases(auth, ev, character):
    page = _answer(auth, ev, ev.learner, answers_for(ev, gop_y=f"Góp ý{character} về bài học"))
    assert page.status_code == 400
    assert (
        f"The text contains a control character or a text-direction mark (U+{ord(character):04X}); remove it."
        in page.get_data(as_text=True)
    )
    assert _stored() == (0, [])
