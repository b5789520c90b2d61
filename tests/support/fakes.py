"""In-memory stand-ins for Kafka publishing, for pure unit tests of pollers and routing.

Integration tests use the real broker; these only let unit tests see what would be sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SentMessage:
    topic: str
    key: bytes
    value: bytes

    def json(self) -> Any:
        return json.loads(self.value)


@dataclass
class RecordingPublisher:
    """Acknowledges at once (or fails when ``fail_after`` sends were made)."""

    sent: list[SentMessage] = field(default_factory=list)
    fail_after: int | None = None

    async def send(self, topic: str, key: bytes, value: bytes) -> Awaitable[Any]:
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise ConnectionError("broker unavailable")
        self.sent.append(SentMessage(topic, key, value))
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    def on(self, topic: str) -> list[SentMessage]:
        return [m for m in self.sent if m.topic == topic]
