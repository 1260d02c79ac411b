"""Every refusal of the admin screens, read as the admin reads it.

For units, people, the CSV import, classes, enrolments and the audit filter: each bad input gets
its exact Vietnamese message (English for an admin who chose English) in the error element that
belongs to it (the form's error box, the element right after the field, the import line), the
exact status code, and no row of any table changes.
"""

import pytest

from lms.database import utcnow
from lms.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.refusals import (
    error_after,
    error_elements,
    flashed_errors,
    nothing_written,
    only_error,
    parse,
    speak_english,
)

# --- Units -------------------------------------------------------------------------------------

CODE_RULE = "mã phải dài 2-64 ký tự gồm a-z, 0-9, '.', '_' hoặc '-'"
NAME_RULE = "tên phải có từ 1 đến 200 ký tự"
LEVEL_RULE = "cấp phải có từ 1 đến 100 ký tự"
BAD_PARENT = "hãy chọn đơn vị cấp trên trong danh sách"


def retired_unit(code: str = "cu", parent=None):
    unit = factories.make_unit(code, "Đơn vị cũ", "Phường/xã", parent=parent)
    unit.retired_at = utcnow()
    db.session.commit()
    return unit


def unit_form_error(response) -> str:
    """The one error of the add-unit page, which must sit inside the add-unit form."""
    page = parse(response)
    box = only_error(page)
    assert page.one("form", data_test="unit-form").contains(box)
    return box.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, NAME_RULE),
        ({"name": "   "}, NAME_RULE),
        ({"name": "Đ" * 201}, NAME_RULE),
        ({"code": "x"}, CODE_RULE),
        ({"code": "phường-3"}, CODE_RULE),
        ({"code": "c" * 65}, CODE_RULE),
        ({"level": ""}, LEVEL_RULE),
        ({"level": "L" * 101}, LEVEL_RULE),
        ({"code": " TP "}, "mã đơn vị 'tp' đã được dùng"),
        ({"parent_id": "abc"}, BAD_PARENT),
        ({"parent_id": "99999"}, BAD_PARENT),
    ],
)
def test_adding_a_bad_unit_shows_why_in_the_form(world, auth, changes, message):
    auth.login("admin")
    data = {"name": "Phường 3", "code": "phuong-3", "level": "Phường/xã", "parent_id": str(world.city.id)} | changes
    with nothing_written():
        response = auth.post("/admin/units", data)
    assert response.status_code == 400
    assert unit_form_error(response) == message


def test_adding_a_unit_under_a_retired_one_is_refused(world, auth):
    old = retired_unit()
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/units", {"name": "Tổ 1", "code": "to-1", "level": "Tổ", "parent_id": str(old.id)})
    assert response.status_code == 400
    assert unit_form_error(response) == "đơn vị 'cu' đã ngừng hoạt động"


def test_unit_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/units", {"name": "Khác", "code": "tp", "level": "Tỉnh"})
    assert response.status_code == 400
    assert unit_form_error(response) == "unit code 'tp' is already used"


def unit_page_error(response) -> str:
    page = parse(response)
    assert page.one("h1").text.startswith(page.one("title").text.split(" · ")[0])
    return only_error(page).text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "level": "Phường/xã"}, NAME_RULE),
        ({"name": "Phường Một", "level": ""}, LEVEL_RULE),
        ({"name": "P" * 201, "level": "Phường/xã"}, NAME_RULE),
    ],
)
def test_renaming_a_unit_badly_is_refused(world, auth, data, message):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/units/{world.ward.id}/rename", data)
    assert response.status_code == 400
    assert unit_page_error(response) == message


