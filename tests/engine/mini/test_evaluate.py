"""The evaluation's own readings: right on the world's clips, seams told from cuts, one block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.mini.evaluate import (
    BEGIN,
    END,
    Setting,
    direction_of,
    held_out_scenes,
    measure_drawing,
    read_clip,
    render,
    seam_jump,
    table,
    wilson,
    write_benchmarks,
)


def test_held_out_scenes_are_fixed_and_held_out() -> None:
    from engine.mini.captions import held_out

    first, again = (held_out_scenes(8, 3, ("solid",)) for _ in range(2))
    assert first == again and all(held_out(scene) for scene in first)
    assert all(len(scene.objects) == 1 and scene.shading == "solid" for scene in first)
    trained = held_out_scenes(8, 3, ("solid",), held_out=False)
    assert not any(held_out(scene) for scene in trained)


def test_trained_captions_are_not_written_over_the_held_out_table() -> None:
    from engine.mini.evaluate import parse_args

    assert parse_args(["--trained-captions"]).trained_captions
    with pytest.raises(SystemExit):
        parse_args(["--trained-captions", "--write"])


@pytest.mark.parametrize(("size", "least_shape"), [((512, 288), 1.0), ((128, 64), 0.8)])
def test_the_reader_gets_the_worlds_own_clips_right(size: tuple[int, int],
                                                    least_shape: float) -> None:
    # What the evaluation reports for the model is only as good as its reading of pixels, so it
    # must read the ground truth: every colour, direction and single object, and nearly every
    # shape (small triangles at 128x64 blur towards circles).
    setting = Setting(*size, frames=9, steps=1, guidance=1.0)
    scenes = held_out_scenes(24, 5, ("solid",))
    truth = measure_drawing(lambda _, seed, scene: render(scene, setting, seed), scenes, 0)
    assert truth["colour"][0] == 1.0 and truth["persistence"][0] == 1.0
    assert truth["background"] == (1.0, 24)
    assert truth["direction"][0] == 1.0 and truth["direction"][1] > 5
    assert truth["shape"][0] >= least_shape and truth["shape"][1] > 5
    by_shape = truth["shape by asked"]
    assert sum(total for _, total in by_shape.values()) == truth["shape"][1]
    assert sum(share * total for share, total in by_shape.values() if share is not None) == \
        pytest.approx(truth["shape"][0] * truth["shape"][1])


def test_the_reader_notices_a_wrong_colour_a_vanishing_and_a_duplicate() -> None:
    setting = Setting(256, 160, frames=9, steps=1, guidance=1.0)
    scene = held_out_scenes(1, 11, ("solid",))[0]
    clip = render(scene, setting, 0)
    assert read_clip(clip)["single"] == 1.0
    blank = clip.copy()
    blank[4:] = blank[0, 0, 0]  # the object is gone after frame 4
    assert read_clip(blank)["single"] < 0.9
    double = clip.copy()
    double[:, :, 128:] = clip[:, :, :128]  # a second copy on the right
    assert read_clip(double)["single"] < 0.9
    recoloured = clip.copy()
    recoloured[(np.abs(clip.astype(int) - clip[0, 0, 0]).sum(-1) > 60)] = (20, 20, 20)
    assert read_clip(recoloured)["colour"] == "black" != scene.objects[0].colour
    from engine.mini.captions import COLOURS

    flat = np.empty_like(clip)
    flat[:] = COLOURS["orange"]  # a backdrop alone, as a model that draws no object makes
    assert read_clip(flat)["background"] == "orange" and read_clip(flat)["single"] == 0.0


def test_direction_needs_real_travel() -> None:
    assert direction_of((10.0, 1.0)) == "right" and direction_of((0.5, -9.0)) == "up"
    assert direction_of((1.0, 1.0)) is None and direction_of(None) is None


def test_a_seam_that_continues_is_small_and_a_cut_is_large() -> None:
    setting = Setting(256, 160, frames=17, steps=1, guidance=1.0)
    one, two = (render(scene, setting, i)
                for i, scene in enumerate(held_out_scenes(2, 13, ("solid",))))
    assert seam_jump(one[7], one[8], one[8:]) <= 2.0
    assert seam_jump(one[7], two[8], two[8:]) > 2.0


def test_the_benchmarks_block_is_replaced_in_place(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("# Benchmarks\n\n## Other\n\ntext\n", encoding="utf-8")
    write_benchmarks("first table", path)
    write_benchmarks("second table", path)
    text = path.read_text(encoding="utf-8")
    assert text.count(BEGIN) == text.count(END) == 1
    assert "second table" in text and "first table" not in text and "## Other" in text


def test_the_table_puts_the_vae_ceiling_beside_the_model() -> None:
    drawing = {key: (0.5, 24) for key in ("background", "colour", "direction", "shape",
                                          "persistence")}
    truth = {key: (1.0, 24) for key in drawing}
    ceiling = {**truth, "colour": (0.75, 24), "shape": (None, 0)}
    text = table(drawing, truth, {"vae_psnr": 26.0, "vae_object_psnr": 23.5},
                 {"pin_psnr": 27.0, "seam loop": 1.5},
                 {"model": "m", "description": "d", "samples": 24, "size": "192x128",
                  "frames": 25, "steps": 20, "guidance": 3.0, "shadings": ("solid",),
                  "seconds": 1.0, "machine": "cpu", "command": "c"}, ceiling)
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ") for line in text.splitlines()
            if line.startswith("| ")}
    assert rows["object colour correct"][1:4] == ["50% of 24 (31-69%)", "100% of 24 (86-100%)",
                                                  "75% of 24 (55-88%)"]
    assert rows["shape correct (circle, square, triangle)"][3] == "n/a (no such caption)"
    assert rows["worst seam jump, loop"][1] == "1.50x"
    assert "by the shape asked" not in text  # none given
    drawing["shape by asked"] = {"circle": (0.5, 4), "triangle": (None, 0)}
    text = table(drawing, truth, {"vae_psnr": 26.0, "vae_object_psnr": 23.5},
                 {"pin_psnr": 27.0}, {"model": "m", "description": "d", "samples": 4,
                                      "size": "192x128", "frames": 25, "steps": 20,
                                      "guidance": 3.0, "shadings": ("solid",), "seconds": 1.0,
                                      "machine": "cpu", "command": "c"}, ceiling)
    assert text.splitlines()[-1] == ("Shape read as asked, by the shape asked: circle 50% of 4 "
                                     "(15-85%), triangle n/a (no such caption).")
    assert all(len(row) == 5 for row in rows.values())


def test_wilson_interval_narrows_with_more_clips_and_stays_inside_0_1() -> None:
    low, high = wilson(0.5, 24)
    assert (round(low, 3), round(high, 3)) == (0.314, 0.686)
    wide, narrow = wilson(0.5, 24), wilson(0.5, 96)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
    assert wilson(0.0, 10)[0] == 0.0 and wilson(1.0, 10)[1] == 1.0
