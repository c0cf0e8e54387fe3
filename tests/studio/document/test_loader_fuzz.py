"""Malformed project files: each gives one ProjectFileError and no file is ever changed."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.document.errors import ProjectFileError
from studio.document.model import Project
from studio.document.persistence import load_project, open_project, save_project

GOLDEN_PATH = Path(__file__).parents[2] / "data" / "golden_v1.frameloom"
GOLDEN_BYTES = GOLDEN_PATH.read_bytes()
GOLDEN: dict[str, Any] = json.loads(GOLDEN_BYTES)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | None]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) if p.is_file()
            else None for p in sorted(folder.rglob("*"))}


def _edit(change: Callable[[dict[str, Any]], Any]) -> bytes:
    data = copy.deepcopy(GOLDEN)
    change(data)
    return json.dumps(data, indent=1).encode()


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["project"]["timeline"]["tracks"][0]["items"]


def _take(data: dict[str, Any]) -> dict[str, Any]:
    return _items(data)[4]["generation"]["takes"][0]


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")

BAD_FILES: dict[str, bytes] = {
    "malformed json": GOLDEN_BYTES[:-40] + b",,]",
    "trailing garbage": GOLDEN_BYTES + b"{}",
    "a list": b"[1, 2, 3]",
    "a number": b"42",
    "no schema_version": _edit(lambda d: d.pop("schema_version")),
    "no project": _edit(lambda d: d.pop("project")),
    "wrong type: width as text": _edit(lambda d: d["project"].update(width="768")),
    "wrong type: items as object": _edit(
        lambda d: d["project"]["timeline"]["tracks"][0].update(items={})),
    "wrong type: bool for int": _edit(lambda d: _items(d)[3].update(duration=True)),
    "wrong type: media as object": _edit(lambda d: d["project"].update(media={})),
    "unknown schema tag": _edit(lambda d: _items(d)[0].update(schema="Clipp.1")),
    "unknown schema version": _edit(lambda d: _items(d)[0].update(schema="Clip.7")),
    "missing schema tag": _edit(lambda d: _items(d)[2].pop("schema")),
    "unknown field": _edit(lambda d: _items(d)[3].update(colour="red")),
    "missing field": _edit(lambda d: _items(d)[0].pop("media_id")),
    "duplicate ids": _edit(lambda d: _items(d)[3].update(id="clip-beach")),
    "duplicate media ids": _edit(lambda d: d["project"]["media"][1].update(id="media-beach")),
    "duplicate json keys": GOLDEN_BYTES.replace(b'"width": 768,', b'"width": 768, "width": 9,'),
    "negative gap duration": _edit(lambda d: _items(d)[3].update(duration=-12)),
    "negative clip duration": _edit(lambda d: _items(d)[0]["source"].update(duration=-5)),
    "zero still duration": _edit(lambda d: _items(d)[2].update(duration=0)),
    "take path with ..": _edit(lambda d: _take(d).update(path="../x.mp4")),
    "absolute take path": _edit(lambda d: _take(d).update(path="/etc/passwd")),
    "take path escaping takes/": _edit(lambda d: _take(d).update(path="takes/../../x")),
    "windows take path": _edit(lambda d: _take(d).update(path="C:\\takes\\x.mp4")),
    "dangling media reference": _edit(lambda d: _items(d)[0].update(media_id="media-nope")),
    "dangling active take": _edit(lambda d: _items(d)[4]["generation"].update(
        active_take_id="take-9")),
    "transition at the end": _edit(lambda d: _items(d).append(copy.deepcopy(_items(d)[1]))),
    "NaN": GOLDEN_BYTES.replace(b'"guidance": 4.5', b'"guidance": NaN'),
    "Infinity": GOLDEN_BYTES.replace(b'"guidance": 4.5', b'"guidance": -Infinity'),
    "overflowing float": GOLDEN_BYTES.replace(b'"guidance": 4.5', b'"guidance": 1e999'),
    "huge integer for a float": GOLDEN_BYTES.replace(b'"guidance": 4.5',
                                                    b'"guidance": 1' + b"0" * 400),
    "integer too long to read": GOLDEN_BYTES.replace(b'"width": 768', b'"width": 1' + b"0" * 5000),
    "rate with a giant exponent": GOLDEN_BYTES.replace(b'"30000/1001"', b'"1e999999999"', 1),
    "rate of zero": GOLDEN_BYTES.replace(b'"30000/1001"', b'"0"', 1),
    "rate dividing by zero": GOLDEN_BYTES.replace(b'"30000/1001"', b'"1/0"', 1),
    "deep nesting": GOLDEN_BYTES.replace(b'"auto": true', b'"auto": ' + b"[" * 100000
                                         + b"]" * 100000),
    "a PNG renamed": PNG,
    "latin-1 text": GOLDEN_BYTES.replace("ünïcödé".encode(), "ünïcödé".encode("latin-1")),
    "utf-16": GOLDEN_BYTES.decode().encode("utf-16"),
    "an empty file": b"",
    "only whitespace": b" \n\t ",
    "truncated": GOLDEN_BYTES[: len(GOLDEN_BYTES) // 2],
}


@pytest.fixture
def project_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Golden v1"
    save_project(load_project(GOLDEN_PATH), folder)
    return folder


@pytest.mark.parametrize("content", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_one_error_and_changes_nothing(project_folder: Path, content: bytes) -> None:
    file = project_folder / "Golden v1.frameloom"
    file.write_bytes(content)
    (project_folder / ".Golden v1.frameloom.autosave").write_bytes(content)
    before = snapshot(project_folder)
    for opener in (load_project, open_project):
        with pytest.raises(ProjectFileError) as info:
            opener(project_folder)
        message = str(info.value)
        assert str(file) in message and message.endswith(".") and "\n" not in message
        assert len(message) < 500
    assert snapshot(project_folder) == before


def test_a_large_file_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "big.frameloom"
    with open(file, "wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)
    with pytest.raises(ProjectFileError, match="larger than 64 MiB"):
        load_project(file)


@pytest.mark.parametrize("name", ["missing.frameloom", "folder.frameloom", "empty folder",
                                  "pipe.frameloom", "nul\x00byte.frameloom"])
def test_missing_files_and_folders_are_project_file_errors(tmp_path: Path, name: str) -> None:
    if "folder" in name:
        (tmp_path / name).mkdir()
    elif "pipe" in name:
        if not hasattr(os, "mkfifo"):
            pytest.skip("named pipes are POSIX only")
        os.mkfifo(tmp_path / name)  # opening it for reading would block forever
    before = snapshot(tmp_path)
    with pytest.raises(ProjectFileError) as info:
        open_project(tmp_path / name)
    assert str(tmp_path / name) in str(info.value)
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------------- fuzzing
Path_ = tuple[Any, ...]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from([0, -1, 1, 2**63, 10**30, "", "1", "24", "30000/1001", "Clip.1", "Gap.1",
                       "Transition.1", "FrameRange.1", "takes/../../x", "/etc/passwd", "clip-beach",
                       "media-beach", "take-1", "bridge", "still", "done"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


def _paths(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every position in the tree, the root included."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, path + (index,))
    return found


def _get(node: Any, path: Path_) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(root: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


def _swap_type(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return str(value) if value % 2 else float(value)
    if isinstance(value, float):
        return str(value)
    if isinstance(value, str):
        return int(value) if value.isdigit() and len(value) < 100 else [value]
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return False


@st.composite
def mutated_trees(draw: st.DrawFn) -> bytes:
    tree: Any = copy.deepcopy(GOLDEN)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(tree)
        kind = draw(st.sampled_from(["replace", "delete", "duplicate", "swap"]))
        if kind == "delete":
            paths = [p for p in paths if p and isinstance(_get(tree, p[:-1]), dict)]
        elif kind == "duplicate":
            paths = [p for p in paths if p and isinstance(_get(tree, p[:-1]), list)]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        if kind == "replace":
            tree = _set(tree, path, draw(json_values))
        elif kind == "delete":
            del _get(tree, path[:-1])[path[-1]]
        elif kind == "duplicate":
            _get(tree, path[:-1]).insert(path[-1], copy.deepcopy(_get(tree, path)))
        else:
            tree = _set(tree, path, _swap_type(_get(tree, path)))
    return json.dumps(tree, indent=1, ensure_ascii=draw(st.booleans())).encode(
        "utf-8", "surrogatepass")


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    data = bytearray(GOLDEN_BYTES)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:at + draw(st.integers(1, 16))]
    return bytes(data)


def _load_expecting_only_project_file_error(folder: Path, content: bytes) -> None:
    file = folder / "fuzzed.frameloom"
    file.write_bytes(content)
    before = file.stat().st_mtime_ns
    try:
        project = load_project(file)
    except ProjectFileError as exc:
        assert str(file) in str(exc)
    else:
        assert isinstance(project, Project)
        # Whatever loads must save and read back equal: a user can always keep their work.
        assert load_project(save_project(project, folder / "resaved.frameloom")) == project
    assert file.read_bytes() == content and file.stat().st_mtime_ns == before


FUZZ = settings(max_examples=1200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(content=mutated_trees())
def test_fuzzed_trees_raise_only_project_file_error(tmp_path: Path, content: bytes) -> None:
    _load_expecting_only_project_file_error(tmp_path, content)


@settings(FUZZ, max_examples=900)
@given(content=mutated_bytes())
def test_fuzzed_bytes_raise_only_project_file_error(tmp_path: Path, content: bytes) -> None:
    _load_expecting_only_project_file_error(tmp_path, content)
