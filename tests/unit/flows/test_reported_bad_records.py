"""Each malformed version of a record is handed to the dead-letter topic once.

Found by the dead-letter e2e test: poll windows overlap and the cursor only moves
on readable records, so the same malformed record came back on every poll.
"""

from __future__ import annotations

from sync_streams.flows.sources import ReportedBadRecords


def test_same_malformed_version_is_reported_once() -> None:
    memory = ReportedBadRecords()
    raw = {"id": 7, "legal_france": "texte"}
    assert memory.first_time("sellsy", "company", raw)
    assert not memory.first_time("sellsy", "company", dict(raw))
    assert memory.first_time("sellsy", "company", {**raw, "legal_france": "autre"})
    assert memory.first_time("sellsy", "individual", raw)  # another kind, another record


def test_records_without_id_are_told_apart_by_content() -> None:
    memory = ReportedBadRecords()
    assert memory.first_time("altior", "third_party", ["not", "an", "object"])
    assert not memory.first_time("altior", "third_party", ["not", "an", "object"])
    assert memory.first_time("altior", "third_party", "other")


def test_memory_is_bounded() -> None:
    memory = ReportedBadRecords(limit=2)
    for record_id in (1, 2, 3):
        assert memory.first_time("sellsy", "company", {"id": record_id})
    assert memory.first_time("sellsy", "company", {"id": 1})  # forgotten: reported again
    assert not memory.first_time("sellsy", "company", {"id": 3})
