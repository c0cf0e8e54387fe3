"""The chain of project-file upgrades, one function per file-format version step."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import ProjectFileError

#: The file format this Frameloom writes (the top-level ``schema_version``).
SCHEMA_VERSION = 6


def _one_to_two(data: dict[str, Any]) -> dict[str, Any]:
    """Format 2 adds audio tracks. A format-1 timeline played each clip's own sound under its
    picture (crossfading with it, silent under stills, shots, gaps and bridges), so each video
    track gets an audio track with that sound as audio items linked to their clips: the same
    timeline sounds as it did. Ids are derived from the video ones, so an upgrade is repeatable.
    """
    project = data["project"]
    media = {m["id"]: m for m in project["media"]}
    audio_tracks = []
    for number, track in enumerate(project["timeline"]["tracks"], 1):
        entries = _audio_entries(track["items"], media)
        audio_tracks.append({"schema": "Track.1", "id": f"{track['id']}-audio",
                             "name": f"A{number}", "kind": "audio", "items": entries,
                             "metadata": {}})
    project["timeline"]["audio_tracks"] = audio_tracks
    return data


def _audio_entries(items: list[dict[str, Any]], media: dict[str, Any]) -> list[dict[str, Any]]:
    """The audio track under one format-1 video track (see :func:`_one_to_two`)."""
    out: list[dict[str, Any]] = []
    for item in items:
        schema = item["schema"].rpartition(".")[0]
        if schema == "Transition":
            if item["kind"] == "crossfade":
                out.append({**item, "id": f"{item['id']}-audio", "metadata": {}})
            elif item["kind"] == "bridge":  # silent over the bridge: a gap cut out of both sides
                out.append({"schema": "Gap.1", "id": f"{item['id']}-audio",
                            "duration": 0, "bridge": (item["in_offset"], item["out_offset"])})
            continue
        sound = (schema == "Clip" and item["media_id"] in media
                 and media[item["media_id"]].get("probe", {}).get("has_audio", True) is not False)
        if sound:
            out.append({"schema": "AudioItem.1", "id": f"{item['id']}-audio",
                        "media_id": item["media_id"], "source": dict(item["source"]),
                        "link": item["id"], "metadata": {}})
        else:
            duration = item["source"]["duration"] if "source" in item else item["duration"]
            out.append({"schema": "Gap.1", "id": f"{item['id']}-audio", "duration": duration,
                        "metadata": {}})
    for index, entry in enumerate(out):
        if "bridge" not in entry:
            continue
        before, after = entry.pop("bridge")
        entry["duration"], entry["metadata"] = before + after, {}
        _shorten(out[index - 1], before, at_start=False)
        _shorten(out[index + 1], after, at_start=True)
    kept: list[dict[str, Any]] = []
    for entry in out:  # drop emptied items, merge gaps, end on an item
        length = entry["source"]["duration"] if "source" in entry else entry.get("duration", 1)
        if entry["schema"] != "Transition.1" and length <= 0:
            continue
        if entry["schema"] == "Gap.1" and kept and kept[-1]["schema"] == "Gap.1":
            kept[-1]["duration"] += entry["duration"]
            continue
        kept.append(entry)
    while kept and kept[-1]["schema"] in ("Gap.1", "Transition.1"):
        kept.pop()
    return kept


def _shorten(entry: dict[str, Any], frames: int, *, at_start: bool) -> None:
    if "source" in entry:
        source = entry["source"]
        source["duration"] -= frames
        if at_start:
            source["start"] += frames
    else:
        entry["duration"] -= frames


def _two_to_three(data: dict[str, Any]) -> dict[str, Any]:
    """Format 3 lets the media pool hold imported ``audio`` files and a shot's spec carry
    ``loras``, ``draft``, ``attention`` and ``compile``, which a Frameloom that writes format 2
    refuses as unknown; with the new number it says the project is from a newer Frameloom
    instead. Nothing is renamed or removed, so a format-2 file reads as it is (including one
    saved while these were new and the number still said 2). What each format holds is
    recorded in ``tests/data/file_format_N.json`` (``tests/studio/document/test_file_format.py``).
    """
    return data


def _three_to_four(data: dict[str, Any]) -> dict[str, Any]:
    """Format 4 lets a shot's spec carry ``drift_retries`` (how many times a long shot's
    drifting window may be made again), which a Frameloom that writes format 3 refuses as
    unknown. Nothing else changes, so a format-3 file reads as it is."""
    return data


def _four_to_five(data: dict[str, Any]) -> dict[str, Any]:
    """Format 5 lets a track carry ``locked``, which a Frameloom that writes format 4 refuses
    as unknown. Nothing else changes, so a format-4 file reads as it is."""
    return data


def _five_to_six(data: dict[str, Any]) -> dict[str, Any]:
    """Format 6 lets a timeline carry ``markers``, which a Frameloom that writes format 5
    refuses as unknown. Nothing else changes, so a format-5 file reads as it is."""
    return data


#: ``UPGRADES[v]`` turns the dict of a format-``v`` file into a format ``v + 1`` one. It may
#: change its argument in place and must return the result; :func:`upgrade` sets the new
#: ``schema_version`` itself.
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _one_to_two, 2: _two_to_three, 3: _three_to_four, 4: _four_to_five,
    5: _five_to_six}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a parsed project file up to :data:`SCHEMA_VERSION`.

    A file newer than this Frameloom is returned unchanged: it cannot be upgraded, and the
    caller opens it read-only.

    Parameters
    ----------
    data
        The whole parsed file, with its ``schema_version``.

    Returns
    -------
    dict
        The file as this version writes it.

    Raises
    ------
    ProjectFileError
        If ``schema_version`` is missing, not a whole number or below 1, if a step of the chain
        is missing, or if a step finds the file malformed.
    """
    version = data.get("schema_version")
    if type(version) is not int:
        shown = json.dumps(version) if isinstance(version, (str, int, float, type(None))) \
            else type(version).__name__
        raise ProjectFileError(f"Its schema_version {shown[:40]} is not a file format number.")
    if version < 1:
        raise ProjectFileError(f"File format {version} is not one Frameloom knows "
                               f"(formats start at 1).")
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise ProjectFileError(f"This Frameloom cannot upgrade file format {version} "
                                   f"to format {version + 1}.")
        try:
            data = step(data)
            data["schema_version"] = version + 1
        # Upgrade steps read what older versions wrote; a damaged file shows up as one of these.
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise ProjectFileError(f"It could not be upgraded from file format {version} "
                                   f"({type(exc).__name__}: {exc}).") from None
        version += 1
    return data
