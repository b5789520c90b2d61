"""The sandbox's pure pieces: cursor, quota windows, fault dice, clock, validation messages."""

from __future__ import annotations

import random

import pytest
from multidict import MultiDict

from sync_streams.sandboxes.sellsy import customfields, faults, search
from sync_streams.sandboxes.sellsy.clock import Clock, parse_iso, to_iso
from sync_streams.sandboxes.sellsy.errors import SellsyError
from sync_streams.sandboxes.sellsy.models import CompanyCreate, ContactCreate, parse
from sync_streams.sandboxes.sellsy.quota import QuotaTracker
from sync_streams.sandboxes.sellsy.seed import luhn_siret
from sync_streams.sandboxes.sellsy.settings import Faults, Quota

SECOND = 1_000_000


def test_cursor_round_trips_and_accepts_url_safe_or_unpadded_text() -> None:
    cursor = search.encode_cursor([1_700_000_000_123_456, "598"])
    assert search.decode_cursor(cursor) == [1_700_000_000_123_456, "598"]
    url_safe = cursor.replace("+", "-").replace("/", "_").rstrip("=")
    assert search.decode_cursor(url_safe) == [1_700_000_000_123_456, "598"]


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "!!"},
        {"offset": "e30="},
        {"limit": "101"},
        {"limit": "-1"},
        {"order": "updated"},
        {"direction": "up"},
    ],
)
def test_bad_paging_parameters_are_400_naming_the_parameter(query: dict[str, str]) -> None:
    with pytest.raises(SellsyError) as caught:
        search.page_request(MultiDict(query), "contact")
    assert caught.value.status == 400
    assert set(caught.value.details) == set(query)


def test_a_cursor_from_another_order_is_refused() -> None:
    id_cursor = search.encode_cursor(["12"])
    with pytest.raises(SellsyError):
        search.page_request(MultiDict({"offset": id_cursor, "order": "updated_at"}), "company")
    page = search.page_request(MultiDict({"offset": id_cursor}), "company")
    assert page.cursor == ["12"] and page.limit == search.DEFAULT_LIMIT


def test_numeric_offsets_stop_at_sellsys_limit() -> None:
    assert search.page_request(MultiDict({"offset": "99999"}), "company").numeric_offset == 99999
    with pytest.raises(SellsyError):
        search.page_request(MultiDict({"offset": "100000"}), "company")


def test_quota_windows_count_refuse_and_roll_over() -> None:
    tracker = QuotaTracker()
    quota = Quota(per_second=2, per_minute=3)
    start = 1_700_000_000 * SECOND  # a whole minute boundary + 20 s
    first = tracker.consume(1, quota, start)
    assert first.allowed and first.remaining["second"] == 1 and first.remaining["minute"] == 2
    tracker.consume(1, quota, start + 1)
    third = tracker.consume(1, quota, start + 2)
    assert not third.allowed and third.exhausted == "second" and third.retry_after == 1
    next_second = tracker.consume(1, quota, start + SECOND)
    assert not next_second.allowed and next_second.exhausted == "minute"
    assert next_second.retry_after == 60 - (start // SECOND + 1) % 60
    assert tracker.consume(2, quota, start + SECOND).allowed  # another account
    assert tracker.consume(1, quota, start + 60 * SECOND).allowed
    assert third.headers()["X-Quota-Remaining-By-Day"] == "1000000"  # window off


def test_fault_countdowns_are_deterministic_and_rates_follow_the_dice() -> None:
    rng = random.Random(7)
    decision, [after] = faults.decide([Faults(fail_next=1, error_status=502)], rng)
    assert decision.action == "error" and decision.error_status == 502 and after.fail_next == 0
    decision, _ = faults.decide([after], rng)
    assert decision.action is None
    drops = [faults.decide([Faults(drop_rate=1.0)], rng)[0].action for _ in range(5)]
    assert drops == ["drop"] * 5
    assert faults.decide([Faults(), Faults(latency_ms=250)], rng)[0].latency_ms == 250
    assert faults.token_lifetime_override([Faults(token_lifetime=30), Faults()]) == 30


def test_clock_is_strictly_increasing_and_iso_keeps_microseconds() -> None:
    clock = Clock()
    stamps = [clock.now_us() for _ in range(1000)]
    assert stamps == sorted(set(stamps))
    text = to_iso(1_700_000_000_123_456)
    assert text.endswith("+01:00") and ".123456" in text  # Paris, winter
    assert parse_iso(text) == 1_700_000_000_123_456
    assert parse_iso("2023-11-14T22:13:20.123456Z") == 1_700_000_000_123_456


def test_validation_messages_are_french_and_name_nested_fields() -> None:
    with pytest.raises(SellsyError) as caught:
        parse(CompanyCreate, {"type": "client", "name": 3, "legal_france": {"siret": "12"}})
    assert caught.value.details == {
        "name": "Une chaîne de caractères est attendue.",
        "legal_france.siret": "Au moins 14 caractères.",
    }
    contact = parse(ContactCreate, {"last_name": "Durand", "id": 5, "inconnu": True})
    assert contact.last_name == "Durand"  # contacts ignore unknown fields, like the spec allows


def test_custom_field_values_are_checked_by_type() -> None:
    checkbox = {"type": "checkbox", "parameters": {"items": [{"id": 4}, {"id": 5}]}}
    assert customfields.check_value(checkbox, [4, 5]) is None
    assert customfields.check_value(checkbox, [6]) is not None
    assert customfields.check_value({"type": "boolean"}, "oui") is not None
    assert customfields.check_value({"type": "boolean"}, None) is None
    assert customfields.requested_fields(["cf.3", "main_contact", "cf.10"]) == (
        [3, 10],
        ["main_contact"],
    )


def test_generated_sirets_pass_the_luhn_check() -> None:
    for serial in range(1, 200):
        siret = luhn_siret(serial)
        digits = [int(c) for c in siret]
        total = sum(
            d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
        )
        assert len(siret) == 14 and total % 10 == 0
