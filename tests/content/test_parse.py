"""Reading, validating and rendering course sources (no database)."""

from pathlib import Path

import pytest

from lms.content.parse import read_content
from lms.content.render import LinkTargets, render_module, sanitize
from tests.factories import module_file, write_course

REPO = Path(__file__).resolve().parents[2]


def errors_of(root: Path) -> list[str]:
    return [str(e) for e in read_content(root).errors]


def test_valid_course_is_read_in_module_order(tmp_path):
    write_course(tmp_path)
    tree = read_content(tmp_path)
    assert tree.errors == []
    (course,) = tree.courses
    assert course.title == "Khóa học thử"
    assert [m.slug for m in course.modules] == ["mo-dau", "thu-tuc", "doc-them"]
    assert [m.required for m in course.modules] == [True, True, False]
    assert course.modules[0].minutes == 5


def test_demo_course_is_valid_and_complete():
    tree = read_content(REPO / "content")
    assert [str(e) for e in tree.errors] == []
    (course,) = tree.courses
    assert course.slug == "cai-cach-hanh-chinh"
    assert len(course.modules) >= 6
    assert any("tinh-huong" in m.slug for m in course.modules)
    # Every required module asks for real reading time; the optional reference list does not.
    assert {m.slug: m.min_minutes for m in course.modules if m.required} == {
        m.slug: (15 if m.minutes >= 45 else 10) for m in course.modules if m.required
    }
    assert all(m.min_minutes is None for m in course.modules if not m.required)
    assert course.assets, "the demo course shows at least one image"


def test_malformed_front_matter_names_file_and_line(tmp_path):
    write_course(tmp_path, modules={"01-a.md": '---\ntitle: "A"\nminutes: [5\n---\nBody\n'})
    (error,) = errors_of(tmp_path)
    assert error.startswith("demo/modules/01-a.md:") or "/demo/modules/01-a.md:" in error
    assert ":3: invalid YAML" in error or ":4: invalid YAML" in error


def test_malformed_course_yml_is_reported_with_its_line(tmp_path):
    write_course(tmp_path, course_yml='title: "A"\nsummary: x: y\n')
    errors = errors_of(tmp_path)
    assert any("course.yml:2: invalid YAML" in e for e in errors), errors


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ('title: "A"\ntitel: "typo"\n', "demo/modules/01-a.md:3: unknown key 'titel'"),
        ('title: "A"\nminutes: "ten"\n', "demo/modules/01-a.md:3: 'minutes' must be int"),
        ('title: "A"\nrequired: "yes"\n', "'required' must be bool"),
        ('summary: "no title"\n', "'title' is required"),
        ('title: "A"\nminutes: 0\n', "'minutes' must be greater than 0"),
        ('title: "A"\nmin_minutes: "10"\n', "demo/modules/01-a.md:3: 'min_minutes' must be int"),
        ('title: "A"\nmin_minutes: 0\n', "demo/modules/01-a.md:3: 'min_minutes' must be between 1 and 1440"),
        ('title: "A"\nmin_minutes: 2000\n', "'min_minutes' must be between 1 and 1440"),
        (
            'title: "A"\nminutes: 10\nmin_minutes: 15\n',
            "demo/modules/01-a.md:4: 'min_minutes' (15) is more than the module's 'minutes' (10)",
        ),
    ],
)
def test_front_matter_keys_are_checked(tmp_path, front, message):
    write_course(tmp_path, modules={"01-a.md": f"---\n{front}---\nBody\n"})
    errors = errors_of(tmp_path)
    assert any(message in e for e in errors), errors


def test_missing_front_matter(tmp_path):
    write_course(tmp_path, modules={"01-a.md": "# No front matter\n"})
    assert any("01-a.md:1: missing front matter" in e for e in errors_of(tmp_path))


def test_duplicate_module_number_names_both_files(tmp_path):
    write_course(
        tmp_path,
        modules={
            "01-a.md": module_file("A", "a"),
            "01-b.md": module_file("B", "b"),
            "02-c.md": module_file("C", "c"),
        },
    )
    errors = errors_of(tmp_path)
    assert sum("module number 1 is used by more than one file" in e for e in errors) == 2
    assert any("01-a.md" in e for e in errors) and any("01-b.md" in e for e in errors)


def test_badly_named_module_file(tmp_path):
    write_course(tmp_path, modules={"intro.md": module_file("A", "a"), "01-Hoa.md": module_file("B", "b")})
    errors = errors_of(tmp_path)
    assert len([e for e in errors if "NN-slug.md" in e]) == 2


def test_link_to_missing_asset_names_its_line(tmp_path):
    body = "Dòng một.\n\n![Sơ đồ](../assets/khong-co.svg)\n"
    write_course(tmp_path, modules={"01-a.md": module_file("A", body)})
    (error,) = errors_of(tmp_path)
    assert "01-a.md:6: link to a missing asset or module: ../assets/khong-co.svg" in error


def test_link_to_missing_module(tmp_path):
    write_course(tmp_path, modules={"01-a.md": module_file("A", "[b](02-b.md)\n")})
    assert any("link to a missing asset or module: 02-b.md" in e for e in errors_of(tmp_path))


