"""Every setting the code reads is documented in README's table and listed in the deploy example."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def settings_read_by_the_code() -> set[str]:
    names = set()
    for path in [REPO / "config.py", *(REPO / "lms").rglob("*.py")]:
        names |= set(re.findall(r"\bLMS_[A-Z0-9_]+\b", path.read_text(encoding="utf-8")))
    # Test-only variables, and the name of a cookie (a constant, not read from the environment).
    return {n for n in names if not n.startswith("LMS_TEST_") and n != "LMS_REMEMBER_COOKIE_NAME"}


@pytest.mark.parametrize(
    ("document", "pattern"),
    [("README.md", r"^\| `(LMS_[A-Z0-9_]+)` \|"), ("deploy/lms.env.example", r"^#? ?(LMS_[A-Z0-9_]+)=")],
)
def test_every_setting_is_documented(document, pattern):
    listed = set(re.findall(pattern, (REPO / document).read_text(encoding="utf-8"), flags=re.M))
    assert settings_read_by_the_code() - listed == set()
    assert listed - settings_read_by_the_code() == set()  # nothing documented that the code no longer reads
