"""The learner's pages: dashboard, class page, module page, catalogue, assets."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from lms.courses.models import Course, CourseAsset, Enrolment, Module
from lms.database import utcnow
from lms.extensions import db
from tests.factories import module_file, sync_dir, write_course


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_dashboard_shows_progress_and_where_to_start(world, auth, client):
    auth.login("hv.mai")
    body = page(client, "/")
    assert body.count('data-test="enrolment"') == 1
    assert '<progress max="100" value="0"' in body
    assert f'href="/classes/{world.course_class.id}/modules/mo-dau"' in body


def test_dashboard_resumes_at_the_last_section_read(world, auth, client):
    auth.login("hv.mai")
    auth.post(f"/classes/{world.course_class.id}/modules/thu-tuc/ping", {"position": "mot-cua"})
    body = page(client, "/")
    assert f'href="/classes/{world.course_class.id}/modules/thu-tuc#mot-cua"' in body


def test_module_page_has_content_navigation_and_done_form(world, auth, client):
    auth.login("hv.mai")
    body = page(client, f"/classes/{world.course_class.id}/modules/thu-tuc")
    assert '<h2 id="mot-cua">' in body
    assert f'rel="prev" href="/classes/{world.course_class.id}/modules/mo-dau"' in body
    assert f'rel="next" href="/classes/{world.course_class.id}/modules/doc-them"' in body
    assert 'data-test="mark-done"' in body
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in body
    assert re.search(r'src="/static/js/module\.js\?v=[0-9a-f]{12}"', body)


def test_module_page_follows_a_new_version_of_the_course(world, auth, client, tmp_path):
    # The page's content is kept per course version: a sync that changes the course shows at once.
    auth.login("hv.mai")
    path = f"/classes/{world.course_class.id}/modules/thu-tuc"
    assert "Một cửa" in page(client, path)
    root = tmp_path / "content-demo"
    write_course(
        root,
        modules={
            "01-mo-dau.md": module_file("Mở đầu", "Nội dung.\n"),
            "02-lien-thong.md": module_file("Liên thông", "Thủ tục liên thông.\n"),
            "03-thu-tuc.md": module_file("Thủ tục hành chính", "## Dịch vụ công\n\nNội dung mới.\n"),
        },
    )
    (root / "demo" / "modules" / "02-thu-tuc.md").unlink()
    (root / "demo" / "modules" / "03-doc-them.md").unlink()
    sync_dir(root)
    body = page(client, path)
    assert "Nội dung mới" in body and "Một cửa" not in body
    assert f'rel="prev" href="/classes/{world.course_class.id}/modules/lien-thong"' in body
    assert 'rel="next"' not in body  # "Đọc thêm" was retired
    assert "Bài 3/3" in body  # the third of three modules now


def test_instructor_previews_without_recording(world, auth, client):
    auth.login("gv.an")
    body = page(client, f"/classes/{world.course_class.id}/modules/mo-dau")
    assert 'data-test="mark-done"' not in body and "module.js" not in body


def test_retired_module_is_gone(world, auth, client):
    module = db.session.scalar(select(Module).where(Module.slug == "thu-tuc"))
    module.retired_at = utcnow()
    db.session.commit()
    auth.login("hv.mai")
    assert client.get(f"/classes/{world.course_class.id}/modules/thu-tuc").status_code == 404
    assert "Thủ tục hành chính" not in page(client, f"/classes/{world.course_class.id}")


def test_self_enrolment_in_an_open_class(world, auth, client):
    auth.login("hv.mai")
    assert world.other_class.name in page(client, "/classes")
    response = auth.post(f"/classes/{world.other_class.id}/enrol")
    assert response.headers["Location"] == f"/classes/{world.other_class.id}"
    assert auth.post(f"/classes/{world.other_class.id}/enrol").status_code == 303  # twice is harmless
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.class_id == world.other_class.id)).all()
    assert [(e.user_id, e.source) for e in enrolments] == [(world.learner.id, "self")]
    assert world.other_class.name not in page(client, "/classes")


def test_ended_class_takes_no_enrolment(world, auth):
    world.other_class.ends_on = date.today() - timedelta(days=1)
    db.session.commit()
    auth.login("hv.mai")
    assert auth.post(f"/classes/{world.other_class.id}/enrol").status_code == 403


def test_asset_is_served_with_cache_validation(world, auth, client):
    course = db.session.scalar(select(Course))
    db.session.add(
        CourseAsset(
            course_id=course.id,
            path="img/a.svg",
            media_type="image/svg+xml",
            sha256="ab" * 32,
            data=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        )
    )
    auth.login("hv.mai")
    response = client.get("/courses/demo/assets/img/a.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    cached = client.get("/courses/demo/assets/img/a.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304
    assert client.get("/courses/demo/assets/../course.yml").status_code == 404


def test_admin_overview_counts(world, auth, client):
    auth.login("hv.mai")
    auth.post(f"/classes/{world.course_class.id}/modules/mo-dau/done")
    auth.logout()
    auth.login("admin")
    body = page(client, "/admin/")
    row = body.split('data-test="class-row"')[1].split("</tr>")[0]
    assert world.course_class.name in row
    assert [cell for cell in row.split("<td>")[3:6]] == ["2</td>", "1</td>", "0</td>\n    "]


def test_dashboard_moves_on_once_the_module_read_is_done(world, auth, client):
    auth.login("hv.mai")
    auth.post(f"/classes/{world.course_class.id}/modules/mo-dau/ping", {"position": "muc-tieu"})
    auth.post(f"/classes/{world.course_class.id}/modules/mo-dau/done")
    body = page(client, "/")
    continue_link = body.split('data-test="continue"')[1].split(">")[0]
    assert f'href="/classes/{world.course_class.id}/modules/thu-tuc"' in continue_link
