"""One ordered lane per tenant inside a sync agent.

A Faust agent with concurrency 1 handles one message at a time for every tenant of
the worker: one tenant's slow message (quota waits, an API answering slowly, its
lock held by the other agent during its init) would hold back every other tenant.
``TenantLanes`` gives each tenant its own bounded queue and task instead: a
tenant's messages stay in order, tenants go on concurrently.

Acknowledgement stays correct: the agent reads its stream without auto-ack and a
message is acknowledged only once its lane has handled it, so Faust commits a
partition only up to its oldest unfinished message and a crash redelivers what
was not finished.  Faust's rebalance waits for in-flight messages to be acked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_DEPTH = 256
"""Messages a tenant may have waiting before the agent waits for it (memory bound)."""

Handle = Callable[[bytes | None, bytes | None], Awaitable[None]]


@dataclass(frozen=True)
class Work:
    """One message for a lane: its key and value, and the agent's hooks for it."""

    key: bytes | None
    value: bytes | None
    enter: Callable[[], None]
    """Called in the lane's task before handling (Faust: make the event current)."""
    done: Callable[[], Awaitable[object]]
    """Called once handled, whatever happened (Faust: acknowledge the message)."""


class TenantLanes:
    """Per-tenant queues and tasks; ``submit`` from the agent, ``close`` when it stops."""

    def __init__(self, handle: Handle, *, depth: int = DEFAULT_DEPTH) -> None:
        self._handle = handle
        self._depth = depth
        self._queues: dict[bytes | None, asyncio.Queue[Work]] = {}
        self._tasks: dict[bytes | None, asyncio.Task[None]] = {}
        self._unfinished: dict[bytes | None, int] = {}
        self._idle: dict[bytes | None, asyncio.Event] = {}

    async def submit(self, work: Work) -> None:
        """Queue ``work`` in its tenant's lane; waits only when that lane is full."""
        queue = self._queues.get(work.key)
        if queue is None:
            queue = self._queues[work.key] = asyncio.Queue(self._depth)
            self._tasks[work.key] = asyncio.create_task(
                self._run(queue), name=f"lane-{(work.key or b'').decode(errors='replace')}"
            )
        self._unfinished[work.key] = self._unfinished.get(work.key, 0) + 1
        self._idle_event(work.key).clear()
        await queue.put(work)

    def _idle_event(self, key: bytes | None) -> asyncio.Event:
        event = self._idle.get(key)
        if event is None:
            event = self._idle[key] = asyncio.Event()
            event.set()
        return event

    async def idle(self, key: bytes | None) -> None:
        """Return once ``key``'s lane has nothing queued nor in hand."""
        await self._idle_event(key).wait()

    async def _run(self, queue: asyncio.Queue[Work]) -> None:
        while True:
            work = await queue.get()
            try:
                work.enter()
                await self._handle(work.key, work.value)
            except Exception:  # the handler dead-letters; this is a last resort
                log.exception("lane of %r: message not handled", work.key)
            finally:
                queue.task_done()
                self._unfinished[work.key] -= 1
                if self._unfinished[work.key] == 0:
                    self._idle_event(work.key).set()
                try:
                    await work.done()
                except Exception:  # an ack that fails: the message comes again later
                    log.exception("lane of %r: message not acknowledged", work.key)

    def waiting(self) -> int:
        """Messages queued in every lane (not counting the ones being handled)."""
        return sum(queue.qsize() for queue in self._queues.values())

    async def drain(self) -> None:
        """Wait until every queued message was handled."""
        for queue in list(self._queues.values()):
            await queue.join()

    async def close(self) -> None:
        """Stop every lane; unacknowledged messages are redelivered after a restart."""
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._queues.clear()
        self._unfinished.clear()
        for event in self._idle.values():
            event.set()  # nothing pending any more: whoever waits for a lane goes on
        self._idle.clear()
