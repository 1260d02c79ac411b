"""One way to read numbers and text: Unicode digits, signs, exponents and huge values in numeric
query and form parameters give 400 or the documented default, never 500; control characters and
bidi overrides in names, titles and reasons are refused with a clear message (line-numbered in
CSV imports) and nothing is written, on SQLite and PostgreSQL alike. Multi-line text (chat,
questions, polls) follows the same rule with tabs and line breaks allowed, and counts text of only
whitespace and zero-width characters as blank."""

import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.models import CourseClass
from lms.extensions import db
from lms.live.models import LiveSession
from lms.org.models import Unit
from lms.text import (
    blank,
    decimal_number,
    forbidden_character,
    multi_line_problem,
    single_line_problem,
    whole_number,
)

BAD_NUMBERS = ["¹", "②", "٣", "-0", "1e9", "9" * 30, "9" * 5000, " 1", "+1", "0x10", ""]
BAD_TEXT = ["\x00", "\x07", "\u202e"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_whole_number_takes_ascii_digits_only(value):
    assert whole_number(value) is None


@pytest.mark.parametrize("value", ["٣", "²", "1e9", "-1", "+1", "1.", ".5", "1,5,0", "1 5", "", "nan", "inf", None, 3])
def test_decimal_number_takes_ascii_digits_only(value):
    assert decimal_number(value) is None


def test_decimal_number_reads_a_point_or_a_decimal_comma():
    assert [decimal_number(text) for text in ("2", "1.5", "1,25", "007")] == [2, 1.5, 1.25, 7]


def test_whole_number_bounds_and_types():
    assert whole_number("0042") == 42 and whole_number(7) == 7
    assert whole_number(True) is None and whole_number("5", maximum=4) is None and whole_number("0", minimum=1) is None


@pytest.mark.parametrize("character", BAD_TEXT)
def test_single_line_rule_names_the_character(character):
    assert forbidden_character(f"Mai{character}") == f"U+{ord(character):04X}"
    assert single_line_problem(f"Mai{character}", column="full_name") == (
        f"full_name contains a control character or a text-direction mark (U+{ord(character):04X}); remove it"
    )
    assert single_line_problem("Nguyễn\tThị  Mai") is None  # whitespace folds, it is not refused


@pytest.mark.parametrize(
    "character", [*BAD_TEXT, "\x1b", "\x0b", "\x85", *"\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069"]
)
def test_multi_line_rule_names_the_character(character):
    assert multi_line_problem(f"Câu hỏi\n{character}", field="body") == (
        f"The text contains a control character or a text-direction mark (U+{ord(character):04X}); remove it."
    )
    assert multi_line_problem(f"x{character}", field="body").field == "body"


def test_multi_line_rule_keeps_tabs_line_breaks_and_joiners():
    assert multi_line_problem("Dòng 1\r\n\tDòng 2\n👩\u200d💻 \u200b") is None


@pytest.mark.parametrize("value", ["", " ", "\u200b", "\u200c\u200d", "\t\u2060\n", "\ufeff \u200b"])
def test_zero_width_characters_and_whitespace_alone_are_blank(value):
    assert blank(value)


@pytest.mark.parametrize("value", ["a", "\u200ba", ".", "👩\u200d💻"])
def test_anything_visible_is_not_blank(value):
    assert not blank(value)


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_admin_filters_and_pages_fall_back_to_their_defaults(world, auth, client, value):
    auth.login("admin")
    for path in ("/admin/users?page=", "/admin/users?unit_id=", "/admin/audit?page=", "/reports/units?course="):
        response = client.get(path + value)
        assert response.status_code in (200, 400), path
        assert response.status_code != 500


def users_named(fragment: str) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(User).where(User.full_name.contains(fragment)))


