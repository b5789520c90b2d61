"""httpcore asks which event loop runs on every request: the answer must be cheap.

Without ``sniffio`` installed, httpcore's ``current_async_library()`` attempts
``import sniffio`` on every call, and a failed import searches ``sys.path`` each
time (~130 us, several calls per request: 14 % of a busy worker's event loop).
"""

from __future__ import annotations

import importlib.util

from httpcore._synchronization import current_async_library


async def test_httpcore_finds_sniffio_and_detects_asyncio() -> None:
    assert importlib.util.find_spec("sniffio") is not None
    assert current_async_library() == "asyncio"
