"""The demo's child processes: started in their own process group, logged to files,
stopped (SIGTERM, then SIGKILL) whatever happens.

Each child gets a new session, so Ctrl-C in the terminal reaches only the demo,
which then stops its children in order (worker first, so it drains cleanly while
the sandboxes still answer).  Stopping signals the whole group of each child, so
nothing a child spawned is left behind either.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from sync_streams.errors import FatalError
from sync_streams.ports import port_is_free


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    exit_expected: bool = False
    """A one-shot command, or a child the demo is stopping: its exit is no failure."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def sync_streams_command(*args: str) -> list[str]:
    """``sync-streams ARGS`` run by this very interpreter (no PATH lookup)."""
    return [sys.executable, "-m", "sync_streams", *args]


class Children:
    """Every process the demo started, in start order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[Child] = []

    def start(
        self, name: str, command: Sequence[str], *, env: Mapping[str, str] | None = None
    ) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                list(command),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
                start_new_session=True,
            )
        child = Child(name, process, log_path)
        self.children.append(child)
        return child

    def check(self) -> None:
        """Raise if a child died on its own (its log's last lines in the message)."""
        for child in self.children:
            code = child.process.poll()
            if code is not None and not child.exit_expected:
                raise FatalError(
                    f"{child.name} exited with code {code}; last lines of {child.log_path}:\n"
                    f"{child.log_tail()}"
                )

    def stop_all(self, timeout: float = 20.0) -> list[str]:
        """Stop every child, newest first; names of those that needed SIGKILL."""
        killed: list[str] = []
        for child in reversed(self.children):
            if not stop_child(child, timeout):
                killed.append(child.name)
        return killed

    def pids(self) -> list[int]:
        return [child.pid for child in self.children]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # the child leads its own group (new session)


def stop_child(child: Child, timeout: float) -> bool:
    """SIGTERM the child's group, wait, SIGKILL what is left; True if it ended by itself."""
    child.exit_expected = True
    graceful = True
    if child.alive():
        _signal_group(child.pid, signal.SIGTERM)
        try:
            child.process.wait(timeout)
        except subprocess.TimeoutExpired:
            graceful = False
    _signal_group(child.pid, signal.SIGKILL)  # anything the child left in its group
    if child.alive():
        child.process.kill()
    child.process.wait()
    return graceful


async def wait_http(url: str, child: Child, *, seconds: float, expect: int = 200) -> None:
    """Wait until ``url`` answers ``expect``; fail at once if ``child`` exits."""
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if not child.alive():
                raise FatalError(
                    f"{child.name} exited with code {child.process.returncode} while starting; "
                    f"last lines of {child.log_path}:\n{child.log_tail()}"
                )
            try:
                if (await http.get(url)).status_code == expect:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise FatalError(
        f"{child.name} did not answer {url} within {seconds:.0f} s; see {child.log_path}"
    )


def require_free_port(port: int, what: str, option: str) -> None:
    if not port_is_free(port):
        raise FatalError(
            f"port {port} (127.0.0.1) needed for {what} is already in use by another program; "
            f"choose another with {option}"
        )
