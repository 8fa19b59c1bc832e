"""Strict parsing of what people and other systems type in: JSON bodies, dates and times, client addresses."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from rest_framework.exceptions import ParseError

from core.datetimes import parse_aware_datetime
from core.errors import DomainError
from core.parsers import MAX_JSON_DEPTH, json_parse
from core.throttle import client_address, client_fingerprint

UTC = datetime.UTC


def nested(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


def test_json_within_the_depth_limit_parses():
    assert json_parse(b'{"a": [1, {"b": "\xc3\xa9"}]}') == {"a": [1, {"b": "é"}]}
    assert json_parse(str(nested(MAX_JSON_DEPTH)).encode()) == nested(MAX_JSON_DEPTH)


@pytest.mark.parametrize(
    "raw",
    [
        str(nested(MAX_JSON_DEPTH + 1)).encode(),  # one level too deep
        b"[" * 100_000,  # deep enough to make the decoder itself give up (RecursionError)
        b'{"a": NaN}',
        b"{not json",
        b"\xff\xfe",
        b"",
    ],
)
def test_bad_json_is_a_parse_error(raw):
    with pytest.raises(ParseError):
        json_parse(raw)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-01T09:30:00Z", datetime.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01T09:30:00+14:00", datetime.datetime(2026, 2, 28, 19, 30, tzinfo=UTC)),
        ("2026-03-01T09:30:00-12:00", datetime.datetime(2026, 3, 1, 21, 30, tzinfo=UTC)),
        (
            "2026-03-01 09:30",
            datetime.datetime(2026, 3, 1, 14, 30, tzinfo=UTC),
        ),  # no offset: New York wall time
        (" 2026-07-01T09:30:00 ", datetime.datetime(2026, 7, 1, 13, 30, tzinfo=UTC)),  # summer time
    ],
)
def test_real_moments_parse_to_utc(value, expected):
    parsed = parse_aware_datetime(value, field="when", default_zone=ZoneInfo("America/New_York"))
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize(
    "value, message",
    [
        ("2026-02-30T10:00:00Z", "not a real date"),
        ("2026-13-01T10:00:00Z", "not a real date"),
        ("2026-03-01T25:00:00Z", "not a real date"),
        ("2026-03-01T10:00:00+14:01", "beyond ±14 hours"),
        ("2026-03-01T10:00:00-16:00", "beyond ±14 hours"),
        ("2026-03-01T10:00:00+99:00", "not a real date"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
        ("9999-12-31T23:59:59-01:00", "out of range"),
        ("soon", "not a date and time"),
        ("", "not a date and time"),
    ],
)
def test_impossible_dates_and_offsets_are_a_domain_error_on_the_field(value, message):
    with pytest.raises(DomainError, match=message) as caught:
        parse_aware_datetime(value, field="when", default_zone=UTC)
    assert caught.value.field == "when"


def test_client_address_reads_the_configured_key_and_never_trusts_garbage(settings):
    factory = RequestFactory()
    assert client_address(factory.get("/", REMOTE_ADDR="198.51.100.4")) == "198.51.100.4"
    settings.CLIENT_ADDRESS_META_KEY = "HTTP_X_REAL_IP"
    behind_proxy = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.5, 10.0.0.1")
    assert client_address(behind_proxy) == "203.0.113.5"
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="<script>")
    assert client_address(spoofed) == "10.0.0.1"
    socket = factory.get("/", REMOTE_ADDR="")
    assert (client_address(socket), client_address(socket, default=None)) == ("0.0.0.0", None)  # noqa: S104
    one, other = factory.get("/", REMOTE_ADDR="198.51.100.4"), factory.get("/", REMOTE_ADDR="198.51.100.5")
    assert client_fingerprint(one, purpose="p") != client_fingerprint(other, purpose="p")
    assert "198.51.100.4" not in client_fingerprint(one, purpose="p")
