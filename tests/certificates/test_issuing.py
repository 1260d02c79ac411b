"""The certificate rules, without an app: serials, codes, hashed emails, who may be certified."""

from datetime import UTC, datetime

import pytest

from lms.certificates import badges
from lms.certificates.issuing import (
    Candidate,
    Ineligibility,
    check_request,
    course_minutes,
    format_hours,
    format_serial,
    hashed_identity,
    looks_like_code,
    new_verification_code,
    next_serial,
    reason_problem,
    serial_number,
)
from lms.text import clean_name


def test_serials_are_readable_and_count_per_year():
    assert format_serial("CCHC", 2026, 123) == "CCHC-2026-000123"
    assert next_serial("CCHC", 2026, []) == "CCHC-2026-000001"
    assert next_serial("CCHC", 2026, ["CCHC-2026-000009", "CCHC-2025-000500"]) == "CCHC-2026-000010"
    assert next_serial("CCHC", 2027, ["CCHC-2026-000009"]) == "CCHC-2027-000001"
    assert serial_number("CCHC-2026-000042", "CCHC", 2026) == 42
    assert serial_number("XYZ-2026-000042", "CCHC", 2026) is None
    assert serial_number("CCHC-2026-abc", "CCHC", 2026) is None


def test_verification_codes_are_long_random_and_url_safe():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 32  # 24 random bytes = 192 bits
        assert looks_like_code(code)
    assert not looks_like_code("short")
    assert not looks_like_code("a" * 31 + "/")
    assert not looks_like_code("<script>alert(1)</script>" + "x" * 20)


def test_hashed_identity_matches_the_open_badges_known_answer():
    # openbadges-validator-core's basic assertion: sha256("nobody@example.org" + "deadsea")
    assert hashed_identity("nobody@example.org", "deadsea") == (
        "sha256$ecf5409f3f4b91ab60cc5ef4c02aef7032354375e70cf4d8e43f6a1d29891942"
    )


def test_clean_names_are_composed_unicode():
    decomposed = "Nguye\u0302\u0303n Thi\u0323  Ho\u0302\u0300ng A\u0301nh"
    assert clean_name(decomposed) == "Nguyễn Thị Hồng Ánh"


@pytest.mark.parametrize(("minutes", "text"), [(120, "2"), (90, "1,5"), (750, "12,5"), (20, "0,3")])
def test_hours_use_a_decimal_comma(minutes, text):
    assert format_hours(minutes) == text


def test_study_time_is_the_course_declared_hours_only():
    assert course_minutes(8) == 480
    assert course_minutes(1.5) == 90
    # No declared hours: the certificate states none (module estimates are not the course's length).
    assert course_minutes(None) == 0


def test_reasons_must_be_written_and_not_too_long():
    assert reason_problem("") == "short"
    assert reason_problem("ok") == "short"
    assert reason_problem("Attended the in-person class instead") is None
    assert reason_problem("x" * 1001) == "long"


def candidate(enrolment_id, **kwargs):
    values = {"name": f"Learner {enrolment_id}", "class_id": 1, "active": True, "complete": True, "certified": False}
    return Candidate(enrolment_id, **{**values, **kwargs})


def test_a_clean_request_has_no_refusal():
    candidates = {1: candidate(1), 2: candidate(2, complete=False)}
    assert check_request(1, [1, 2], candidates, {2: "Sat the exam on paper"}) == []


def test_every_problem_of_a_request_is_named():
    candidates = {
        1: candidate(1),
        2: candidate(2, class_id=9),
        3: candidate(3, active=False),
        4: candidate(4, certified=True),
        5: candidate(5, complete=False),
        6: candidate(6, complete=False),
    }
    refusals = check_request(1, [1, 2, 3, 4, 5, 6, 77], candidates, {6: "x" * 1001})
    assert [(r.enrolment_id, r.why) for r in refusals] == [
        (2, Ineligibility.NOT_IN_CLASS),
        (3, Ineligibility.WITHDRAWN),
        (4, Ineligibility.ALREADY),
        (5, Ineligibility.INCOMPLETE),
        (6, Ineligibility.REASON_LONG),
        (77, Ineligibility.NOT_IN_CLASS),
    ]
    # Another class's learner is not named: ids cannot be used to learn who is where.
    assert refusals[0].name == "" and refusals[-1].name == ""
    assert refusals[1].name == "Learner 3"


def test_badge_timestamps_are_utc_iso8601():
    moment = datetime(2026, 4, 21, 3, 4, 5, 678, tzinfo=UTC)
    assert badges.iso8601(moment) == "2026-04-21T03:04:05Z"
