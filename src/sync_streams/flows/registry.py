"""Which kinds sync, and which sources a tenant's pollers read, given its flows."""

from __future__ import annotations

from sync_streams.flows.contacts import ContactSync
from sync_streams.flows.sources import (
    RecordSource,
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
    return [ThirdPartySync(), ContactSync(tables)]  # type: ignore[list-item]


def sources_for(runtime: TenantRuntime) -> list[ChangeSource]:
    """Sellsy sources feed the import flow, Altior sources the export flow."""
    sources: list[RecordSource] = []
    if runtime.flow_on("third_parties", "import"):
        sources += [
            sellsy_companies(runtime),
            sellsy_individuals(runtime),
            sellsy_contacts(runtime),
        ]
    if runtime.flow_on("third_parties", "export"):
        sources += [altior_third_parties(runtime), altior_contacts(runtime)]
    return list(sources)
