"""Test-wide fixtures: a real Apache Kafka broker for the integration tests.

The broker is started once per test session from Maven Central jars (see
``sync_streams.local``) on a free port, and stopped at the end.  Set
``SYNC_STREAMS_TEST_BROKER=host:port`` to use a broker you already run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync_streams.errors import FatalError
from sync_streams.local.kafka import LocalKafka, free_port


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of a running broker for this test session."""
    external = os.environ.get("SYNC_STREAMS_TEST_BROKER")
    if external:
        yield external
        return
    broker = LocalKafka(Path(tmp_path_factory.mktemp("kafka")))
    try:
        info = broker.start(free_port())
    except FatalError as first:
        # a free port can be taken between our probe and the broker's bind when other
        # processes start servers too: one more try on fresh ports, then give up
        broker.stop()
        broker = LocalKafka(Path(tmp_path_factory.mktemp("kafka-retry")))
        try:
            info = broker.start(free_port())
        except FatalError as second:
            raise second from first
    try:
        yield info.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def kafka_url(kafka_bootstrap: str) -> str:
    """The broker in Faust's URL form."""
    return f"kafka://{kafka_bootstrap}"


@pytest.fixture
def unique_prefix() -> str:
    """A topic prefix / app id no other test uses, so tests never share state."""
    return f"t{uuid.uuid4().hex[:10]}"