def test_moving_a_unit_under_its_own_sub_unit_is_refused(world, auth):
    child = factories.make_unit("to-1", "Tổ 1", "Tổ", parent=world.ward)
    db.session.commit()
    auth.login("admin")
    with nothing_written():
        under_child = auth.post(f"/admin/units/{world.ward.id}/move", {"parent_id": str(child.id)})
        under_itself = auth.post(f"/admin/units/{world.ward.id}/move", {"parent_id": str(world.ward.id)})
        nowhere = auth.post(f"/admin/units/{world.ward.id}/move", {"parent_id": "x1"})
    cycle = "không thể chuyển một đơn vị vào dưới chính nó hoặc một đơn vị cấp dưới của nó"
    assert (under_child.status_code, unit_page_error(under_child)) == (400, cycle)
    assert (under_itself.status_code, unit_page_error(under_itself)) == (400, cycle)
    assert (nowhere.status_code, unit_page_error(nowhere)) == (400, BAD_PARENT)


def test_moving_under_or_moving_a_retired_unit_is_refused(world, auth):
    old = retired_unit()
    auth.login("admin")
    with nothing_written():
        under_old = auth.post(f"/admin/units/{world.other_ward.id}/move", {"parent_id": str(old.id)})
        moving_old = auth.post(f"/admin/units/{old.id}/move", {"parent_id": str(world.city.id)})
    assert (under_old.status_code, unit_page_error(under_old)) == (400, "đơn vị 'cu' đã ngừng hoạt động")
    assert (moving_old.status_code, unit_page_error(moving_old)) == (400, "đơn vị 'cu' đã ngừng hoạt động")


def test_retiring_a_unit_with_active_sub_units_is_refused(world, auth):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/units/{world.city.id}/retire")
    assert response.status_code == 400
    assert unit_page_error(response) == "hãy cho ngừng hoạt động hoặc chuyển các đơn vị cấp dưới của 'tp' trước"


def test_restoring_a_unit_under_a_retired_parent_is_refused(world, auth):
    old = retired_unit()
    below = retired_unit("cu-to-1", parent=old)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/units/{below.id}/restore")
    assert response.status_code == 400
    assert unit_page_error(response) == "đơn vị 'cu' đã ngừng hoạt động"


def test_unit_page_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/units/{world.city.id}/move", {"parent_id": str(world.ward.id)})
    assert response.status_code == 400
    assert unit_page_error(response) == "a unit cannot move under itself or one of its sub-units"


# --- People: create, edit, password, access ----------------------------------------------------

USERNAME_RULE = "tên đăng nhập phải dài 3-64 ký tự gồm a-z, 0-9, '.', '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số"
FULL_NAME_RULE = "họ và tên phải có từ 1 đến 200 ký tự"
CHOOSE_UNIT = "Hãy chọn một đơn vị trong danh sách."
PASSWORD_RULE = "mật khẩu phải có ít nhất 8 ký tự"


def account_errors(response) -> list[str]:
    """The account form's problems: the items of its one error list, which comes before the form."""
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("data-test") == "form-error"
    assert page.find_all("form", data_test="user-form"), "the form is shown again to be corrected"
    return [item.text for item in box.find_all("li")]


def new_account(world, **changes) -> dict:
    return {
        "username": "hv.moi",
        "full_name": "Lê Văn Mới",
        "email": "",
        "role": "learner",
        "unit_id": str(world.ward.id),
        "password": "",
    } | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "a"}, USERNAME_RULE),
        ({"username": "-abc"}, USERNAME_RULE),
        ({"username": "người.dùng"}, USERNAME_RULE),
        ({"username": " HV.MAI "}, "tên đăng nhập 'hv.mai' đã được dùng"),
        ({"full_name": "   "}, FULL_NAME_RULE),
        ({"full_name": "Ê" * 201}, FULL_NAME_RULE),
        ({"email": "khong-phai-thu"}, "'khong-phai-thu' không phải địa chỉ thư điện tử"),
        ({"role": "boss"}, "không có vai trò 'boss'"),
        ({"unit_id": ""}, CHOOSE_UNIT),
        ({"unit_id": "99999"}, CHOOSE_UNIT),
        ({"password": "ngan"}, PASSWORD_RULE),
    ],
)
def test_creating_a_bad_account_shows_why(world, auth, changes, message):
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/users/new", new_account(world, **changes))
    assert response.status_code == 400
    assert account_errors(response) == [message]


