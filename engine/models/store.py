"""The local model store: pull catalog models from the Hugging Face Hub; add, verify, remove."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.models.catalog import CATALOG, CatalogEntry, catalog_entry, choose_profile
from engine.models.files import PICKLE_SUFFIXES, folder_size, verify_folder
from engine.models.installed import REPO_MODELS, ModelInfo, list_models
from engine.models.licences import licence_terms
from engine.models.loras import list_loras
from engine.paths import models_dir

Progress = Callable[[int, int], None]
"""Called with ``(bytes_done, bytes_total)`` while a pull downloads; may be called from threads."""

# Diffusers folders: the index, each component's configs, safetensors weights and tokenizer
# files. The "*/" prefix keeps single-file checkpoints at a repo's root (LTX-Video has several of
# 10-30 GB) out of a pull.
ALLOW_PATTERNS = ["model_index.json", "*/*.json", "*/*.safetensors", "*/*.txt", "*/*.model"]
# Pickles are never fetched, even if a pattern above matches one.
IGNORE_PATTERNS = [f"*{suffix}" for suffix in PICKLE_SUFFIXES]
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_RESUME_HINT = "Run the command again; the download resumes where it stopped."


class ModelStoreError(Exception):
    """A model that cannot be pulled, added, verified or removed; one sentence and a hint.

    Parameters
    ----------
    message
        One readable sentence saying what is wrong.
    hint
        What the user can do about it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(f"{message} {hint}".strip())
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class ModelStatus:
    """A catalog entry or an installed model, and where it stands.

    Attributes
    ----------
    status
        ``"installed"`` (pulled), ``"linked"`` (added from a local folder), ``"built in"``
        (shipped in resources), ``"incomplete"`` (a folder that does not load yet, e.g. a
        download that stopped), ``"not installed"`` (a catalog model not pulled yet),
        ``"no backend yet"`` (a catalog model Frameloom cannot run yet, so it cannot be
        pulled) or ``"missing"`` (a built-in model absent from resources).
    """

    id: str
    family: str
    status: str
    path: Path | None
    size_on_disk: int | None
    entry: CatalogEntry | None
    info: ModelInfo | None

    def to_dict(self) -> dict[str, Any]:
        """The status as a JSON-ready dict; installed models keep the fields of ModelInfo."""
        data: dict[str, Any] = self.info.to_dict() if self.info else {
            "id": self.id, "family": self.family, "path": str(self.path) if self.path else None,
            "description": self.entry.description if self.entry else "", "constraints": None}
        data.update(status=self.status, size_on_disk=self.size_on_disk,
                    catalog=self.entry.to_dict() if self.entry else None)
        return data


def model_record(info: ModelInfo, vram_total: int | None) -> dict[str, Any]:
    """One record of the ``list_models`` reply (:mod:`engine.protocol.models` lists its keys):
    the model's own fields and what the catalog says of it, with the memory profile the
    engine would start it with and whether it fits a GPU of ``vram_total`` bytes (None: no GPU
    reported, so nothing is said about fitting)."""
    entry = catalog_entry(info.id)
    record = info.to_dict()
    record.update(operations=None, min_vram_gib=None, licence=None, profile=None, fits=None,
                  fit_reason=None, loras=[lora.name for lora in list_loras(info.id)])
    if entry is None:
        return record
    need = min(entry.min_vram_gib.values())
    fits = None if vram_total is None else need * 2**30 <= vram_total
    record.update(operations=list(entry.operations), min_vram_gib=dict(entry.min_vram_gib),
                  licence=entry.licence, profile=choose_profile(entry, vram_total), fits=fits)
    if fits is False:
        assert vram_total is not None
        record["fit_reason"] = (
            f"The model {info.id} needs at least {need:g} GiB of GPU memory even in its "
            f"cheapest profile (a catalog estimate), more than this GPU has "
            f"({vram_total / 2**30:.1f} GiB).")
    return record


def installed() -> list[ModelStatus]:
    """Every catalog entry (installed or not), then every other installed model.

    Returns
    -------
    list[ModelStatus]
        Catalog order first, then the remaining installed models in :func:`list_models` order.
    """
    infos = {info.id: info for info in list_models()}
    statuses = []
    for entry in CATALOG:
        info = infos.pop(entry.id, None)
        folder = models_dir() / entry.id
        # A pulled folder is checked in full (headers only, so quick even for tens of GB): a
        # download that stopped still has readable configs, so JSON alone would call it fine.
        pulled = folder.is_dir() and not folder.is_symlink()
        if info is not None and not (pulled and verify_folder(folder)):
            statuses.append(_status(info, entry))
        elif folder.is_dir():
            statuses.append(ModelStatus(entry.id, entry.family, "incomplete", folder,
                                        folder_size(folder), entry, None))
        else:
            # A built-in model that is not there was never built (resources/models is made by
            # engine/mini/train.py), which is not something a pull can fix.
            status = ("no backend yet" if not entry.installable else
                      "not installed" if entry.repo else "missing")
            statuses.append(ModelStatus(entry.id, entry.family, status, None, None, entry, None))
    statuses.extend(_status(info, None) for info in infos.values())
    return statuses


