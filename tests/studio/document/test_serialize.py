"""Objects round-trip through their JSON form; reading is strict and errors name the spot."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest

from studio.document import serialize
from studio.document.errors import ProjectFileError
from studio.document.model import GeneratedSpec, Pin, Project
from studio.document.timebase import (
    FrameRange,
    format_rate,
    frames_to_timecode,
    parse_rate,
    seconds_to_frames,
)


def test_every_kind_round_trips_through_json(document: Project) -> None:
    text = json.dumps(serialize.encode(document))
    again = serialize.decode(json.loads(text), Project)
    assert again == document
    kinds = {type(e).__name__ for t in again.timeline.tracks for e in t.items}
    assert kinds == {"Clip", "Still", "Generated", "Gap", "Transition"}
    assert again.rate == Fraction(30000, 1001)
    assert isinstance(again.timeline.tracks[0].items[4].generation.spec.pins, tuple)


def test_every_object_carries_its_schema(document: Project) -> None:
    data = serialize.encode(document)
    assert data["schema"] == "Project.1"
    assert data["timeline"]["tracks"][0]["items"][0]["schema"] == "Clip.1"
    assert data["media"][0]["schema"] == "MediaRef.1"


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["timeline"]["tracks"][0]["items"][0]["source"].update(duration="5"),
     "timeline.tracks[0].items[0].source.duration: expected a whole number"),
    (lambda d: d["timeline"]["tracks"][0]["items"][0].update(schema="Clip.9"), "version"),
    (lambda d: d["timeline"]["tracks"][0]["items"][0].update(schema="Banana.1"), "Banana"),
    (lambda d: d["timeline"]["tracks"][0]["items"][0].update(colour="red"), "unknown field"),
    (lambda d: d["timeline"]["tracks"][0]["items"][0].pop("media_id"), "missing"),
    (lambda d: d.update(rate="-24"), "outside"),
    (lambda d: d.update(width=True), "whole number"),
    (lambda d: d["media"].append(dict(d["media"][0])), "used twice"),
    (lambda d: d["timeline"]["tracks"][0]["items"][0]["source"].update(duration=-3), "negative"),
])
def test_bad_values_name_where_they_are(document: Project, mutate, where: str) -> None:
    data = serialize.encode(document)
    mutate(data)
    with pytest.raises(ProjectFileError, match=where.replace("[", r"\[").replace("]", r"\]")):
        serialize.decode(data, Project)


def test_lenient_reading_ignores_fields_from_the_future(document: Project) -> None:
    data = serialize.encode(document)
    data["timeline"]["tracks"][0]["items"][0]["colour"] = "red"
    data["timeline"]["tracks"][0]["items"][0]["schema"] = "Clip.2"
    assert serialize.decode(data, Project, lenient=True) == document


def test_spec_hash_follows_settings_not_ids() -> None:
    pin = Pin(id="a", media_id="m", source=FrameRange(0, 1), at=0)
    spec = GeneratedSpec(kind="shot", prompt="p", duration=10, pins=(pin,))
    same = dataclasses.replace(spec, pins=(dataclasses.replace(pin, id="b"),))
    assert serialize.spec_hash(spec) == serialize.spec_hash(same)
    assert serialize.spec_hash(spec) != serialize.spec_hash(dataclasses.replace(spec, seed=1))


def test_rates_and_timecode() -> None:
    assert parse_rate("29.97") == Fraction(30000, 1001)
    assert parse_rate("30000/1001") == Fraction(30000, 1001)
    assert parse_rate(25) == Fraction(25)
    assert format_rate(Fraction(24000, 1001)) == "24000/1001" and format_rate(Fraction(24)) == "24"
    for bad in ("0", "-1", "abc", True, 1.5, None, "1/0"):
        with pytest.raises(Exception) as info:
            parse_rate(bad)
        assert type(info.value).__name__ == "DocumentError"
    assert frames_to_timecode(24 * 3661 + 5, Fraction(24)) == "01:01:01:05"
    assert frames_to_timecode(30, Fraction(30000, 1001)) == "00:00:01:00"
    assert seconds_to_frames(2, Fraction(24)) == 48
