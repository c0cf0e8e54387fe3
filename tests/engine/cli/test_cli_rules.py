"""``frameloom-engine`` without an engine: exit statuses, -o checks, saved jobs, help, wording."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.cli import exits
from engine.cli.main import main
from engine.jobs.store import JobStore
from engine.paths import data_dir


def _one_sentence(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("frameloom-engine: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (where a default take would be written) as the cwd."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("command", [["submit", "--prompt", "x"], ["retry", "abc123"]])
def test_output_without_wait_is_refused_before_anything_is_sent(
        command: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command, "-o", str(workdir / "take.mp4")]) == exits.USAGE == 2
    err = _one_sentence(capsys)
    assert err == ("frameloom-engine: -o needs --wait, since without it the command ends before "
                   "the take exists; add --wait, or find the take later with "
                   "`frameloom-engine jobs`.\n")
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("command", [["status"], ["cancel", "abc"], ["stop"], ["retry", "abc"],
                                     ["submit", "--prompt", "x"]])
def test_commands_that_need_the_engine_exit_3_without_one(
        command: list[str], workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(command) == exits.NO_ENGINE == 3
    said = capsys.readouterr()
    assert "not running" in said.out + said.err and "frameloom-engine serve" in said.out + said.err
    assert list(workdir.iterdir()) == []


def test_jobs_without_an_engine_reads_the_saved_queue(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs"]) == 0
    said = capsys.readouterr()
    assert said.out == "No jobs.\n" and "the engine is not running" in said.err
    assert not (data_dir() / "jobs.sqlite3").exists()  # reading created no store
    long_prompt = "a red circle moves slowly from the left edge to the right edge at dusk"
    with JobStore(data_dir() / "jobs.sqlite3") as store:
        store.submit("job-long", {"prompt": long_prompt})
        store.submit("job-short", {"prompt": "waves"})
        store.mark_running("job-short")
        store.fail("job-short", "out_of_memory", "The GPU ran out of memory.")
    assert main(["jobs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "STATE", "STEP", "PROMPT", "OUTPUT", "OR", "ERROR"]
    long_line = next(line for line in lines if line.startswith("job-long"))
    assert '"a red circle moves slowly from the left…"' in long_line and "queued" in long_line
    short = next(line for line in lines if line.startswith("job-short"))
    assert '"waves"' in short and short.endswith("The GPU ran out of memory.")
    assert main(["jobs", "--json"]) == 0
    assert '"job-long"' in capsys.readouterr().out
    assert list(workdir.iterdir()) == []


def test_generate_help_shows_the_default_models_sizes_and_rules(
        capsys: pytest.CaptureFixture[str]) -> None:
    from engine.models.installed import find_model

    info = find_model("frameloom-mini")  # the shipped model's own figures, whatever it is now
    d, c = info.defaults, info.constraints
    assert main(["generate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (f"frameloom-mini (the default model) makes {d.width}x{d.height}, {d.frames} frames, "
            f"by default; --width and --height must be multiples of {c.size_multiple}") in text
    assert f"--frames {c.rule_text} up to {c.max_frames}" in text and "models list" in text


@pytest.mark.parametrize(("output", "says"), [
    ("{work}", "is a folder; name a file in it, such as"),
    ("{work}/missing/take.mp4", "does not exist; create it first"),
])
def test_generate_checks_the_output_before_generating(
        output: str, says: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["generate", "--prompt", "a red circle", "-o", output.format(work=workdir)])
    assert status == exits.USAGE
    assert says in _one_sentence(capsys)
    assert list(workdir.iterdir()) == []


def test_a_read_only_output_folder_is_refused_before_generating(
        workdir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.access
    # As root every folder is writable, so this folder's answer is faked.
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == workdir
                        else real(p, mode))
    assert main(["generate", "--prompt", "x", "-o", str(workdir / "take.mp4")]) == exits.USAGE
    assert "is not writable; pick another -o" in _one_sentence(capsys)
    assert list(workdir.iterdir()) == []


def test_errors_name_flags_not_fields(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    still = workdir / "still.png"
    still.write_bytes(b"")
    assert main(["generate", "--prompt", "x", "--frames", "9", "--pin", f"{still}@40"]) == 2
    assert _one_sentence(capsys) == ("frameloom-engine: --pin #1 covers frames 40 to 40, outside "
                                     "the shot's frames 0 to 8.\n")
    assert main(["generate", "--prompt", "x", "--steps", "0"]) == 2
    assert _one_sentence(capsys).startswith("frameloom-engine: --steps must be")
    assert [p.name for p in workdir.iterdir()] == ["still.png"]


def test_unknown_model_is_an_input_error(workdir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--model", "nope", "--prompt", "x"]) == exits.USAGE
    assert "There is no model called" in _one_sentence(capsys)
    assert list(workdir.iterdir()) == []


def test_default_output_never_overwrites(workdir: Path) -> None:
    assert exits.default_output(7) == workdir / "frameloom-7.mp4"
    (workdir / "frameloom-7.mp4").write_bytes(b"first")
    (workdir / "frameloom-7-2.mp4").write_bytes(b"second")
    assert exits.default_output(7) == workdir / "frameloom-7-3.mp4"


def test_flag_words() -> None:
    assert exits.flag_words("pins[2].target_frame must be at least 0, got -1.") == \
        "--pin #3's FRAME must be at least 0, got -1."
    assert exits.flag_words("negative_prompt must be at most 4000 characters, got 5000.") == \
        "--negative must be at most 4000 characters, got 5000."
    assert exits.flag_words("The engine is not running.") == "The engine is not running."
    assert exits.run_words("Relink or re-import it, then submit the job again.") == \
        "Relink or re-import it, then run the command again."


@pytest.mark.parametrize(("flags", "words"), [
    (["--prompt", ""], "--prompt is empty; say what to generate"),
    (["--prompt", "  \t "], "--prompt is empty; say what to generate"),
    (["--prompt", "a kite", "--prompt-at", "1:   "], "has no prompt after its SECONDS:"),
    (["--prompt", "a kite", "--duration", "2", "--prompt-at", "2:a boat"],
     "starts at 2 s, past the end of the 2 s take"),
    (["--prompt", "a kite", "--duration", "2", "--prompt-at", "5:a boat"],
     "starts at 5 s, past the end of the 2 s take"),
])
def test_empty_prompts_and_late_timed_prompts_are_refused_before_any_work(
        flags: list[str], words: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No model is installed here: a refusal that came after any work would name the model.
    assert main(["generate", *flags, "--fps", "24"]) == exits.USAGE
    err = _one_sentence(capsys)
    assert words in err and err.rstrip().endswith(".") and err.count(". ") == 0, err
    assert list(workdir.iterdir()) == []
