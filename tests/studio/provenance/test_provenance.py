"""Signing and verifying C2PA manifests: valid, trusted, tampered, unsigned, readable failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from provenance_fixtures import Credentials

from studio.provenance import (
    COMPOSITE,
    TRAINED,
    ProvenanceError,
    manifest_definition,
    sign_media,
    verify_media,
)


def flip_byte(path: Path, marker: bytes, out: Path) -> Path:
    """Copy ``path`` to ``out`` with one byte of the media data after ``marker`` inverted."""
    data = bytearray(path.read_bytes())
    data[data.index(marker) + 12] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def _sign(source: Path, out: Path, creds: Credentials, **options: object) -> Path:
    return sign_media(source, out, creds.chain, creds.key, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "marker"), [("mp4", b"mdat"), ("png", b"IDAT")])
def test_signed_reads_valid_and_a_flipped_byte_invalid(
        kind: str, marker: bytes, media: dict[str, Path], credentials: Credentials,
        tmp_path: Path) -> None:
    signed = _sign(media[kind], tmp_path / f"signed.{kind}", credentials)
    result = verify_media(signed)
    assert result.state == "valid" and result.label == "valid"
    assert result.signer == "Frameloom test signer (Frameloom tests)"
    assert result.generator.startswith("Frameloom ")
    assert result.source_type == "trainedAlgorithmicMedia"

    trusted = verify_media(signed, trust_anchors=credentials.anchor)
    assert trusted.state == "trusted" and trusted.label == "valid and trusted"

    tampered = verify_media(flip_byte(signed, marker, tmp_path / f"tampered.{kind}"))
    assert tampered.state == "invalid"
    assert "mismatch" in tampered.reason and "(assertion." in tampered.reason


def test_unsigned_file_has_no_manifest(media: dict[str, Path]) -> None:
    assert verify_media(media["mp4"]).state == "no manifest"
    assert verify_media(media["png"]).label == "no manifest"


def test_composite_export_with_ingredients(media: dict[str, Path], credentials: Credentials,
                                           tmp_path: Path) -> None:
    from c2pa import Reader

    signed = _sign(media["mp4"], tmp_path / "export.mp4", credentials, composite=True,
                   ingredients=[media["png"]])
    assert verify_media(signed).source_type == "compositeWithTrainedAlgorithmicMedia"
    with Reader(str(signed)) as reader:
        manifest = reader.get_active_manifest()
    assert [i["title"] for i in manifest["ingredients"]] == ["still.png"]
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    assert [a["action"] for a in actions["data"]["actions"]] == ["c2pa.created", "c2pa.edited"]


def test_manifest_definition_marks_trained_or_composite() -> None:
    take = manifest_definition("take.mp4", version="9.9")
    actions = take["assertions"][0]["data"]["actions"]
    assert take["claim_generator_info"] == [{"name": "Frameloom", "version": "9.9"}]
    assert [(a["action"], a.get("digitalSourceType")) for a in actions] == [
        ("c2pa.created", TRAINED)]
    export = manifest_definition("export.mp4", composite=True)["assertions"][0]["data"]
    assert export["actions"][0]["digitalSourceType"] == COMPOSITE


def test_signing_in_place_replaces_the_file(media: dict[str, Path], credentials: Credentials,
                                            tmp_path: Path) -> None:
    copy = tmp_path / "take.png"
    copy.write_bytes(media["png"].read_bytes())
    _sign(copy, copy, credentials)
    assert verify_media(copy).state == "valid"
    assert [p.name for p in tmp_path.iterdir()] == ["take.png"]


def test_a_certificate_c2pa_refuses_leaves_nothing(
        media: dict[str, Path], bad_profile: Credentials, tmp_path: Path) -> None:
    out = tmp_path / "out" / "signed.mp4"
    with pytest.raises(ProvenanceError) as caught:
        _sign(media["mp4"], out, bad_profile)
    message = str(caught.value)
    assert message.startswith("Cannot sign take.mp4: the certificate is invalid. ")
    assert "authority key identifier" in message
    assert "\n" not in message
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize(("change", "words"), [
    ("output-gif", "not an MP4, MOV, JPEG or PNG file"),
    ("output-png", "must have the same format"),
    ("missing-source", "There is no file at"),
    ("key-as-cert", "certificate chain cannot be read"),
    ("text-key", "is not a PEM file"),
    ("wrong-key", "signature does not match"),
])
def test_signing_failures_are_one_sentence(change: str, words: str, media: dict[str, Path],
                                           credentials: Credentials, bad_profile: Credentials,
                                           tmp_path: Path) -> None:
    source, out = media["mp4"], tmp_path / "signed.mp4"
    chain, key = credentials.chain, credentials.key
    if change == "output-gif":
        out = tmp_path / "signed.gif"
    elif change == "output-png":
        out = tmp_path / "signed.png"
    elif change == "missing-source":
        source = tmp_path / "gone.mp4"
    elif change == "key-as-cert":
        chain = credentials.key
    elif change == "text-key":
        key = tmp_path / "key.txt"
        key.write_text("not a key")
    elif change == "wrong-key":
        key = bad_profile.key
    with pytest.raises(ProvenanceError, match=words) as caught:
        sign_media(source, out, chain, key)
    assert "\n" not in str(caught.value)
    assert not out.exists() and [p for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_verify_failures_are_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ProvenanceError, match="There is no file at"):
        verify_media(tmp_path / "gone.mp4")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ProvenanceError, match="format C2PA cannot carry"):
        verify_media(text)
