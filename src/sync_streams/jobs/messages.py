"""Messages an init job puts on a change topic, beside the change events.

They travel on the tenant's partition like everything else, so the sync agent
applies them in order and stores what they say in the tenant's tables:

* ``LinkProposal``: these two records are the same (their SIRET matched); link them
  unless either side is already linked.  Sent before the records' init events.  The
  copy on the bulk topic carries the Altior record as the init listed it
  (``altior_listed``), so the pair's first sync need not read it again.
* ``AmbiguityReport``: a SIRET several records share; counted, never merged.
"""

from __future__ import annotations

from typing import Literal

from sync_streams.domain.envelope import Envelope, NonEmpty, TenantId, UtcDatetime
from sync_streams.domain.events import ChangeEvent


class LinkProposal(Envelope):
    marker: Literal["link"] = "link"
    tenant: TenantId
    kind: NonEmpty
    sellsy_entity: NonEmpty
    sellsy_id: NonEmpty
    altior_entity: NonEmpty
    altior_id: NonEmpty
    reason: str
    proposed_at: UtcDatetime
    altior_listed: ChangeEvent | None = None
    """The Altior record's init event: its writes are conditional, so this listing
    may stand in for a read (a 412 says it moved on, and it is read then)."""

    @property
    def kafka_key(self) -> bytes:
        return self.tenant.encode("utf-8")


class AmbiguityReport(Envelope):
    marker: Literal["ambiguous"] = "ambiguous"
    tenant: TenantId
    siret: str
    sellsy_ids: list[str]
    altior_ids: list[str]
    reported_at: UtcDatetime

    @property
    def kafka_key(self) -> bytes:
        return self.tenant.encode("utf-8")
