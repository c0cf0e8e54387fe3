"""Sign a finished MP4, MOV, JPEG or PNG with a C2PA manifest: temp file, then atomic rename."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.protocol import atomic_output
from studio.provenance.manifest import ProvenanceError, manifest_definition, media_type

CERT_HINT = ("C2PA needs a signing certificate with the digitalSignature key usage, an "
             "authority key identifier and the emailProtection or documentSigning extended key "
             "usage, normally one issued by a CA; see 'Provenance' in README.md.")


def _read_pem(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProvenanceError(f"The {what} {path} cannot be read: "
                              f"{exc.strerror or exc}.") from None
    if b"-----BEGIN " not in data:
        raise ProvenanceError(f"The {what} {path} is not a PEM file (it has no '-----BEGIN' "
                              "line).")
    return data


def signing_algorithm(cert_pem: bytes) -> Any:
    """The c2pa algorithm matching the signing (first) certificate's key.

    Returns
    -------
    c2pa.C2paSigningAlg
        ES256/ES384/ES512 for P-256/P-384/P-521 keys, PS256 for RSA, ED25519 for Ed25519.
    """
    from c2pa import C2paSigningAlg
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        key = x509.load_pem_x509_certificate(cert_pem).public_key()
    except ValueError as exc:
        raise ProvenanceError(f"The certificate chain cannot be read: "
                              f"{str(exc).rstrip('.?! ')}.") from None
    if isinstance(key, ec.EllipticCurvePublicKey):
        by_curve = {"secp256r1": C2paSigningAlg.ES256, "secp384r1": C2paSigningAlg.ES384,
                    "secp521r1": C2paSigningAlg.ES512}
        if key.curve.name in by_curve:
            return by_curve[key.curve.name]
    elif isinstance(key, rsa.RSAPublicKey):
        return C2paSigningAlg.PS256  # C2PA allows RSA only with PSS padding
    elif isinstance(key, ed25519.Ed25519PublicKey):
        return C2paSigningAlg.ED25519
    raise ProvenanceError("The certificate's key is not one C2PA signs with (EC P-256, P-384 "
                          "or P-521, RSA, or Ed25519).")


def c2pa_reason(exc: Exception) -> str:
    """c2pa's error text as a sentence fragment: its ``Kind: `` prefix and line breaks removed."""
    text = " ".join(str(exc).split())
    return re.sub(r"^[A-Za-z]+: ", "", text).rstrip(".") or type(exc).__name__


def sign_media(source: Path, output: Path, cert: Path, key: Path, *, composite: bool = False,
               ingredients: Sequence[Path] = (), tsa_url: str | None = None) -> Path:
    """Sign ``source`` into ``output`` with a C2PA manifest (see :func:`manifest_definition`).

    The signed file is written next to ``output`` under a temporary name, flushed to disk and
    renamed over ``output``, so a failed sign leaves nothing new under that name (and ``output``
    may be ``source`` itself). Sign after the final mux: any later rewrite breaks the signature.

    Parameters
    ----------
    source
        The finished MP4, MOV, JPEG or PNG.
    output
        Where the signed copy goes; same format as ``source``.
    cert
        PEM certificate chain: the signing certificate first, then its intermediates.
    key
        The signing certificate's private key (PEM, unencrypted PKCS#8).
    composite
        True for an export that mixes footage with generated takes; False for a generated take.
    ingredients
        Source stills and clips to list as ingredients (``componentOf``).
    tsa_url
        An RFC 3161 time-stamp authority to countersign with (needs the network); None for none.

    Returns
    -------
    Path
        ``output``.

    Raises
    ------
    ProvenanceError
        With one sentence, when a file cannot be read or the signing fails.
    """
    from c2pa import Builder, C2paError, C2paSignerInfo, Signer

    fmt = media_type(source)
    if media_type(output) != fmt:
        raise ProvenanceError(f"The signed copy {output.name} must have the same format as "
                              f"{source.name}; change its extension.")
    if not source.is_file():
        raise ProvenanceError(f"There is no file at {source}.")
    cert_pem, key_pem = _read_pem(cert, "certificate chain"), _read_pem(key, "private key")
    algorithm = signing_algorithm(cert_pem)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with Signer.from_info(C2paSignerInfo(algorithm, cert_pem, key_pem, tsa_url)) as signer, \
                Builder(manifest_definition(output.name, composite=composite)) as builder:
            for path in ingredients:
                with open(path, "rb") as stream:
                    builder.add_ingredient({"title": path.name, "relationship": "componentOf"},
                                           media_type(path), stream)
            with atomic_output(output) as temp, open(source, "rb") as src, \
                    open(temp, "w+b") as dest:
                builder.sign(signer, fmt, src, dest)
    except C2paError as exc:
        reason = c2pa_reason(exc)
        hint = f" {CERT_HINT}" if "certificate" in reason.lower() else ""
        raise ProvenanceError(f"Cannot sign {source.name}: {reason}.{hint}") from None
    except OSError as exc:
        raise ProvenanceError(f"Cannot sign {source.name}: {exc.filename or ''} "
                              f"{exc.strerror or exc}.".replace("  ", " ")) from None
    return output
