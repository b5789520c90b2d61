"""What the client puts on the wire for writes (merge semantics depend on it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from sync_streams.altior import (
    AffaireCreate,
    AffaireUpdate,
    AmountWrite,
    ContactUpdate,
    ExternalReferenceWrite,
    ThirdPartyCreate,
    ThirdPartyUpdate,
    replace_main,
    sellsy_reference,
)


def test_an_update_sends_only_what_was_set_and_null_clears() -> None:
    payload = ThirdPartyUpdate(
        siret=None, phones=[replace_main("Fixe", "04 78 00 00 00")]
    ).payload()
    assert payload == {"siret": None, "phones": [{"type": "Fixe", "value": "04 78 00 00 00"}]}
    assert ContactUpdate().payload() == {}


def test_the_forms_codification_is_the_default_external_reference() -> None:
    assert sellsy_reference(48213).payload() == {
        "codification": "EXTERNAL",
        "key": "SELLSY",
        "value": "48213",
    }
    removal = AffaireUpdate(external_references=[ExternalReferenceWrite(value=None)]).payload()
    assert removal == {
        "external_references": [{"codification": "EXTERNAL", "key": "SELLSY", "value": None}]
    }


def test_amounts_go_out_as_two_decimal_strings_with_their_currency() -> None:
    create = AffaireCreate(
        name="Four",
        third_party_id=1,
        establishment_ids=[1],
        amount=AmountWrite(value=Decimal("1.85E+4")),
    )
    assert create.payload()["amount"] == {"value": "18500.00", "currency": "EUR"}
    update = AffaireUpdate(amount=AmountWrite(value=Decimal("12.5"), currency="CHF"))
    assert update.payload() == {"amount": {"value": "12.50", "currency": "CHF"}}


def test_a_create_leaves_out_unset_optional_fields() -> None:
    payload = ThirdPartyCreate(kind="physique", last_name="Garnier", establishment_id=2).payload()
    assert "name" not in payload and "siret" not in payload
    assert payload["kind"] == "physique" and payload["phones"] == []


def test_typos_in_our_own_payloads_fail_early() -> None:
    with pytest.raises(ValidationError):
        ThirdPartyUpdate(phone=[replace_main("Fixe", "01")])  # type: ignore[call-arg]
