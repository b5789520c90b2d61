"""Record state: tenant-scoped keys and the transitions the agent records."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_streams.domain.hashing import content_hash, value_hash
from sync_streams.pipeline.state import (
    IdLink,
    RecordState,
    SideSync,
    belongs_to,
    link_key,
    new_state,
    parse_key,
    record_applied,
    record_seen,
    record_sync,
    state_key,
    tenant_prefix,
)
from tests.unit.pipeline.factories import at, event


def test_keys_always_carry_the_tenant() -> None:
    acme = state_key("acme", "sellsy", "company", 12)
    globex = state_key("globex", "sellsy", "company", 12)
    assert acme != globex
    assert belongs_to(acme, "acme") and not belongs_to(acme, "globex")
    assert parse_key(acme) == ("acme", "sellsy", "company", "12")
    with pytest.raises(ValueError, match="tenant"):
        state_key("", "sellsy", "company", 12)


def test_a_tenant_prefix_never_matches_another_tenant() -> None:
    assert not belongs_to(state_key("acme-2", "sellsy", "company", 1), "acme")
    assert not belongs_to(state_key("acme|x", "sellsy", "company", 1), "acme")
    assert tenant_prefix("a|b") != tenant_prefix("a")


def test_parse_key_refuses_foreign_text() -> None:
    with pytest.raises(ValueError, match="not a record key"):
        parse_key("acme|sellsy|company")


parts = st.text(min_size=1, max_size=12)


@given(parts, st.sampled_from(["sellsy", "altior"]), parts, parts)
def test_keys_are_unambiguous(tenant: str, system: str, entity: str, record_id: str) -> None:
    key = state_key(tenant, system, entity, record_id)
    assert parse_key(key) == (tenant, system, entity, record_id)
    assert belongs_to(key, tenant)
    assert link_key(tenant, system, entity, record_id) == key


def test_id_link_is_stored_under_both_sides() -> None:
    link = IdLink(
        tenant="acme",
        entity="third_party",
        sellsy_id="12",
        altior_id="T-7",
        sellsy_entity="company",
    )
    assert link.table_keys() == (
        state_key("acme", "sellsy", "company", "12"),
        state_key("acme", "altior", "third_party", "T-7"),
    )
    assert link.id_of("altior") == "T-7"
    assert link.entity_of("sellsy") == "company"
    assert link.entity_of("altior") == "third_party"


def test_company_and_individual_with_the_same_id_do_not_share_a_key() -> None:
    company = IdLink(
        tenant="acme", entity="third_party", sellsy_id="5", altior_id="A", sellsy_entity="company"
    )
    person = IdLink(
        tenant="acme",
        entity="third_party",
        sellsy_id="5",
        altior_id="B",
        sellsy_entity="individual",
    )
    assert company.key("sellsy") != person.key("sellsy")


FIELDS = {"name": "Dupont SARL", "email": "a@dupont.fr"}


def _synced_state() -> RecordState:
    ev = event(FIELDS, version=10)
    target = SideSync(
        id="T-7",
        entity="third_party",
        hash=content_hash(FIELDS),
        version=at(11),
        written=True,
        fields=FIELDS,
    )
    return record_applied(
        new_state(ev, "third_party"), ev, source_fields=FIELDS, target=target, synced_at=at(12)
    )


def test_record_applied_links_both_sides_and_arms_echo_suppression() -> None:
    state = _synced_state()
    h = content_hash(FIELDS)
    assert state.sellsy.id == "12" and state.altior.id == "T-7"
    assert state.sellsy.seen_hash == h and state.sellsy.synced_hash == h
    assert state.sellsy.applied_version == at(10)
    assert state.altior.written_hash == h
    assert state.altior.seen_hash is None  # created by us: its poll copy is an echo
    assert state.altior.applied_version == at(11)
    assert state.altior.field_hashes == {n: value_hash(v) for n, v in FIELDS.items()}
    assert state.synced_at == at(12)
    link = state.link()
    assert link is not None and link.table_keys() == tuple(state.table_keys())


def test_record_seen_of_the_echo_keeps_the_guard_and_of_anything_else_drops_it() -> None:
    state = _synced_state()
    echo = event(FIELDS, system="altior", source_id="T-7", version=11)
    after_echo = record_seen(state, echo)
    assert after_echo.altior.written_hash == content_hash(FIELDS)
    assert after_echo.altior.pending is False
    edited = {**FIELDS, "email": "b@dupont.fr"}
    after_edit = record_seen(
        after_echo, event(edited, system="altior", source_id="T-7", version=20)
    )
    assert after_edit.altior.written_hash is None
    assert after_edit.altior.pending is True  # seen, not synced: Sellsy must merge
    assert after_edit.altior.applied_version == at(20)


def test_record_sync_after_a_merge_write_back() -> None:
    state = _synced_state()
    sellsy_fields = {**FIELDS, "name": "Dupont & Fils"}
    altior_fields = {**FIELDS, "email": "b@dupont.fr"}
    merged = {"name": "Dupont & Fils", "email": "b@dupont.fr"}
    ev = event(sellsy_fields, version=30)
    result = record_sync(
        state,
        ev,
        {
            "sellsy": SideSync(
                id="12",
                entity="company",
                hash=content_hash(merged),
                version=at(32),
                written=True,
                fields=merged,
            ),
            "altior": SideSync(
                id="T-7",
                entity="third_party",
                hash=content_hash(merged),
                version=at(31),
                written=True,
                read_hash=content_hash(altior_fields),
                fields=merged,
            ),
        },
        at(33),
    )
    assert result.sellsy.seen_hash == ev.content_hash
    assert result.sellsy.written_hash == content_hash(merged)
    assert result.sellsy.applied_version == at(32)
    assert result.altior.seen_hash == content_hash(altior_fields)
    assert result.altior.written_hash == content_hash(merged)
    assert not result.sellsy.pending and not result.altior.pending


def test_transitions_refuse_another_tenants_state() -> None:
    state = _synced_state()
    with pytest.raises(ValueError, match="tenant"):
        record_seen(state, event(FIELDS, tenant="globex"))


def test_state_round_trips_for_the_table() -> None:
    state = _synced_state()
    assert RecordState.from_bytes(state.to_bytes()) == state
