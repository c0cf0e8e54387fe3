"""The model store pulls through a faked hub, verifies, adds and removes, and picks profiles."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import huggingface_hub
import pytest
from huggingface_hub import constants, errors
from huggingface_hub.utils import filter_repo_objects

from engine.backends import FAMILIES, PROFILES
from engine.models import store as model_store
from engine.models.catalog import CATALOG, OPERATIONS, catalog_entry, choose_profile
from engine.models.store import ModelStoreError
from engine.paths import models_dir

PULLED = "ltx-video-0.9.7-distilled"  # an LTX catalog id, so the tiny LTX folder fits it
_GIB = 2**30

# What a real LTX-Video repo holds: diffusers components plus root checkpoints and pickles.
REPO_FILES = ["model_index.json", "README.md", "ltx-video-2b-v0.9.safetensors",
              "media/trailer.gif", "scheduler/scheduler_config.json", "vae/config.json",
              "vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.bin",
              "transformer/diffusion_pytorch_model-00001-of-00002.safetensors",
              "transformer/diffusion_pytorch_model.safetensors.index.json",
              "text_encoder/pytorch_model.bin", "text_encoder/model.ckpt",
              "tokenizer/spiece.model", "tokenizer/tokenizer_config.json",
              "image_processor/merges.txt"]


def fake_hub(monkeypatch: pytest.MonkeyPatch, source: Path | None = None,
             error: Exception | None = None) -> dict[str, Any]:
    """Replace snapshot_download: copy ``source`` into local_dir and report progress, or raise."""
    calls: dict[str, Any] = {}

    def snapshot_download(repo_id: str, **kwargs: Any) -> str:
        calls.update(kwargs, repo_id=repo_id)
        if error is not None:
            raise error
        assert source is not None
        tqdm_class = kwargs.get("tqdm_class")
        if tqdm_class is not None:
            files = tqdm_class(total=3, desc="Fetching 3 files")
            transfer = tqdm_class(total=0, unit="B", desc="Downloading bytes")
            written = tqdm_class(total=0, unit="B", desc="Reconstructing")
            written.total, transfer.total = 1000, 1000
            for step in (400, 600):
                transfer.total = 2000  # the network bar inflates its total as it goes
                transfer.update(step)
                written.update(step)
                files.update(1)
            written.close()
        shutil.copytree(source, kwargs["local_dir"], dirs_exist_ok=True)
        return str(kwargs["local_dir"])

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    return calls


def test_pull_copies_the_model_reports_progress_and_fetches_no_pickles(
        monkeypatch: pytest.MonkeyPatch, tiny_ltx_dir: Path) -> None:
    calls = fake_hub(monkeypatch, tiny_ltx_dir)
    seen: list[tuple[int, int]] = []
    path = model_store.pull(PULLED, accept_licence=True,
                            progress=lambda done, total: seen.append((done, total)))
    assert path == models_dir() / PULLED and (path / "model_index.json").is_file()
    assert calls["repo_id"] == catalog_entry(PULLED).repo  # type: ignore[union-attr]
    assert calls["local_dir"] == path
    assert seen[-1] == (1000, 1000) and all(done <= total for done, total in seen)
    fetched = set(filter_repo_objects(REPO_FILES, allow_patterns=calls["allow_patterns"],
                                      ignore_patterns=calls["ignore_patterns"]))
    assert fetched == {"model_index.json", "scheduler/scheduler_config.json", "vae/config.json",
                       "vae/diffusion_pytorch_model.safetensors",
                       "transformer/diffusion_pytorch_model-00001-of-00002.safetensors",
                       "transformer/diffusion_pytorch_model.safetensors.index.json",
                       "tokenizer/spiece.model", "tokenizer/tokenizer_config.json",
                       "image_processor/merges.txt"}
    status = {s.id: s for s in model_store.installed()}[PULLED]
    assert status.status == "installed" and status.size_on_disk and status.size_on_disk > 0


def _response(code: int) -> httpx.Response:
    return httpx.Response(code, request=httpx.Request("GET", "https://huggingface.co/api"))


@pytest.mark.parametrize(("error", "offline", "expected"), [
    (errors.LocalEntryNotFoundError("no snapshot"), False, "no network connection"),
    (httpx.ConnectError("refused"), False, "no network connection"),
    (errors.LocalEntryNotFoundError("outgoing traffic has been disabled"), True, "HF_HUB_OFFLINE"),
    (errors.GatedRepoError("gated", response=_response(403)), False, "licence must be accepted"),
    (errors.RepositoryNotFoundError("gone", response=_response(404)), False, "no repository"),
    (errors.HfHubHTTPError("down", response=_response(503)), False, "HTTP 503"),
    (OSError(28, "No space left on device"), False, "No space left on device"),
])
def test_hub_failures_are_one_readable_sentence_with_a_hint(
        monkeypatch: pytest.MonkeyPatch, error: Exception, offline: bool, expected: str) -> None:
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", offline)
    fake_hub(monkeypatch, error=error)
    with pytest.raises(ModelStoreError) as caught:
        model_store.pull("wan2.1-t2v-1.3b")
    assert expected in str(caught.value)
    assert caught.value.message.endswith(".") and caught.value.hint
    assert "\n" not in str(caught.value)


def test_a_download_that_stopped_is_reported_incomplete(monkeypatch: pytest.MonkeyPatch,
                                                        tiny_ltx_dir: Path,
                                                        tmp_path: Path) -> None:
    partial = Path(shutil.copytree(tiny_ltx_dir, tmp_path / "partial"))
    (partial / "transformer" / "diffusion_pytorch_model.safetensors").unlink()
    fake_hub(monkeypatch, partial)
    with pytest.raises(ModelStoreError, match=r"incomplete: .*transformer/ has no safetensors"):
        model_store.pull(PULLED, accept_licence=True)
    status = {s.id: s for s in model_store.installed()}[PULLED]
    assert status.status == "incomplete"


@pytest.mark.parametrize(("model_id", "expected"), [
    ("nope", "no model called 'nope' in the catalog"), ("frameloom-mini", "ships with Frameloom")])
def test_pull_refuses_unknown_and_built_in_models(model_id: str, expected: str) -> None:
    with pytest.raises(ModelStoreError, match=expected):
        model_store.pull(model_id)


@pytest.fixture
def copied(tiny_ltx_dir: Path) -> Path:
    """A writable copy of the tiny model, installed as if pulled."""
    return Path(shutil.copytree(tiny_ltx_dir, models_dir() / "copied"))


def test_verify_passes_a_sound_model_and_finds_each_problem(copied: Path) -> None:
    assert model_store.verify("copied") == []
    weights = copied / "vae" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    (copied / "text_encoder" / "pytorch_model.bin").write_bytes(b"pickle")
    (copied / "transformer" / "config.json").unlink()
    problems = model_store.verify("copied")
    assert any("vae/diffusion_pytorch_model.safetensors cannot be read" in p for p in problems)
    assert any("text_encoder/pytorch_model.bin is a pickle file" in p for p in problems)
    assert any("transformer/ has no config" in p for p in problems)
    (copied / "model_index.json").unlink()
    assert model_store.verify("copied") == [
        "The folder has no model_index.json, so it is not a diffusers model folder."]


def test_verify_finds_missing_shards_and_missing_components(copied: Path) -> None:
    index = {"weight_map": {"a": "diffusion_pytorch_model-00002-of-00002.safetensors"}}
    (copied / "transformer" / "diffusion_pytorch_model.safetensors.index.json").write_text(
        json.dumps(index))
    shutil.rmtree(copied / "scheduler")
    problems = model_store.verify("copied")
    assert "The weights file transformer/diffusion_pytorch_model-00002-of-00002.safetensors " \
           "is missing." in problems
    assert "The component folder scheduler/ is missing." in problems


def test_add_links_a_folder_and_remove_unlinks_it(tiny_ltx_dir: Path) -> None:
    link = model_store.add(tiny_ltx_dir, "mine")
    assert link.is_symlink() and link.resolve() == tiny_ltx_dir.resolve()
    status = {s.id: s for s in model_store.installed()}["mine"]
    assert status.status == "linked" and status.entry is None and status.info is not None
    with pytest.raises(ModelStoreError, match="already installed"):
        model_store.add(tiny_ltx_dir, "mine")
    model_store.remove("mine")
    assert not link.exists() and (tiny_ltx_dir / "model_index.json").is_file()
    with pytest.raises(ModelStoreError, match="not installed"):
        model_store.remove("mine")


def _pickled(folder: Path) -> None:
    (folder / "transformer" / "diffusion_pytorch_model.bin").write_bytes(b"pickle")


def _no_index(folder: Path) -> None:
    (folder / "model_index.json").unlink()


@pytest.mark.parametrize(("spoil", "expected"), [
    (_pickled, "is a pickle file"), (_no_index, "has no model_index.json")])
def test_add_refuses_folders_that_are_not_safetensors_diffusers_models(
        tiny_ltx_dir: Path, tmp_path: Path, spoil: Callable[[Path], None], expected: str) -> None:
    folder = Path(shutil.copytree(tiny_ltx_dir, tmp_path / "bad"))
    spoil(folder)
    with pytest.raises(ModelStoreError, match=expected):
        model_store.add(folder)
    assert not (models_dir() / "bad").exists()


def test_add_refuses_missing_folders_and_odd_ids(tiny_ltx_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelStoreError, match="There is no folder"):
        model_store.add(tmp_path / "nowhere")
    with pytest.raises(ModelStoreError, match="not a plain name"):
        model_store.add(tiny_ltx_dir, "../escape")


def test_remove_deletes_a_pulled_model(copied: Path) -> None:
    model_store.remove("copied")
    assert not copied.exists()


def test_installed_lists_the_whole_catalog_when_nothing_is_installed() -> None:
    statuses = model_store.installed()
    assert [s.id for s in statuses] == [entry.id for entry in CATALOG]
    by_id = {s.id: s.status for s in statuses}
    assert by_id["wan2.1-t2v-1.3b"] == "not installed"
    assert by_id["frameloom-mini"] in {"missing", "built in"}
    assert all(s.to_dict()["catalog"]["id"] == s.id for s in statuses)


def test_catalog_entries_are_complete_and_consistent() -> None:
    assert len({entry.id for entry in CATALOG}) == len(CATALOG)
    for entry in CATALOG:
        # An entry with no backend yet names a family the engine cannot load, and only then.
        assert (entry.family in FAMILIES) == entry.installable, entry.id
        assert set(entry.operations) <= set(OPERATIONS) and "shot" in entry.operations
        vram = [entry.min_vram_gib[profile] for profile in PROFILES]
        assert vram == sorted(vram, reverse=True), entry.id  # cheaper profiles need less
        assert "approximate" in entry.description and entry.licence
        assert (entry.repo is None) == (entry.size_bytes is None) == (entry.id == "frameloom-mini")


@pytest.mark.parametrize(("free_gib", "expected"), [
    (None, "tiled"), (80, "full"), (19, "tiled"), (12, "offload"), (9, "sequential"),
    (2, "sequential")])
def test_choose_profile_picks_the_fastest_that_fits(free_gib: int | None, expected: str) -> None:
    free = None if free_gib is None else free_gib * _GIB
    assert choose_profile("wan2.1-t2v-1.3b", free) == expected
    entry = catalog_entry("wan2.1-t2v-1.3b")
    assert entry is not None and choose_profile(entry, free) == expected


def test_choose_profile_starts_unknown_models_at_full() -> None:
    assert choose_profile("someone-elses-model", 8 * _GIB) == "full"
    assert choose_profile("someone-elses-model", None) == "tiled"


def test_the_progress_adapter_survives_huggingface_hubs_own_bar_helpers() -> None:
    # These helpers are private to huggingface_hub; they are what snapshot_download drives its
    # bars with, so a change there should show up here rather than in a user's download.
    xet = pytest.importorskip("huggingface_hub.utils._xet_progress_reporting")
    tqdm_utils = pytest.importorskip("huggingface_hub.utils.tqdm")
    seen: list[tuple[int, int]] = []
    bar_class = model_store._progress_class(lambda done, total: seen.append((done, total)))
    written = tqdm_utils._create_progress_bar(cls=bar_class, log_level=0, name="x", total=0,
                                              initial=0, unit="B", desc="Reconstructing")
    transfer = tqdm_utils._create_progress_bar(cls=bar_class, log_level=0, name="y", total=0,
                                               initial=0, unit="B", desc="Downloading bytes")
    written.total = transfer.total = 1000

    def fetch(size: int) -> int:
        xet._update_transfer_bar(transfer, size)
        written.update(size)
        xet._set_aggregate_rate_postfix(written)
        return size

    assert tqdm_utils.hf_thread_map(fetch, [300, 700], tqdm_class=bar_class, desc="Fetching") \
        == [300, 700]
    xet._finish_transfer_bar(transfer)
    assert seen[-1] == (1000, 1000)
