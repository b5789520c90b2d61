"""Fetch the Apache Kafka broker's jars from Maven Central, once, into a cache.

We run a real broker without Docker: its jars are ordinary Maven artifacts
(``org.apache.kafka:kafka_2.13``), and ``mvn dependency:copy-dependencies``
resolves the whole runtime classpath.  Later runs reuse the cache.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from sync_streams.errors import FatalError, ToolMissingError

KAFKA_VERSION = "3.9.1"
SLF4J_VERSION = "1.7.36"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sync-streams.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>{kafka}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>{slf4j}</version>
    </dependency>
  </dependencies>
</project>
"""


def default_cache_dir() -> Path:
    """``$SYNC_STREAMS_CACHE`` or ``~/.cache/sync-streams``."""
    root = os.environ.get("SYNC_STREAMS_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sync-streams"


def kafka_libs(version: str = KAFKA_VERSION, cache_dir: Path | None = None) -> Path:
    """Return the folder holding the broker's jars, downloading them if needed."""
    base = (cache_dir or default_cache_dir()) / f"kafka-{version}"
    libs = base / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    base.mkdir(parents=True, exist_ok=True)
    with (base / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one download at a time, others reuse it
        if marker.exists():
            return libs
        return _download(base, libs, marker, version)


def _download(base: Path, libs: Path, marker: Path, version: str) -> Path:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ToolMissingError(
            "Maven is needed to fetch the Kafka broker jars: install it "
            "(Debian/Ubuntu: apt-get install maven) and try again."
        )
    base.mkdir(parents=True, exist_ok=True)
    (base / "pom.xml").write_text(_POM.format(kafka=version, slf4j=SLF4J_VERSION))
    tmp = base / "libs.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(base / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise FatalError(f"Maven could not fetch Kafka {version} jars:\n{tail}")
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.write_text(version + "\n")
    return libs
