"""Bounded requests: a body over 1 MB (or over the sign-in form's few kilobytes) is answered 413 with
a translated page before it is read, CSV uploads take up to their own larger limit, the sign-in
page never echoes more than a username's worth, and error listings stop at 200 problems with the
total of the rest."""

import io
import re

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from tests.conftest import csrf_token

FIFTY_MB = 50 * 1024 * 1024
TOO_LARGE_EN = "What you sent is too large. Nothing was saved."
TOO_LARGE_VI = "Nội dung gửi lên quá lớn. Không có gì được lưu."


class CountingStream(io.RawIOBase):
    """A request body that claims to be huge and counts what the server reads of it."""

    def __init__(self, size: int):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def seekable(self):
        return True  # the test client asks where the body starts

    def seek(self, offset, whence=io.SEEK_SET):
        return self.read_bytes

    def tell(self):
        return self.read_bytes

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"a" * n
        self.read_bytes += n
        return n


def users_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(User))


def post_huge(client, path: str, content_type: str):
    body = CountingStream(FIFTY_MB)
    response = client.post(
        path,
        input_stream=body,
        content_type=content_type,
        environ_overrides={"CONTENT_LENGTH": str(FIFTY_MB)},  # as declared by the sender
    )
    return response, body


def test_a_50_mb_login_post_is_refused_unread(client):
    csrf_token(client, "/login")
    response, body = post_huge(client, "/login", "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert TOO_LARGE_VI in response.get_data(as_text=True)
    assert body.read_bytes == 0


def test_a_50_mb_import_is_refused_unread(world, auth, client):
    auth.login("admin")
    response, body = post_huge(client, "/admin/users/import", "multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert TOO_LARGE_VI in response.get_data(as_text=True)
    assert body.read_bytes == 0
    assert users_count() == 5


def test_the_413_page_speaks_english_when_chosen(world, auth, client):
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(client, "/login")})
    response, _ = post_huge(client, "/admin/classes/1/enrol/csv", "multipart/form-data; boundary=x")
    assert response.status_code == 413 and TOO_LARGE_EN in response.get_data(as_text=True)


def test_other_forms_stop_at_one_megabyte(world, auth, client):
    auth.login("admin")
    response = auth.post(f"/admin/users/{world.learner.id}", {"full_name": "A" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    db.session.refresh(world.learner)
    assert world.learner.full_name == "Nguyễn Thị Mai"


def test_a_csv_upload_may_exceed_one_megabyte_up_to_its_own_limit(world, auth):
    auth.login("admin")
    rows = "".join(f"hv{n:06d},Người Số {n},,,khong-co,\n" for n in range(30000))
    data = ("username,full_name,email,role,unit\n" + rows).encode()
    assert len(data) > 1024 * 1024
    # The body is built here: the test client would spool a file this big to a temporary file it never closes.
    token = csrf_token(auth.client, "/admin/users/import")
    body = (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token.encode() + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="users.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n--b--\r\n"
    )
    response = auth.client.post("/admin/users/import", data=body, content_type="multipart/form-data; boundary=b")
    page = response.get_data(as_text=True)
    assert response.status_code == 400  # the file's own rule speaks, not the 413 page
    assert "Tệp lớn hơn 1 MB" in page


def test_the_login_form_echoes_no_more_than_its_small_body_allows(client):
    token = csrf_token(client, "/login")
    long_name = "x" * 20_000
    response = client.post("/login", data={"username": long_name, "password": "p", "csrf_token": token})
    assert response.status_code == 413
    assert long_name not in response.get_data(as_text=True)
    typed = client.post("/login", data={"username": "y" * 2000, "password": "p", "csrf_token": token})
    assert typed.status_code == 401  # a long but bounded name is refused as a wrong sign-in


def test_import_errors_list_the_first_200_and_count_the_rest(world, auth):
    auth.login("admin")
    rows = "".join(f"hv{n:05d},Người {n},,,khong-co\n" for n in range(1000))
    response = auth.post(
        "/admin/users/import",
        {"file": (io.BytesIO(("username,full_name,email,role,unit\n" + rows).encode()), "u.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    lines = re.findall(r'data-test="import-error" data-line="(\d+)"', page)
    assert lines == [str(n) for n in range(2, 202)]
    assert "… và 800 lỗi khác." in page
    assert users_count() == 5


def test_class_enrolment_errors_list_the_first_200_and_count_the_rest(world, auth):
    auth.login("admin")
    data = ("username\n" + "".join(f"khong-co-{n}\n" for n in range(1500))).encode()
    response = auth.post(
        f"/admin/classes/{world.other_class.id}/enrol/csv",
        {"file": (io.BytesIO(data), "e.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert len(re.findall(r'data-test="enrol-error" data-line="(\d+)"', page)) == 200
    assert "… và 1.300 lỗi khác." in page
