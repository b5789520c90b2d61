"""The ``altior`` section: how to reach the client's Altior and as whom to write."""

from __future__ import annotations

from pydantic import Field

from sync_streams.config.base import ConfigModel, Name
from sync_streams.config.secrets import Secret
from sync_streams.config.urls import ApiUrl


class ExternalReference(ConfigModel):
    """The Altior code list where a record's Sellsy id is stored.

    It is how a write finds a record it already created after a crash
    (idempotent creation), so it must match the codification set up in Altior.
    """

    codification: Name = Field(
        "EXTERNAL", description="code of the Altior codification holding external references"
    )
    key: Name = Field("SELLSY", description="key of the Sellsy entry in that codification")
    name: Name = Field("Sellsy", description="display name of that entry")


class AltiorSettings(ConfigModel):
    """Connection to the client's Altior and the identity the connector writes with."""

    api_url: ApiUrl = Field(
        description="base URL of the client's Altior API (its host must be allowed by the service)"
    )
    api_key: Secret = Field(
        description="Altior API key, as a reference env:NAME or file:PATH (never the key itself)"
    )
    reference_user: Name = Field(
        description="login of the Altior user the connector creates and updates records as"
    )
    establishment: Name = Field(
        description="name of the Altior establishment the synchronised records belong to"
    )
    external_reference: ExternalReference = Field(
        default_factory=ExternalReference,
        description="codification storing Sellsy ids on Altior records "
        "(EXTERNAL / SELLSY / Sellsy)",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=300, description="time limit of one Altior API call, in seconds"
    )
