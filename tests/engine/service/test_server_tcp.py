"""The loopback TCP transport (Windows' only one; here forced with FRAMELOOM_ENGINE_TRANSPORT)."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import protocol as p
from engine_harness import Engine, link_tiny, request, submit, wait_state
from studio.engine_link import EngineClient


@pytest.fixture(scope="module")
def tcp_engine(tmp_path_factory: pytest.TempPathFactory, tiny_ltx_dir: Path) -> Iterator[Engine]:
    before = os.environ.get(p.TRANSPORT_ENV)
    os.environ[p.TRANSPORT_ENV] = "tcp"  # for the engine and for this process's clients
    home = tmp_path_factory.mktemp("eng")
    link_tiny(home, tiny_ltx_dir)
    engine = Engine(home).start()
    yield engine
    engine.kill_group()
    if before is None:
        del os.environ[p.TRANSPORT_ENV]
    else:
        os.environ[p.TRANSPORT_ENV] = before


def test_the_port_file_is_private_and_there_is_no_unix_socket(tcp_engine: Engine) -> None:
    port_file = tcp_engine.runtime / p.PORT_NAME
    assert stat.S_IMODE(port_file.stat().st_mode) == 0o600
    assert not (tcp_engine.runtime / p.SOCKET_NAME).exists()
    assert 0 < p.read_port(tcp_engine.runtime) < 65536


def test_a_job_runs_over_tcp(tcp_engine: Engine) -> None:
    with tcp_engine.control() as control:
        submit(control, "tcp-job", request("a red circle over tcp"))
    assert wait_state(tcp_engine, "tcp-job")["state"] == "done"


def test_a_client_without_the_token_is_refused_over_tcp(tcp_engine: Engine) -> None:
    port = p.read_port(tcp_engine.runtime)
    with socket.create_connection((p.LOOPBACK, port), timeout=20) as sock, \
            sock.makefile("rb") as lines:
        sock.sendall(p.encode(p.Hello(id="h", token="guess", client="t")))
        reply = p.decode(lines.readline())
        assert isinstance(reply, p.Error) and reply.code == "unauthorized"
        assert lines.readline() == b""


def test_the_studio_client_connects_over_tcp(tcp_engine: Engine) -> None:
    async def main() -> list[dict[str, object]]:
        async with await EngineClient.connect(tcp_engine.runtime) as client:
            return await client.list_jobs()

    assert isinstance(asyncio.run(main()), list)
