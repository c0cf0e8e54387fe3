"""Signing an export: what its manifest says (ingredients, footage or generated) and when to sign.

An export is signed after its final mux: the renderer writes a hidden unsigned file beside the
output, :func:`sign_media` signs it into the output (its own temporary name and rename), and the
unsigned file is removed, so the output name only ever holds a finished, signed export.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.document.model import Clip, Generated, Project, Still, Transition
from studio.document.persistence import resolve_media_path
from studio.provenance.manifest import ProvenanceError, media_type
from studio.provenance.signing import sign_media
from studio.settings import section, settings_path

# What c2pa 0.38 can read as an ingredient (it lists MKV and WebM as unsupported).
INGREDIENT_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime",
                    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
                    ".webp": "image/webp", ".tif": "image/tiff", ".tiff": "image/tiff"}


@dataclass(frozen=True)
class ExportSources:
    """The files an export's frames come from, in timeline order, each once.

    ``ingredients`` are the ones a manifest can list; ``unlisted`` the rest (MKV, WebM, ...);
    ``footage`` says whether any clip or still is used and ``generated`` whether any finished
    take is (a generated item without one renders as a prompt card, which is not generated).
    """

    ingredients: tuple[Path, ...]
    unlisted: tuple[Path, ...]
    footage: bool
    generated: bool


def export_sources(project: Project, project_dir: str | os.PathLike[str]) -> ExportSources:
    """The sources of ``project``'s timeline, with paths resolved against ``project_dir``."""
    seen: dict[Path, None] = {}
    footage = generated = False
    for track in project.timeline.tracks:
        for entry in track.items:
            path: Path | None = None
            if isinstance(entry, (Clip, Still)) and entry.media_id in project.media:
                path = resolve_media_path(project_dir, project.media[entry.media_id])
                footage = True
            elif isinstance(entry, (Generated, Transition)) and entry.generation is not None:
                take = entry.generation.active_take
                if take is not None and take.status == "done":
                    path = resolve_media_path(project_dir, take.path)
                    generated = True
            if path is not None:
                seen.setdefault(path)
    listed = tuple(p for p in seen if p.suffix.lower() in INGREDIENT_TYPES)
    unlisted = tuple(p for p in seen if p.suffix.lower() not in INGREDIENT_TYPES)
    return ExportSources(listed, unlisted, footage, generated)


def sign_exports_by_default() -> bool:
    """``sign_exports`` in ``[signing]`` of the settings file (default False).

    Raises
    ------
    SettingsError
        If the settings file cannot be read.
    ProvenanceError
        If the value is not true or false.
    """
    value = section("signing").get("sign_exports", False)
    if not isinstance(value, bool):
        raise ProvenanceError(f"sign_exports in [signing] of {settings_path()} must be true or "
                              "false.")
    return value


def check_signable(sources: ExportSources) -> None:
    """Refuse, before anything is rendered, an export whose manifest would be untrue.

    Frameloom's manifests say the file was made by, or mixed with, a trained algorithm; an
    export without a finished take holds no generated frames.
    """
    if not sources.generated:
        raise ProvenanceError("This export holds no finished generated take, so there is nothing "
                              "to mark as generated; render it without --sign.")


def unsigned_name(output: Path) -> Path:
    """The hidden file the renderer writes before it is signed into ``output``."""
    return output.with_name(f".{output.stem}.unsigned{output.suffix}")


@dataclass(frozen=True)
class Signing:
    """How an export is to be signed: what it holds and the credentials to sign with."""

    sources: ExportSources
    cert: Path
    key: Path


def plan_signing(project: Project, folder: Path, output: Path, sign: bool | None,
                 cert: Path | None, key: Path | None, note: Callable[[str], None]
                 ) -> Signing | None:
    """Whether and how to sign an export, decided before anything is rendered.

    ``sign`` True asks for a signature (refused, with one sentence, when the export holds no
    finished take or a credential is missing); False never signs; None follows
    ``sign_exports`` in the settings and skips, with a ``note``, an export without a take.
    """
    if sign is False or (sign is None and not sign_exports_by_default()):
        return None
    from studio.provenance.cli import signing_credentials

    sources = export_sources(project, folder)
    if sign is None and not sources.generated:
        note("The export holds no finished generated take, so it is written unsigned.")
        return None
    check_signable(sources)
    media_type(output)
    cert_path, key_path = signing_credentials(cert, key)
    for path in (cert_path, key_path):
        if not path.is_file():
            raise ProvenanceError(f"There is no signing file at {path}; fix the path and "
                                  "render again.")
    if sources.unlisted:
        names = ", ".join(p.name for p in sources.unlisted)
        note(f"Not listed as ingredients (C2PA cannot read their format): {names}.")
    return Signing(sources, cert_path, key_path)


def render_maybe_signed(render: Callable[[Path], object], output: Path,
                        signing: Signing | None) -> Path:
    """``render(output)``, or with ``signing``, :func:`render_signed`."""
    if signing is None:
        render(output)
        return output
    return render_signed(render, output, signing.sources, signing.cert, signing.key)


def render_signed(render: Callable[[Path], object], output: Path, sources: ExportSources,
                  cert: Path, key: Path) -> Path:
    """Run ``render(path)`` to write the unsigned export, then sign it into ``output``.

    Whatever fails (rendering, cancelling or signing), nothing is left under ``output`` nor
    under the unsigned name.
    """
    unsigned = unsigned_name(output)
    try:
        render(unsigned)
        return sign_media(unsigned, output, cert, key, composite=sources.footage,
                          ingredients=sources.ingredients)
    finally:
        with contextlib.suppress(FileNotFoundError):
            unsigned.unlink()