def refused_import(auth, text: str) -> str:
    """The admin's import preview of a CSV that must be refused (400): the page's text."""
    auth.login("admin")
    response = auth.post(
        "/admin/users/import",
        {"file": (io.BytesIO(text.encode()), "u.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    return response.get_data(as_text=True)


@pytest.mark.parametrize("character", BAD_TEXT)
def test_a_csv_import_refuses_control_characters_by_line(world, auth, character):
    page = refused_import(auth, f"username,full_name,unit\nhv01,Người Tốt,tp\nhv02,Người{character}Xấu,tp\n")
    assert re.findall(r'data-test="import-error" data-line="(\d+)"', page) == ["3"]
    code = f"U+{ord(character):04X}"
    assert f"full_name chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản ({code}); hãy xóa ký tự này" in page
    assert users_named("Người") == 0


@pytest.mark.parametrize("character", BAD_TEXT)
def test_the_cli_import_refuses_control_characters_by_line(world, runner, tmp_path, character):
    path = tmp_path / "u.csv"
    path.write_text(f"username,full_name,unit\nhv01,Người{character}Xấu,tp\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code != 0
    code = f"U+{ord(character):04X}"
    assert f"{path}:2: full_name contains a control character or a text-direction mark ({code}); remove it" in (
        result.output
    )
    assert users_named("Người") == 0


@pytest.mark.parametrize("character", BAD_TEXT)
def test_forms_refuse_control_characters_in_names(world, auth, character):
    auth.login("admin")
    message = "Văn bản chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản"
    edited = auth.post(
        f"/admin/users/{world.learner.id}",
        {"full_name": f"Mai{character}", "role": "learner", "unit_id": str(world.ward.id)},
    )
    assert edited.status_code == 400 and message in edited.get_data(as_text=True)
    unit = auth.post("/admin/units", {"code": "xa-moi", "name": f"Xã{character}", "level": "Phường/xã"})
    assert unit.status_code == 400 and message in unit.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.learner.id).full_name == "Nguyễn Thị Mai"
    assert db.session.scalar(select(Unit).where(Unit.code == "xa-moi")) is None


@pytest.mark.parametrize("name", ["\u200b", "\u200c \u200d", "\ufeff\u2060"])
def test_a_name_that_shows_nothing_is_empty_in_imports_and_forms(world, auth, name):
    page = refused_import(auth, f"username,full_name,unit\nhv01,Người Tốt,tp\nhv09,{name},tp\n")
    assert re.findall(r'data-test="import-error" data-line="(\d+)"', page) == ["3"]
    assert "full_name (họ và tên) đang trống" in page
    edited = auth.post(
        f"/admin/users/{world.learner.id}",
        {"full_name": name, "role": "learner", "unit_id": str(world.ward.id)},
    )
    assert edited.status_code == 400 and "họ và tên phải có từ 1 đến 200 ký tự" in edited.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.learner.id).full_name == "Nguyễn Thị Mai"
    assert db.session.scalar(select(User).where(User.username == "hv09")) is None


def _class_form(world, **changes) -> dict:
    return {
        "course_id": str(world.course.id),
        "code": "LOP-MOI",
        "name": "Lớp mới",
        "level": "Cấp xã",
        "mode": "hybrid",
        "starts_on": "2026-03-02",
        "ends_on": "2026-04-30",
        "instructors": [str(world.teacher.id)],
        **changes,
    }


def _session_form(**changes) -> dict:
    starts = (datetime.now(UTC) + timedelta(days=3)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return {
        "title": "Buổi mới",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "90",
        "video_url": "",
        "attendance_required": "1",
        "attendance_threshold": "80",
        "slides_module_id": "",
        **changes,
    }


@pytest.mark.parametrize("character", BAD_TEXT)
@pytest.mark.parametrize("field", ["class name", "class level", "session title", "unit name", "unit level"])
def test_every_name_and_title_form_refuses_control_characters(world, auth, field, character):
    """The forms not covered above: classes (name, level), live sessions (title), a unit's rename (name,
    level). Each answers 400 with the rule's message and writes nothing, on SQLite and PostgreSQL."""
    bad = f"Tên{character}xấu"
    if field.startswith("class"):
        auth.login("admin")
        key = field.split()[1]
        response = auth.post("/admin/classes/new", _class_form(world, **{key: bad}))
    elif field == "session title":
        auth.login("gv.an")
        response = auth.post(f"/classes/{world.course_class.id}/sessions/new", _session_form(title=bad))
    else:
        auth.login("admin")
        key = field.split()[1]
        names = {"name": world.ward.name, "level": world.ward.level, key: bad}
        response = auth.post(f"/admin/units/{world.ward.id}/rename", names, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, field
    assert "Văn bản chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản" in page or (
        f"chứa ký tự điều khiển hoặc ký tự đổi hướng văn bản (U+{ord(character):04X})" in page
    )
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CourseClass).where(CourseClass.code == "LOP-MOI")) == 0
    assert db.session.scalar(select(func.count()).select_from(LiveSession)) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name.contains("xấu"))) == 0
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.level.contains("xấu"))) == 0
