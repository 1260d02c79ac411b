"""A unit head's pages show their units' people and nobody else's: who is behind (and its CSV), the
people list and its search, the by-unit report and its downloads."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from lms.database import utcnow
from lms.extensions import db
from lms.localtime import VIETNAM
from lms.progress.service import mark_done
from tests.factories import enrolment_of


@pytest.fixture
def ending_soon(world):
    """LOP-1 ends in five days; hv.nam (Phường 2) has done every required module, hv.mai nothing."""
    today = utcnow().astimezone(VIETNAM).date()
    world.course_class.starts_on = today - timedelta(days=20)
    world.course_class.ends_on = today + timedelta(days=5)
    enrolment = enrolment_of(world.other_learner, world.course_class)
    for module in world.modules:
        if module.required:
            mark_done(enrolment, module, datetime.now(UTC))
    db.session.commit()
    return world.course_class.ends_on


def rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_head_sees_who_of_their_units_is_behind(client, auth, world, heads, ending_soon):
    auth.login("ld.p1")
    page = client.get("/heads/").get_data(as_text=True)
    title = page.split("<title>")[1].split("</title>")[0]
    assert title.startswith("Đơn vị bạn phụ trách") and "<" not in title
    assert page.count("Các đề cử của bạn") == 1
    assert "Phường 1" in page and 'data-username="hv.mai"' in page and "hv.nam" not in page
    assert ">0 %<" in page.replace("\u00a0", " ") and ">50 %<" in page.replace("\u00a0", " ")  # hv.mai, the median
    download = client.get("/heads/?format=csv")
    assert download.mimetype == "text/csv"
    assert rows(download) == [
        ["Tên", "Tên đăng nhập", "Đơn vị", "Lớp học", "Ngày kết thúc", "Tiến độ %", "Trung vị của lớp %"],
        ["Nguyễn Thị Mai", "hv.mai", "Phường 1", world.course_class.name, ending_soon.isoformat(), "0.0", "50.0"],
    ]


def test_a_head_whose_people_are_on_time_is_told_so(client, auth, heads, ending_soon):
    auth.login("ld.p2")
    page = client.get("/heads/").get_data(as_text=True)
    assert "Không có ai thuộc đơn vị của bạn chậm tiến độ trong lớp sắp kết thúc." in page
    assert "hv.mai" not in page


def test_the_people_list_and_its_search_stay_in_the_head_s_units(client, auth, world, heads):
    auth.login("ld.p1")
    listed = client.get("/heads/people").get_data(as_text=True)
    assert 'data-username="hv.mai"' in listed and 'data-username="hv.nam"' not in listed
    assert 'data-username="gv.an"' not in listed  # the city's staff are above this head's unit
    searched = client.get("/heads/people?q=Nam").get_data(as_text=True)
    assert 'data-username="hv.nam"' not in searched and "0 người" in searched
    auth.logout()
    auth.login("ld.tp")
    everyone = client.get("/heads/people").get_data(as_text=True)
    assert all(f'data-username="{u}"' in everyone for u in ("hv.mai", "hv.nam", "gv.an", "admin"))


def test_the_report_counts_only_the_head_s_units(client, auth, world, heads):
    auth.login("ld.p1")
    page = client.get("/reports/heads/units").get_data(as_text=True)
    assert f'data-key="{world.ward.id}"' in page
    assert f'data-key="{world.other_ward.id}"' not in page and f'data-key="{world.city.id}"' not in page
    table = rows(client.get("/reports/heads/units?format=csv"))
    assert [row[1:5] for row in table[1:]] == [["Phường 1", "Phường/xã", "1", "1"], ["Tổng cộng", "", "1", "1"]]
    assert client.get("/reports/heads/classes").status_code == 404
    auth.logout()
    auth.login("ld.tp")
    table = rows(client.get("/reports/heads/units?format=csv"))
    assert [row[1] for row in table[1:]] == ["Thành phố", "Phường 1", "Phường 2", "Tổng cộng"]
    assert table[-1][3:5] == ["2", "2"]  # hv.mai and hv.nam, once each


def test_someone_who_heads_nothing_is_refused(client, auth, world):
    auth.login("hv.mai")
    assert client.get("/heads/").status_code == 403
    assert client.get("/heads/people").status_code == 403
    assert client.get("/reports/heads/units").status_code == 403
