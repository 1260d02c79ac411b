"""Numbers, percentages, audit actions and the calendar page read as people here write them.

Percentages go through Babel in the reader's locale ("90,48 %" in Vietnamese, with a no-break
space; "90.48%" in English); audit action codes show as translated sentences; the calendar page
says what happened to the address and offers a Copy button.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import session
from flask_babel import refresh
from sqlalchemy import select

from lms.audit.actions import ACTION_SENTENCES
from lms.audit.models import record_audit
from lms.auth.models import User
from lms.extensions import db
from lms.i18n import format_number, format_percentage
from tests.refusals import parse
from tests.reports.test_export_columns import english_admin, export_world  # noqa: F401 - fixtures

NBSP = "\u00a0"
LMS = Path(__file__).resolve().parent.parent / "lms"


@pytest.mark.parametrize(
    ("value", "digits", "locale", "shown"),
    [
        (90.48, 2, "vi", f"90,48{NBSP}%"),
        (90.48, 2, "en", "90.48%"),
        (75, 2, "vi", f"75{NBSP}%"),
        (62.5, 2, "vi", f"62,5{NBSP}%"),
        (63, 0, "vi", f"63{NBSP}%"),
        (62.5, 0, "vi", f"63{NBSP}%"),  # half up, as before
        (90.485, 2, "en", "90.49%"),
        (1234.5, 1, "vi", f"1.234,5{NBSP}%"),
        (None, 2, "vi", "–"),
    ],
)
def test_percentages_in_the_readers_locale(value, digits, locale, shown):
    assert format_percentage(value, digits, locale=locale) == shown


def test_numbers_in_the_readers_locale():
    assert format_number(1234.5, locale="vi") == "1.234,5"
    assert format_number(1234.5, locale="en") == "1,234.5"
    assert format_number(None, locale="vi") == "–"


def test_filters_speak_vietnamese_by_default(app):
    template = app.jinja_env.from_string("{{ a|percentage }} · {{ b|percentage(0) }} · {{ c|number }}")
    with app.test_request_context():  # Vietnamese, the default
        assert template.render(a=90.48, b=62.5, c=1.5) == f"90,48{NBSP}% · 63{NBSP}% · 1,5"


def test_report_page_shows_rates_the_vietnamese_way(export_world, auth, client):  # noqa: F811
    auth.login("admin")
    response = client.get("/reports/classes")
    assert "63 %" in [cell.text for cell in parse(response).find_all(data_test="rate")]
    assert f'data-test="rate">63{NBSP}%</td>' in response.get_data(as_text=True)  # a no-break space


def test_report_page_shows_rates_the_english_way(english_admin, client):  # noqa: F811
    page = parse(client.get("/reports/classes"))
    assert "63%" in [cell.text for cell in page.find_all(data_test="rate")]


# --- the audit log ------------------------------------------------------------------------------


def recorded_action_codes() -> set[str]:
    """Every action code the application passes to record_audit (constants, or one of two)."""
    codes = set()
    for path in LMS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_audit" and len(node.args) > 1:
                action = node.args[1]
                options = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
                for option in options:
                    assert isinstance(option, ast.Constant), f"{path}: an action code that is not a literal"
                    codes.add(option.value)
    return codes


def test_every_recorded_action_has_a_sentence():
    codes = recorded_action_codes()
    assert {"unit.create", "user.enable", "user.disable", "certificate.revoke"} <= codes  # the scan works
    assert codes - set(ACTION_SENTENCES) == set()


def test_audit_log_shows_sentences_in_vietnamese_and_english(world, auth, client):
    record_audit(world.admin.id, "unit.create", f"unit:{world.ward.id}", code="phuong-1")
    record_audit(world.admin.id, "user.disable", f"user:{world.learner.id}", username="hv.mai")
    db.session.commit()
    auth.login("admin")
    page = parse(client.get("/admin/audit"))
    sentences = [e.text for e in page.find_all(data_test="audit-sentence")]
    assert sentences == ["Khóa tài khoản", "Thêm đơn vị", "Ghi danh học viên vào lớp"]  # the world enrolled first
    options = [o.text for o in page.one("select", id="action").find_all("option")]
    assert options == ["Mọi thao tác", "Ghi danh học viên vào lớp", "Thêm đơn vị", "Khóa tài khoản"]
    auth.post("/language", {"locale": "en"})
    page = parse(client.get("/admin/audit"))
    sentences = [e.text for e in page.find_all(data_test="audit-sentence")]
    assert sentences == ["Disabled an account", "Added a unit", "Enrolled learners in a class"]


# --- the calendar page --------------------------------------------------------------------------


def flashed(response) -> list[str]:
    return [p.text for p in parse(response).find_all("p", role="status")]


def test_calendar_page_says_what_happened_to_the_address(world, auth, client):
    auth.login("hv.mai")
    first = auth.post("/calendar", {"action": "new"})
    assert flashed(client.get(first.headers["Location"])) == [
        "Địa chỉ lịch của bạn đã sẵn sàng: hãy sao chép vào ứng dụng lịch."
    ]
    again = auth.post("/calendar", {"action": "new"})
    assert flashed(client.get(again.headers["Location"])) == [
        "Địa chỉ lịch của bạn đã thay đổi; địa chỉ cũ không còn dùng được."
    ]
    off = auth.post("/calendar", {"action": "revoke"})
    assert flashed(client.get(off.headers["Location"])) == [
        "Đã tắt địa chỉ lịch của bạn; các ứng dụng lịch đã theo dõi địa chỉ này sẽ không còn được cập nhật."
    ]


def test_calendar_page_offers_a_copy_button_for_the_feed(world, auth, client):
    auth.login("hv.mai")
    auth.post("/calendar", {"action": "new"})
    token = db.session.scalar(select(User.calendar_token).where(User.username == "hv.mai"))
    page = parse(client.get("/calendar"))
    field = page.one(data_test="feed-url")
    assert field.attrs["value"].endswith(f"/calendar/{token}.ics") and "feed-url" in field.classes
    button = page.one(data_test="copy-feed")
    assert (button.text, button.attrs["data-copy"], button.attrs["data-copied"]) == (
        "Sao chép địa chỉ",
        field.attrs["id"],
        "Đã sao chép",
    )
    assert [s.attrs["src"] for s in page.find_all("script") if "copy" in s.attrs.get("src", "")]


def test_report_counts_use_the_readers_thousands_separator(app):
    """A province has more than a thousand learners: 1.029 in Vietnamese, 1,029 in English."""
    source = app.jinja_env.loader.get_source(app.jinja_env, "reports/report.html")[0]
    assert source.count("|number }}") == 12  # six counts in each row and in the total
    count = app.jinja_env.from_string("{{ n|number }} · {{ p|percentage }} · {{ 1029|number }}")
    with app.test_request_context():
        assert count.render(n=1029, p=62.5) == f"1.029 · 62,5{NBSP}% · 1.029"
    with app.test_request_context():
        session["locale"] = "en"
        refresh()  # the test's app context outlives one request: forget the locale found before
        assert count.render(n=1029, p=62.5) == "1,029 · 62.5% · 1,029"  # a literal too: not folded once
