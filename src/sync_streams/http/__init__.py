"""Plumbing shared by the Sellsy and Altior clients: pacing, retries, error mapping, TLS.

Neither client knows the other; both use these pieces.
"""

from sync_streams.http.pacing import QuotaPacer
from sync_streams.http.responses import raise_for_status
from sync_streams.http.retry import RetryPolicy, call_with_retries
from sync_streams.http.tls import shared_ssl_context

__all__ = [
    "QuotaPacer",
    "RetryPolicy",
    "call_with_retries",
    "raise_for_status",
    "shared_ssl_context",
]