def test_every_problem_of_a_new_account_is_listed_in_form_order(world, auth):
    auth.login("admin")
    data = new_account(world, username="x", full_name="", email="a@b", role="chef", unit_id="", password="1234567")
    with nothing_written():
        response = auth.post("/admin/users/new", data)
    assert response.status_code == 400
    assert account_errors(response) == [
        USERNAME_RULE,
        FULL_NAME_RULE,
        "'a@b' không phải địa chỉ thư điện tử",
        "không có vai trò 'chef'",
        CHOOSE_UNIT,
        PASSWORD_RULE,
    ]


def test_a_new_account_in_a_retired_unit_is_refused(world, auth):
    old = retired_unit()
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/users/new", new_account(world, unit_id=str(old.id)))
    assert response.status_code == 400
    assert account_errors(response) == ["đơn vị 'cu' đã ngừng hoạt động"]


def test_new_account_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/users/new", new_account(world, full_name=""))
    assert response.status_code == 400
    assert account_errors(response) == ["the full name must have 1-200 characters"]


def edited(user, **changes) -> dict:
    return {
        "full_name": user.full_name,
        "email": user.email or "",
        "role": user.role,
        "unit_id": str(user.unit_id),
    } | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": ""}, FULL_NAME_RULE),
        ({"email": "mai@"}, "'mai@' không phải địa chỉ thư điện tử"),
        ({"role": "superuser"}, "không có vai trò 'superuser'"),
        ({"unit_id": "abc"}, CHOOSE_UNIT),
    ],
)
def test_editing_an_account_badly_is_refused(world, auth, changes, message):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.learner.id}", edited(world.learner, **changes))
    assert response.status_code == 400
    assert account_errors(response) == [message]


def test_moving_an_account_into_a_retired_unit_is_refused(world, auth):
    old = retired_unit()
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.learner.id}", edited(world.learner, unit_id=str(old.id)))
    assert response.status_code == 400
    assert account_errors(response) == ["đơn vị 'cu' đã ngừng hoạt động"]


def test_an_admin_cannot_take_away_their_own_admin_role(world, auth):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.admin.id}", edited(world.admin, role="learner"))
    assert response.status_code == 400
    assert account_errors(response) == ["bạn không thể tự bỏ vai trò quản trị của mình"]


def test_own_role_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.admin.id}", edited(world.admin, role="instructor"))
    assert response.status_code == 400
    assert account_errors(response) == ["you cannot take away your own admin role"]


def test_disabling_ones_own_account_is_refused_with_a_flashed_reason(world, auth, client):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.admin.id}/active", {"active": "0"})
        assert response.status_code == 303
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["bạn không thể khóa tài khoản của chính mình"]
    assert len(error_elements(page)) == 1


def test_disabling_ones_own_account_refusal_in_english(world, auth, client):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.admin.id}/active", {"active": "0"})
        page = parse(client.get(response.headers["Location"]))
    assert flashed_errors(page) == ["you cannot disable your own account"]


def test_an_access_change_that_is_neither_enable_nor_disable_is_refused(world, auth):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/users/{world.learner.id}/active", {"active": "maybe"})
    assert response.status_code == 400
    assert parse(response).one("p", class_="lead").text == "Yêu cầu không hợp lệ."


# --- People: CSV import ------------------------------------------------------------------------

HEADER = "username,full_name,unit,email,role\n"


def upload(auth, data: bytes | None, path: str = "/admin/users/import"):
    """Send a CSV file as the browser's file field would (or the form without a file)."""
    token = csrf_token(auth.client)
    boundary = "----lms-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()]
    if data is not None:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="can-bo.csv"\r\n'
        parts.append(head.encode() + b"Content-Type: text/csv\r\n\r\n" + data + b"\r\n")
    # One bytes body: the test client would spool a large one to a file it never closes.
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return auth.client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


