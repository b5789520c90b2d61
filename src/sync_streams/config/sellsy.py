"""The ``sellsy`` section: the client's Sellsy account and its API v2 credentials."""

from __future__ import annotations

from pydantic import Field

from sync_streams.config.base import ConfigModel, Name
from sync_streams.config.secrets import Secret
from sync_streams.config.urls import ApiUrl

SELLSY_API_URL = "https://api.sellsy.com/v2"
SELLSY_TOKEN_URL = "https://login.sellsy.com/oauth2/access-tokens"  # noqa: S105 (a URL)


class SellsySettings(ConfigModel):
    """A Sellsy account reached with a "personal" API v2 client (client credentials)."""

    account_id: str = Field(
        pattern=r"^[0-9]+$",
        description="the Sellsy account id, digits only (the token's corpId claim must match it)",
    )
    client_id: Name = Field(description="client id of the Sellsy API v2 personal client")
    client_secret: Secret = Field(
        description="client secret of that API client, as a reference env:NAME or file:PATH"
    )
    api_url: ApiUrl = Field(
        SELLSY_API_URL,
        validate_default=True,
        description="base URL of Sellsy API v2 (change only for a sandbox)",
    )
    token_url: ApiUrl = Field(
        SELLSY_TOKEN_URL,
        validate_default=True,
        description="OAuth2 client-credentials token endpoint (change only for a sandbox)",
    )
    timeout_seconds: float = Field(
        30.0, gt=0, le=300, description="time limit of one Sellsy API call, in seconds"
    )
