"""CSV downloads separated by ";" (for Excel set to Vietnamese), offered next to the comma ones.

The ";" file holds exactly the comma file's cells: numbers stay machine-readable ("56", never
"56,0"), formula-like text stays neutralised with its apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from lms.extensions import db
from lms.live.models import LiveSession
from tests.quizzes.conftest import quiz_world  # noqa: F401 - fixture
from tests.refusals import parse
from tests.reports.test_export_columns import (  # noqa: F401 - fixtures
    english_admin,
    export_world,
    row_named,
)

EVIL = '=HYPERLINK("http://x","Nguyễn")'


def table_of(data: bytes, delimiter: str) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("kind", ["units", "classes", "courses", "levels"])
def test_report_csv_with_semicolons_has_the_same_cells(english_admin, client, kind):  # noqa: F811
    comma = client.get(f"/reports/{kind}?format=csv")
    semicolon = client.get(f"/reports/{kind}?format=csv-semicolon")
    assert semicolon.status_code == 200 and semicolon.mimetype == "text/csv"
    assert f"completion-{kind}-" in semicolon.headers["Content-Disposition"]
    assert ".csv" in semicolon.headers["Content-Disposition"]
    assert table_of(semicolon.data, ";") == table_of(comma.data, ",")
    first_line = semicolon.data.decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith(("Depth;", "Class;", "Course;", "Level;"))


def test_semicolon_csv_keeps_numbers_and_neutralises_formulas(english_admin, client):  # noqa: F811
    english_admin.class_a.name = EVIL
    db.session.commit()
    table = table_of(client.get("/reports/classes?format=csv-semicolon").data, ";")
    row = row_named(table, "'" + EVIL)
    assert row["Completion rate (%)"] == "63" and row["Learners"] == "8"


def test_report_page_offers_the_semicolon_download_in_vietnamese(export_world, auth, client):  # noqa: F811
    auth.login("admin")
    link = parse(client.get("/reports/classes")).one(data_test="export-csv-semicolon")
    assert link.text == "Tải tệp CSV phân cách bằng ; (Excel tiếng Việt)"
    assert link.attrs["href"] == "/reports/classes?format=csv-semicolon"


def test_an_unknown_download_format_is_refused_with_a_message(export_world, auth, client):  # noqa: F811
    auth.login("admin")
    response = client.get("/reports/classes?format=csv-tab")
    assert response.status_code == 400
    assert "CSV" in parse(response).one(data_test="filter-errors").text


def test_attendance_page_offers_and_serves_semicolon_csv(world, auth, client):
    starts = datetime(2025, 1, 2, 1, 30, tzinfo=UTC)
    session = LiveSession(class_id=world.course_class.id, title="Buổi 1", starts_at=starts, duration_minutes=80)
    db.session.add(session)
    db.session.commit()
    auth.login("gv.an")
    link = parse(client.get(f"/sessions/{session.id}/attendance")).one(data_test="attendance-csv-semicolon")
    assert link.text == "Tải tệp CSV phân cách bằng ; (Excel tiếng Việt)"
    semicolon = client.get(link.attrs["href"])
    comma = client.get(f"/sessions/{session.id}/attendance?format=csv")
    assert table_of(semicolon.data, ";") == table_of(comma.data, ",")
    assert semicolon.data.decode("utf-8-sig").startswith("username;full_name;unit;minutes_present;")


def test_quiz_results_offer_and_serve_semicolon_csv(quiz_world, auth, client):  # noqa: F811
    auth.login("gv.an")
    path = f"/classes/{quiz_world.course_class.id}/quizzes/kiem-tra/results"
    link = parse(client.get(path)).one(data_test="csv-semicolon")
    assert link.text == "Tải tệp CSV phân cách bằng ; (Excel tiếng Việt)"
    table = table_of(client.get(link.attrs["href"]).data, ";")
    assert table[0] == ["username", "full_name", "unit", "attempts", "best_percent", "passed", "waiting_for_marking"]
    assert row_named(table, "hv.mai")["attempts"] == "0"
