"""One verified TLS context per process, shared by every API client.

An ``httpx.AsyncClient`` made with the default ``verify=True`` builds its own
``ssl.SSLContext`` and loads the whole CA bundle into it: about 0.8 MB and 45 ms
per client.  A worker holds two clients per tenant (Sellsy, whose OAuth token
requests go through the same client, and Altior), so at 1,000 tenants the CA
bundle alone took about 1.6 GB (docs/performance.md, P6).  A context is safe to
share between clients: verification settings and CA certificates are read-only
once loaded, and every client sets the same ALPN protocols (HTTP/1.1).

Verification stays on: the shared context is built exactly as httpx builds its
default one (``SSL_CERT_FILE``, else ``SSL_CERT_DIR``, else certifi's bundle).
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """The process's verified TLS context; pass it as ``verify=`` to every client.

    Built on first use (so ``SSL_CERT_FILE`` set before the first client counts),
    then reused for the life of the process.
    """
    context = httpx.create_ssl_context(verify=True, trust_env=True)
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise RuntimeError("the shared TLS context must verify certificates and host names")
    return context
