"""``TenantConfig``: everything the connector form says about one client.

One YAML file per tenant (client + environment).  The model is the contract
with integrators: every label of the French form has a key here (see
``form_labels.yaml``), unknown keys are refused, secrets are references.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from sync_streams.config.altior import AltiorSettings
from sync_streams.config.base import ConfigModel, Flag, Name
from sync_streams.config.deals import DealsSettings
from sync_streams.config.sellsy import SellsySettings
from sync_streams.config.third_parties import ThirdPartiesSettings

TENANT_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$"

TenantId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=TENANT_ID_PATTERN)]
"""Kafka key, metric label and file-name friendly: lowercase, digits, '.', '_', '-'."""


class TenantConfig(ConfigModel):
    """One client environment synchronised between its Sellsy and its Altior."""

    tenant: TenantId = Field(
        description="the unique tenant id, client + environment, e.g. acme-prod: lowercase "
        "letters, digits, '-', '_', '.', at most 64 characters"
    )
    client: Name = Field(description="client name, as written on the form")
    environment: Name = Field(description="environment of the client (production, recette, ...)")
    integration_referent: Name = Field(
        description="person in charge of the integration, e.g. 'Jeanne Martin <jeanne@example.com>'"
    )
    paused: Flag = Field(
        False, description="true to stop polling and writing for this tenant, keeping its state"
    )
    poll_interval_seconds: int = Field(
        30, ge=5, le=3600, description="seconds between two polls of each API (5 to 3600)"
    )
    altior: AltiorSettings = Field(description="Altior connection and identity")
    sellsy: SellsySettings = Field(description="Sellsy account and API v2 credentials")
    third_parties: ThirdPartiesSettings = Field(
        description="synchronisation of companies and contacts"
    )
    deals: DealsSettings = Field(description="synchronisation of opportunities and affaires")
