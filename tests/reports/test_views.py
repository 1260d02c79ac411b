"""Report pages, exports and transcripts: who may see what, bad input, escaping."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lms.auth.models import Role
from lms.certificates.models import Certificate
from lms.courses.service import enrol_users
from lms.extensions import db
from tests import factories

REPORT_PATHS = [
    "/reports/units",
    "/reports/classes",
    "/reports/courses",
    "/reports/levels",
    "/reports/units?format=csv",
    "/reports/classes?format=xlsx",
]
EVIL_FORMULA = '=HYPERLINK("http://x")'
EVIL_HTML = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("path", REPORT_PATHS + ["/reports/"])
@pytest.mark.parametrize(("username", "status"), [(None, 302), ("hv.mai", 403), ("gv.an", 200), ("admin", 200)])
def test_reports_by_role(world, client, auth, path, username, status):
    if username:
        auth.login(username)
    response = client.get(path)
    expected = 302 if path == "/reports/" and status == 200 else status
    assert response.status_code == expected
    if status == 302 or expected == 302:
        assert "/login" in response.headers["Location"] or "/reports/units" in response.headers["Location"]


def test_report_page_has_chart_table_and_exports(report_world, client, auth):
    auth.login("admin")
    response = client.get("/reports/units")
    page = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in page
    assert page.count('data-test="report-row"') == 9
    assert "Phường A1" in page and 'class="depth-2"' in page
    assert ' style="' not in page and "<script" not in page  # the CSP allows neither
    assert "/reports/units?format=csv" in page and "/reports/units?format=xlsx" in page


def test_filters_are_kept_in_tabs_and_exports(report_world, client, auth):
    auth.login("admin")
    page = client.get("/reports/classes?mode=hybrid&from=2025-01-01").get_data(as_text=True)
    assert page.count('data-test="report-row"') == 1 and "Lớp HYB" in page
    assert "/reports/units?from=2025-01-01&amp;mode=hybrid" in page
    assert "/reports/classes?format=csv&amp;from=2025-01-01&amp;mode=hybrid" in page


def test_instructors_see_only_their_classes(report_world, client, auth):
    auth.login("gv.an")
    page = client.get("/reports/classes").get_data(as_text=True)
    assert "Lớp ONL" in page and "Lớp HYB" in page and "Lớp INP" not in page
    assert "Kỹ năng khác" not in page  # nor the other course in the filter list
    text = client.get("/reports/classes?format=csv").get_data(as_text=True)
    assert "Lớp INP" not in text and "Lớp ONL" in text
    other = report_world.other_course.id
    assert client.get(f"/reports/units?course={other}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "from=31-12-2025",
        "to=tomorrow",
        "from=2025-12-01&to=2025-01-01",
        "mode=teleport",
        "course=abc",
        "course=999999",
        "format=pdf",
        "from=" + "9" * 3000,
        "mode=%00%ff",
        "course=1%0a2",
    ],
)
def test_bad_filters_get_a_clear_message(report_world, client, auth, query):
    auth.login("admin")
    response = client.get(f"/reports/units?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'data-test="filter-errors"' in page and 'data-test="report-table"' not in page


def test_unknown_report_is_404(report_world, client, auth):
    auth.login("admin")
    assert client.get("/reports/people").status_code == 404


def test_csv_export_counts_and_encoding(report_world, client, auth):
    auth.login("admin")
    response = client.get("/reports/units?format=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="completion-units-' in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    # The interface language is Vietnamese by default: headers keep their diacritics.
    assert lines[0].startswith("Bậc trong cây,Đơn vị,Cấp đơn vị,Học viên,Lượt học viên")
    assert lines[1].startswith("0,Thành phố Hồ Chí Minh,Thành phố,")
    assert lines[-1].startswith(",Tổng cộng,,10,12,")


def test_names_that_look_like_formulas_or_html_stay_text(report_world, client, auth):
    report_world.units["ward-a1"].name = EVIL_FORMULA
    report_world.units["dept"].name = EVIL_HTML
    report_world.classes["ONL"].name = EVIL_FORMULA
    db.session.commit()
    auth.login("admin")
    for kind in ("units", "classes"):
        page = client.get(f"/reports/{kind}").get_data(as_text=True)
        assert EVIL_HTML not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page or kind == "classes"
        text = client.get(f"/reports/{kind}?format=csv").get_data().decode("utf-8-sig")
        assert "'=HYPERLINK" in text or "'<img" in text
        assert ",=" not in text and '"=' not in text
        sheet = load_workbook(io.BytesIO(client.get(f"/reports/{kind}?format=xlsx").get_data())).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert not [c for c in cells if c.data_type == "f"]
        values = [c.value for c in cells if isinstance(c.value, str)]
        # The name exactly as the person wrote it, in a string cell: no formula, no apostrophe.
        assert EVIL_FORMULA in values or EVIL_HTML in values
        assert not [v for v in values if v.startswith("'")]


def test_xlsx_export_has_numbers_and_the_tree_indent(report_world, client, auth):
    auth.login("admin")
    response = client.get("/reports/units?format=xlsx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == (0, "Thành phố Hồ Chí Minh", "Thành phố")
    ward = next(i for i, r in enumerate(rows) if r[1] == "Phường A1")
    assert sheet.cell(row=ward + 1, column=2).alignment.indent == 2
    assert rows[-1][1] == "Tổng cộng" and isinstance(rows[-1][4], int)


# -- class drill-down ------------------------------------------------------------------------------


def test_class_learners_for_its_instructors_and_admins(report_world, client, auth):
    online = report_world.classes["ONL"].id
    auth.login("gv.an")
    page = client.get(f"/reports/classes/{online}").get_data(as_text=True)
    assert page.count('data-test="learner-row"') == 5  # the withdrawn learner is not listed
    assert "Học viên Giang" not in page
    assert client.get(f"/reports/classes/{report_world.classes['INP'].id}").status_code == 403
    assert client.get("/reports/classes/999999").status_code == 404
    auth.logout()
    auth.login("hv.an")
    assert client.get(f"/reports/classes/{online}").status_code == 403


# -- transcripts ---------------------------------------------------------------------------------


def test_learners_see_their_own_transcript_from_the_dashboard(report_world, client, auth):
    auth.login("hv.an")
    assert 'href="/reports/transcript"' in client.get("/").get_data(as_text=True)
    page = client.get("/reports/transcript").get_data(as_text=True)
    assert page.count('data-test="transcript-entry"') == 2
    assert "Học viên An" in page and 'data-test="complete"' in page
    assert client.get(f"/reports/transcript/{report_world.learners['hv.an'].id}").status_code == 200


@pytest.mark.parametrize("other", ["hv.binh", "gv.an", "admin"])
def test_learners_cannot_read_someone_elses_transcript(report_world, client, auth, other):
    auth.login("hv.an")
    ids = {
        **{n: u.id for n, u in report_world.learners.items()},
        "gv.an": report_world.teacher.id,
        "admin": report_world.admin.id,
    }
    assert client.get(f"/reports/transcript/{ids[other]}").status_code == 403
    assert client.get("/reports/transcript/99999").status_code == 404
    assert client.get("/reports/transcript/abc").status_code == 404


def test_instructors_see_only_their_classes_parts(report_world, client, auth):
    binh = report_world.learners["hv.binh"]  # in ONL (gv.an) and INP (gv.binh)
    auth.login("gv.an")
    page = client.get(f"/reports/transcript/{binh.id}").get_data(as_text=True)
    assert page.count('data-test="transcript-entry"') == 1 and "Lớp ONL" in page and "Lớp INP" not in page
    assert client.get(f"/reports/transcript/{report_world.learners['hv.minh'].id}").status_code == 403
    auth.logout()
    auth.login("admin")
    page = client.get(f"/reports/transcript/{binh.id}").get_data(as_text=True)
    assert page.count('data-test="transcript-entry"') == 2


def test_transcript_shows_certificates_and_their_state(report_world, client, auth):
    dung = report_world.enrolments[("hv.dung", "ONL")]
    em = report_world.enrolments[("hv.em", "ONL")]
    auth.login("admin")
    page = client.get(f"/reports/transcript/{dung.user_id}").get_data(as_text=True)
    cert = db.session.scalar(db.select(Certificate).where(Certificate.enrolment_id == dung.id))
    assert cert.serial in page and 'data-test="transcript-certificate"' in page
    assert f"/verify/{cert.verification_code}" in page
    page = client.get(f"/reports/transcript/{em.user_id}").get_data(as_text=True)
    assert "cert-revoked" in page


def test_transcript_lists_modules_with_time_and_withdrawn_places(report_world, client, auth):
    auth.login("admin")
    giang = report_world.learners["hv.giang"]
    page = client.get(f"/reports/transcript/{giang.id}").get_data(as_text=True)
    assert 'data-test="withdrawn"' in page
    assert page.count('data-test="transcript-module"') == 3
    assert "10 phút" in page


def test_a_hostile_learner_name_is_escaped_everywhere(report_world, client, auth):
    evil = factories.make_user("hv.evil", Role.LEARNER, report_world.units["dept"], EVIL_HTML)
    enrol_users(report_world.classes["ONL"], [evil], source="admin")
    db.session.commit()
    auth.login("admin")
    for path in (f"/reports/transcript/{evil.id}", f"/reports/classes/{report_world.classes['ONL'].id}"):
        page = client.get(path).get_data(as_text=True)
        assert EVIL_HTML not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_reports_speak_english_when_asked(report_world, client, auth):
    auth.login("admin")
    auth.post("/language", {"locale": "en"})
    page = client.get("/reports/units").get_data(as_text=True)
    assert "Completion report" in page and "Learner-places" in page
    header = client.get("/reports/units?format=csv").get_data().decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Depth,Unit,Unit level,Learners,Learner-places,Not started,In progress,Completed")
