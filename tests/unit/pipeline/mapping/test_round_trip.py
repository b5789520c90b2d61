"""Round trips are stable: the two systems never ping-pong.

For each kind and both directions: a record's common form, written to the other
system (as that system stores it), reads back as the same common form; writing it
again asks for nothing; and writing it back to the record it came from asks for
nothing either.  An update makes the target *mean* the source (a number already
there in another spelling is not rewritten) and what the target cannot represent
survives it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_streams.pipeline.mapping import (
    CONTACT_FIELDS,
    align,
    altior_affaire_body,
    altior_contact_body,
    altior_status_actions,
    altior_third_party_body,
    altior_to_common,
    comparable,
    external_sellsy_id,
    same_value,
    sellsy_company_body,
    sellsy_contact_body,
    sellsy_individual_body,
    sellsy_opportunity_body,
    sellsy_to_common,
    sync_hash,
)

from .apis import altior_store, sellsy_store
from .samples import CATALOG, CONFIG
from .strategies import (
    affaires,
    altior_contacts,
    altior_morals,
    altior_physiques,
    opportunities,
    phones,
    sellsy_companies,
    sellsy_contacts,
    sellsy_individuals,
)

MAPPED_TYPES = {
    ("emails", "Principal"),
    ("phones", "Fixe"),
    ("phones", "Portable"),
    ("phones", "Fax"),
    ("urls", "Site web"),
}
settings.register_profile("mapping", deadline=None, max_examples=60)
settings.load_profile("mapping")


def a2c(record: dict[str, Any], entity: str = "third_party") -> dict[str, Any]:
    return altior_to_common(entity, record, CONFIG)


def tp_body(fields: dict[str, Any], existing: dict[str, Any] | None, sellsy_id: Any) -> Any:
    return altior_third_party_body(
        fields, CONFIG, existing=existing, establishment_id=1, sellsy_id=sellsy_id
    )


def extras(record: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Channel entries that are not the main entry of a mapped type."""
    found: list[tuple[str, str, str]] = []
    for channels in ("emails", "phones", "urls"):
        seen: set[str] = set()
        for entry in record.get(channels, []):
            kind = entry["type"]
            if (channels, kind) in MAPPED_TYPES and kind not in seen:
                seen.add(kind)
                continue
            found.append((channels, kind, entry["value"]))
    return found


def entries(record: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(c, e["type"], e["value"]) for c in ("emails", "phones", "urls") for e in record[c]}


def assert_converged(
    updated: dict[str, Any], wanted: dict[str, Any], before: dict[str, Any]
) -> None:
    """``updated`` means ``wanted`` (a value already there in another spelling is kept),
    except where a cleared main entry let the next entry of its type become the main
    one (the contract cannot delete at a position)."""
    promoted = {value for _, _, value in extras(before)}
    assert set(updated) == set(wanted)
    for name, value in wanted.items():
        if value is None and updated[name] is not None:
            assert updated[name] in promoted, name
        else:
            assert same_value(name, updated[name], value), name


# --- third parties ---------------------------------------------------------------------------


@given(sellsy_companies())
def test_sellsy_company_to_altior_and_back(sellsy: dict[str, Any]) -> None:
    common = sellsy_to_common("company", sellsy, CONFIG)
    altior = altior_store(None, tp_body(common, None, sellsy["id"]))
    assert a2c(altior) == common
    assert tp_body(common, altior, sellsy["id"]) == {}
    assert sellsy_company_body(common, sellsy) == {}


@given(sellsy_individuals())
def test_sellsy_individual_to_altior_and_back(sellsy: dict[str, Any]) -> None:
    common = sellsy_to_common("individual", sellsy, CONFIG)
    altior = altior_store(None, tp_body(common, None, sellsy["id"]))
    assert a2c(altior) == common
    assert tp_body(common, altior, sellsy["id"]) == {}
    assert sellsy_individual_body(common, sellsy, CONFIG) == {}


