"""A single-node Apache Kafka broker (KRaft, broker+controller) run from Maven jars.

Used by the demo, the test suite and developers; production runs a real
cluster (see docker-compose.yml).  Everything lives under one directory:
``server.properties``, ``data/`` (formatted KRaft storage), ``kafka.log``,
``kafka.pid`` and ``broker.json`` (ports), so ``stop`` and ``status`` need only
that directory.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sync_streams.errors import FatalError
from sync_streams.local.java import find_java
from sync_streams.local.maven import KAFKA_VERSION, kafka_libs
from sync_streams.ports import free_port, port_is_free

HOST = "127.0.0.1"

__all__ = ["AlreadyRunning", "BrokerInfo", "LocalKafka", "free_port", "port_is_free"]


class AlreadyRunning(FatalError):
    """A broker already runs from this directory."""


@dataclass(frozen=True)
class BrokerInfo:
    pid: int
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child (exited, not yet reaped) counts as dead.
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        fields = stat.read_text().rsplit(")", 1)[-1].split()
        if fields and fields[0] == "Z":
            return False
    return True


def _server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@{HOST}:{controller_port}",
            f"listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
            f"advertised.listeners=PLAINTEXT://{HOST}:{port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={data_dir}",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=10",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=4",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "log.retention.hours=168",
            "",
        ]
    )


_LOG4J = """log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File={log}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


class LocalKafka:
    """Lifecycle of one local broker rooted at ``directory``."""

    def __init__(self, directory: Path, *, version: str = KAFKA_VERSION) -> None:
        self.directory = directory.resolve()
        self.version = version

    @property
    def _info_file(self) -> Path:
        return self.directory / "broker.json"

    @property
    def log_file(self) -> Path:
        return self.directory / "kafka.log"

    def info(self) -> BrokerInfo | None:
        """The running broker of this directory, or None."""
        if not self._info_file.exists():
            return None
        raw = json.loads(self._info_file.read_text())
        info = BrokerInfo(raw["pid"], raw["port"], raw["controller_port"])
        return info if _pid_alive(info.pid) else None

    def start(self, port: int = 9092, *, timeout: float = 90.0) -> BrokerInfo:
        """Start the broker and wait until it serves requests."""
        running = self.info()
        if running is not None:
            raise AlreadyRunning(
                f"a Kafka broker already runs from {self.directory} at {running.bootstrap} "
                f"(pid {running.pid})"
            )
        if not port_is_free(port):
            raise FatalError(
                f"port {port} on {HOST} is already in use by another program; "
                "choose another with --port"
            )
        java = find_java()
        libs = kafka_libs(self.version)
        controller_port = free_port()
        data_dir = self.directory / "data"
        self.directory.mkdir(parents=True, exist_ok=True)
        properties = self.directory / "server.properties"
        properties.write_text(_server_properties(data_dir, port, controller_port))
        log4j = self.directory / "log4j.properties"
        log4j.write_text(_LOG4J.format(log=self.directory / "kafka-server.log"))
        classpath = f"{libs}/*"
        if not (data_dir / "meta.properties").exists():
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
            fmt = subprocess.run(
                [
                    java,
                    "-cp",
                    classpath,
                    f"-Dlog4j.configuration=file:{log4j}",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(properties),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if fmt.returncode != 0:
                output = (fmt.stdout + fmt.stderr).strip()[-800:]
                raise FatalError(f"formatting Kafka storage in {data_dir} failed: {output}")
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [
                    java,
                    "-Xms256m",
                    "-Xmx768m",
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j.configuration=file:{log4j}",
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(properties),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        info = BrokerInfo(process.pid, port, controller_port)
        self._info_file.write_text(json.dumps(info.__dict__))
        self._wait_ready(process, info, timeout)
        return info

    def _wait_ready(
        self, process: subprocess.Popen[bytes], info: BrokerInfo, timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self._info_file.unlink(missing_ok=True)
                raise FatalError(
                    f"the Kafka broker exited with code {process.returncode}; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            if _accepts_connections(info.port) and self._serves_metadata(info):
                return
            time.sleep(0.3)
        self.stop()
        raise FatalError(f"the Kafka broker did not become ready within {timeout:.0f} s")

    @staticmethod
    def _serves_metadata(info: BrokerInfo) -> bool:
        """True once the broker answers a metadata request (KRaft is up)."""
        from sync_streams.local.probe import broker_answers

        return broker_answers(info.bootstrap)

    def _log_tail(self, lines: int = 20) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, *, timeout: float = 30.0) -> bool:
        """Stop the broker cleanly (SIGTERM, then SIGKILL); False if none ran."""
        if not self._info_file.exists():
            return False
        pid = int(json.loads(self._info_file.read_text())["pid"])
        was_running = _pid_alive(pid)
        if was_running:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
                while _pid_alive(pid):
                    time.sleep(0.1)
        self._info_file.unlink(missing_ok=True)
        return was_running
