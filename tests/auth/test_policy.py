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


# --- the password policy (NIST SP 800-63B: length, not common, not built from who you are) --------

MAI = {"username": "hv.mai", "full_name": "Nguyễn Thị Mai"}


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Tr0ub4", "password must have at least 8 characters"),
        ("", "password must have at least 8 characters"),
        ("x" * 129, "password must have at most 128 characters"),
        ("password", "this password is among the most common ones"),
        ("12345678", "this password is among the most common ones"),
        ("matkhau123", "this password is among the most common ones"),
        ("P@ssw0rd2026", "this password is among the most common ones"),
        ("        ", "this password is too easy to guess"),
        ("abcdefgh", "this password is too easy to guess"),
        ("Nguyenthimai1990", "this password is built from your name or username"),
        ("mai.nguyen.1987", "this password is built from your name or username"),  # no diacritics, dots
        ("Nguyễn-Mai-87", "this password is built from your name or username"),  # with diacritics
        ("thimai2024", "this password is built from your name or username"),
        ("hvmai2024", "this password is built from your name or username"),  # the username
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    from lms.auth.policy import password_problem

    assert password_problem(password, **MAI) == message


@pytest.mark.parametrize(
    "password",
    [
        "hoc-tap-cchc-2026",
        "correct-horse-42",
        "Tr0ub4dor&3",
        "bồi dưỡng mỗi sáng!",
        "Học tập suốt đời, 2026: cải cách hành chính " * 2,
    ],
)
def test_good_passwords_pass(password):
    from lms.auth.policy import password_problem

    assert password_problem(password, **MAI) is None


def test_a_name_is_only_refused_for_its_owner():
    from lms.auth.policy import password_problem

    assert password_problem("mai.nguyen.1987") is None
    assert password_problem("mai.nguyen.1987", username="hv.binh", full_name="Lê Văn Bình") is None


def test_vietnamese_names_fold_to_ascii():
    from lms.auth.policy import fold, personal_words

    assert fold("Đặng Thị Ánh-Nguyệt") == "dangthianhnguyet"
    assert {"hvmai", "nguyen", "mai", "nguyenthimai", "mainguyen"} <= set(personal_words("hv.mai", "Nguyễn Thị Mai"))
