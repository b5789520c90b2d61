"""Sellsy API v2 client: OAuth2 client credentials, paced and retried calls, seek
pagination, typed models.  It never imports the Altior client nor a sandbox.

Entry point: ``SellsyClient`` (see docs/sellsy-client.md).
"""

from sync_streams.sellsy.auth import ClientCredentials, SellsyAuth, TokenCache
from sync_streams.sellsy.client import SellsyClient
from sync_streams.sellsy.decoding import MalformedSellsyRecord, decode
from sync_streams.sellsy.endpoints.custom_fields import CustomFieldResource
from sync_streams.sellsy.queries import DateRange
from sync_streams.sellsy.session import ClientStats

__all__ = [
    "ClientCredentials",
    "ClientStats",
    "CustomFieldResource",
    "DateRange",
    "MalformedSellsyRecord",
    "SellsyAuth",
    "SellsyClient",
    "TokenCache",
    "decode",
]
