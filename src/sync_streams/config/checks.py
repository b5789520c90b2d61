"""Start-up check: do the names a tenant configures exist in its Sellsy and Altior?

A wrong establishment, user, custom field, pipeline, step or type name would
otherwise surface mid-sync as rejected writes.  This module is pure: the
worker asks the APIs what exists, passes it here as an ``ApiInventory``, and
disables only the flows whose mismatches are reported.  A ``None`` inventory
entry means "that API could not tell": the check is skipped, not failed.
"""

from __future__ import annotations

import difflib
import itertools
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sync_streams.config.deals import DealEvent, StepRule
from sync_streams.config.tenant import TenantConfig

Flow = Literal["third_parties", "deals"]
FLOWS: tuple[Flow, ...] = ("third_parties", "deals")


@dataclass(frozen=True)
class ApiInventory:
    """What the APIs report as existing.  ``None`` = unknown (check skipped)."""

    altior_establishments: Collection[str] | None = None
    altior_users: Collection[str] | None = None
    altior_custom_fields: Collection[str] | None = None
    altior_civilities: Collection[str] | None = None
    altior_email_types: Collection[str] | None = None
    altior_phone_types: Collection[str] | None = None
    altior_url_types: Collection[str] | None = None
    sellsy_custom_fields: Collection[str] | None = None
    """Names and codes of Sellsy custom fields (the form accepts either)."""
    sellsy_pipelines: Mapping[str, Sequence[str]] | None = None
    """Pipeline name -> its step names, in the pipeline's order."""


@dataclass(frozen=True)
class Mismatch:
    """A configured name the API does not know, and the flows that need it."""

    key: str
    message: str
    flows: frozenset[Flow]

    @property
    def line(self) -> str:
        return f"{self.key}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    """Mismatches (each disables its flows) and warnings (suspicious, not blocking)."""

    mismatches: tuple[Mismatch, ...] = ()
    warnings: tuple[str, ...] = ()
    by_flow: Mapping[Flow, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def flows_to_disable(self) -> frozenset[Flow]:
        return frozenset(flow for flow, lines in self.by_flow.items() if lines)


def _fold(name: str) -> str:
    """Case- and accent-insensitive form, for hints only (matching stays exact)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _missing(what: str, name: str, known: Collection[str], where: str) -> str:
    """``<what> 'name' does not exist in <where>`` with the most useful hint."""
    folded = {_fold(candidate): candidate for candidate in sorted(known)}
    if _fold(name) in folded:
        hint = f"; the closest is '{folded[_fold(name)]}' (names must match exactly)"
    else:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        elif not known:
            hint = f"; {where} reports none"
        elif len(known) <= 8:
            hint = "; known: " + ", ".join(f"'{k}'" for k in sorted(known))
        else:
            hint = f"; {len(known)} exist, none close"
    return f"{what} '{name}' does not exist in {where}{hint}"


class _Collector:
    def __init__(self) -> None:
        self.mismatches: list[Mismatch] = []

    def name(
        self,
        key: str,
        what: str,
        value: str | None,
        known: Collection[str] | None,
        where: str,
        flows: Iterable[Flow],
    ) -> None:
        flow_set = frozenset(flows)
        if value is None or known is None or not flow_set or value in known:
            return
        self.mismatches.append(Mismatch(key, _missing(what, value, known, where), flow_set))


def _check_rules(
    out: _Collector, key: str, rules: Sequence[StepRule], pipelines: Mapping[str, Sequence[str]]
) -> None:
    for index, rule in enumerate(rules):
        here = f"{key}[{index}]"
        if rule.pipeline not in pipelines:
            out.name(f"{here}.pipeline", "pipeline", rule.pipeline, pipelines, "Sellsy", ["deals"])
            continue
        where = f"the Sellsy pipeline '{rule.pipeline}'"
        out.name(f"{here}.step", "step", rule.step, pipelines[rule.pipeline], where, ["deals"])