def _status(info: ModelInfo, entry: CatalogEntry | None) -> ModelStatus:
    if info.path.is_symlink():
        status = "linked"
    elif info.path.parent == REPO_MODELS:
        status = "built in"
    else:
        status = "installed"
    return ModelStatus(info.id, info.family, status, info.path, folder_size(info.path), entry,
                       info)


def _progress_class(progress: Progress) -> type:
    """A tqdm stand-in that reports the bytes of every byte-counting bar to ``progress``.

    huggingface_hub creates several bars (files, network bytes, bytes written); reading every
    byte-counting bar, whatever this version calls them, keeps the report version-proof.
    """
    lock = threading.Lock()
    bars: list[_Bar] = []

    class _Bar:
        def __init__(self, *args: Any, total: float | None = None, initial: float = 0,
                     unit: str = "it", **kwargs: Any) -> None:
            self.total, self.n, self.unit = total, initial, unit
            self.format_dict: dict[str, Any] = {}
            with lock:
                bars.append(self)

        def __setattr__(self, name: str, value: Any) -> None:
            object.__setattr__(self, name, value)
            if name == "total" and "unit" in self.__dict__:
                self._report()

        def _report(self) -> None:
            with lock:
                counting = [bar for bar in bars if bar.unit == "B"]
                done = max((int(bar.n) for bar in counting), default=0)
                # The network-bytes bar inflates its total as it goes; the smallest one is the
                # sum of the file sizes.
                total = min((int(bar.total) for bar in counting if bar.total), default=0)
            progress(done, max(done, total))

        def update(self, n: float | None = 1) -> None:
            self.n += n or 0
            if self.unit == "B":
                self._report()

        def __enter__(self) -> _Bar:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def __getattr__(self, name: str) -> Callable[..., None]:
            # refresh, close, set_description, set_postfix_str...: nothing to draw.
            return lambda *args, **kwargs: None

    return _Bar


def _hub_error(exc: Exception, entry: CatalogEntry) -> ModelStoreError:
    """One sentence for an exception from huggingface_hub, with what to do about it."""
    import httpx
    from huggingface_hub import constants, errors

    repo = entry.repo
    if isinstance(exc, errors.GatedRepoError):
        return ModelStoreError(f"The model {entry.id} is gated: its licence must be accepted on "
                               "the Hugging Face Hub first.",
                               f"Accept it at https://huggingface.co/{repo}, log in with "
                               "`hf auth login`, and run the command again.")
    if isinstance(exc, (errors.RepositoryNotFoundError, errors.RevisionNotFoundError)):
        return ModelStoreError(f"The Hugging Face Hub has no repository {repo} at revision "
                               f"{entry.revision or 'main'}.",
                               "The catalog may be out of date; update Frameloom or add a "
                               "local copy with `frameloom-engine models add PATH`.")
    if isinstance(exc, (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled,
                        httpx.ConnectError, httpx.TimeoutException, ConnectionError)):
        if constants.HF_HUB_OFFLINE:
            return ModelStoreError("The model could not be downloaded: HF_HUB_OFFLINE is set.",
                                   "Unset HF_HUB_OFFLINE and run the command again; the "
                                   "download resumes where it stopped.")
        return ModelStoreError("The model could not be downloaded: no network connection.",
                               "Connect and run the command again; the download resumes "
                               "where it stopped.")
    if isinstance(exc, errors.HfHubHTTPError):
        code = exc.response.status_code if exc.response is not None else "unknown"
        return ModelStoreError(f"The Hugging Face Hub refused the download of {repo} "
                               f"(HTTP {code}).", f"Try again later. {_RESUME_HINT}")
    if isinstance(exc, OSError):
        return ModelStoreError(f"The model could not be written to {models_dir() / entry.id}: "
                               f"{exc.strerror or exc}.",
                               f"Free some disk space or fix the folder's permissions. "
                               f"{_RESUME_HINT}")
    return ModelStoreError(f"The download of {entry.id} failed ({type(exc).__name__}: {exc}).",
                           _RESUME_HINT)


