"""Third parties: Sellsy companies and individuals <-> Altior ``moral``/``physique``.

A company is a legal person (name, SIRET); an individual a natural person
(civility, first and last names).  Each kind syncs only the fields both systems
hold for it, so what one side cannot represent (an Altior natural person's SIRET,
an Altior legal person's first name, a second ``Fixe``) is never wiped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.channels import create_channels, read_slots, update_channels
from sync_streams.pipeline.mapping.common import (
    ALTIOR_KIND_OF,
    KIND_OF_ALTIOR,
    changed_fields,
    siret_value,
    third_party_fields,
)
from sync_streams.pipeline.mapping.config import AnyConfig, MappingConfig, mapping_config
from sync_streams.pipeline.mapping.fieldmaps import (
    altior_scalars,
    for_create,
    sellsy_channels,
    sellsy_scalars,
)
from sync_streams.pipeline.mapping.people import sellsy_civility
from sync_streams.pipeline.mapping.reading import boolean, loose_text, text, timestamp
from sync_streams.pipeline.mapping.references import ensure_reference, sellsy_reference


def sellsy_company_to_common(record: Mapping[str, Any]) -> dict[str, Any]:
    timestamp(record, "updated_at")
    return {
        "kind": "company",
        "name": text(record, "name"),
        "siret": siret_value(loose_text(record, "legal_france.siret")),
        **sellsy_channels(record),
        "archived": boolean(record, "is_archived"),
    }


def sellsy_individual_to_common(record: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    timestamp(record, "updated_at")
    return {
        "kind": "person",
        "civility": sellsy_civility(record, config.mapping),
        "first_name": text(record, "first_name"),
        "last_name": text(record, "last_name"),
        **sellsy_channels(record),
        "archived": boolean(record, "is_archived"),
    }


def altior_third_party_to_common(
    record: Mapping[str, Any], config: MappingConfig
) -> dict[str, Any]:
    timestamp(record, "updated_at")
    raw_kind = text(record, "kind")
    if raw_kind is None:
        raise MalformedRecordError("a third party needs a kind", field="kind")
    kind = KIND_OF_ALTIOR.get(raw_kind, raw_kind)  # a new kind is carried, never guessed
    channels = read_slots(record, config.mapping)
    values: dict[str, Any] = {
        "name": text(record, "name"),
        "siret": siret_value(loose_text(record, "siret")),
        "civility": text(record, "civility"),
        "first_name": text(record, "first_name"),
        "last_name": text(record, "last_name"),
        **channels,
        "archived": boolean(record, "archived"),
    }
    return {"kind": kind, **{f: values[f] for f in third_party_fields(kind)}}


# --- Altior bodies ---------------------------------------------------------------------


def altior_third_party_body(
    fields: Mapping[str, Any],
    config: AnyConfig,
    *,
    existing: Mapping[str, Any] | None,
    establishment_id: int,
    sellsy_id: str | int | None,
) -> dict[str, Any]:
    """``POST /third-parties`` body when ``existing`` is None, else a minimal PATCH body.

    ``fields`` is a (possibly partial) common third party: keys it lacks are left
    alone, a key set to None clears the field where Altior allows it.  An update
    holds only what changes ({} when nothing does); it adds the Sellsy external
    reference when the record lacks it (a record matched on SIRET, say).
    """
    cfg = mapping_config(config)
    if existing is None:
        return _create_third_party(fields, cfg, establishment_id, sellsy_id)
    current = altior_third_party_to_common(existing, cfg)
    relevant = {f: fields[f] for f in third_party_fields(current["kind"]) if f in fields}
    changes = changed_fields(relevant, current)
    body = altior_scalars(changes, cfg)
    body.update(update_channels(changes, cfg.mapping, existing))
    individual = current["kind"] == "person"
    body.update(ensure_reference(existing, cfg, sellsy_id, individual=individual))
    return body


def _create_third_party(
    fields: Mapping[str, Any], config: MappingConfig, establishment_id: int, sellsy_id: Any
) -> dict[str, Any]:
    kind = fields.get("kind")
    altior_kind = ALTIOR_KIND_OF.get(str(kind))
    if altior_kind is None:
        raise MalformedRecordError(f"cannot create a third party of kind {kind!r}", field="kind")
    relevant = {f: fields.get(f) for f in third_party_fields(str(kind))}
    required = "name" if kind == "company" else "last_name"
    if relevant.get(required) is None:
        raise MalformedRecordError(f"a {kind} needs a {required} in Altior", field=required)
    body: dict[str, Any] = {"kind": altior_kind, "establishment_id": establishment_id}
    body.update(for_create(altior_scalars(relevant, config)))
    body.update(create_channels(relevant, config.mapping))
    if sellsy_id is not None:
        reference = sellsy_reference(config, sellsy_id, individual=kind == "person")
        body["external_references"] = [reference]
    return body


# --- Sellsy bodies ---------------------------------------------------------------------


def sellsy_company_body(
    fields: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    *,
    sellsy_type: str = "client",
    reference: str | None = None,
) -> dict[str, Any]:
    """``POST /companies`` body (``existing`` None) or minimal ``PUT /companies/{id}`` body.

    ``sellsy_type`` (prospect, client, supplier) and ``reference`` are used on
    creation only: Altior does not know the first, the second is the writer's.
    """
    relevant = {f: fields[f] for f in third_party_fields("company") if f in fields}
    if existing is not None:
        return sellsy_scalars(changed_fields(relevant, sellsy_company_to_common(existing)), None)
    if relevant.get("name") is None:
        raise MalformedRecordError("a Sellsy company needs a name", field="name")
    body = {"type": sellsy_type, **_present(sellsy_scalars(relevant, None))}
    if reference is not None:
        body["reference"] = reference
    return body


def sellsy_individual_body(
    fields: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    config: AnyConfig,
    *,
    sellsy_type: str = "client",
    reference: str | None = None,
) -> dict[str, Any]:
    """``POST /individuals`` body or minimal ``PUT /individuals/{id}`` body."""
    cfg = mapping_config(config)
    relevant = {f: fields[f] for f in third_party_fields("person") if f in fields}
    if existing is not None:
        current = sellsy_individual_to_common(existing, cfg)
        return sellsy_scalars(changed_fields(relevant, current), cfg)
    if relevant.get("last_name") is None:
        raise MalformedRecordError("a Sellsy individual needs a last name", field="last_name")
    body = {"type": sellsy_type, **_present(sellsy_scalars(relevant, cfg))}
    if reference is not None:
        body["reference"] = reference
    return body


def _present(body: Mapping[str, Any]) -> dict[str, Any]:
    """A create body without null fields, unset flags or an empty legal_france."""
    kept = for_create(body)
    if kept.get("legal_france") == {"siret": None}:
        del kept["legal_france"]
    return kept
