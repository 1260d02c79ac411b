"""Read a content directory into validated, rendered course sources, without touching the DB.

Every problem is collected as a `ContentError` naming file and line, so `flask content check`
can report all of them at once and `sync` can refuse to write anything while one exists.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lms.content.render import RENDERER_VERSION, LinkTargets, render_module
from lms.evaluations.form import read_form
from lms.progress.completion import ATTENDANCE_MODES, EVALUATION_MODES, MODULE_MODES, QUIZ_MODES
from lms.quizzes.source import SUFFIXES as QUIZ_SUFFIXES
from lms.quizzes.source import QuizSource, read_quiz

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MODULE_FILE_RE = re.compile(r"^(\d+)-([a-z0-9][a-z0-9-]*)\.md$")
COURSE_KEYS = {"title": str, "summary": str, "estimated_hours": (int, float), "requirements": dict}
MODULE_KEYS = {"title": str, "summary": str, "minutes": int, "min_minutes": int, "required": bool}
REQUIREMENT_KEYS = {
    "modules": MODULE_MODES,
    "quizzes": QUIZ_MODES,
    "attendance": ATTENDANCE_MODES,
    "evaluation": EVALUATION_MODES,
}
MAX_ASSET_BYTES = 10 * 1024 * 1024
MAX_MIN_MINUTES = 24 * 60  # a minimum longer than a day of reading is a typo


@dataclass(frozen=True)
class ContentError:
    """One problem in a source file; `line` is 1-based, or None for the whole file."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


@dataclass
class ModuleSource:
    """One module file, parsed and rendered."""

    slug: str
    position: int
    path: str
    title: str
    summary: str
    minutes: int | None
    min_minutes: int | None
    required: bool
    html: str
    toc: list[dict]
    source_hash: str


@dataclass
class AssetSource:
    """One file under the course's assets/ folder."""

    path: str
    media_type: str
    data: bytes
    sha256: str


@dataclass
class CourseSource:
    """One course directory, parsed and rendered."""

    slug: str
    path: str
    title: str
    summary: str
    estimated_hours: float | None
    requirements: dict
    modules: list[ModuleSource] = field(default_factory=list)
    quizzes: list[QuizSource] = field(default_factory=list)
    assets: list[AssetSource] = field(default_factory=list)
    evaluation: dict | None = None  # the form of evaluation.yml (lms/evaluations/form.py), if any
    evaluation_hash: str = ""
    content_hash: str = ""


@dataclass
class ContentTree:
    """The result of reading a content directory: courses and every problem found."""

    courses: list[CourseSource] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def module_count(self) -> int:
        return sum(len(c.modules) for c in self.courses)

    @property
    def quizzes(self) -> list[QuizSource]:
        return [quiz for course in self.courses for quiz in course.quizzes]

    def question_types(self) -> Counter:
        """How many questions of each type the quizzes hold."""
        return Counter(q.type.value for quiz in self.quizzes for q in quiz.questions)


