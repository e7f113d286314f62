"""Small pure functions of the staff side: SMS segments, phone and e-mail parsing, masking."""

from __future__ import annotations

import pytest

from portal.delivery import ContactError
from portal.delivery.email import parse_email
from portal.delivery.sms import parse_phone, segments
from portal.logging_filters import mask_tokens


@pytest.mark.parametrize(
    ("text", "encoding", "units", "count"),
    [
        ("", "gsm7", 0, 1),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("Hej æøå ÆØÅ", "gsm7", 11, 1),
        ("€" * 80, "gsm7", 160, 1),  # extension characters count twice
        ("[" * 81, "gsm7", 162, 2),
        ("مرحبا", "ucs2", 5, 1),
        ("ş" * 70, "ucs2", 70, 1),  # Turkish ş is not GSM-7
        ("ş" * 71, "ucs2", 71, 2),
        ("😀" * 35, "ucs2", 70, 1),  # astral characters take two UTF-16 units
        ("Cześć " * 20, "ucs2", 120, 2),
    ],
)
def test_segments(text, encoding, units, count):
    result = segments(text)
    assert (result.encoding, result.units, result.count) == (encoding, units, count)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20 12 34 56", "+4520123456"),
        ("2012 3456", "+4520123456"),
        ("+45 20 12 34 56", "+4520123456"),
        ("0045 20123456", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+90 532 123 45 67", "+905321234567"),
    ],
)
def test_phone_numbers(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "phone_missing"),
        ("   ", "phone_missing"),
        ("1234567", "phone_invalid"),
        ("+45 1234 5678", "phone_invalid"),
        ("+1 555", "phone_invalid"),
        ("telefon", "phone_invalid"),
        ("2" * 50, "phone_invalid"),
        ("+44 20 7946 0018", "phone_not_mobile"),
    ],
)
def test_bad_phone_numbers(value, code):
    with pytest.raises(ContactError) as raised:
        parse_phone(value)
    assert raised.value.code == code


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "email_missing"), ("a@", "email_invalid"), ("a b@c.dk", "email_invalid"),
     ("a@localhost", "email_invalid"), ("x" * 250 + "@c.dk", "email_invalid")],
)
def test_bad_email(value, code):
    with pytest.raises(ContactError) as raised:
        parse_email(value)
    assert raised.value.code == code


def test_email_domain_is_normalised():
    assert parse_email("  Anna@EXAMPLE.dk ") == "Anna@example.dk"


def test_set_password_links_are_masked_in_logs():
    line = '"GET /staff/set-password/eyJ1IjoxfQ.aBcD.eFg-h_I HTTP/1.1" 200'
    assert mask_tokens(line) == '"GET /staff/set-password/<token> HTTP/1.1" 200'
