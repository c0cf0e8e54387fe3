"""Export from the window: in the background, with progress, cancel, and nothing half-written."""

from __future__ import annotations

from pathlib import Path

import av
from pytestqt.qtbot import QtBot

from studio.ui.export.export_dialog import ExportOptions
from studio.ui.window.main_window import MainWindow


def test_export_writes_the_timeline_while_the_window_stays_usable(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    out = tmp_path / "cut.mp4"
    window.prompts.export_options = lambda *_args: ExportOptions.for_path(out)
    done: list[tuple[bool, str]] = []
    window.exports.runner.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    window.action_set["export"].trigger()
    assert window.exports.bar.isVisibleTo(window)
    assert not window.action_set["export"].isEnabled()
    window.timeline.set_selection(["clip-1"])  # editing on does not touch the export
    window.action_set["ripple_delete"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=120000)
    assert done[0][0], done
    assert done[0][1].startswith("Exported cut.mp4 in ")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.frames, stream.width, stream.height) == (216, 512, 288)
    assert window.action_set["export"].isEnabled() and not window.exports.bar.isVisibleTo(window)


def test_a_cancelled_export_leaves_nothing(qtbot: QtBot, window: MainWindow,
                                           tmp_path: Path) -> None:
    done: list[tuple[bool, str]] = []
    window.exports.runner.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    folder = tmp_path / "out"
    folder.mkdir()
    assert window.export_timeline(folder / "cut.mov")  # ProRes: slow enough to cancel
    assert window.action_set["cancel_export"].isEnabled()
    window.action_set["cancel_export"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert done == [(False, "Export cancelled; nothing was written to cut.mov.")]
    assert list(folder.iterdir()) == []


def test_an_unknown_extension_is_one_sentence(window: MainWindow, tmp_path: Path) -> None:
    assert not window.export_timeline(tmp_path / "cut.avi")
    assert window.statusBar().currentMessage() == (
        "Export to .mp4 (H.264) or .mov (ProRes), not .avi.")


def test_a_second_export_waits_for_the_first(qtbot: QtBot, window: MainWindow,
                                             tmp_path: Path) -> None:
    done: list[bool] = []
    window.exports.runner.finished.connect(lambda ok, _sentence: done.append(ok))
    assert window.export_timeline(tmp_path / "a.mov")
    assert not window.export_timeline(tmp_path / "b.mp4")
    assert window.statusBar().currentMessage().startswith("An export is already running")
    assert window.exports.running
    window.exports.cancel()
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert not (tmp_path / "b.mp4").exists()


def test_the_dialog_edits_every_setting_and_the_extension_follows_the_format(
        qtbot: QtBot, tmp_path: Path) -> None:
    from fractions import Fraction

    from studio.ui.export.export_dialog import ExportDialog

    start = ExportOptions.for_path(tmp_path / "cut.mp4")
    dialog = ExportDialog(start, 512, 288, Fraction(24), (48, 95))
    qtbot.addWidget(dialog)
    assert dialog.options() == start  # nothing changed: the defaults come back
    dialog.format.setCurrentText("ProRes 422 HQ MOV")
    assert dialog.path.text().endswith("cut.mov") and not dialog.crf.isEnabled()
    dialog.format.setCurrentText("H.265 MP4")
    dialog.crf.setValue(24)
    dialog.preset.setCurrentText("veryfast")
    dialog.frame_size.setCurrentText("Half (256x144)")
    dialog.fps.setCurrentText("30 fps")
    dialog.range.setCurrentIndex(1)
    assert dialog.range.currentText() == "In to Out (00:00:02:00 - 00:00:03:23)"
    chosen = dialog.options()
    assert chosen == ExportOptions(path=tmp_path / "cut.mp4", codec="h265", crf=24,
                                   preset="veryfast", width=256, height=144,
                                   fps=Fraction(30), in_out=(48, 95))
    again = ExportDialog(chosen, 512, 288, Fraction(24), (48, 95))  # the last choice, shown
    qtbot.addWidget(again)
    assert again.options() == chosen
    # Frames 48-95 at 24 fps are output frames 60-119 at 30 fps.
    assert chosen.frame_range(Fraction(24)) == (60, 120)


def test_an_export_with_settings_writes_what_was_chosen(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from fractions import Fraction

    out = tmp_path / "part.mp4"
    seen: list[object] = []

    def choose(start: ExportOptions, project: object, marks: object,
               note: object) -> ExportOptions:
        seen.append((start.path.name, marks))
        return ExportOptions(path=out, codec="h265", crf=30, preset="ultrafast", width=256,
                             height=144, fps=Fraction(30), in_out=marks)  # type: ignore[arg-type]

    window.prompts.export_options = choose
    window.timeline.set_playhead(48)
    window.transport.set_in()
    window.timeline.set_playhead(95)
    window.transport.set_out()
    done: list[tuple[bool, str]] = []
    window.exports.runner.finished.connect(lambda ok, sentence: done.append((ok, sentence)))
    window.action_set["export"].trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=120000)
    assert done[0][0], done
    assert seen == [("Sample.mp4", (48, 95))]
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert (stream.codec_context.name, stream.width, stream.height) == ("hevc", 256, 144)
        assert stream.average_rate == 30 and frames == 60
    window.action_set["export"].trigger()  # the dialog starts from the last export
    assert seen[-1] == ("part.mp4", (48, 95))
    qtbot.waitUntil(lambda: not window.exports.running, timeout=120000)


def test_a_format_written_to_the_wrong_extension_is_one_sentence(window: MainWindow,
                                                                 tmp_path: Path) -> None:
    assert not window.export_timeline(ExportOptions(path=tmp_path / "cut.m4v", codec="h265"))
    assert window.statusBar().currentMessage() == (
        "H.265 is written to .mp4, .mov or .mkv files, not .m4v.")


def test_export_warns_about_shots_without_a_take(qtbot: QtBot, window: MainWindow,
                                                 tmp_path: Path) -> None:
    asked: list[int] = []
    window.prompts.confirm_untaken = lambda count: bool(asked.append(count))  # "no"
    out = tmp_path / "cut.mp4"
    window.prompts.export_options = lambda *_args: ExportOptions.for_path(out)
    window.action_set["export"].trigger()
    assert asked == [1]  # Shot 1 has no take: it would render as a "Not generated yet" card
    assert window.statusBar().currentMessage().startswith(
        "Export cancelled: 1 shot has no take yet;")
    assert not window.exports.running and not out.exists()

    done: list[bool] = []
    window.exports.runner.finished.connect(lambda ok, _sentence: done.append(ok))
    window.prompts.export_options = lambda *_args: ExportOptions(path=out, in_out=(0, 23))
    window.action_set["export"].trigger()  # Clip 1 only: nothing to warn about
    assert asked == [1] and window.exports.running
    qtbot.waitUntil(lambda: bool(done), timeout=60000)
    assert done == [True]
