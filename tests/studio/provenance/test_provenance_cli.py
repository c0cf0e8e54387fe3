"""``frameloom sign`` and ``frameloom verify`` as a user runs them: output and exit statuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from provenance_fixtures import Credentials

REPO = Path(__file__).resolve().parents[3]


def frameloom(*args: str | Path, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studio.app", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_sign_then_verify_valid_trusted_and_tampered(media: dict[str, Path],
                                                     credentials: Credentials,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "signed.mp4"
    signed = frameloom("sign", media["mp4"], "-o", out, "--cert", credentials.chain,
                       "--key", credentials.key, "--ingredient", media["png"])
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout == (f"Signed {out} with a C2PA manifest (generated media, "
                             "1 ingredient).\n")

    valid = frameloom("verify", out)
    assert valid.returncode == 0, valid.stderr
    lines = valid.stdout.splitlines()
    assert lines[0] == f"{out}: valid"
    assert "Frameloom test signer" in lines[1] and "trainedAlgorithmicMedia" in lines[1]
    assert "not on a trust list" in valid.stderr

    trusted = frameloom("verify", out, "--trust", credentials.anchor)
    assert trusted.returncode == 0 and trusted.stdout.startswith(f"{out}: valid and trusted\n")
    by_env = frameloom("verify", out, env={"FRAMELOOM_TRUST_ANCHORS": str(credentials.anchor)})
    assert by_env.stdout.startswith(f"{out}: valid and trusted\n")

    data = bytearray(out.read_bytes())
    data[data.index(b"mdat") + 12] ^= 0xFF
    tampered = tmp_path / "tampered.mp4"
    tampered.write_bytes(bytes(data))
    invalid = frameloom("verify", tampered)
    assert invalid.returncode == 1
    assert invalid.stdout.startswith(f"{tampered}: invalid: ")
    assert "(assertion.bmffHash.mismatch)" in invalid.stdout


def test_verify_unsigned_has_its_own_status(media: dict[str, Path]) -> None:
    result = frameloom("verify", media["png"])
    assert (result.returncode, result.stdout) == (3, f"{media['png']}: no manifest\n")


def test_sign_takes_credentials_from_the_environment(media: dict[str, Path],
                                                     credentials: Credentials,
                                                     tmp_path: Path) -> None:
    out = tmp_path / "still.png"
    result = frameloom("sign", media["png"], "-o", out, "--composite",
                       env={"FRAMELOOM_SIGNING_CERT": str(credentials.chain),
                            "FRAMELOOM_SIGNING_KEY": str(credentials.key)})
    assert result.returncode == 0, result.stderr
    assert "footage with generated takes" in result.stdout


def test_sign_and_verify_take_credentials_from_the_settings_file(
        media: dict[str, Path], credentials: Credentials, tmp_path: Path) -> None:
    settings = Path(os.environ["FRAMELOOM_HOME"]) / "data" / "settings.toml"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[signing]\ncert = '{credentials.chain}'\nkey = '{credentials.key}'\n"
                        f"trust_anchors = '{credentials.anchor}'\n")
    out = tmp_path / "signed.mp4"
    env = {"FRAMELOOM_SIGNING_CERT": "", "FRAMELOOM_SIGNING_KEY": ""}
    assert frameloom("sign", media["mp4"], "-o", out, env=env).returncode == 0
    trusted = frameloom("verify", out)
    assert trusted.returncode == 0 and trusted.stdout.startswith(f"{out}: valid and trusted\n")
    settings.write_text("[signing\n")
    broken = frameloom("sign", media["mp4"], "-o", tmp_path / "x.mp4", env=env)
    assert broken.returncode == 2 and "settings.toml cannot be read" in broken.stderr


def test_errors_are_one_frameloom_line_with_status_2(media: dict[str, Path],
                                                     credentials: Credentials,
                                                     tmp_path: Path) -> None:
    env = {"FRAMELOOM_SIGNING_CERT": "", "FRAMELOOM_SIGNING_KEY": ""}
    no_cert = frameloom("sign", media["mp4"], "-o", tmp_path / "x.mp4", env=env)
    missing = frameloom("verify", tmp_path / "gone.mp4")
    bad_key = frameloom("sign", media["mp4"], "-o", tmp_path / "y.mp4", "--cert",
                        credentials.chain, "--key", credentials.chain)
    for result, words in ((no_cert, "Name the signing certificate with --cert"),
                          (missing, "There is no file at"),
                          (bad_key, "Cannot sign take.mp4: ")):
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("frameloom: ") and words in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