NOTHING_WRITTEN = "Chưa ghi gì. Hãy sửa các lỗi sau rồi tải tệp lên lại:"


def import_errors(response, heading: str = NOTHING_WRITTEN) -> list[tuple[str, str]]:
    """(line, text) of each import problem, all inside the one error box under its heading."""
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("data-test") == "import-errors"
    assert box.find_all("p")[0].text == heading
    return [(item.attrs["data-line"], item.text) for item in box.find_all("li", data_test="import-error")]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (None, [("0", "Hãy chọn một tệp CSV để tải lên.")]),
        (b"", [("0", "Hãy chọn một tệp CSV để tải lên.")]),
        (HEADER.encode() + b"x" * (1024 * 1024), [("0", "Tệp lớn hơn 1 MB; hãy chia thành các tệp nhỏ hơn.")]),
        (
            HEADER.encode() + b"hv.moi,L\xea V\xe3n,phuong-1,,\n",
            [("2", "Dòng 2: tệp không phải văn bản UTF-8; hãy lưu tệp dưới dạng 'CSV UTF-8'")],
        ),
        (b"\n", [("1", "Dòng 1: tệp trống")]),
        (b"username,unit\nhv.moi,phuong-1\n", [("1", "Dòng 1: thiếu cột: full_name")]),
        (
            b"username,full_name,unit,phone,Zalo\n",
            [("1", "Dòng 1: cột không xác định: phone, zalo")],
        ),
        (
            (HEADER + "hv.moi,Mới,phuong-1,,,thừa\n").encode(),
            [("2", "Dòng 2: số giá trị nhiều hơn số cột")],
        ),
    ],
    ids=["no-file", "empty", "too-big", "not-utf8", "blank", "missing", "unknown", "extra-value"],
)
def test_an_unreadable_import_file_is_refused_with_its_line(world, auth, data, errors):
    auth.login("admin")
    with nothing_written():
        response = upload(auth, data)
    assert response.status_code == 400
    assert import_errors(response) == errors


def test_a_malformed_csv_line_is_reported_with_its_own_number(world, auth):
    auth.login("admin")
    with nothing_written():
        response = upload(auth, (HEADER + "hv.moi," + "A" * 140_000 + ",phuong-1,,\n").encode())
    assert response.status_code == 400
    assert import_errors(response) == [("2", "Dòng 2: CSV sai định dạng: field larger than field limit (131072)")]


def test_every_bad_import_row_is_reported_by_line(world, auth):
    retired_unit()
    rows = [
        "a,Tên,phuong-1,,",
        "hv.mot,,phuong-1,,",
        "hv.hai," + "H" * 201 + ",phuong-1,,",
        "hv.ba,Ba,phuong-1,khong-phai-thu,",
        "hv.bon,Bốn,phuong-1,,Boss",
        "hv.nam2,Năm,cu,,",
        "hv.sau,Sáu,xa,,",
        "hv.bay,Bảy,phuong-1,,",
        "hv.tam,Tám,phuong-1,,",
        "HV.TAM,Tám,phuong-1,,",
    ]
    auth.login("admin")
    with nothing_written():
        response = upload(auth, (HEADER + "\n".join(rows) + "\n").encode())
    assert response.status_code == 400
    assert import_errors(response) == [
        ("2", f"Dòng 2: {USERNAME_RULE}"),
        ("3", "Dòng 3: full_name (họ và tên) đang trống"),
        ("4", "Dòng 4: full_name (họ và tên) dài hơn 200 ký tự"),
        ("5", "Dòng 5: 'khong-phai-thu' không phải địa chỉ thư điện tử"),
        ("6", "Dòng 6: role (vai trò) phải là một trong admin, instructor, learner, không phải 'boss'"),
        ("7", "Dòng 7: đơn vị 'cu' đã ngừng hoạt động"),
        ("8", "Dòng 8: không có đơn vị 'xa'"),
        ("11", "Dòng 11: tên đăng nhập 'hv.tam' đã có ở dòng 10"),
    ]


