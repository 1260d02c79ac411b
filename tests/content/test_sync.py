"""Syncing content into the database: idempotent, progress kept, all or nothing."""

from sqlalchemy import func, select

from lms.courses.models import Course, CourseAsset, Module
from lms.database import utcnow
from lms.extensions import db
from lms.progress.models import ModuleProgress
from lms.progress.service import mark_done
from tests.factories import make_class, make_unit, make_user, module_file, sync_dir, write_course


def test_first_sync_adds_then_second_changes_nothing(app, tmp_path):
    write_course(tmp_path, assets={"a.png": b"\x89PNG"})
    first = sync_dir(tmp_path)
    assert first.added == ["demo", "demo/mo-dau", "demo/thu-tuc", "demo/doc-them"]
    second = sync_dir(tmp_path)
    assert (second.added, second.changed, second.retired, second.unchanged) == ([], [], [], ["demo"])
    assert db.session.scalar(select(func.count()).select_from(Module)) == 3
    assert db.session.scalar(select(CourseAsset.path)) == "a.png"


def test_changed_text_keeps_progress(app, tmp_path):
    write_course(tmp_path)
    sync_dir(tmp_path)
    course = db.session.scalar(select(Course))
    learner = make_user("hv", unit=make_unit("u"))
    course_class = make_class(course, "L1", learners=[learner])
    module = course.active_modules[0]
    mark_done(course_class.enrolments[0], module, utcnow())
    db.session.commit()

    (tmp_path / "demo" / "modules" / "01-mo-dau.md").write_text(module_file("Mở đầu (sửa)", "Nội dung mới.\n"))
    report = sync_dir(tmp_path)
    assert report.changed == ["demo", "demo/mo-dau"]
    refreshed = db.session.get(Module, module.id)
    assert refreshed.title == "Mở đầu (sửa)" and "Nội dung mới" in refreshed.html
    progress = db.session.scalar(select(ModuleProgress))
    assert progress.module_id == module.id and progress.completed_at is not None


def test_removed_module_is_retired_and_comes_back(app, tmp_path):
    write_course(tmp_path)
    sync_dir(tmp_path)
    removed = tmp_path / "demo" / "modules" / "02-thu-tuc.md"
    text = removed.read_text()
    removed.unlink()
    assert sync_dir(tmp_path).retired == ["demo/thu-tuc"]
    course = db.session.scalar(select(Course))
    assert [m.slug for m in course.active_modules] == ["mo-dau", "doc-them"]
    removed.write_text(text)
    assert "demo/thu-tuc" in sync_dir(tmp_path).changed
    assert [m.slug for m in db.session.scalar(select(Course)).active_modules] == ["mo-dau", "thu-tuc", "doc-them"]


def test_renumbering_keeps_the_module(app, tmp_path):
    write_course(tmp_path)
    sync_dir(tmp_path)
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "doc-them"))
    modules = tmp_path / "demo" / "modules"
    (modules / "03-doc-them.md").rename(modules / "00-doc-them.md")
    sync_dir(tmp_path)
    course = db.session.scalar(select(Course))
    assert course.active_modules[0].id == module_id


def test_cli_check_passes_on_valid_content(runner, tmp_path):
    write_course(tmp_path)
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 course(s), 3 module(s), 0 quiz(zes), 0 question(s)" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0  # check writes nothing


def test_cli_check_fails_naming_file_and_line(runner, tmp_path):
    write_course(
        tmp_path,
        modules={
            "01-a.md": "---\ntitle: a: b\n---\n",
            "02-b.md": module_file("B", "![x](../assets/x.png)\n"),
        },
    )
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "demo/modules/01-a.md:2: invalid YAML" in result.output
    assert "demo/modules/02-b.md:4: link to a missing asset or module: ../assets/x.png" in result.output


def test_cli_sync_with_an_error_writes_nothing(runner, tmp_path):
    write_course(tmp_path)
    write_course(tmp_path, slug="broken", modules={"01-a.md": "no front matter"})
    result = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_cli_sync_reports_what_it_did(runner, tmp_path):
    write_course(tmp_path)
    result = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "added: 4 (demo, demo/mo-dau, demo/thu-tuc, demo/doc-them)" in result.output
    again = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert "Nothing changed." in again.output


GIFT = "::A:: Hai cộng hai?{=bốn =4}\n\n::B:: Trời xanh.{T}\n"


