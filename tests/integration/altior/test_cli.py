"""``sync-streams sandbox altior`` as an operator runs it: a real process, a real port."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.altior import AltiorClient, ThirdPartyUpdate

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_sandbox(db: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync_streams",
            "sandbox",
            "altior",
            "--port",
            str(port),
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                raise AssertionError(f"sandbox exited with {process.returncode}:\n{output}")
            try:
                if (await http.get(url + "/_admin/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("sandbox did not become healthy")


async def test_the_command_serves_the_demo_tenant_and_keeps_state_across_restarts(
    tmp_path: Path,
) -> None:
    db, port = tmp_path / "altior.db", free_port()
    base = f"http://127.0.0.1:{port}"
    with running_sandbox(db, port) as process:
        await wait_healthy(base, process)
        async with AltiorClient(base, SecretStr("altior-demo-key"), "sync.sellsy") as client:
            names = [tp.name async for p in client.third_party_pages() for tp in p.items]
            assert "Boulangerie Dupré SARL" in names
            quotes = [q async for p in client.quote_pages() for q in p.items]
            assert quotes and quotes[0].label.startswith("Devis")
            listed = [tp async for p in client.third_party_pages() for tp in p.items]
            dupre = listed[0]
            await client.update_third_party(dupre.id, ThirdPartyUpdate(name="Boulangerie Dupré SA"))
    with running_sandbox(db, port) as process:
        await wait_healthy(base, process)
        async with httpx.AsyncClient(base_url=base) as admin:
            tenants = (await admin.get("/_admin/tenants")).json()["items"]
        assert [t["name"] for t in tenants] == ["demo"]  # not seeded twice
        async with AltiorClient(base, SecretStr("altior-demo-key")) as client:
            again = await client.get_third_party(dupre.id)
        assert again.name == "Boulangerie Dupré SA"