def test_import_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = upload(auth, (HEADER + "hv.moi,Mới,xa,,\n").encode())
    assert response.status_code == 400
    heading = "Nothing was written. Correct these problems and upload the file again:"
    assert import_errors(response, heading) == [("2", "Line 2: unknown unit 'xa'")]


def test_a_forged_or_expired_import_preview_is_refused(world, auth):
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/users/import/confirm", {"token": "not-a-preview"})
    assert response.status_code == 400
    assert import_errors(response) == [("0", "Bản xem trước đã hết hạn hoặc bị thay đổi. Hãy tải tệp lên lại.")]


def test_an_import_preview_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/users/import/confirm", {"token": ""})
    assert response.status_code == 400
    assert import_errors(response, "Nothing was written. Correct these problems and upload the file again:") == [
        ("0", "The preview has expired or was changed. Upload the file again.")
    ]


def test_a_preview_whose_unit_was_retired_since_is_refused_on_confirm(world, auth):
    auth.login("admin")
    preview = upload(auth, "username,full_name,unit\nhv.moi,Lê Văn Mới,phuong-2\n".encode())
    assert preview.status_code == 200
    token = parse(preview).one("input", name="token").attrs["value"]
    world.other_ward.retired_at = utcnow()
    db.session.commit()
    with nothing_written():
        response = auth.post("/admin/users/import/confirm", {"token": token})
    assert response.status_code == 400
    assert import_errors(response) == [("2", "Dòng 2: đơn vị 'phuong-2' đã ngừng hoạt động")]


# --- Classes: create and edit ------------------------------------------------------------------

DATE_RULE = "hãy nhập ngày theo dạng YYYY-MM-DD (năm-tháng-ngày)"


def class_data(world, **changes) -> dict:
    return {
        "course_id": str(world.course.id),
        "code": "LOP-3",
        "name": "Lớp bồi dưỡng 3",
        "level": "Cấp xã",
        "mode": "online",
        "starts_on": "2026-03-01",
        "ends_on": "2026-03-31",
        "instructors": [str(world.teacher.id)],
    } | changes


def class_field_errors(response) -> dict[str, str]:
    """Each field error of the class form, keyed by the field it stands right after."""
    page = parse(response)
    errors = {}
    for control in page.one("form", data_test="class-form").elements():
        key = control.attrs.get("id") or control.attrs.get("data-test")
        following = control.next_element()
        if following is not None and following.attrs.get("data-test") == "field-error":
            assert following.attrs["data-field"] == (key if key != "class-instructors" else "instructors")
            errors[following.attrs["data-field"]] = following.text
    assert len(errors) == len(error_elements(page)), "every error stands next to a field"
    return errors


CLASS_CASES = [
    ({"code": "x"}, "code", "mã phải dài 2-64 ký tự gồm chữ cái, chữ số, '.', '_' hoặc '-'"),
    ({"code": "LỚP 3"}, "code", "mã phải dài 2-64 ký tự gồm chữ cái, chữ số, '.', '_' hoặc '-'"),
    ({"code": "LOP-2"}, "code", "mã lớp 'LOP-2' đã được dùng"),
    ({"name": "  "}, "name", "tên phải có từ 1 đến 300 ký tự"),
    ({"name": "N" * 301}, "name", "tên phải có từ 1 đến 300 ký tự"),
    ({"course_id": ""}, "course_id", "hãy chọn một khóa học"),
    ({"course_id": "99999"}, "course_id", "hãy chọn một khóa học"),
    ({"level": "C" * 101}, "level", "cấp không được dài quá 100 ký tự"),
    ({"mode": "tv"}, "mode", "hãy chọn hình thức học của lớp"),
    ({"starts_on": "01/03/2026"}, "starts_on", DATE_RULE),
    ({"ends_on": "2026-02-30"}, "ends_on", DATE_RULE),
    ({"ends_on": "2026-02-28"}, "ends_on", "lớp không thể kết thúc trước khi bắt đầu"),
    ({"instructors": ["abc"]}, "instructors", "hãy chọn giảng viên trong danh sách"),
    ({"instructors": ["LEARNER"]}, "instructors", "hãy chọn giảng viên trong danh sách"),
]


