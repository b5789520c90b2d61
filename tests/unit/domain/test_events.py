"""Change events and dead letters survive Kafka byte for byte; bad input names its field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sync_streams.domain.events import ChangeEvent, DeadLetter, compute_event_id
from sync_streams.domain.hashing import content_hash
from sync_streams.errors import MalformedRecordError, RateLimitedError

OBSERVED = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
SNAPSHOT = {
    "id": 12,
    "name": "Boulangerie Hélène",
    "email": "contact@boulangerie-helene.fr",
    "legal_france": {"siret": "732 829 320 00074"},
    "_embed": {"custom_fields": [{"id": 7, "value": True}]},
}


def make_event(**changes: object) -> ChangeEvent:
    fields: dict[str, object] = {
        "tenant": "acme",
        "system": "sellsy",
        "entity": "company",
        "source_id": 12,
        "snapshot": SNAPSHOT,
        "observed_at": OBSERVED,
        "source_updated_at": OBSERVED - timedelta(minutes=5),
    }
    fields.update(changes)
    return ChangeEvent.from_snapshot(**fields)  # type: ignore[arg-type]


def test_round_trip_through_bytes_is_exact() -> None:
    event = make_event()
    decoded = ChangeEvent.from_bytes(event.to_bytes())
    assert decoded == event
    assert decoded.snapshot == SNAPSHOT
    assert decoded.to_bytes() == event.to_bytes()
    assert json.loads(event.to_bytes()) == event.to_json_value()


def test_from_snapshot_hashes_the_chosen_fields() -> None:
    event = make_event(hashed_fields=["name", "legal_france.siret"])
    assert event.content_hash == content_hash(SNAPSHOT, ["name", "legal_france.siret"])
    assert event.source_id == "12"
    assert event.origin == "poll"
    assert event.schema_version == 1


def test_event_id_is_deterministic_and_tenant_scoped() -> None:
    a, b = make_event(), make_event(observed_at=OBSERVED + timedelta(hours=1))
    assert a.event_id == b.event_id  # same observation content, same id
    assert a.with_origin("replay").event_id == a.event_id
    other_tenant = make_event(tenant="globex")
    assert other_tenant.event_id != a.event_id
    changed = make_event(snapshot={**SNAPSHOT, "name": "Autre"})
    assert changed.event_id != a.event_id
    assert a.event_id == compute_event_id("acme", "sellsy", "company", "12", a.content_hash)
    assert a.event_id.startswith("acme/sellsy/company/12/")


def test_event_id_escapes_separators_so_ids_cannot_collide() -> None:
    h = "0" * 64
    assert compute_event_id("a/b", "sellsy", "c", "d", h) != compute_event_id(
        "a", "sellsy", "b/c", "d", h
    )


def test_a_forged_event_id_is_refused() -> None:
    data = make_event().to_json_value()
    data["event_id"] = "something-else"
    with pytest.raises(MalformedRecordError) as caught:
        ChangeEvent.from_bytes(json.dumps(data))
    assert caught.value.field == "event_id"


def test_times_are_stored_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    event = make_event(
        source_updated_at=datetime(2024, 5, 1, 12, 0, tzinfo=paris),
        observed_at=datetime(2024, 5, 1, 12, 30),  # naive: taken as UTC
    )
    assert event.source_updated_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert event.observed_at.tzinfo is UTC
    assert b'"source_updated_at":"2024-05-01T10:00:00Z"' in event.to_bytes()


def test_version_falls_back_to_observation_time() -> None:
    assert make_event().version == OBSERVED - timedelta(minutes=5)
    assert make_event(source_updated_at=None).version == OBSERVED


def test_kafka_key_is_the_tenant() -> None:
    assert make_event().kafka_key == b"acme"


def test_unknown_keys_are_ignored_for_forward_compatibility() -> None:
    data = make_event().to_json_value()
    data["added_in_a_later_version"] = {"x": 1}
    assert ChangeEvent.from_bytes(json.dumps(data)) == make_event()


def _encoded_without(field: str) -> bytes:
    data = make_event().to_json_value()
    del data[field]
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "field", ["tenant", "system", "entity", "source_id", "content_hash", "snapshot", "observed_at"]
)
def test_a_missing_required_field_is_named(field: str) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        ChangeEvent.from_bytes(_encoded_without(field))
    assert caught.value.field == field
    assert "required" in caught.value.reason


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("system", "hubspot"),
        ("tenant", ""),
        ("tenant", " acme"),
        ("source_id", ""),
        ("content_hash", "not-a-hash"),
        ("content_hash", "A" * 64),
        ("snapshot", ["not", "an", "object"]),
        ("observed_at", "yesterday"),
        ("source_updated_at", "32/13/2024"),
        ("origin", "magic"),
        ("schema_version", 2),
    ],
)
def test_a_bad_value_is_named(field: str, value: object) -> None:
    data = make_event().to_json_value()
    data[field] = value
    with pytest.raises(MalformedRecordError) as caught:
        ChangeEvent.from_bytes(json.dumps(data))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "not a JSON object"), (b"", "not valid JSON")],
)
def test_undecodable_bytes(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedRecordError, match=reason) as caught:
        ChangeEvent.from_bytes(raw)
    assert caught.value.field is None


def test_decoding_errors_never_echo_personal_data() -> None:
    data = make_event().to_json_value()
    data["system"] = "contact@boulangerie-helene.fr"
    with pytest.raises(MalformedRecordError) as caught:
        ChangeEvent.from_bytes(json.dumps(data))
    assert "boulangerie" not in str(caught.value)
    assert "boulangerie" not in str(caught.value.__cause__)


def test_snapshot_must_be_plain_json() -> None:
    with pytest.raises(ValueError, match="snapshot"):
        make_event(snapshot={"when": datetime(2024, 1, 1)}, hashed_fields=[])


def test_events_are_immutable() -> None:
    event = make_event()
    with pytest.raises(ValueError, match="frozen"):
        event.tenant = "globex"  # type: ignore[misc]


# --- dead letters ------------------------------------------------------------------

FAILED_AT = datetime(2024, 5, 1, 11, 0, tzinfo=UTC)


def test_dead_letter_of_a_malformed_record_names_field_and_keeps_the_event() -> None:
    event = make_event()
    error = MalformedRecordError("not a valid SIRET", field="legal_france.siret")
    letter = DeadLetter.for_error(
        error, tenant="acme", stage="map", original=event, failed_at=FAILED_AT
    )
    assert letter.reason == "not a valid SIRET"
    assert letter.field == "legal_france.siret"
    assert letter.error_class == "MalformedRecordError"
    assert letter.retriable is False
    assert (letter.event_id, letter.system, letter.entity, letter.source_id) == (
        event.event_id,
        "sellsy",
        "company",
        "12",
    )
    decoded = DeadLetter.from_bytes(letter.to_bytes())
    assert decoded == letter
    requeued = decoded.requeued_event()
    assert requeued.origin == "requeue"
    assert requeued.event_id == event.event_id
    assert requeued.snapshot == event.snapshot


def test_dead_letter_after_retries_says_retriable_and_attempts() -> None:
    letter = DeadLetter.for_error(
        RateLimitedError("quota exhausted", system="sellsy", status=429),
        tenant="acme",
        stage="write",
        original=make_event(),
        failed_at=FAILED_AT,
        attempts=5,
    )
    assert letter.retriable is True
    assert letter.attempts == 5
    assert letter.error_class == "RateLimitedError"
    assert "quota exhausted" in letter.reason


def test_dead_letter_of_undecodable_text_keeps_it_verbatim() -> None:
    raw = b'{"tenant": "acme", "system": '
    letter = DeadLetter.for_error(
        MalformedRecordError("message is not valid JSON"),
        tenant="acme",
        stage="decode",
        original=raw,
        failed_at=FAILED_AT,
    )
    assert letter.original_format == "text"
    assert DeadLetter.from_bytes(letter.to_bytes()).original_bytes() == raw
    with pytest.raises(MalformedRecordError):
        letter.original_event()


def test_dead_letter_of_binary_garbage_is_lossless() -> None:
    raw = b"\xff\xfe\x00garbage\x80"
    letter = DeadLetter.for_error(
        ValueError("bad"), tenant="acme", stage="decode", original=raw, failed_at=FAILED_AT
    )
    assert letter.original_format == "base64"
    assert DeadLetter.from_bytes(letter.to_bytes()).original_bytes() == raw


def test_dead_letter_of_json_that_is_not_an_event() -> None:
    raw = json.dumps({"tenant": "acme", "system": "sellsy", "source_id": 5}).encode()
    letter = DeadLetter.for_error(
        MalformedRecordError("field required", field="entity"),
        tenant="acme",
        stage="decode",
        original=raw,
        failed_at=FAILED_AT,
    )
    assert letter.original_format == "json"
    assert letter.source_id == "5"
    with pytest.raises(MalformedRecordError) as caught:
        letter.requeued_event()
    assert caught.value.field == "entity"


def test_dead_letter_without_message_uses_the_error_class() -> None:
    letter = DeadLetter.for_error(
        RuntimeError(), tenant="acme", stage="write", original=None, failed_at=FAILED_AT
    )
    assert letter.reason == "RuntimeError"
    assert letter.original is None


def test_malformed_dead_letter_is_reported_with_its_field() -> None:
    with pytest.raises(MalformedRecordError) as caught:
        DeadLetter.from_bytes(b'{"tenant": "acme", "stage": "map"}')
    assert caught.value.field in {"reason", "error_class", "failed_at"}
