"""Certificate rules at their limits: reason lengths, salts, trimmed reasons, who is named in a refusal.

Pure: no app, no database.
"""

from __future__ import annotations

import string

from lms.certificates.issuing import (
    REASON_MAX,
    REASON_MIN,
    Candidate,
    Ineligibility,
    Ineligible,
    check_request,
    clean_reason,
    new_salt,
    reason_problem,
)


def test_salt_is_32_hex_digits_and_new_each_time():
    salts = {new_salt() for _ in range(5)}
    assert len(salts) == 5
    assert all(len(s) == 32 and set(s) <= set(string.hexdigits.lower()) for s in salts)


def test_reason_is_trimmed_and_none_is_empty():
    assert clean_reason("  Hoàn thành  bù buổi 2 \n") == "Hoàn thành  bù buổi 2"
    assert clean_reason(None) == ""
    assert clean_reason("") == ""


def test_reason_length_limits_are_inclusive():
    assert (REASON_MIN, REASON_MAX) == (5, 1000)
    assert reason_problem("x" * 4) == "short"
    assert reason_problem("x" * 5) is None
    assert reason_problem("x" * 1000) is None
    assert reason_problem("x" * 1001) == "long"


def candidate(enrolment_id, name, complete=True, certified=False, active=True):
    return Candidate(enrolment_id, name, class_id=7, active=active, complete=complete, certified=certified)


def test_refusals_name_the_learner_and_say_why():
    candidates = {
        1: candidate(1, "Nguyễn Thị Mai", certified=True),
        2: candidate(2, "Trần Văn Nam", complete=False),
        3: candidate(3, "Lê Thu", complete=False),
        4: candidate(4, "Phạm An", complete=False),
    }
    reasons = {3: "x" * 1001, 4: "x" * 1000}
    assert check_request(7, [1, 2, 3, 4], candidates, reasons) == [
        Ineligible(1, "Nguyễn Thị Mai", Ineligibility.ALREADY),
        Ineligible(2, "Trần Văn Nam", Ineligibility.INCOMPLETE),
        Ineligible(3, "Lê Thu", Ineligibility.REASON_LONG),
    ]


def test_complete_enrolment_with_a_reason_of_the_longest_length_is_accepted():
    assert check_request(7, [1], {1: candidate(1, "Mai")}, {1: "x" * REASON_MAX}) == []
