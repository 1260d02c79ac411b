"""Every refusal of certifying and revoking, read as the admin reads it.

Each bad request gets its exact Vietnamese message (English for an admin who chose English) in the
review page's error box or the revoke form's error, the exact status code, and writes nothing: no
certificate, no audit event, no enrolment change.
"""

import pytest

from lms.courses.models import EnrolmentStatus
from lms.extensions import db
from tests.certificates.conftest import enrolment_of
from tests.refusals import flashed_errors, nothing_written, only_error, parse, speak_english

NOTHING_CERTIFIED = "Chưa cấp chứng chỉ nào:"


def certify_errors(response, heading: str = NOTHING_CERTIFIED) -> list[str]:
    """The messages of the review page's one error box, which comes before the certify form."""
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("data-test") == "certify-errors"
    assert box.find_all("p")[0].text == heading
    assert page.find_all("form", data_test="certify-form"), "the review is shown again"
    return [item.text for item in box.find_all("li")]


def test_a_request_that_names_no_enrolment_properly_is_refused(world, auth):
    auth.login("admin")
    path = f"/certificates/classes/{world.course_class.id}"
    with nothing_written():
        garbled = auth.post(path, {"enrolment": ["12", "abc"]})
        empty = auth.post(path, {})
    assert garbled.status_code == 400
    assert certify_errors(garbled) == ["Không hiểu được yêu cầu; chưa cấp chứng chỉ nào."]
    assert empty.status_code == 400
    assert certify_errors(empty) == ["Hãy đánh dấu ít nhất một học viên để cấp chứng chỉ."]


def test_each_enrolment_that_cannot_be_certified_is_named_with_its_reason(certified, auth):
    world = certified
    mai = enrolment_of(world.learner, world.course_class)
    nam = enrolment_of(world.other_learner, world.course_class)
    auth.login("admin")
    with nothing_written():
        response = auth.post(
            f"/certificates/classes/{world.course_class.id}",
            {"enrolment": [str(mai.id), str(nam.id), "99999"], f"reason-{nam.id}": "  ngắn "},
        )
    assert response.status_code == 400
    assert certify_errors(response) == [
        "Nguyễn Thị Mai đã có chứng chỉ còn hiệu lực.",
        "Trần Văn Nam chưa hoàn thành khóa học: hãy ghi lý do (ít nhất 5 ký tự) nếu vẫn cấp chứng chỉ.",
        "Lượt ghi danh số 99999 không thuộc lớp này.",
    ]


def test_a_withdrawn_learner_or_a_too_long_reason_is_refused(world, auth):
    mai = enrolment_of(world.learner, world.course_class)
    nam = enrolment_of(world.other_learner, world.course_class)
    nam.status = EnrolmentStatus.WITHDRAWN
    db.session.commit()
    auth.login("admin")
    with nothing_written():
        response = auth.post(
            f"/certificates/classes/{world.course_class.id}",
            {"enrolment": [str(nam.id), str(mai.id)], f"reason-{mai.id}": "L" * 1001},
        )
    assert response.status_code == 400
    assert certify_errors(response) == [
        "Trần Văn Nam đã rút khỏi lớp này.",
        "Lý do cho Nguyễn Thị Mai dài quá 1000 ký tự.",
    ]


def test_an_enrolment_of_another_class_is_not_named(world, auth):
    mai = enrolment_of(world.learner, world.course_class)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/certificates/classes/{world.other_class.id}", {"only": str(mai.id)})
    assert response.status_code == 400
    assert certify_errors(response) == [f"Lượt ghi danh số {mai.id} không thuộc lớp này."]


def test_certify_refusal_in_english(world, auth):
    speak_english(world.admin)
    nam = enrolment_of(world.other_learner, world.course_class)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/certificates/classes/{world.course_class.id}", {"only": str(nam.id)})
    assert response.status_code == 400
    assert certify_errors(response, "Nothing was certified:") == [
        "Trần Văn Nam has not completed the course: write a reason (at least 5 characters) to certify anyway."
    ]


def revoke_error(response) -> str:
    """The revoke form's error, which sits in the revoke section above its form."""
    page = parse(response)
    box = only_error(page)
    section = page.one("section", aria_labelledby="revoke")
    assert section.contains(box)
    assert section.find_all("form"), "the revoke form is shown again"
    return box.text


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Hãy ghi lý do thu hồi (ít nhất 5 ký tự)."),
        ("  sai  ", "Hãy ghi lý do thu hồi (ít nhất 5 ký tự)."),
        ("L" * 1001, "Lý do dài quá 1000 ký tự."),
    ],
)
def test_revoking_without_a_proper_reason_is_refused(certified, auth, reason, message):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/certificates/{certified.certificate.id}/revoke", {"reason": reason})
    assert response.status_code == 400
    assert revoke_error(response) == message


def test_revoke_refusal_in_english(certified, auth):
    speak_english(certified.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/certificates/{certified.certificate.id}/revoke", {"reason": "no"})
    assert response.status_code == 400
    assert revoke_error(response) == "Write the reason for revoking (at least 5 characters)."


def test_revoking_a_revoked_certificate_again_is_refused_with_a_flash(certified, auth, client):
    auth.login("admin")
    path = f"/certificates/{certified.certificate.id}/revoke"
    assert auth.post(path, {"reason": "Cấp nhầm người"}).status_code == 303
    with nothing_written():
        response = auth.post(path, {"reason": "Lần thứ hai"})
        assert response.status_code == 303
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["Chứng chỉ này đã bị thu hồi trước đó."]
    assert only_error(page).text == "Chứng chỉ này đã bị thu hồi trước đó."
