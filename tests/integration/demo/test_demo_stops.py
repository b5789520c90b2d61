"""The demo stops cleanly on Ctrl-C at any moment, and fails early with one clear line."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from sync_streams.cli import main
from sync_streams.errors import ToolMissingError
from sync_streams.ports import free_port
from tests.integration.demo.processes import demo_command, processes_mentioning

pytestmark = pytest.mark.integration


class Output:
    """Lines of a child's stdout, collected by a thread, waited for by content."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def wait_for(self, text: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._changed:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{text!r} not printed; got:\n{''.join(self.lines)}")
                self._changed.wait(left)

    def text(self) -> str:
        self._thread.join(timeout=10)
        return "".join(self.lines)


def _start(directory: Path, broker: str | None, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        demo_command(directory, broker, *extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _interrupt(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()


def test_ctrl_c_during_live_sync_prints_the_summary_and_stops_everything(
    kafka_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "demo"
    process = _start(directory, kafka_url)
    output = Output(process)
    output.wait_for("live sync running", 300)
    time.sleep(3)
    code = _interrupt(process)
    text = output.text()
    assert code == 0, text + (process.stderr.read() if process.stderr else "")
    assert "Ctrl-C stops the demo" in text
    assert "Summary after" in text
    assert "▶ Stopping: worker, sandboxes" in text
    assert processes_mentioning(str(directory)) == []


def test_ctrl_c_while_starting_stops_what_was_started(kafka_url: str, tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    process = _start(directory, kafka_url)
    output = Output(process)
    output.wait_for("Sandboxes:", 120)
    code = _interrupt(process)
    text = output.text()
    assert code == 130
    assert "Summary" not in text
    assert "▶ Stopping: worker, sandboxes" in text
    assert processes_mentioning(str(directory)) == []


def test_busy_kafka_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            demo_command(tmp_path / "demo", None, "--kafka-port", str(port)),
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1
    assert f"port {port}" in errors[0] and "--kafka-port" in errors[0]
    assert processes_mentioning(str(tmp_path / "demo")) == []


def test_missing_java_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_java() -> str:
        raise ToolMissingError("Java 17 or newer is needed to run the local Kafka broker")

    monkeypatch.setattr("sync_streams.demo.infra.find_java", no_java)
    code = main(["demo", "--dir", str(tmp_path / "demo"), "--kafka-port", str(free_port())])
    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: Java 17 or newer is needed to run the local Kafka broker"
    ]
    assert not (tmp_path / "demo" / "logs").exists()
