"""Pure account rules."""

import pytest

from lms.auth.policy import is_safe_next, username_problem
from lms.text import clean_name


@pytest.mark.parametrize("target", ["/", "/classes/1", "/classes/1/modules/a?x=1#s"])
def test_local_paths_are_safe(target):
    assert is_safe_next(target)


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "/\x00x",
        "/%0a\r\nx".replace("%0a", ""),
    ],
)
def test_other_sites_and_odd_targets_are_refused(target):
    assert not is_safe_next(target)


def test_names_are_trimmed_and_composed():
    decomposed = "Nguye\u0302\u0303n  Thi\u0323 "  # "Nguyễn Thị" typed with combining accents
    assert clean_name(decomposed) == "Nguyễn Thị"


@pytest.mark.parametrize(("name", "ok"), [("hv01", True), ("gv.lan", True), ("a", False), ("Có dấu", False)])
def test_usernames(name, ok):
    assert (username_problem(name) is None) is ok