def _order_warnings(config: TenantConfig, pipelines: Mapping[str, Sequence[str]]) -> list[str]:
    """A deal should not move backwards: quote step <= order step <= closing step."""
    deals = config.deals
    warnings: list[str] = []
    events: tuple[tuple[DealEvent, str], ...] = (
        ("quote_created", "quote"),
        ("order_created", "order"),
        ("deal_closed", "closing"),
    )
    for pipeline, steps in pipelines.items():
        targets = [
            (f"on_{event}", label, deals.target_step(event, pipeline)) for event, label in events
        ]
        placed = [(k, lab, s, steps.index(s)) for k, lab, s in targets if s in steps]
        for (k1, l1, s1, i1), (k2, l2, s2, i2) in itertools.pairwise(placed):
            if i2 < i1:
                warnings.append(
                    f"deals.{k2}: in pipeline '{pipeline}' the {l2} step '{s2}' comes before "
                    f"the {l1} step '{s1}' ({k1}); opportunities would move backwards"
                )
    return warnings


def check_against_apis(config: TenantConfig, inventory: ApiInventory) -> CheckReport:
    """Compare every configured name with what the APIs report; one line per mismatch."""
    out = _Collector()
    tiers: list[Flow] = ["third_parties"] if config.third_parties.enabled else []
    deals_flow: list[Flow] = ["deals"] if config.deals.enabled else []
    both = tiers + deals_flow
    inv = inventory

    altior = config.altior
    out.name(
        "altior.establishment",
        "establishment",
        altior.establishment,
        inv.altior_establishments,
        "Altior",
        both,
    )
    out.name(
        "altior.reference_user", "user", altior.reference_user, inv.altior_users, "Altior", both
    )

    third = config.third_parties
    importing_tiers = tiers if third.import_from_sellsy else []
    for key in ("company_filter_field", "contact_filter_field"):
        out.name(
            f"third_parties.{key}",
            "custom field",
            getattr(third, key),
            inv.sellsy_custom_fields,
            "Sellsy",
            importing_tiers,
        )
    mapping = third.mapping
    prefix = "third_parties.mapping"
    out.name(
        f"{prefix}.email_type",
        "email type",
        mapping.email_type,
        inv.altior_email_types,
        "Altior",
        tiers,
    )
    for civility in ("mr", "mrs", "ms"):
        value = getattr(mapping.civility, civility)
        out.name(
            f"{prefix}.civility.{civility}",
            "civility",
            value,
            inv.altior_civilities,
            "Altior",
            tiers,
        )
    for channel in ("phone", "fax", "mobile"):
        value = getattr(mapping.phone_types, channel)
        key = f"{prefix}.phone_types.{channel}"
        out.name(key, "phone type", value, inv.altior_phone_types, "Altior", tiers)
    out.name(
        f"{prefix}.website_url_type",
        "URL type",
        mapping.website_url_type,
        inv.altior_url_types,
        "Altior",
        tiers,
    )

    deals = config.deals
    importing_deals = deals_flow if deals.import_from_sellsy else []
    out.name(
        "deals.opportunity_filter_field",
        "custom field",
        deals.opportunity_filter_field,
        inv.sellsy_custom_fields,
        "Sellsy",
        importing_deals,
    )
    for key in ("pipeline_field", "step_field"):
        value = getattr(deals, key)
        known = inv.altior_custom_fields
        out.name(f"deals.{key}", "custom field", value, known, "Altior", deals_flow)
    for index, trigger in enumerate(deals.import_triggers):
        for position, establishment in enumerate(trigger.establishments):
            out.name(
                f"deals.import_triggers[{index}].establishments[{position}]",
                "establishment",
                establishment,
                inv.altior_establishments,
                "Altior",
                deals_flow,
            )
    warnings: list[str] = []
    if inv.sellsy_pipelines is not None and deals_flow:
        for key in ("import_triggers", "on_quote_created", "on_order_created", "on_deal_closed"):
            _check_rules(out, f"deals.{key}", getattr(deals, key), inv.sellsy_pipelines)
        warnings = _order_warnings(config, inv.sellsy_pipelines)

    by_flow: dict[Flow, tuple[str, ...]] = {
        flow: tuple(m.line for m in out.mismatches if flow in m.flows) for flow in FLOWS
    }
    return CheckReport(tuple(out.mismatches), tuple(warnings), by_flow)
