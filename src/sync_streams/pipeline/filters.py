"""Which Sellsy records come down to Altior (the form's "Synchronisation Altior" fields).

* With ``company_filter_field`` set, companies and individuals need it ticked.
* A contact linked to a company follows the company: it comes down when the company
  is synced (the caller knows the links and says so); a contact linked to no
  company needs ``contact_filter_field`` ticked, when that is set.
* With ``opportunity_filter_field`` set, opportunities need it ticked (and still
  reach a trigger step: ``mapping.trigger_for``).

Unticking later stops the sync of that record; it is never deleted.  Filters apply
to the import (Sellsy -> Altior) only.  Field names or codes are resolved to ids
once at start-up (``resolve_filter_fields``): values carry only the id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from sync_streams.errors import ConfigError
from sync_streams.pipeline.mapping.common import name_key
from sync_streams.pipeline.mapping.config import AnyConfig, mapping_config
from sync_streams.pipeline.mapping.flags import FLAG_TYPES, CustomFieldRef, sync_flag

__all__ = [
    "FLAG_OBJECTS",
    "CustomFieldRef",
    "FilterFields",
    "FilterVerdict",
    "passes_import_filter",
    "resolve_custom_field",
    "resolve_filter_fields",
    "sync_flag",
]

THIRD_PARTY_OBJECTS: Final = ("client", "prospect", "supplier")
FLAG_OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "company_filter_field": THIRD_PARTY_OBJECTS,
    "contact_filter_field": ("contact",),
    "opportunity_filter_field": ("opportunity",),
}
"""Sellsy ``related_object`` values a filter field must apply to, per setting."""


def _attr(definition: Any, name: str) -> Any:
    if isinstance(definition, Mapping):
        return definition.get(name)
    return getattr(definition, name, None)


def _related(definition: Any) -> set[str]:
    value = _attr(definition, "related_object") or _attr(definition, "related_objects") or []
    return {value} if isinstance(value, str) else {str(v) for v in value}


def resolve_custom_field(
    wanted: str, definitions: Iterable[Any], *, related_objects: Iterable[str] = ()
) -> CustomFieldRef:
    """The Sellsy custom field whose code (exactly) or name (case and accents ignored)
    is ``wanted``, among those applying to ``related_objects``.

    ``definitions`` are raw ``/custom-fields`` items or models with the same
    attributes.  ``ConfigError`` (one line) when none or several match, or when the
    field is not a Yes/No or multiple-choice field.
    """
    objects = set(related_objects)
    candidates = [d for d in definitions if not objects or objects & _related(d)]
    found = [d for d in candidates if _attr(d, "code") == wanted]
    if not found:
        found = [d for d in candidates if name_key(str(_attr(d, "name") or "")) == name_key(wanted)]
    where = f" applying to {', '.join(sorted(objects))}" if objects else ""
    if not found:
        raise ConfigError([f"Sellsy custom field {wanted!r} not found{where}"])
    if len(found) > 1:
        ids = ", ".join(str(_attr(d, "id")) for d in found)
        raise ConfigError([f"Sellsy custom field {wanted!r} is ambiguous{where}: ids {ids}"])
    field = found[0]
    field_type = str(_attr(field, "type") or "")
    if field_type not in FLAG_TYPES:
        raise ConfigError(
            [
                f"Sellsy custom field {wanted!r} is of type {field_type!r}; expected a "
                "Yes/No (boolean) or multiple-choice (checkbox) field"
            ]
        )
    return CustomFieldRef(
        id=int(_attr(field, "id")),
        name=str(_attr(field, "name") or wanted),
        code=_attr(field, "code"),
        type=field_type,
    )


class FilterFields(BaseModel):
    """The resolved filter fields of one tenant (None = that filter is off)."""

    model_config = ConfigDict(frozen=True)

    company: CustomFieldRef | None = None
    contact: CustomFieldRef | None = None
    opportunity: CustomFieldRef | None = None

    def for_entity(self, entity: str) -> CustomFieldRef | None:
        """The flag field of a Sellsy entity (None for Altior entities)."""
        if entity in ("company", "individual"):
            return self.company
        if entity == "contact":
            return self.contact
        if entity == "opportunity":
            return self.opportunity
        return None


def resolve_filter_fields(config: AnyConfig, definitions: Iterable[Any]) -> FilterFields:
    """Resolve every configured filter field; one ``ConfigError`` listing each problem."""
    cfg = mapping_config(config)
    pool = list(definitions)
    problems: list[str] = []
    resolved: dict[str, CustomFieldRef | None] = {}
    for setting, objects in FLAG_OBJECTS.items():
        wanted = getattr(cfg, setting)
        target = setting.removesuffix("_filter_field")
        if wanted is None:
            resolved[target] = None
            continue
        try:
            resolved[target] = resolve_custom_field(wanted, pool, related_objects=objects)
        except ConfigError as exc:
            problems.extend(f"{setting}: {line}" for line in exc.problems)
    if problems:
        raise ConfigError(problems)
    return FilterFields(**resolved)


class FilterVerdict(BaseModel):
    """Whether a record comes down to Altior, and why (for logs and the metric)."""

    model_config = ConfigDict(frozen=True)

    passes: bool
    reason: str


def _flagged(
    snapshot: Mapping[str, Any], name: str, flag_field: CustomFieldRef | None
) -> FilterVerdict:
    if flag_field is None:
        return FilterVerdict(passes=False, reason=f"filter field {name!r} is not resolved")
    value = sync_flag(snapshot, flag_field)
    if value is True:
        return FilterVerdict(passes=True, reason=f"{flag_field.name!r} is ticked")
    state = "not set" if value is None else "not ticked"
    return FilterVerdict(passes=False, reason=f"{flag_field.name!r} is {state}")


def passes_import_filter(
    entity: str,
    snapshot: Mapping[str, Any],
    config: AnyConfig,
    flag_field: CustomFieldRef | None,
    *,
    linked_company_synced: bool | None = None,
) -> FilterVerdict:
    """Whether a Sellsy record comes down to Altior.

    ``flag_field`` is the entity's filter field (``FilterFields.for_entity``).  For
    a contact, ``linked_company_synced`` is None when it is linked to no company,
    else whether one of its companies is synced.  A malformed flag value raises
    ``MalformedRecordError``.
    """
    cfg = mapping_config(config)
    if entity in ("company", "individual"):
        if cfg.company_filter_field is None:
            return FilterVerdict(passes=True, reason="no company filter: every record syncs")
        return _flagged(snapshot, cfg.company_filter_field, flag_field)
    if entity == "contact":
        if linked_company_synced is not None:
            if linked_company_synced:
                return FilterVerdict(passes=True, reason="its company is synced")
            return FilterVerdict(passes=False, reason="its company is not synced (yet)")
        if cfg.contact_filter_field is None:
            return FilterVerdict(passes=True, reason="no contact filter: every free contact syncs")
        return _flagged(snapshot, cfg.contact_filter_field, flag_field)
    if entity == "opportunity":
        if cfg.opportunity_filter_field is None:
            return FilterVerdict(passes=True, reason="no opportunity filter")
        return _flagged(snapshot, cfg.opportunity_filter_field, flag_field)
    return FilterVerdict(passes=True, reason=f"no import filter for {entity!r}")