class _Problems:
    """Collects errors, with paths shown relative to the working directory when inside it."""

    def __init__(self, errors: list[ContentError]):
        self.errors = errors

    def add(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = Path(path).resolve().relative_to(Path.cwd())
        except ValueError:
            shown = path
        self.errors.append(ContentError(str(shown), line, message))


# libyaml's parser when PyYAML was built with it (the wheels are): several times faster than the
# pure-Python one, which was a third of the time spent reading a large course.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sha256(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _load_mapping(text: str, path: Path, first_line: int, problems: _Problems):
    """Parse YAML that must be a mapping; return (data, key -> line) or (None, {}) on error."""
    loader = YAML_LOADER(text)
    try:
        # One pass: the node tree gives each key's line, the same tree gives the values.
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        problems.add(path, line, f"invalid YAML: {exc.problem or exc}")
        return None, {}
    except yaml.YAMLError as exc:
        problems.add(path, first_line, f"invalid YAML: {exc}")
        return None, {}
    finally:
        loader.dispose()
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        problems.add(path, first_line, "expected a mapping of keys to values")
        return None, {}
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return {str(k): _nfc(v) for k, v in data.items()}, lines


def _check_keys(data: dict, lines: dict, schema: dict, path: Path, problems: _Problems) -> bool:
    """Report unknown keys and wrongly typed values; return True when all are fine."""
    ok = True
    for key, value in data.items():
        expected = schema.get(key)
        line = lines.get(key)
        if expected is None:
            problems.add(path, line, f"unknown key '{key}' (allowed: {', '.join(schema)})")
            ok = False
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            names = " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple) else (expected,)))
            problems.add(path, line, f"'{key}' must be {names}, not {type(value).__name__}")
            ok = False
    return ok


def _read_text(path: Path, problems: _Problems) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.add(path, line, "file is not UTF-8 text")
    except OSError as exc:
        problems.add(path, None, f"cannot read file: {exc.strerror}")
    return None


def _read_course_yml(course_dir: Path, problems: _Problems) -> dict | None:
    path = course_dir / "course.yml"
    text = _read_text(path, problems)
    if text is None:
        return None
    data, lines = _load_mapping(text, path, 1, problems)
    if data is None or not _check_keys(data, lines, COURSE_KEYS, path, problems):
        return None
    if not str(data.get("title", "")).strip():
        problems.add(path, 1, "'title' is required")
        return None
    if "estimated_hours" in data and data["estimated_hours"] <= 0:
        problems.add(path, lines.get("estimated_hours"), "'estimated_hours' must be greater than 0")
        return None
    requirements = data.get("requirements") or {}
    for key, value in requirements.items():
        allowed = REQUIREMENT_KEYS.get(key)
        if allowed is None:
            problems.add(path, lines.get("requirements"), f"unknown requirement '{key}'")
            return None
        if value not in allowed:
            problems.add(
                path,
                lines.get("requirements"),
                f"requirement '{key}' must be one of {', '.join(allowed)}, not {value!r}",
            )
            return None
    data["requirements"] = requirements
    return data


def _split_front_matter(text: str, path: Path, problems: _Problems):
    """Return (front matter text, body, line where the body starts) or None."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.add(path, 1, "missing front matter: the file must start with a '---' line")
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    problems.add(path, 1, "front matter is not closed by a second '---' line")
    return None


def _line_of(body: str, needle: str, body_line: int) -> int:
    for offset, line in enumerate(body.splitlines()):
        if needle in line:
            return body_line + offset
    return body_line


def _read_assets(course_dir: Path, problems: _Problems) -> list[AssetSource]:
    assets = []
    asset_dir = course_dir / "assets"
    if not asset_dir.is_dir():
        return assets
    for path in sorted(p for p in asset_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(asset_dir).as_posix()
        data = path.read_bytes()
        if len(data) > MAX_ASSET_BYTES:
            problems.add(path, None, f"asset is larger than {MAX_ASSET_BYTES // 1024 // 1024} MB")
            continue
        media_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        assets.append(AssetSource(relative, media_type, data, _sha256(data)))
    return assets


def _module_files(course_dir: Path, problems: _Problems) -> list[tuple[Path, int, str]]:
    """List module files with their number and slug; report misnamed and repeated ones."""
    found = []
    module_dir = course_dir / "modules"
    if not module_dir.is_dir():
        problems.add(course_dir / "modules", None, "the course has no modules/ folder")
        return found
    for path in sorted(module_dir.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        match = MODULE_FILE_RE.match(path.name)
        if not match:
            problems.add(path, None, "module file names must look like NN-slug.md (e.g. 01-tong-quan.md)")
            continue
        found.append((path, int(match.group(1)), match.group(2)))
    for attr, what in ((1, "number"), (2, "slug")):
        counts = Counter(item[attr] for item in found)
        for path, number, slug in found:
            value = (path, number, slug)[attr]
            if counts[value] > 1:
                problems.add(path, None, f"module {what} {value} is used by more than one file")
    return found


def _read_module(path, number, slug, problems: _Problems) -> tuple[ModuleSource, str, int] | None:
    """Read and check one module file; its Markdown body (NFC) and first body line come back
    unrendered, for `_render_module`."""
    text = _read_text(path, problems)
    if text is None:
        return None
    split = _split_front_matter(text, path, problems)
    if split is None:
        return None
    front, body, body_line = split
    data, lines = _load_mapping(front, path, 2, problems)
    if data is None or not _check_keys(data, lines, MODULE_KEYS, path, problems):
        return None
    title = str(data.get("title", "")).strip()
    if not title:
        problems.add(path, 1, "'title' is required in the front matter")
        return None
    minutes = data.get("minutes")
    if minutes is not None and minutes <= 0:
        problems.add(path, lines.get("minutes"), "'minutes' must be greater than 0")
        return None
    min_minutes = data.get("min_minutes")
    if min_minutes is not None and not 0 < min_minutes <= MAX_MIN_MINUTES:
        problems.add(path, lines.get("min_minutes"), f"'min_minutes' must be between 1 and {MAX_MIN_MINUTES}")
        return None
    if min_minutes is not None and minutes is not None and min_minutes > minutes:
        message = f"'min_minutes' ({min_minutes}) is more than the module's 'minutes' ({minutes})"
        problems.add(path, lines.get("min_minutes"), message)
        return None
    module = ModuleSource(
        slug=slug,
        position=number,
        path=f"modules/{path.name}",
        title=title,
        summary=str(data.get("summary", "")).strip(),
        minutes=minutes,
        min_minutes=min_minutes,
        required=data.get("required", True),
        html="",
        toc=[],
        source_hash=_sha256(RENDERER_VERSION.encode(), text.encode()),
    )
    return module, unicodedata.normalize("NFC", body), body_line


def _render_module(module: ModuleSource, body: str, body_line: int, file: Path, targets: LinkTargets, problems) -> None:
    """Render the module's body into it; report its links to missing files."""
    rendered = render_module(body, targets)
    for url in rendered.broken_links:
        problems.add(file, _line_of(body, url, body_line), f"link to a missing asset or module: {url}")
    module.html, module.toc = rendered.html, rendered.toc


def _read_quizzes(course_dir: Path, problems: _Problems) -> list[QuizSource]:
    quizzes = []
    quiz_dir = course_dir / "quizzes"
    if not quiz_dir.is_dir():
        return quizzes
    for path in sorted(quiz_dir.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        slug = path.name.split(".", 1)[0]
        if path.suffix not in QUIZ_SUFFIXES or not SLUG_RE.match(slug):
            problems.add(path, None, f"quiz files are named <slug>{'|'.join(QUIZ_SUFFIXES)} with a lower-case slug")
            continue
        text = _read_text(path, problems)
        if text is None:
            continue
        quiz, errors = read_quiz(slug, f"quizzes/{path.name}", unicodedata.normalize("NFC", text))
        for error in errors:
            problems.add(path, error.line, error.message)
        if quiz is not None:
            quizzes.append(quiz)
    for slug, count in Counter(q.slug for q in quizzes).items():
        if count > 1:
            problems.add(quiz_dir / slug, None, f"quiz slug '{slug}' is used by more than one file")
    return quizzes


def _read_evaluation(course_dir: Path, problems: _Problems) -> tuple[dict | None, str]:
    """The course's evaluation form and the hash of its source, or (None, "") without one."""
    path = course_dir / "evaluation.yml"
    if not path.is_file():
        return None, ""
    text = _read_text(path, problems)
    if text is None:
        return None, ""
    form, errors = read_form(text)
    for line, message in errors:
        problems.add(path, line, message)
    return form, _sha256(text.encode())


def read_course(course_dir: Path, problems: _Problems, on_file=None, synced=frozenset()) -> CourseSource | None:
    """Read one course directory; return None if any of its files has a problem.

    A course whose content hash is in `synced` comes back with its modules unrendered (empty
    `html` and `toc`): the database holds them as rendered from these very sources, and a sync
    leaves such a course untouched. Rendering is most of the reading time (a 1,000-module course:
    seconds), so a sync with nothing changed no longer pays it.
    """
    before = len(problems.errors)
    if not SLUG_RE.match(course_dir.name):
        problems.add(course_dir, None, "course folder names must be lower-case letters, digits and '-'")
        return None
    meta = _read_course_yml(course_dir, problems)
    files = _module_files(course_dir, problems)
    assets = _read_assets(course_dir, problems)
    targets = LinkTargets(
        course_slug=course_dir.name,
        asset_paths=frozenset(a.path for a in assets),
        module_slugs=frozenset(slug for _, _, slug in files),
    )
    read = []
    for module_file in files:
        found = _read_module(*module_file, problems)
        if found is not None:
            read.append((module_file[0], *found))
        if on_file:
            on_file()
    modules = [module for _file, module, _body, _line in read]
    if not files and (course_dir / "modules").is_dir():
        problems.add(course_dir / "modules", None, "the course has no modules")
    quizzes = _read_quizzes(course_dir, problems)
    evaluation, evaluation_hash = _read_evaluation(course_dir, problems)
    content_hash = _sha256(
        repr(sorted((meta or {}).items())).encode(),
        *(m.source_hash.encode() for m in modules),
        *(q.path.encode() + q.source_hash.encode() for q in quizzes),
        *(a.path.encode() + a.sha256.encode() for a in assets),
        evaluation_hash.encode(),
    )
    if meta is None or content_hash not in synced:
        for file, module, body, line in read:
            _render_module(module, body, line, file, targets, problems)
    if meta is None or len(problems.errors) > before:
        return None
    return CourseSource(
        slug=course_dir.name,
        path=str(course_dir),
        title=meta["title"].strip(),
        summary=str(meta.get("summary", "")).strip(),
        estimated_hours=meta.get("estimated_hours"),
        requirements=meta["requirements"],
        modules=sorted(modules, key=lambda m: m.position),
        quizzes=quizzes,
        assets=assets,
        evaluation=evaluation,
        evaluation_hash=evaluation_hash,
        content_hash=content_hash,
    )


def course_dirs(root: Path) -> list[Path]:
    """The course folders under `root`, or `root` itself when it is one course."""
    if (root / "course.yml").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.yml").is_file())


def count_module_files(root: Path) -> int:
    """How many module files `read_content` will read (for a progress bar)."""
    if not root.is_dir():
        return 0
    return sum(len(list((d / "modules").glob("*.md"))) for d in course_dirs(root))


def read_content(root: Path, on_file=None, synced=frozenset()) -> ContentTree:
    """Read, validate and render every course under `root`; call `on_file` after each module.

    `synced`: content hashes already in the database; those courses are checked but not
    rendered (see `read_course`).
    """
    tree = ContentTree()
    problems = _Problems(tree.errors)
    if not root.is_dir():
        problems.add(root, None, "no such directory")
        return tree
    dirs = course_dirs(root)
    if not dirs:
        problems.add(root, None, "no course found (a course is a folder with a course.yml)")
    for course_dir in dirs:
        course = read_course(course_dir.resolve(), problems, on_file, synced)
        if course is not None:
            tree.courses.append(course)
    return tree
