"""The translation catalogues stay usable: every translation keeps its message's placeholders.

For every entry of lms/translations/*/LC_MESSAGES/messages.po, each translated form has exactly
the msgid's placeholders (`%(name)s`, `%(n)d`, `%s`, `{name}`: same names, same conversion types,
same counts; named ones may move) and the same HTML tags; no entry is fuzzy; and every message the
code and templates use has a non-empty Vietnamese translation. The checker itself is shown to
refuse a swapped, renamed, retyped, missing or extra placeholder.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))

# printf-style (as Python's % operator reads it) and str.format-style placeholders.
PRINTF = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])"
)
BRACES = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_]\w*)?(?:![rsa])?(?::[^{}]*)?\}(?!\})")
TAG = re.compile(r"</?\s*([A-Za-z][\w-]*)[^>]*>")


def placeholders(text: str) -> Counter:
    """Every placeholder of a message with its conversion; positional ones keep their order."""
    found: Counter = Counter()
    position = 0
    for match in PRINTF.finditer(text):
        if match["type"] == "%":
            continue  # a literal percent sign
        if match["name"] is None:
            found[(f"#{position}", match["type"])] += 1
            position += 1
        else:
            found[(match["name"], match["type"])] += 1
    for match in BRACES.finditer(text):
        found[("{" + (match["name"] or "") + "}", "format")] += 1
    return found


def tags(text: str) -> Counter:
    """The HTML tags of a message, opening and closing ones apart."""
    return Counter(("/" if match[0].startswith("</") else "") + match[1].lower() for match in TAG.finditer(text))


def mismatch(msgid: str, translation: str) -> str | None:
    """Why a translation cannot stand for its msgid (placeholders or tags differ), or None."""
    want, got = placeholders(msgid), placeholders(translation)
    if want != got:
        return f"placeholders {dict(want)} became {dict(got)}"
    if tags(msgid) != tags(translation):
        return f"tags {dict(tags(msgid))} became {dict(tags(translation))}"
    return None


def entries():
    for path in CATALOGUES:
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if message.id:
                yield path.parent.parent.name, catalogue, message


def test_there_is_a_vietnamese_catalogue():
    assert [p.parent.parent.name for p in CATALOGUES] == ["vi"]


def test_every_translation_keeps_the_placeholders_and_tags_of_its_message():
    faults = []
    for locale, catalogue, message in entries():
        if isinstance(message.id, tuple):
            singular, plural = message.id
            forms = list(message.string)
            assert len(forms) == catalogue.num_plurals, f"{locale}: {singular!r} has {len(forms)} plural forms"
            for form in forms:
                # A language with one form uses it for every count: it must fit the plural msgid.
                expected = plural if catalogue.num_plurals == 1 else None
                problems = (
                    [mismatch(expected, form)] if expected else [mismatch(singular, form), mismatch(plural, form)]
                )
                if form and all(problems):
                    faults.append((locale, plural, form, problems[0]))
        elif message.string and (problem := mismatch(message.id, message.string)):
            faults.append((locale, message.id, message.string, problem))
    assert faults == []


def test_no_entry_is_fuzzy():
    assert [(locale, m.id) for locale, _, m in entries() if m.fuzzy] == []


def used_messages() -> set[str]:
    """The msgids the code and templates use, extracted as `make extract-messages` does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_the_code_uses_has_a_vietnamese_translation():
    with (ROOT / "lms/translations/vi/LC_MESSAGES/messages.po").open("rb") as handle:
        vietnamese = read_po(handle)
    used = used_messages()
    assert len(used) > 400
    untranslated = []
    for msgid in sorted(used):
        entry = vietnamese.get(msgid)
        forms = [] if entry is None else entry.string if isinstance(entry.string, tuple) else [entry.string]
        if not forms or not all(form.strip() for form in forms):
            untranslated.append(msgid)
    assert untranslated == []


@pytest.mark.parametrize(
    ("msgid", "translation"),
    [
        ("unit code '%(code)s' is already used", "mã đơn vị '%(ma)s' đã được dùng"),  # renamed
        ("Page %(page)d of %(pages)d", "Trang %(page)s / %(pages)d"),  # conversion changed
        ("%(added)d enrolled, %(back)d re-enrolled", "Đã ghi danh %(added)d người"),  # one missing
        ("Line %(line)d:", "Dòng %(line)d (%(line)d):"),  # one extra
        ("%s of %d", "%d trên %s"),  # positional ones swapped
        ("Hello, {name}", "Xin chào, {ten}"),  # format-style renamed
        ("Read <strong>this</strong>", "Đọc <em>cái này</em>"),  # markup changed
        ("Read <strong>this</strong>", "Đọc cái này"),  # markup dropped
    ],
)
def test_the_checker_refuses_a_broken_translation(msgid, translation):
    assert mismatch(msgid, translation) is not None


@pytest.mark.parametrize(
    ("msgid", "translation"),
    [
        ("%(name)s has withdrawn from %(class)s.", "%(class)s: %(name)s đã rút khỏi lớp."),  # named, moved
        ("Pass mark: %(n)s%%", "Điểm đạt: %(n)s%%"),
        ("100%% done", "Xong 100%%"),
        ("Read <strong>this</strong>", "Đọc <strong>phần này</strong>"),
    ],
)
def test_the_checker_accepts_a_faithful_translation(msgid, translation):
    assert mismatch(msgid, translation) is None


@pytest.mark.parametrize("name", ["messages.pot", "vi/LC_MESSAGES/messages.po"])
def test_no_message_is_listed_twice(name):
    # Babel's reader keeps the last of two entries with one msgid, and which translation a page
    # then shows depends on the order entries were added in: a duplicate is a silent wrong text.
    text = (TRANSLATIONS / name).read_text(encoding="utf-8")
    ids = re.findall(r'^msgid ((?:".*"\n)+)', text + "\n", flags=re.M)
    repeated = sorted({i for i in ids if ids.count(i) > 1 and i != '""\n'})
    assert repeated == []
