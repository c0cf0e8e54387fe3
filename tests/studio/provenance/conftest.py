"""Fixtures: a throwaway CA and C2PA signing certificate, and small unsigned MP4 and PNG files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from provenance_fixtures import Credentials, certificate, name, pem, write_key


@pytest.fixture(scope="session")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    """An ES256 CA and a leaf it issued, made fresh per session and never committed."""
    folder = tmp_path_factory.mktemp("c2pa-credentials")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate(name("Frameloom test CA"), name("Frameloom test CA"), ca_key.public_key(),
                     ca_key, ca=True)
    leaf = certificate(name("Frameloom test signer"), ca.subject, key.public_key(), ca_key,
                       ca=False)
    chain, key_path, anchor = folder / "chain.pem", folder / "key.pem", folder / "anchor.pem"
    chain.write_bytes(pem(leaf) + pem(ca))
    anchor.write_bytes(pem(ca))
    write_key(key_path, key)
    return Credentials(chain, key_path, anchor)


@pytest.fixture(scope="session")
def bad_profile(tmp_path_factory: pytest.TempPathFactory) -> Credentials:
    """A self-signed leaf without an authority key identifier, which c2pa refuses to sign with.

    (c2pa 0.38.1 signs with a self-signed leaf that has one; such files read as valid, and
    trusted only where that very certificate is made a trust anchor.)
    """
    folder = tmp_path_factory.mktemp("c2pa-bad-profile")
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = certificate(name("Self"), name("Self"), key.public_key(), key, ca=False,
                       authority=False)
    chain, key_path = folder / "chain.pem", folder / "key.pem"
    chain.write_bytes(pem(leaf))
    write_key(key_path, key)
    return Credentials(chain, key_path, chain)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An unsigned 8-frame H.264 MP4 and a PNG still."""
    folder = tmp_path_factory.mktemp("c2pa-media")
    mp4, png = folder / "take.mp4", folder / "still.png"
    with av.open(str(mp4), "w") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for index in range(8):
            frame = np.full((64, 64, 3), index * 30, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    Image.new("RGB", (32, 32), (200, 10, 10)).save(png)
    return {"mp4": mp4, "png": png}