@pytest.mark.parametrize(("changes", "field", "message"), CLASS_CASES)
def test_a_bad_class_shows_the_reason_next_to_its_field(world, auth, changes, field, message):
    if changes.get("instructors") == ["LEARNER"]:
        changes = {"instructors": [str(world.learner.id)]}
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/classes/new", class_data(world, **changes))
    assert response.status_code == 400
    assert class_field_errors(response) == {field: message}
    page = parse(response)
    control = page.one("fieldset", data_test="class-instructors") if field == "instructors" else page.one(id=field)
    assert error_after(control).text == message


def test_every_bad_class_field_gets_its_own_message(world, auth):
    auth.login("admin")
    data = class_data(
        world, code="", name="", course_id="", level="C" * 101, mode="", starts_on="x", ends_on="y", instructors=["0"]
    )
    with nothing_written():
        response = auth.post("/admin/classes/new", data)
    assert response.status_code == 400
    assert class_field_errors(response) == {
        "course_id": "hãy chọn một khóa học",
        "code": "mã phải dài 2-64 ký tự gồm chữ cái, chữ số, '.', '_' hoặc '-'",
        "name": "tên phải có từ 1 đến 300 ký tự",
        "level": "cấp không được dài quá 100 ký tự",
        "mode": "hãy chọn hình thức học của lớp",
        "starts_on": DATE_RULE,
        "ends_on": DATE_RULE,
        "instructors": "hãy chọn giảng viên trong danh sách",
    }


def test_editing_a_class_to_a_code_in_use_is_refused(world, auth):
    auth.login("admin")
    with nothing_written():
        response = auth.post(f"/admin/classes/{world.course_class.id}/edit", class_data(world, code="LOP-2"))
    assert response.status_code == 400
    assert class_field_errors(response) == {"code": "mã lớp 'LOP-2' đã được dùng"}


def test_class_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = auth.post("/admin/classes/new", class_data(world, starts_on="2026-05-01", ends_on="2026-04-01"))
    assert response.status_code == 400
    assert class_field_errors(response) == {"ends_on": "the class cannot end before it starts"}


# --- Classes: enrolment ------------------------------------------------------------------------


def enrol_errors(response) -> list[tuple[str, str]]:
    page = parse(response)
    box = only_error(page)
    assert box.attrs.get("data-test") == "enrol-errors"
    assert box.find_all("p")[0].text == "Chưa ghi danh ai:"
    return [(item.attrs["data-line"], item.text) for item in box.find_all("li", data_test="enrol-error")]


def test_enrolling_a_unit_not_chosen_or_retired_is_refused(world, auth):
    old = retired_unit()
    auth.login("admin")
    path = f"/admin/classes/{world.other_class.id}/enrol/unit"
    with nothing_written():
        nothing = auth.post(path, {"unit_id": ""})
        unknown = auth.post(path, {"unit_id": "99999"})
        retired = auth.post(path, {"unit_id": str(old.id)})
    assert (nothing.status_code, enrol_errors(nothing)) == (400, [("0", CHOOSE_UNIT)])
    assert (unknown.status_code, enrol_errors(unknown)) == (400, [("0", CHOOSE_UNIT)])
    assert (retired.status_code, enrol_errors(retired)) == (400, [("0", "đơn vị 'cu' đã ngừng hoạt động")])