def pull(model_id: str, *, progress: Progress | None = None,
         accept_licence: bool = False) -> Path:
    """Download a catalog model into the models dir, resuming a download that stopped.

    Parameters
    ----------
    model_id
        A catalog id (see :data:`engine.models.catalog.CATALOG`).
    progress
        Called with ``(bytes_done, bytes_total)`` as bytes arrive.
    accept_licence
        The user has read and accepted the model's licence terms
        (:func:`engine.models.licences.licence_terms`); a restricted licence needs it.

    Returns
    -------
    Path
        The model folder, verified.

    Raises
    ------
    ModelStoreError
        If the id is not in the catalog, the model is built in or linked, its licence is
        restricted and not accepted, the hub or the network fails, or the downloaded folder
        does not verify.
    """
    entry = catalog_entry(model_id)
    if entry is None:
        known = ", ".join(e.id for e in CATALOG if e.repo and e.installable)
        raise ModelStoreError(f"There is no model called {model_id!r} in the catalog; models "
                              f"that can be pulled: {known}.",
                              "Add a local folder with `frameloom-engine models add PATH`.")
    if entry.repo is None:
        raise ModelStoreError(f"The model {model_id} ships with Frameloom; there is nothing to "
                              "download.", "Use it as it is.")
    if not entry.installable:
        raise ModelStoreError(f"The model {model_id} cannot be installed yet: Frameloom has no "
                              f"backend for its {entry.family} pipelines.",
                              "Choose another model from `frameloom-engine models list`.")
    target = models_dir() / model_id
    if target.is_symlink():
        raise ModelStoreError(f"The model {model_id} is linked to a local folder, so it is not "
                              "pulled.", f"Remove the link with `frameloom-engine models remove "
                                         f"{model_id}` first to download it.")
    terms = licence_terms(entry)
    if terms is not None and terms.restricted and not accept_licence:
        raise ModelStoreError(terms.refusal(), f"Read them at {terms.url} and accept them with "
                                               "--accept-licence.")
    from huggingface_hub import snapshot_download

    # Into the models folder itself, not the hub cache: the folder is what the engine loads, and
    # huggingface_hub keeps its resume state inside it (.cache/), so a rerun continues.
    try:
        snapshot_download(entry.repo, revision=entry.revision, local_dir=target,
                          allow_patterns=ALLOW_PATTERNS, ignore_patterns=IGNORE_PATTERNS,
                          tqdm_class=_progress_class(progress) if progress else None)
    except Exception as exc:
        raise _hub_error(exc, entry) from exc
    problems = verify_folder(target)
    if problems:
        from huggingface_hub import constants

        # Offline, huggingface_hub hands back whatever part of the folder is already there.
        hint = ("Unset HF_HUB_OFFLINE and run the command again; the download resumes where "
                "it stopped." if constants.HF_HUB_OFFLINE else _RESUME_HINT)
        raise ModelStoreError(f"The download of {model_id} is incomplete: {problems[0]}", hint)
    return target


def _installed_folder(model_id: str) -> Path:
    for folder in (models_dir() / model_id, REPO_MODELS / model_id):
        if folder.is_dir() or folder.is_symlink():
            return folder
    raise ModelStoreError(f"The model {model_id!r} is not installed.",
                          "See `frameloom-engine models list` for the models there are.")


def remove(model_id: str) -> None:
    """Delete a pulled model, or unlink an added one (the linked folder itself is kept).

    Raises
    ------
    ModelStoreError
        If the model is not installed or ships with Frameloom.
    """
    folder = _installed_folder(model_id)
    if folder.parent == REPO_MODELS:
        raise ModelStoreError(f"The model {model_id} ships with Frameloom and cannot be removed.",
                              "Leave it; it takes little space.")
    if folder.is_symlink():
        folder.unlink()
    else:
        shutil.rmtree(folder)


def verify(model_id: str) -> list[str]:
    """The problems of an installed model's folder; see :func:`verify_folder`.

    Raises
    ------
    ModelStoreError
        If the model is not installed.
    """
    return verify_folder(_installed_folder(model_id))


def add(path: Path | str, model_id: str | None = None) -> Path:
    """Register a local diffusers folder by linking it into the models dir.

    Parameters
    ----------
    path
        The folder that holds ``model_index.json``.
    model_id
        The id to list it under; the folder's name by default.

    Returns
    -------
    Path
        The link in the models dir.

    Raises
    ------
    ModelStoreError
        If the folder is missing, does not verify (no model_index.json, pickle weights, broken
        safetensors...), the id is not a plain name, or the id is taken.
    """
    source = Path(path).expanduser().resolve()
    if not source.is_dir():
        raise ModelStoreError(f"There is no folder at {source}.", "Check the path.")
    problems = verify_folder(source)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise ModelStoreError(f"The folder {source} cannot be added: {problems[0]}{more}",
                              "Point at a diffusers folder with safetensors weights (the one "
                              "you would pass to from_pretrained).")
    model_id = model_id or source.name
    if not _ID.fullmatch(model_id):
        raise ModelStoreError(f"The id {model_id!r} is not a plain name.",
                              "Use letters, digits, dots, dashes and underscores (--id NAME).")
    target = models_dir() / model_id
    if target.exists() or target.is_symlink() or (REPO_MODELS / model_id).exists():
        raise ModelStoreError(f"A model called {model_id} is already installed.",
                              "Choose another name with --id, or remove it first.")
    # A link, not a copy: checkpoints are tens of gigabytes and the user chose where they live.
    target.symlink_to(source, target_is_directory=True)
    return target
