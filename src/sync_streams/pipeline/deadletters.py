"""Send what failed for good to the dead-letter topic, with why.

A dead letter keeps the original message (so ``dlq requeue`` can re-feed it), the
stage that failed and a reason naming the field when there is one.  The reason
comes from our own error messages, which never hold secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.observability.metrics import WorkerMetrics, direction_of

log = logging.getLogger(__name__)

Publish = Callable[[bytes, bytes], Awaitable[None]]
"""Publish (key, value) to the dead-letter topic and wait for Kafka's acknowledgement."""

UNKNOWN_TENANT = "unknown"


class DeadLetterSink:
    def __init__(
        self,
        publish: Publish,
        metrics: WorkerMetrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._publish = publish
        self._metrics = metrics
        self._clock = clock
        self.sent = 0

    @property
    def metrics(self) -> WorkerMetrics:
        return self._metrics

    async def send(
        self,
        error: BaseException,
        *,
        tenant: str | None,
        stage: str,
        original: Any,
        attempts: int = 1,
    ) -> DeadLetter:
        letter = DeadLetter.for_error(
            error,
            tenant=tenant or UNKNOWN_TENANT,
            stage=stage,
            original=original,
            failed_at=self._clock(),
            attempts=attempts,
        )
        await self._publish(letter.tenant.encode("utf-8"), letter.to_bytes())
        self.sent += 1
        self._metrics.dead_letters.labels(letter.tenant, stage).inc()
        if isinstance(original, ChangeEvent):  # what became of the event, like other outcomes
            direction = direction_of(original.system)
            self._metrics.count(letter.tenant, direction, "dead_lettered", entity=original.entity)
        log.warning(
            "dead-lettered tenant=%s stage=%s id=%s reason=%s",
            letter.tenant,
            stage,
            letter.event_id or "-",
            letter.reason,
        )
        return letter
