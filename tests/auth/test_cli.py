"""`flask users create|import|set-password` and `flask units create|list`."""

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.extensions import db
from tests.factories import make_unit, make_user

HEADER = "username,full_name,email,role,unit\n"


@pytest.fixture
def units(app):
    city = make_unit("tp", "Thành phố", "Thành phố")
    make_unit("phuong-1", "Phường 1", parent=city)
    db.session.commit()


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_with_password(runner, units):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--username",
            "GV.Lan",
            "--full-name",
            "Trần Thị Lan",
            "--role",
            "instructor",
            "--unit",
            "tp",
            "--password",
            "mat-khau-dai",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.username, user.role, user.unit.code) == ("gv.lan", "instructor", "tp")
    assert user.check_password("mat-khau-dai") and not user.check_password("other")
    assert db.session.scalar(select(AuditEvent.action)) == "user.create"


def test_create_user_prompts_for_password(runner, units):
    result = runner.invoke(
        args=["users", "create", "--username", "hv01", "--unit", "phuong-1"], input="mat-khau-dai\nmat-khau-dai\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User)).check_password("mat-khau-dai")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "hv01", "--unit", "khong-co", "--password", "mat-khau-dai"], "unknown unit 'khong-co'"),
        (["--username", "x", "--unit", "tp", "--password", "mat-khau-dai"], "username must be"),
        (["--username", "hv01", "--unit", "tp", "--password", "ngan"], "at least 8 characters"),
        (
            ["--username", "hv01", "--unit", "tp", "--password", "mat-khau-dai", "--email", "khong-phai-email"],
            "is not an e-mail address",
        ),
    ],
)
def test_create_user_refuses_bad_input(runner, units, args, message):
    result = runner.invoke(args=["users", "create", *args])
    assert result.exit_code != 0 and message in result.output
    assert user_count() == 0


def test_create_user_refuses_taken_username(runner, units):
    make_user("hv01")
    result = runner.invoke(args=["users", "create", "--username", "hv01", "--unit", "tp", "--password", "mat-khau-dai"])
    assert result.exit_code != 0 and "already taken" in result.output
    assert user_count() == 1


def write_csv(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "users.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_import_creates_users_with_and_without_bom(runner, units, tmp_path, encoding):
    csv = write_csv(
        tmp_path,
        HEADER + "hv01,Nguyễn Văn An,an@example.vn,learner,phuong-1\nhv02,Lê Thị Bình,,,tp\n",
        encoding,
    )
    result = runner.invoke(args=["users", "import", csv, "--codes-out", str(tmp_path / "codes.csv")])
    assert result.exit_code == 0, result.output
    assert "created: 2, updated: 0, unchanged: 0" in result.output
    assert "Activation codes of the 2 new account(s) written to" in result.output
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert users["hv01"].full_name == "Nguyễn Văn An" and users["hv01"].password_hash == ""
    assert users["hv02"].role == "learner" and users["hv02"].unit.code == "tp"


def test_reimport_updates_instead_of_duplicating(runner, units, tmp_path):
    first = write_csv(tmp_path, HEADER + "hv01,Nguyễn Văn An,,,tp\n")
    runner.invoke(args=["users", "import", first, "--codes-out", str(tmp_path / "first.csv")])
    result = runner.invoke(
        args=[
            "users",
            "import",
            write_csv(tmp_path, HEADER + "hv01,Nguyễn Văn An Mới,,,phuong-1\nhv03,Phạm C,,,tp\n"),
            "--codes-out",
            str(tmp_path / "second.csv"),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created: 1, updated: 1, unchanged: 0" in result.output
    assert user_count() == 2
    user = db.session.scalar(select(User).where(User.username == "hv01"))
    assert user.full_name == "Nguyễn Văn An Mới"
    same = write_csv(tmp_path, HEADER + "hv01,Nguyễn Văn An Mới,,,phuong-1\n")
    again = runner.invoke(args=["users", "import", same])
    assert "created: 0, updated: 0, unchanged: 1" in again.output


def test_import_with_bad_rows_reports_each_line_and_writes_nothing(runner, units, tmp_path):
    csv = write_csv(
        tmp_path,
        HEADER
        + "hv01,Nguyễn Văn An,,,tp\n"
        + "hv02,Lê B,,chief,tp\n"
        + ",Không tên,,,tp\n"
        + "hv01,Trùng Tên,,,tp\n"
        + "hv05,Phạm E,not-an-email,,khong-co\n",
    )
    result = runner.invoke(args=["users", "import", csv])
    assert result.exit_code == 1
    output = result.output
    assert "users.csv:3: role must be one of" in output
    assert "users.csv:4: username must be" in output
    assert "users.csv:5: username 'hv01' already appears on line 2" in output
    assert "users.csv:6: 'not-an-email' is not an e-mail address" in output
    assert "users.csv:6: unknown unit 'khong-co'" in output
    assert "no user was created or changed" in output
    assert user_count() == 0


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        ("username,name,unit\nhv01,A,tp\n", "utf-8", "users.csv:1: missing column(s): full_name"),
        ("username,full_name,unit,phone\nhv01,A,tp,1\n", "utf-8", "users.csv:1: unknown column(s): phone"),
        (HEADER + "hv01,Lê Hà,,,tp\n", "latin-1", "users.csv:2: the file is not UTF-8"),
        ("", "utf-8", "users.csv:1: the file is empty"),
        (HEADER + "hv01,A,,,tp,extra\n", "utf-8", "users.csv:2: more values than columns"),
    ],
)
def test_import_refuses_malformed_files(runner, units, tmp_path, text, encoding, message):
    result = runner.invoke(args=["users", "import", write_csv(tmp_path, text, encoding)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert user_count() == 0


def test_import_accepts_semicolons_from_excel(runner, units, tmp_path):
    csv = write_csv(tmp_path, "username;full_name;unit\nhv01;Nguyễn Văn An;tp\n", "utf-8-sig")
    assert runner.invoke(args=["users", "import", csv, "--codes-out", str(tmp_path / "codes.csv")]).exit_code == 0
    assert user_count() == 1


def test_set_password(runner, units):
    make_user("hv01")
    result = runner.invoke(args=["users", "set-password", "--username", "hv01", "--password", "mat-khau-moi"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(User)).check_password("mat-khau-moi")


def test_units_create_and_list(runner, units):
    result = runner.invoke(
        args=["units", "create", "--code", "xa-a", "--name", "Xã A", "--level", "Phường/xã", "--parent", "tp"]
    )
    assert result.exit_code == 0 and "Thành phố / Xã A" in result.output
    assert runner.invoke(args=["units", "create", "--code", "xa-a", "--name", "B", "--level", "x"]).exit_code != 0
    listing = runner.invoke(args=["units", "list"]).output
    assert listing.index("tp\t") < listing.index("  phuong-1\t") and "  xa-a\tXã A (Phường/xã)" in listing