@given(st.one_of(altior_morals(), altior_physiques()))
def test_altior_third_party_to_sellsy_and_back(altior: dict[str, Any]) -> None:
    common = a2c(altior)
    if common["kind"] == "company":
        sellsy = sellsy_store(None, sellsy_company_body(common, None))
        assert sellsy_to_common("company", sellsy, CONFIG) == common
        assert sellsy_company_body(common, sellsy) == {}
    else:
        sellsy = sellsy_store(None, sellsy_individual_body(common, None, CONFIG))
        assert sellsy_to_common("individual", sellsy, CONFIG) == common
        assert sellsy_individual_body(common, sellsy, CONFIG) == {}
    assert tp_body(common, altior, external_sellsy_id(altior, CONFIG)) == {}


@given(altior_morals(), sellsy_companies())
def test_sellsy_update_converges_and_keeps_what_sellsy_cannot_hold(
    altior: dict[str, Any], sellsy: dict[str, Any]
) -> None:
    common = sellsy_to_common("company", sellsy, CONFIG)
    sellsy_id = external_sellsy_id(altior, CONFIG)
    updated = altior_store(altior, tp_body(common, altior, sellsy_id))
    assert_converged(a2c(updated), common, altior)
    assert set(extras(altior)) <= entries(updated)
    assert updated["first_name"] == altior["first_name"]  # not a company field
    # a promoted entry comes back to Sellsy once, and then nothing moves
    back = sellsy_store(sellsy, sellsy_company_body(a2c(updated), sellsy))
    again = sellsy_to_common("company", back, CONFIG)
    assert tp_body(again, updated, sellsy_id) == {}
    assert sellsy_company_body(a2c(updated), back) == {}


@given(altior_physiques(), sellsy_individuals())
def test_individual_update_never_touches_the_siret(
    altior: dict[str, Any], sellsy: dict[str, Any]
) -> None:
    common = sellsy_to_common("individual", sellsy, CONFIG)
    sellsy_id = external_sellsy_id(altior, CONFIG)
    updated = altior_store(altior, tp_body(common, altior, sellsy_id))
    assert_converged(a2c(updated), common, altior)
    assert updated["siret"] == altior["siret"]
    assert set(extras(altior)) <= entries(updated)


@given(sellsy_companies(), altior_morals())
def test_altior_update_of_sellsy_converges(sellsy: dict[str, Any], altior: dict[str, Any]) -> None:
    common = a2c(altior)
    updated = sellsy_store(sellsy, sellsy_company_body(common, sellsy))
    assert comparable(sellsy_to_common("company", updated, CONFIG)) == comparable(common)
    assert sellsy_company_body(common, updated) == {}
    for untouched in ("note", "reference", "type"):
        assert updated[untouched] == sellsy[untouched]
    assert updated["legal_france"]["siren"] == sellsy["legal_france"]["siren"]


@given(sellsy_companies(), altior_morals())
def test_align_removes_differences_of_spelling_only(
    sellsy: dict[str, Any], altior: dict[str, Any]
) -> None:
    left = sellsy_to_common("company", sellsy, CONFIG)
    right = a2c(altior)
    aligned = align(left, right)
    for name, value in aligned.items():
        assert same_value(name, value, left[name])
        assert value == right[name] or not same_value(name, left[name], right[name])


# --- contacts --------------------------------------------------------------------------------


@given(sellsy_contacts())
def test_sellsy_contact_to_altior_and_back(sellsy: dict[str, Any]) -> None:
    common = sellsy_to_common("contact", sellsy, CONFIG)
    body = altior_contact_body(
        common, CONFIG, existing=None, establishment_id=1, sellsy_id=sellsy["id"]
    )
    altior = altior_store(None, body)
    assert a2c(altior, "altior_contact") == common
    assert sellsy_contact_body(common, sellsy, CONFIG) == {}