def test_non_utf8_module_is_reported(tmp_path):
    write_course(tmp_path, modules={})
    latin1_text = "Tiếng Việt".encode("cp1252", "replace") + b"\xe9\n"
    (tmp_path / "demo" / "modules" / "01-a.md").write_bytes(module_file("A", "x").encode() + latin1_text)
    assert any("01-a.md" in e and "not UTF-8" in e for e in errors_of(tmp_path))


def test_missing_course_yml_title_and_unknown_requirement(tmp_path):
    write_course(tmp_path, course_yml='summary: "x"\n')
    write_course(tmp_path / "b", slug="other", course_yml='title: "B"\nrequirements:\n  modules: most\n')
    assert any("'title' is required" in e for e in errors_of(tmp_path))
    assert any("requirement 'modules' must be one of" in e for e in errors_of(tmp_path / "b"))


def test_empty_directory_is_an_error(tmp_path):
    assert any("no course found" in e for e in errors_of(tmp_path))


def test_assets_and_module_links_are_rewritten(tmp_path):
    body = "![Sơ đồ](../assets/so-do.svg)\n\n[Bài sau](02-b.md#muc-1) và [web](https://example.org)\n"
    write_course(
        tmp_path,
        modules={"01-a.md": module_file("A", body), "02-b.md": module_file("B", "## Mục 1\n")},
        assets={"so-do.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"},
    )
    tree = read_content(tmp_path)
    assert tree.errors == []
    html = tree.courses[0].modules[0].html
    assert 'src="/courses/demo/assets/so-do.svg"' in html
    assert 'href="b#muc-1"' in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html
    assert tree.courses[0].assets[0].media_type == "image/svg+xml"


TARGETS = LinkTargets("demo", frozenset(), frozenset())


def test_markdown_features_render():
    body = (
        "[TOC]\n\n## Đánh giá kết quả\n\n| Cột | Giá trị |\n|---|---|\n| a | 1 |\n\n"
        '```python\nprint("x")\n```\n\n!!! note "Ghi nhớ"\n    Nội dung.\n'
    )
    rendered = render_module(body, TARGETS)
    assert '<h2 id="danh-gia-ket-qua">' in rendered.html
    assert '<div class="table-scroll" tabindex="0"><table>' in rendered.html  # a keyboard can scroll it
    assert '<code class="language-python">' in rendered.html
    assert '<div class="admonition note">' in rendered.html
    assert 'href="#danh-gia-ket-qua"' in rendered.html  # the [TOC]
    assert rendered.toc == [{"id": "danh-gia-ket-qua", "title": "Đánh giá kết quả", "level": 2}]


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="x.png" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
        '<svg onload="alert(1)"></svg>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        "<style>body{display:none}</style>",
        '<form action="https://evil.example"><input name="p"></form>',
    ],
)
def test_nothing_executable_survives(attack):
    html = render_module(f"Text\n\n{attack}\n", TARGETS).html.lower()
    for forbidden in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "<iframe",
        "style=",
        "data:",
        "<style",
        "<form",
        "<input",
        "<svg",
    ):
        assert forbidden not in html


def test_sanitize_keeps_ordinary_markup():
    html = '<p class="admonition-title">T</p><a href="/x" title="t">y</a>'
    assert sanitize(html) == '<p class="admonition-title">T</p><a href="/x" title="t" rel="noopener noreferrer">y</a>'


def test_demo_course_has_a_final_quiz_that_counts():
    (course,) = read_content(REPO / "content").courses
    (quiz,) = course.quizzes
    kinds = [q.type.value for q in quiz.questions]
    assert len(kinds) >= 15 and kinds.count("essay") == 1
    assert {"single", "multiple", "truefalse", "shortanswer", "numerical", "matching"} <= set(kinds)
    assert quiz.required and course.requirements.get("quizzes", "required") == "required"


def test_a_course_already_synced_is_checked_but_not_rendered_again(tmp_path):
    write_course(tmp_path)
    (first,) = read_content(tmp_path).courses
    assert all(m.html for m in first.modules)

    tree = read_content(tmp_path, synced=frozenset({first.content_hash}))
    assert tree.errors == []
    (again,) = tree.courses
    assert again.content_hash == first.content_hash
    assert [m.source_hash for m in again.modules] == [m.source_hash for m in first.modules]
    assert [(m.html, m.toc) for m in again.modules] == [("", [])] * len(first.modules)


def test_a_changed_course_is_rendered_and_its_broken_links_reported_despite_an_old_hash(tmp_path):
    write_course(tmp_path)
    (first,) = read_content(tmp_path).courses
    module = next((tmp_path / "demo" / "modules").glob("01-*.md"))
    module.write_text(module.read_text(encoding="utf-8") + "\n![](../assets/khong-co.svg)\n", encoding="utf-8")

    tree = read_content(tmp_path, synced=frozenset({first.content_hash}))
    assert tree.courses == []
    assert [e.message for e in tree.errors] == ["link to a missing asset or module: ../assets/khong-co.svg"]


def test_only_a_focusable_box_survives_the_sanitizer_not_other_tab_orders():
    """The table boxes' `tabindex="0"` is kept; a course cannot reorder the page's tab stops."""
    rendered = render_module('<div tabindex="3">a</div>\n\n<span tabindex="0">b</span>\n', TARGETS)
    assert "tabindex" not in rendered.html