def test_enrolling_from_a_bad_csv_names_each_line(world, auth):
    old = retired_unit()
    factories.make_user("hv.cu", unit=old)
    factories.make_user("hv.khoa", unit=world.ward, active=False)
    db.session.commit()
    csv_text = "username,full_name\nkhong-co,Ai đó\ngv.an,Giảng Viên\nhv.khoa,Bị khóa\nhv.cu,Đơn vị cũ\nhv.mai,Mai\n"
    auth.login("admin")
    with nothing_written():
        response = upload(auth, csv_text.encode(), f"/admin/classes/{world.other_class.id}/enrol/csv")
    assert response.status_code == 400
    assert enrol_errors(response) == [
        ("2", "Dòng 2: không có người dùng 'khong-co'"),
        ("3", "Dòng 3: 'gv.an' không phải học viên"),
        ("4", "Dòng 4: tài khoản 'hv.khoa' đang bị khóa"),
        ("5", "Dòng 5: 'hv.cu' thuộc một đơn vị đã ngừng hoạt động"),
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (None, [("0", "Hãy chọn một tệp CSV để tải lên.")]),
        (b"username\n" + b"x" * (512 * 1024), [("0", "Tệp lớn hơn 512 KB; hãy chia thành các tệp nhỏ hơn.")]),
        (b"name\nhv.mai\n", [("1", "Dòng 1: thiếu cột: username")]),
        (b"username,phone\nhv.mai,1\n", [("1", "Dòng 1: cột không xác định: phone")]),
    ],
    ids=["no-file", "too-big", "missing", "unknown"],
)
def test_an_unreadable_enrolment_file_is_refused(world, auth, data, errors):
    auth.login("admin")
    with nothing_written():
        response = upload(auth, data, f"/admin/classes/{world.other_class.id}/enrol/csv")
    assert response.status_code == 400
    assert enrol_errors(response) == errors


def test_enrolling_one_person_who_cannot_be_enrolled_is_refused(world, auth):
    auth.login("admin")
    path = f"/admin/classes/{world.other_class.id}/enrol/user"
    with nothing_written():
        nobody = auth.post(path, {"user_id": ""})
        teacher = auth.post(path, {"user_id": str(world.teacher.id)})
    assert (nobody.status_code, enrol_errors(nobody)) == (400, [("0", "Hãy chọn một học viên trong kết quả tìm kiếm.")])
    assert (teacher.status_code, enrol_errors(teacher)) == (400, [("0", "'gv.an' không phải học viên")])


def test_re_enrolling_a_learner_disabled_since_is_refused(world, auth):
    auth.login("admin")
    enrolment = next(e for e in world.course_class.enrolments if e.user_id == world.other_learner.id)
    assert auth.post(f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/withdraw").status_code == 303
    world.other_learner.active = False
    db.session.commit()
    with nothing_written():
        response = auth.post(f"/admin/classes/{world.course_class.id}/enrolments/{enrolment.id}/reenrol")
    assert response.status_code == 400
    assert enrol_errors(response) == [("0", "tài khoản 'hv.nam' đang bị khóa")]


def test_enrolment_refusal_in_english(world, auth):
    speak_english(world.admin)
    auth.login("admin")
    with nothing_written():
        response = upload(auth, b"username\nnobody\n", f"/admin/classes/{world.other_class.id}/enrol/csv")
    assert response.status_code == 400
    page = parse(response)
    assert only_error(page).find_all("p")[0].text == "Nobody was enrolled:"
    assert [li.text for li in page.find_all("li", data_test="enrol-error")] == ["Line 2: unknown user 'nobody'"]


# --- Audit log filter --------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["since=2026-13-01", "until=31/12/2026", "since=x&until=y"])
def test_a_bad_audit_date_is_refused_once(world, auth, client, query):
    auth.login("admin")
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    page = parse(response)
    assert only_error(page).text == "Hãy nhập ngày theo dạng YYYY-MM-DD (năm-tháng-ngày)."
    assert only_error(page).attrs.get("data-test") == "form-error"


def test_audit_filter_refusal_in_english(world, auth, client):
    speak_english(world.admin)
    auth.login("admin")
    response = client.get("/admin/audit?since=yesterday")
    assert response.status_code == 400
    assert only_error(parse(response)).text == "Enter dates as YYYY-MM-DD."
