"""Factory helpers that build records the way the app does (content through the real sync)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from lms.auth.models import Role, User
from lms.content.parse import read_content
from lms.content.sync import sync_courses
from lms.courses.models import Course, CourseClass, Enrolment
from lms.courses.service import enrol_users
from lms.database import utcnow
from lms.extensions import db
from lms.org.models import Unit

PASSWORD = "correct-horse-42"


def make_unit(code: str, name: str | None = None, level: str = "Phường/xã", parent: Unit | None = None) -> Unit:
    unit = Unit(code=code, name=name or code.title(), level=level, parent=parent)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(
    username: str,
    role: str = Role.LEARNER,
    unit: Unit | None = None,
    full_name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    user = User(username=username, full_name=full_name or username.title(), role=role, unit=unit, active=active)
    # A cheap hash keeps the suite fast; production uses Werkzeug's default (scrypt).
    from werkzeug.security import generate_password_hash

    user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
    db.session.add(user)
    db.session.flush()
    return user


def module_file(title: str, body: str, **front) -> str:
    lines = [f'title: "{title}"'] + [f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + textwrap.dedent(body)


def write_course(
    root: Path,
    slug: str = "demo",
    title: str = "Khóa học thử",
    modules: dict | None = None,
    course_yml: str | None = None,
    assets: dict | None = None,
    quizzes: dict | None = None,
    evaluation: str | None = None,
) -> Path:
    """Write a course folder; `modules` and `quizzes` map file names to file text, `evaluation` is
    the text of its evaluation.yml."""
    course_dir = root / slug
    (course_dir / "modules").mkdir(parents=True, exist_ok=True)
    (course_dir / "course.yml").write_text(
        course_yml if course_yml is not None else f'title: "{title}"\nsummary: "Tóm tắt"\n', encoding="utf-8"
    )
    if modules is None:
        modules = {
            "01-mo-dau.md": module_file("Mở đầu", "## Mục tiêu\n\nNội dung **mở đầu**.\n", minutes=5),
            "02-thu-tuc.md": module_file("Thủ tục hành chính", "## Một cửa\n\nXem [mở đầu](01-mo-dau.md).\n"),
            "03-doc-them.md": module_file("Đọc thêm", "Tài liệu tham khảo.\n", required=False),
        }
    for name, text in modules.items():
        (course_dir / "modules" / name).write_text(text, encoding="utf-8")
    for name, text in (quizzes or {}).items():
        (course_dir / "quizzes").mkdir(exist_ok=True)
        (course_dir / "quizzes" / name).write_text(text, encoding="utf-8")
    if evaluation is not None:
        (course_dir / "evaluation.yml").write_text(evaluation, encoding="utf-8")
    for name, data in (assets or {}).items():
        path = course_dir / "assets" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return course_dir


EVALUATION_YML = """\
title: "Phiếu khảo sát lớp học"
intro: "Phiếu không ghi tên."
sections:
  - key: content
    title: "Nội dung"
    questions:
      - id: phu_hop
        type: rating
        text: "Nội dung phù hợp với công việc"
        low: "Hoàn toàn không đồng ý"
        high: "Hoàn toàn đồng ý"
      - id: thoi_luong
        type: choice
        text: "Thời lượng"
        options: ["Quá ngắn", "Vừa đủ", "Quá dài"]
  - key: instructors
    title: "Giảng viên"
    questions:
      - id: ro_rang
        type: rating
        text: "Giảng viên truyền đạt rõ ràng"
        low: "Rất kém"
        high: "Rất tốt"
  - key: format
    title: "Hình thức"
    questions:
      - id: gop_y
        type: comment
        text: "Góp ý của Anh/Chị"
"""


def sync_dir(root: Path):
    tree = read_content(root)
    assert not tree.errors, [str(e) for e in tree.errors]
    report = sync_courses(tree.courses, utcnow())
    db.session.commit()
    return report


def make_course(tmp_path: Path, slug: str = "demo", **kwargs) -> Course:
    root = tmp_path / f"content-{slug}"
    write_course(root, slug=slug, **kwargs)
    sync_dir(root)
    return db.session.scalar(db.select(Course).where(Course.slug == slug))


def make_class(
    course: Course, code: str, instructors=(), learners=(), self_enrol: bool = False, **kwargs
) -> CourseClass:
    course_class = CourseClass(
        code=code, name=f"Lớp {code}", course=course, instructors=list(instructors), self_enrol=self_enrol, **kwargs
    )
    db.session.add(course_class)
    db.session.flush()
    if learners:
        enrol_users(course_class, list(learners), source="admin")
    db.session.commit()
    return course_class


def enrolment_of(user, course_class) -> Enrolment:
    """The user's enrolment in the class."""
    return db.session.scalar(
        db.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.class_id == course_class.id)
    )


def enrol_many(course_class: CourseClass, unit: Unit, count: int, prefix: str = "hv.so") -> list[User]:
    """`count` more learners of the unit ("Học Viên 01", ...) enrolled in the class, for long lists."""
    learners = [make_user(f"{prefix}{n:02d}", Role.LEARNER, unit, f"Học Viên {n:02d}") for n in range(1, count + 1)]
    enrol_users(course_class, learners, source="admin")
    db.session.commit()
    return learners
