"""``sync-streams local-kafka``: idempotent start, clear errors, a stop that leaves nothing."""

from __future__ import annotations

import argparse
import os
import socket
from pathlib import Path

import pytest

from sync_streams.cli import local_kafka
from sync_streams.local.kafka import LocalKafka, free_port

pytestmark = pytest.mark.integration


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    local_kafka.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return (
        Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[:1]
    )


def test_start_twice_status_and_stop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "kafka"
    port = free_port()
    assert _run("local-kafka", "start", "--dir", str(directory), "--port", str(port)) == 0
    out = capsys.readouterr().out
    assert f"bootstrap: 127.0.0.1:{port}" in out
    info = LocalKafka(directory).info()
    assert info is not None
    try:
        assert _run("local-kafka", "start", "--dir", str(directory), "--port", str(port)) == 0
        assert "already runs" in capsys.readouterr().out
        assert _run("local-kafka", "status", "--dir", str(directory)) == 0
        assert f"127.0.0.1:{port}" in capsys.readouterr().out
    finally:
        assert _run("local-kafka", "stop", "--dir", str(directory)) == 0
    assert "stopped" in capsys.readouterr().out
    assert not _alive(info.pid)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    assert _run("local-kafka", "status", "--dir", str(directory)) == 3
    assert _run("local-kafka", "stop", "--dir", str(directory)) == 0
    assert "no Kafka broker runs" in capsys.readouterr().out


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    from sync_streams.errors import FatalError

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(FatalError, match=f"port {port} on 127.0.0.1 is already in use"):
            _run("local-kafka", "start", "--dir", str(tmp_path / "k"), "--port", str(port))
    assert LocalKafka(tmp_path / "k").info() is None
