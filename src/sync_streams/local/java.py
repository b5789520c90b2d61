"""Find a Java runtime able to run the Kafka broker (Java 17 or newer)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sync_streams.errors import ToolMissingError

MIN_JAVA = 17


def _major_version(java: str) -> int | None:
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> str:
    """``$JAVA_HOME/bin/java``, then ``java`` on PATH, then JDKs under /usr/lib/jvm."""
    candidates: list[str] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(os.environ["JAVA_HOME"]) / "bin" / "java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        candidates.extend(str(p / "bin" / "java") for p in sorted(jvm.iterdir()))
    for candidate in candidates:
        if Path(candidate).exists():
            version = _major_version(candidate)
            if version is not None and version >= MIN_JAVA:
                return candidate
    raise ToolMissingError(
        f"Java {MIN_JAVA} or newer is needed to run the local Kafka broker: install it "
        "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
    )