def test_import_gift_writes_a_checked_quiz(runner, tmp_path):
    write_course(tmp_path)
    source = tmp_path / "Ngân hàng câu hỏi.gift.txt"
    source.write_text(GIFT, encoding="utf-8")
    result = runner.invoke(
        args=[
            "content",
            "import-gift",
            str(source),
            "--course",
            "demo",
            "--quiz",
            "ngan-hang",
            "--content-dir",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 question(s) (1 shortanswer, 1 truefalse)" in result.output
    written = (tmp_path / "demo" / "quizzes" / "ngan-hang.gift").read_text(encoding="utf-8")
    assert written.startswith("---\ntitle: Ngân hàng câu hỏi\n") and written.endswith(GIFT)
    check = runner.invoke(args=["content", "check", str(tmp_path)])
    assert check.exit_code == 0 and "1 quiz(zes), 2 question(s) (1 shortanswer, 1 truefalse)" in check.output
    again = runner.invoke(
        args=[
            "content",
            "import-gift",
            str(source),
            "--course",
            "demo",
            "--quiz",
            "ngan-hang",
            "--content-dir",
            str(tmp_path),
        ]
    )
    assert again.exit_code != 0 and "--force" in again.output


def test_import_gift_with_a_broken_question_writes_nothing(runner, tmp_path):
    write_course(tmp_path)
    source = tmp_path / "hong.gift"
    source.write_text(GIFT + "\n::C:: Câu hỏng {=a ~b\n", encoding="utf-8")
    result = runner.invoke(
        args=["content", "import-gift", str(source), "--course", "demo", "--content-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "hong.gift:5: the answers' '{' is never closed by '}'" in result.output
    assert not (tmp_path / "demo" / "quizzes").exists()


def test_quizzes_sync_and_retire_like_modules(app, tmp_path):
    from lms.quizzes.models import Quiz

    write_course(tmp_path, quizzes={"kiem-tra.gift": "---\ntitle: Kiểm tra\n---\n" + GIFT})
    assert "demo/kiem-tra" in sync_dir(tmp_path).added
    quiz = db.session.scalar(select(Quiz))
    assert (quiz.title, len(quiz.questions), quiz.settings["pass_mark"]) == ("Kiểm tra", 2, 70)
    assert sync_dir(tmp_path).unchanged == ["demo"]
    (tmp_path / "demo" / "quizzes" / "kiem-tra.gift").unlink()
    assert sync_dir(tmp_path).retired == ["demo/kiem-tra"]


def test_broken_quiz_is_reported_with_file_and_line(runner, tmp_path):
    write_course(
        tmp_path,
        quizzes={"kiem-tra.gift": "---\ntitle: Kiểm tra\npass_mark: 120\n---\n" + GIFT + "\n::C:: Hỏng {~a ~b}\n"},
    )
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "demo/quizzes/kiem-tra.gift:3: 'pass_mark' is a percentage from 0 to 100" in result.output
    assert "demo/quizzes/kiem-tra.gift:9: the positive weights add up to 0%, not 100%" in result.output


def test_min_minutes_is_synced_and_a_change_applies_to_who_has_not_finished(app, tmp_path):
    path = tmp_path / "demo" / "modules" / "01-mo-dau.md"
    write_course(tmp_path)
    path.write_text(module_file("Mở đầu", "Nội dung.\n", minutes=20, min_minutes=8))
    sync_dir(tmp_path)
    module = db.session.scalar(select(Module).where(Module.slug == "mo-dau"))
    assert module.min_minutes == 8
    path.write_text(module_file("Mở đầu", "Nội dung.\n", minutes=20))
    assert sync_dir(tmp_path).changed == ["demo", "demo/mo-dau"]
    db.session.expire_all()
    assert db.session.get(Module, module.id).min_minutes is None


def test_cli_sync_after_a_change_stores_the_rendered_module(runner, tmp_path):
    write_course(tmp_path)
    runner.invoke(args=["content", "sync", str(tmp_path)])
    module = next((tmp_path / "demo" / "modules").glob("01-*.md"))
    module.write_text(module.read_text(encoding="utf-8") + "\n## Phần mới\n", encoding="utf-8")

    result = runner.invoke(args=["content", "sync", str(tmp_path)])
    assert "changed: 2 (demo, demo/mo-dau)" in result.output
    assert 'id="phan-moi">Phần mới</h2>' in db.session.scalar(select(Module.html).where(Module.slug == "mo-dau"))
    assert "Nothing changed." in runner.invoke(args=["content", "sync", str(tmp_path)]).output
