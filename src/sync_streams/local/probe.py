"""Ask a broker for its metadata: proves it is up, not merely listening."""

from __future__ import annotations

import asyncio


async def _metadata(bootstrap: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        await admin.close()


def broker_answers(bootstrap: str) -> bool:
    return asyncio.run(_metadata(bootstrap))
