"""One-time codes as pure rules: 140 random bits in an alphabet read off paper without mistakes,
typed in any case with or without dashes, stored under a keyed hash that depends on the app's
secret, and judged used, replaced or expired with the exact message a person reads."""

from datetime import UTC, datetime, timedelta

import pytest

from lms.auth.codes import (
    ALPHABET,
    CODE_LENGTH,
    code_hash,
    code_key,
    code_problem,
    derive_code,
    format_code,
    new_code,
    new_secret,
    normalise_code,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_a_code_carries_at_least_128_bits_in_an_unambiguous_alphabet():
    assert len(ALPHABET) == 32 and CODE_LENGTH * 5 >= 128
    assert not set("ILOU") & set(ALPHABET)
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)


def test_derived_codes_differ_per_account_purpose_and_secret_and_repeat_for_the_same_inputs():
    secret = new_secret()
    code = derive_code(secret, "activate", "hv01")
    assert code == derive_code(secret, "activate", "hv01") and len(code) == CODE_LENGTH
    assert set(code) <= set(ALPHABET)
    assert code != derive_code(secret, "activate", "hv02")
    assert code != derive_code(secret, "reset", "hv01")
    assert code != derive_code(new_secret(), "activate", "hv01")


def test_a_code_is_printed_in_groups_of_four_and_read_back_however_it_is_typed():
    code = "0123456789ABCDEFGHJKMNPQRSTV"
    assert format_code(code) == "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV"
    assert normalise_code(" 0123-4567 89ab-cdef-ghjk-mnpq-rstv ") == code
    assert normalise_code("O1IL") == "0111"  # letters that look like digits read as those digits


def test_the_stored_hash_is_keyed_by_the_app_secret_and_never_the_code():
    key = code_key("secret-one")
    code = new_code()
    stored = code_hash(key, code)
    assert len(stored) == 64 and code not in stored
    assert stored == code_hash(key, format_code(code).lower())
    assert stored != code_hash(code_key("secret-two"), code)


@pytest.mark.parametrize(
    ("used", "replaced", "expires", "message"),
    [
        (NOW, None, NOW + timedelta(days=1), "This code has already been used."),
        (
            None,
            NOW,
            NOW + timedelta(days=1),
            "This code was replaced by a newer one. Use the newest code you were given.",
        ),
        (None, None, NOW, "This code has expired. Ask your administrator for a new one."),
        (None, None, NOW + timedelta(seconds=1), None),
    ],
)
def test_a_matching_code_is_judged_used_replaced_expired_or_usable(used, replaced, expires, message):
    assert code_problem(expires_at=expires, used_at=used, replaced_at=replaced, now=NOW) == message