@given(altior_contacts(), sellsy_contacts())
def test_contact_updates_both_ways(altior: dict[str, Any], sellsy: dict[str, Any]) -> None:
    from_altior = a2c(altior, "altior_contact")
    assert set(from_altior) == set(CONTACT_FIELDS)
    new_sellsy = sellsy_store(sellsy, sellsy_contact_body(from_altior, sellsy, CONFIG))
    assert comparable(sellsy_to_common("contact", new_sellsy, CONFIG)) == comparable(from_altior)
    from_sellsy = sellsy_to_common("contact", sellsy, CONFIG)
    sellsy_id = external_sellsy_id(altior, CONFIG)
    kw: dict[str, Any] = {"establishment_id": 1, "sellsy_id": sellsy_id}
    new_altior = altior_store(
        altior, altior_contact_body(from_sellsy, CONFIG, existing=altior, **kw)
    )
    assert_converged(a2c(new_altior, "altior_contact"), from_sellsy, altior)
    assert new_altior["third_party_id"] == altior["third_party_id"]
    assert set(extras(altior)) <= entries(new_altior)


# --- deals -----------------------------------------------------------------------------------


def with_status(affaire: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Apply the status calls the way Altior's /close and /reopen would."""
    result = dict(affaire)
    for action in altior_status_actions(fields, affaire):
        result["status"] = action.status if action.action == "close" else "open"
    return result


@given(opportunities())
def test_opportunity_to_affaire_and_back(opportunity: dict[str, Any]) -> None:
    common = sellsy_to_common("opportunity", opportunity, CONFIG)
    body = altior_affaire_body(
        common,
        CONFIG,
        existing=None,
        establishment_ids=[1],
        third_party_id=412,
        sellsy_id=opportunity["id"],
    )
    created = altior_store(None, body) | {"status": "open"}
    affaire = with_status(created, common)
    assert a2c(affaire, "affaire") == common
    assert altior_status_actions(common, affaire) == ()
    kw: dict[str, Any] = {"existing": affaire, "sellsy_id": opportunity["id"]}
    assert altior_affaire_body(common, CONFIG, **kw) == {}
    assert sellsy_opportunity_body(common, opportunity, catalog=CATALOG) == {}


@given(affaires())
def test_affaire_to_opportunity_and_back(affaire: dict[str, Any]) -> None:
    common = a2c(affaire, "affaire")
    body = sellsy_opportunity_body(
        common, None, catalog=CATALOG, related=[{"id": 48213, "type": "company"}]
    )
    created = sellsy_store({"id": 1, "amount": {"currency": "EUR"}}, body, CATALOG)
    assert sellsy_to_common("opportunity", created, CONFIG) == common
    assert sellsy_opportunity_body(common, created, catalog=CATALOG) == {}


@given(opportunities(), affaires())
def test_deal_updates_converge(opportunity: dict[str, Any], affaire: dict[str, Any]) -> None:
    from_sellsy = sellsy_to_common("opportunity", opportunity, CONFIG)
    kw: dict[str, Any] = {"sellsy_id": external_sellsy_id(affaire, CONFIG)}
    patched = altior_store(
        affaire, altior_affaire_body(from_sellsy, CONFIG, existing=affaire, **kw)
    )
    patched = with_status(patched, from_sellsy)
    assert comparable(a2c(patched, "affaire")) == comparable(from_sellsy)
    assert patched["custom_fields"]["Marge"] == 12  # other custom fields kept
    from_altior = a2c(affaire, "affaire")
    moved = sellsy_store(
        opportunity, sellsy_opportunity_body(from_altior, opportunity, catalog=CATALOG), CATALOG
    )
    expected = dict(from_altior)
    if from_altior["amount"] is None:  # Sellsy cannot clear an amount: it keeps its own
        expected.update(amount=from_sellsy["amount"], currency=from_sellsy["currency"])
    assert comparable(sellsy_to_common("opportunity", moved, CONFIG)) == comparable(expected)


# --- phones ----------------------------------------------------------------------------------


@given(phones(), st.data())
def test_respelling_a_phone_is_no_change(phone: str, data: st.DataObject) -> None:
    digits = "".join(c for c in phone if c.isdigit())
    national = "0" + digits[-9:]
    respelled = data.draw(
        st.sampled_from([national, "+33 " + national[1:], national[:2] + "." + national[2:]])
    )
    assert same_value("phone", phone, respelled)
    base = {"id": 1, "name": "X", "phone_number": phone}
    assert sync_hash("sellsy", "company", base, CONFIG) == sync_hash(
        "sellsy", "company", {**base, "phone_number": respelled}, CONFIG
    )
