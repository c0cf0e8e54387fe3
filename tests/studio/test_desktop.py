"""``frameloom install-desktop``: the launcher entry and icon in $XDG_DATA_HOME, and removed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio import __version__, app, desktop


def _entry(data_home: Path) -> dict[str, str]:
    lines = desktop.installed_paths(data_home)[0].read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and line[0] != "#")


def test_install_and_uninstall_in_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # nothing may go there
    assert app.main(["install-desktop"]) == 0
    entry = tmp_path / "data" / "applications" / "io.frameloom.Frameloom.desktop"
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / \
        "io.frameloom.Frameloom.svg"
    assert capsys.readouterr().out == f"Installed the Frameloom launcher {entry} and its icon " \
                                      f"{icon}.\n"
    fields = _entry(tmp_path / "data")
    command = fields["Exec"].removesuffix(" %f")
    assert Path(command).is_absolute() and Path(command).name == "frameloom"
    assert subprocess.run([command, "--version"], capture_output=True, text=True,
                          timeout=60).stdout == f"frameloom {__version__}\n"
    assert fields["Icon"] == "io.frameloom.Frameloom" and fields["Type"] == "Application"
    assert icon.read_bytes() == (desktop.PACKAGING / icon.name).read_bytes()
    assert not (tmp_path / "home").exists()
    if shutil.which("desktop-file-validate"):
        assert subprocess.run(["desktop-file-validate", str(entry)]).returncode == 0
    assert app.main(["install-desktop"]) == 0  # again: replaced, not an error
    assert app.main(["install-desktop", "--uninstall"]) == 0
    assert capsys.readouterr().out.endswith(f"Removed {entry} and {icon}.\n")
    assert not entry.exists() and not icon.exists()
    assert app.main(["install-desktop", "--uninstall"]) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_a_relative_or_unset_xdg_data_home_means_local_share(tmp_path: Path) -> None:
    local = Path.home() / ".local" / "share"
    assert desktop.xdg_data_home({}) == desktop.xdg_data_home({"XDG_DATA_HOME": "rel"}) == local
    assert desktop.xdg_data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path


def test_exec_quotes_paths_as_the_desktop_entry_spec_says() -> None:
    assert desktop.exec_line(["/opt/fl/frameloom"]) == "Exec=/opt/fl/frameloom %f"
    assert desktop.exec_line(["/home/a b/py", "-m", "studio.app"]) == \
        'Exec="/home/a b/py" -m studio.app %f'
    assert desktop.exec_line(['/x/"$q\\', "50%"]) == 'Exec="/x/\\\\"\\\\$q\\\\\\\\" 50%% %f'


def test_a_folder_that_cannot_be_written_is_one_sentence_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert app.main(["install-desktop"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("frameloom: Could not write ") and err.count("\n") == 1, err
    assert (tmp_path / "data").read_text() == "a file, not a folder"


def test_missing_packaging_files_and_other_platforms_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr(desktop, "PACKAGING", tmp_path / "nowhere")
    assert app.main(["install-desktop"]) == 2
    assert "launcher files are missing" in capsys.readouterr().err
    monkeypatch.setattr(sys, "platform", "win32")
    assert app.main(["install-desktop"]) == 2
    assert "packaging/README.md" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_the_metainfo_names_this_release_and_the_entry() -> None:
    text = (desktop.PACKAGING / "io.frameloom.Frameloom.metainfo.xml").read_text()
    assert f'<release version="{__version__}"' in text
    assert "<launchable type=\"desktop-id\">io.frameloom.Frameloom.desktop<" in text
    if shutil.which("appstreamcli"):
        result = subprocess.run(["appstreamcli", "validate", "--no-net",
                                 str(desktop.PACKAGING / "io.frameloom.Frameloom.metainfo.xml")],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
