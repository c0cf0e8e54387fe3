"""The engine runs its jobs on a two-node Ray cluster: spread, identical takes, cancel, node loss.

One ``ray.cluster_utils.Cluster`` (a head without GPUs and two nodes with one logical GPU each)
and one ``frameloom-engine serve --cluster`` serve the whole module; the node-loss test removes a
node, so it runs last.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from engine import protocol as p
from engine.cluster.actor import SLOTS
from engine.operations.runner import read_clip
from engine.output.video import count_frames, read_settings, write_video
from engine.protocol.requests import OPERATION_KEY
from engine.worker.child import Worker, preview_path
from engine.worker.faults import Faults
from support.engine_process import GRACE_S, TRIES, ClusterEngine, tiny_request


def _local_take(engine: ClusterEngine, job_id: str, request: dict[str, Any], output: Path,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same job on the local worker's code, in this process, with the engine's models."""
    monkeypatch.setenv("FRAMELOOM_HOME", str(engine.home))
    reports: list[dict[str, Any]] = []
    Worker(reports.append, Faults()).run({"job_id": job_id, "request": request,
                                          "output": str(output), "preview_every_s": 0.0})
    assert reports[-1]["ev"] == "done", reports[-1]
    return output


def test_ten_jobs_spread_over_both_nodes_and_each_take_matches_the_local_one(
        engine: ClusterEngine, cluster: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    still = tmp_path / "pin.png"  # a pinned still travels to the node with its job
    Image.fromarray(np.full((32, 32, 3), (200, 40, 40), np.uint8)).save(still)
    requests = {f"spread-{i}": tiny_request(seed=10 + i) for i in range(9)}
    requests["spread-pin"] = tiny_request(seed=7, pins=[{"path": str(still), "target_frame": 0}])
    for job_id, request in requests.items():
        engine.submit(job_id, request)
    records = {job_id: engine.finished(job_id, timeout=90) for job_id in requests}
    assert {r["state"] for r in records.values()} == {"done"}, records
    nodes = {engine.node_of(job_id) for job_id in requests}
    assert nodes == {node.node_id for node in cluster.worker_nodes}
    ips = {node.node_id: node.node_ip_address for node in cluster.worker_nodes}
    for job_id, record in records.items():  # the job's record names its node for the studio
        node = engine.node_of(job_id)
        assert record["node"] == f"{ips[node]} (node {node[:12]})", record
    # Previews came back as bytes: the node removes its own file, so this one is the engine's.
    monkeypatch.setenv("FRAMELOOM_HOME", str(engine.home))
    with Image.open(preview_path("spread-0", 2)) as preview:
        assert preview.format == "JPEG"
    for job_id, request in requests.items():
        take = Path(records[job_id]["outputs"][0])
        assert count_frames(take) == 9
        local = _local_take(engine, job_id, request.to_dict(), tmp_path / f"{job_id}.mp4",
                            monkeypatch)
        assert take.read_bytes() == local.read_bytes(), job_id
    pinned = records["spread-pin"]["settings"]["pins"][0]
    assert pinned["path"] == str(still)  # the engine's path, not the node's copy


def test_cancel_reaches_the_running_step_and_frees_its_slot(engine: ClusterEngine) -> None:
    engine.submit("cancel-me", tiny_request("a blue square [fault sleep_per_step_ms=300]",
                                            steps=40))
    engine.wait("cancel-me", lambda j: j["state"] == "running" and j["step"] >= 1)
    started = time.monotonic()
    with engine.control() as control:
        reply = control.request(p.Cancel(id=control.next_id(), job_id="cancel-me"))
    assert reply["state"] == "cancelling"
    record = engine.finished("cancel-me", timeout=30)
    assert record["state"] == "cancelled" and record["outputs"] == []
    # The step callback saw the flag: no kill after the grace period was needed.
    assert time.monotonic() - started < GRACE_S
    assert "killing its cluster actor" not in engine.log_text()
    engine.submit("after-cancel", tiny_request(seed=21))
    assert engine.finished("after-cancel")["state"] == "done"


def test_an_operation_takes_its_source_clip_to_the_node_and_matches_the_local_take(
        engine: ClusterEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ramp = np.stack([np.full((32, 32, 3), 10 * i, np.uint8) for i in range(13)])
    source = write_video(ramp, 24, tmp_path / "source.mp4")
    spec = p.OperationSpec(kind="extend_forward", frames=12, clips=(str(source),))
    request = tiny_request("a green square")
    with engine.control() as control:
        control.request(p.Submit(id=control.next_id(), job_id="extend", request=request,
                                 operation=spec))
    record = engine.finished("extend")
    assert record["state"] == "done", record
    take, joined = (Path(path) for path in record["outputs"])
    joined_frames = read_clip(str(joined), 32, 32)
    assert len(joined_frames) == 13 + 12
    assert np.abs(joined_frames[:13].astype(int) - ramp.astype(int)).max() <= 3
    assert str(source) in json.dumps(record["settings"])  # the engine's path, not the node's
    assert SLOTS not in json.dumps(record["settings"])
    for written in (take, joined):  # the files themselves record the originals too
        assert read_settings(written)["spec"]["clips"] == [str(source)]
        assert SLOTS not in json.dumps(read_settings(written)), written
    local = _local_take(engine, "extend", {**request.to_dict(), OPERATION_KEY: spec.to_dict()},
                        tmp_path / "extend.mp4", monkeypatch)
    assert np.array_equal(read_clip(str(take), 32, 32), read_clip(str(local), 32, 32))


def test_a_job_whose_actor_keeps_dying_fails_with_one_sentence_after_its_tries(
        engine: ClusterEngine) -> None:
    engine.submit("crashes", tiny_request("a red square [fault crash_at_step=1]"))
    record = engine.finished("crashes", timeout=90)
    assert record["state"] == "failed" and record["error_code"] == "node_lost"
    assert record["attempts"] == TRIES
    message = record["error_message"]
    assert f"stopped {TRIES} times" in message and message.endswith(".") and "\n" not in message
    assert record["outputs"] == []


def test_a_node_lost_mid_job_requeues_its_job_on_the_other_node(engine: ClusterEngine,
                                                                 cluster: Any) -> None:
    engine.submit("lost", tiny_request("a green circle [fault sleep_per_step_ms=400]", steps=12))
    engine.wait("lost", lambda j: j["state"] == "running" and j["step"] >= 1, timeout=90)
    first = engine.node_of("lost")
    cluster.remove_node(next(n for n in cluster.worker_nodes if n.node_id == first))
    record = engine.finished("lost", timeout=90)
    assert record["state"] == "done" and record["attempts"] == 2
    assert engine.node_of("lost") not in (None, first)
    assert count_frames(Path(record["outputs"][0])) == 9
    assert "job lost stopped" in engine.log_text() or "queued again" in engine.log_text()


def test_a_node_that_joins_later_gets_slots_and_runs_jobs(engine: ClusterEngine,
                                                           cluster: Any) -> None:
    # Two GPUs: one places the slot that lost its node above, the other makes a third slot.
    node = cluster.add_node(num_cpus=1, num_gpus=2)
    short = node.node_id[:12]
    deadline = time.monotonic() + 90
    while engine.log_text().count(f"(node {short},") < 2:
        assert time.monotonic() < deadline, engine.log_text()
        time.sleep(0.2)
    assert "starting slot 2" in engine.log_text()
    ids = [f"joined-{i}" for i in range(4)]
    for i, job_id in enumerate(ids):
        engine.submit(job_id, tiny_request(seed=40 + i))
    assert {engine.finished(job_id)["state"] for job_id in ids} == {"done"}
    assert node.node_id in {engine.node_of(job_id) for job_id in ids}
