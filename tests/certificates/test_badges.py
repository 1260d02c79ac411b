"""Open Badges 2.0 documents compared with openbadges-validator-core's own basic examples."""

import json
from datetime import UTC, datetime

import pytest

from lms.certificates import badges
from tests.shared_files import shared_fixture


def example(name: str) -> dict:
    return json.loads(shared_fixture("openbadges", name).read_text(encoding="utf-8"))


def same_shape(ours: dict, theirs: dict, path: str = "") -> None:
    """Every key of the example is in ours, with a value of the same JSON type (nested too)."""
    for key, value in theirs.items():
        assert key in ours, f"{path}{key} missing"
        assert type(ours[key]) is type(value), f"{path}{key}: {type(ours[key]).__name__} != {type(value).__name__}"
        if isinstance(value, dict):
            same_shape(ours[key], value, f"{path}{key}.")


def test_assertion_has_the_examples_shape_and_known_identity():
    theirs = example("2_0_basic_assertion.json")
    ours = badges.assertion(
        "https://lms.example/badges/assertions/abc",
        "https://lms.example/badges/courses/demo",
        "nobody@example.org",
        "deadsea",
        datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC),
        "https://lms.example/badges/courses/demo/badge.svg",
        "https://lms.example/verify/abc",
    )
    same_shape(ours, theirs)
    assert ours["recipient"] == theirs["recipient"]
    assert ours["issuedOn"] == theirs["issuedOn"]
    assert ours["@context"] == theirs["@context"] and ours["type"] == "Assertion"
    assert ours["verification"] == {"type": "hosted"}


def test_badge_class_and_issuer_have_the_examples_shape():
    ours = badges.badge_class(
        "https://x/b", "Cải cách hành chính", "Mô tả", "https://x/b.svg", "https://x/c", "https://x/issuer"
    )
    same_shape(ours, example("2_0_basic_badgeclass.json"))
    issuer = badges.issuer_profile("https://x/issuer", "Sở Nội vụ", "https://x", "daotao@example.org")
    same_shape(issuer, example("2_0_basic_issuer.json"))


def test_a_1_0_assertion_is_not_our_shape():
    """The validator's 1.0 example (recipient as a plain string) differs where 2.0 changed."""
    old = example("1_0_assertion_with_errors.json")
    ours = badges.assertion("https://x/a", "https://x/b", "a@b.c", "s", datetime.now(UTC), "https://x/i", "https://x/v")
    with pytest.raises(AssertionError):
        same_shape(ours, old)
    assert isinstance(ours["recipient"], dict) and isinstance(old["recipient"], str)


def test_revoked_assertion_says_so():
    doc = badges.revoked_assertion("https://x/a", "Sai thông tin")
    assert doc["revoked"] is True and doc["revocationReason"] == "Sai thông tin" and doc["id"] == "https://x/a"
