"""The engine's socket: the token is required, bad lines are refused, resumed streams are exact."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import uuid

import pytest

from engine import protocol as p
from engine.cli.client import Control, ControlError
from engine_harness import Engine, request, submit, wait_state


def raw(engine: Engine) -> tuple[socket.socket, socket.SocketIO]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.connect(str(engine.runtime / p.SOCKET_NAME))
    return sock, sock.makefile("rb")


def token(engine: Engine) -> str:
    return (engine.runtime / p.TOKEN_NAME).read_text()


def still_serving(engine: Engine) -> bool:
    with engine.control() as control:
        return isinstance(control.request(p.ListJobs(id="check"))["jobs"], list)


def test_socket_and_token_are_private_to_the_user(engine: Engine) -> None:
    for name in (p.SOCKET_NAME, p.TOKEN_NAME):
        assert stat.S_IMODE((engine.runtime / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(engine.runtime.stat().st_mode) == 0o700


@pytest.mark.parametrize("first", [
    p.encode(p.Hello(id="h", token="wrong", client="t")),
    p.encode(p.ListJobs(id="l")),
    b"not even json\n",
])
def test_a_client_without_the_token_is_refused_and_disconnected(engine: Engine,
                                                                first: bytes) -> None:
    sock, lines = raw(engine)
    with sock, lines:
        sock.sendall(first)
        reply = p.decode(lines.readline())
        assert isinstance(reply, p.Error) and reply.code == "unauthorized"
        assert lines.readline() == b""  # closed: nothing is answered after a failed hello
    assert still_serving(engine)


def test_malformed_lines_get_errors_and_the_connection_stays_usable(engine: Engine) -> None:
    sock, lines = raw(engine)
    bad = {
        b"{not json\n": "not_json",
        b"\xff\xfe\n": "not_utf8",
        b"[1, 2]\n": "not_object",
        b'{"type": "launch_missiles", "protocol_version": 1}\n': "unknown_type",
        b'{"type": "list_jobs", "protocol_version": 99, "id": "x"}\n': "version_mismatch",
        b'{"type": "get_job", "protocol_version": 1, "id": 5, "job_id": "j"}\n': "bad_field",
        p.encode(p.Cancelled(seq=1, job_id="j")): "bad_request",  # an event is not a request
    }
    with sock, lines:
        sock.sendall(p.encode(p.Hello(id="h", token=token(engine), client="t")))
        assert isinstance(p.decode(lines.readline()), p.Ok)
        for line, code in bad.items():
            sock.sendall(line)
            reply = p.decode(lines.readline())
            assert isinstance(reply, p.Error) and reply.code == code, line
            assert reply.message.endswith(".")
        sock.sendall(p.encode(p.ListJobs(id="after")))
        reply = p.decode(lines.readline())
        assert isinstance(reply, p.Ok) and reply.reply_to == "after"


def test_a_10_mib_line_is_refused_without_a_crash(engine: Engine) -> None:
    sock, lines = raw(engine)
    with sock, lines:
        sock.sendall(p.encode(p.Hello(id="h", token=token(engine), client="t")))
        assert isinstance(p.decode(lines.readline()), p.Ok)
        huge = json.dumps({"type": "list_jobs", "protocol_version": 1, "id": "x" * (10 << 20)})
        try:
            sock.sendall(huge.encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the engine may close before reading it all; the reply is already sent
        reply = p.decode(lines.readline())
        assert isinstance(reply, p.Error) and reply.code == "line_too_long"
    assert still_serving(engine)


def test_a_resumed_subscription_gets_every_missed_event_exactly_once(engine: Engine) -> None:
    # Watch a while, drop the connection mid-job, resume from the last seq seen.
    job_id = f"resume-{uuid.uuid4().hex[:8]}"
    with engine.control() as control:
        start = control.hello["last_seq"]
        submit(control, job_id, request("[fault sleep_per_step_ms=150] resume", steps=6))
    first_part: list[p.Message] = []
    with engine.control() as watcher:
        for message in watcher.events(start):
            if not isinstance(message, p.Heartbeat):
                first_part.append(message)
            if isinstance(message, p.Progress) and message.job_id == job_id and message.step == 2:
                break
    wait_state(engine, job_id)
    resumed_from = first_part[-1].seq
    with engine.control() as resumed:
        second_part = _until_quiet(resumed, resumed_from)
    with engine.control() as everything:
        reference = _until_quiet(everything, start)
    seqs = [m.seq for m in first_part + second_part]  # type: ignore[attr-defined]
    assert seqs == sorted(set(seqs)), "an event was repeated or out of order"
    assert first_part + second_part == reference
    assert [m.TYPE for m in reference if getattr(m, "job_id", None) == job_id][-1] == "done"


def _until_quiet(control: Control, since: int) -> list[p.Message]:
    """Logged events after ``since`` up to the newest one, as named by the first heartbeat."""
    seen: list[p.Message] = []
    for message in control.events(since):
        if isinstance(message, p.Heartbeat):
            if not seen or seen[-1].seq == message.seq:  # type: ignore[attr-defined]
                return seen
            continue
        seen.append(message)
    return seen


def test_the_engine_refuses_to_start_twice(engine: Engine) -> None:
    second = subprocess.run([sys.executable, "-m", "engine.cli", "serve"], capture_output=True,
                            text=True, timeout=120,
                            env={**os.environ, "FRAMELOOM_HOME": str(engine.home)})
    assert second.returncode == 2
    assert second.stderr.startswith("frameloom-engine: Another engine is already running (pid")
    assert second.stderr.count("\n") == 1
    assert still_serving(engine)


def test_control_without_an_engine_says_how_to_start_one(tmp_path: object) -> None:
    with pytest.raises(ControlError, match="not running. Start it with `frameloom-engine serve`"):
        Control(p.default_runtime_dir())


def test_serve_with_a_parent_pid_stops_when_the_parent_ends(own_engine: Engine) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    env = {**os.environ, "FRAMELOOM_HOME": str(own_engine.home)}
    engine = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--parent-pid",
                               str(parent.pid)], env=env, stderr=subprocess.PIPE, text=True)
    parent.wait()
    _, err = engine.communicate(timeout=120)
    assert engine.returncode == 0 and f"process {parent.pid} is gone; stopping" in err
    assert not (own_engine.runtime / p.SOCKET_NAME).exists()


def test_the_engine_keeps_a_log_file_in_its_data_folder(engine: Engine) -> None:
    log = (engine.home / "data" / "engine.log").read_text()
    assert f"serving on {engine.runtime / p.SOCKET_NAME}" in log
