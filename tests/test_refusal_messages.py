"""Refusals outside the admin screens' forms: login, language switch, expired forms, self-enrolment
and report filters, each read by its exact Vietnamese text (English when chosen) where it is shown,
with the exact status code and nothing written.
"""

from datetime import date, timedelta

import pytest

from lms.auth.models import Role
from lms.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.refusals import flashed_errors, nothing_written, only_error, parse, speak_english

WRONG_LOGIN = "Sai tên đăng nhập hoặc mật khẩu."


def login_refusal(client, username: str, password: str) -> tuple[int, list[str], str]:
    """Post the login form; return the status, the flashed errors and the username shown back."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    page = parse(response)
    assert only_error(page).text in flashed_errors(page)
    return response.status_code, flashed_errors(page), page.one("input", id="username").attrs["value"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("hv.mai", "sai-mat-khau"), ("khong-co-ai", "correct-horse-42"), ("", ""), ("hv.khoa", "correct-horse-42")],
    ids=["wrong-password", "unknown-user", "empty", "disabled"],
)
def test_a_refused_login_says_only_that_the_credentials_are_wrong(world, client, username, password):
    factories.make_user("hv.khoa", Role.LEARNER, world.ward, active=False)
    db.session.commit()
    with nothing_written():
        refused = login_refusal(client, username, password)
    assert refused == (401, [WRONG_LOGIN], username)


def test_login_refusal_in_english(world, client):
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/login")})
    with nothing_written():
        refused = login_refusal(client, "hv.mai", "nope")
    assert refused == (401, ["Wrong username or password."], "hv.mai")


def test_an_unknown_language_is_refused(world, client):
    with nothing_written():
        response = client.post("/language", data={"locale": "fr", "csrf_token": csrf_token(client, "/login")})
        assert response.status_code == 303
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["Ngôn ngữ không được hỗ trợ."]
    assert page.one("html").attrs["lang"] == "vi"


def test_unknown_language_refusal_in_english(world, auth, client):
    speak_english(world.learner)
    auth.login("hv.mai")
    with nothing_written():
        response = auth.post("/language", {"locale": "xx"})
        assert response.status_code == 303
        page = parse(client.get(response.headers["Location"], follow_redirects=True))
    assert flashed_errors(page) == ["Unknown language."]


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_form_without_its_token_is_refused_with_advice_to_reload(world, auth, client, token):
    auth.login("admin")
    data = {"name": "Phường 9", "code": "phuong-9", "level": "Phường/xã"}
    with nothing_written():
        response = client.post("/admin/units", data=data | ({"csrf_token": token} if token else {}))
    assert response.status_code == 400
    assert parse(response).one("p", class_="lead").text == (
        "Biểu mẫu đã hết hạn hoặc được gửi từ nguồn không hợp lệ. Vui lòng tải lại trang rồi thử lại."
    )


def test_expired_form_refusal_in_english(world, auth, client):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = client.post("/admin/units", data={"name": "X", "code": "x-1", "level": "L"})
    assert response.status_code == 400
    assert parse(response).one("p", class_="lead").text == (
        "Your form expired or was sent from elsewhere. Please reload the page and try again."
    )


NO_ACCESS = "Bạn không có quyền truy cập trang này."


def test_enrolling_oneself_where_one_may_not_is_refused(world, auth):
    newcomer = factories.make_user("hv.moi", Role.LEARNER, world.ward)
    ended = factories.make_class(world.course, "LOP-CU", self_enrol=True, ends_on=date.today() - timedelta(days=1))
    db.session.commit()
    assert newcomer.id
    auth.login("hv.moi")
    with nothing_written():
        closed = auth.post(f"/classes/{world.course_class.id}/enrol")
        over = auth.post(f"/classes/{ended.id}/enrol")
    for response in (closed, over):
        assert response.status_code == 403
        assert parse(response).one("ul", data_test="refusal").text == "lớp này không nhận ghi danh"
    auth.logout()
    auth.login("gv.an")
    with nothing_written():
        teacher = auth.post(f"/classes/{world.other_class.id}/enrol")
    assert teacher.status_code == 403
    assert parse(teacher).one("ul", data_test="refusal").text == "chỉ học viên mới được ghi danh vào lớp"


def test_self_enrolment_refusal_in_english(world, auth):
    newcomer = factories.make_user("hv.moi", Role.LEARNER, world.ward)
    speak_english(newcomer)
    auth.login("hv.moi")
    with nothing_written():
        response = auth.post(f"/classes/{world.course_class.id}/enrol")
    assert response.status_code == 403
    assert parse(response).one("ul", data_test="refusal").text == "this class does not take enrolments"


def filter_errors(response, heading: str = "Không thể hiển thị báo cáo với các bộ lọc này:") -> list[str]:
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("data-test") == "filter-errors"
    assert box.find_all("p")[0].text == heading
    assert page.find_all("form"), "the filters are shown again to be corrected"
    return [item.text for item in box.find_all("li")]


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("from=2026-13-01", ["Ngày bắt đầu phải là một ngày theo dạng 2025-01-31."]),
        ("from=0999-01-01", ["Ngày bắt đầu phải là một ngày theo dạng 2025-01-31."]),
        ("to=31/12/2026", ["Ngày kết thúc phải là một ngày theo dạng 2025-12-31."]),
        ("from=2026-06-01&to=2026-01-01", ["Ngày bắt đầu sau ngày kết thúc."]),
        ("mode=tv", ["Hãy chọn hình thức trong danh sách."]),
        ("course=abc", ["Hãy chọn khóa học trong danh sách."]),
        ("course=99999", ["Hãy chọn khóa học trong danh sách."]),
        ("format=pdf", ["Hãy chọn tải xuống tệp CSV hoặc XLSX."]),
        (
            "from=x&to=y&mode=z&format=doc",
            [
                "Ngày bắt đầu phải là một ngày theo dạng 2025-01-31.",
                "Ngày kết thúc phải là một ngày theo dạng 2025-12-31.",
                "Hãy chọn hình thức trong danh sách.",
                "Hãy chọn tải xuống tệp CSV hoặc XLSX.",
            ],
        ),
    ],
)
def test_bad_report_filters_are_refused_with_each_reason(world, auth, client, query, messages):
    auth.login("admin")
    response = client.get(f"/reports/units?{query}")
    assert response.status_code == 400
    assert filter_errors(response) == messages


def test_report_filter_refusal_in_english(world, auth, client):
    speak_english(world.teacher)
    auth.login("gv.an")
    response = client.get("/reports/classes?from=2026-12-01&to=2026-11-01")
    assert response.status_code == 400
    assert filter_errors(response, "The report cannot be shown with these filters:") == [
        "The start date is after the end date."
    ]
