"""Which kinds sync, and which sources a tenant's pollers read, given its flows."""

from __future__ import annotations

from sync_streams.flows.contacts import ContactSync
from sync_streams.flows.deal_moves import DealMoveSync
from sync_streams.flows.deal_sources import (
    altior_closures,
    altior_orders,
    altior_quotes,
    sellsy_opportunities,
)
from sync_streams.flows.deals import DealSync
from sync_streams.flows.sources import (
    altior_affaires,
    altior_contacts,
    altior_third_parties,
    sellsy_companies,
    sellsy_contacts,
    sellsy_individuals,
)
from sync_streams.flows.third_parties import ThirdPartySync
from sync_streams.pipeline.handler import KindSync
from sync_streams.pipeline.tables import SyncTables
from sync_streams.pollers.poller import ChangeSource
from sync_streams.runtime.tenant import TenantRuntime


def kinds(tables: SyncTables) -> list[KindSync]:
    return [ThirdPartySync(), ContactSync(tables), DealSync(tables), DealMoveSync(tables)]  # type: ignore[list-item]


def sources_for(runtime: TenantRuntime) -> list[ChangeSource]:
    """Sellsy sources feed the import flow, Altior sources the export flow; Altior
    documents and closures move opportunities whenever deals run either way and
    the form has a rule for them."""
    sources: list[ChangeSource] = []
    if runtime.flow_on("third_parties", "import"):
        sources += [
            sellsy_companies(runtime),
            sellsy_individuals(runtime),
            sellsy_contacts(runtime),
        ]
    if runtime.flow_on("third_parties", "export"):
        sources += [altior_third_parties(runtime), altior_contacts(runtime)]
    if runtime.flow_on("deals", "import"):
        sources.append(sellsy_opportunities(runtime))
    if runtime.flow_on("deals", "export"):
        sources.append(altior_affaires(runtime))
    if runtime.flow_on("deals", "import") or runtime.flow_on("deals", "export"):
        deals = runtime.config.deals
        if deals.on_quote_created:
            sources.append(altior_quotes(runtime))
        if deals.on_order_created:
            sources.append(altior_orders(runtime))
        if deals.on_deal_closed:
            sources.append(altior_closures(runtime))
    return sources
