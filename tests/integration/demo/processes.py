"""Helpers of the demo tests: the command line, and finding processes a run left behind."""

from __future__ import annotations

import sys
from pathlib import Path


def demo_command(directory: Path, broker: str | None, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "sync_streams", "demo", "--dir", str(directory), *extra]
    return command + (["--broker", broker] if broker else [])


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain ``text`` (a run's directory)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(f"{proc.name}: {cmdline.strip()}")
    return found
