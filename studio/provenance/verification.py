"""Read a file's C2PA manifest: absent, valid, valid and trusted, or invalid (and why)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from studio.provenance.manifest import ProvenanceError
from studio.provenance.signing import c2pa_reason

State = Literal["no manifest", "valid", "trusted", "invalid"]
# Without trust anchors every signer is "untrusted"; that is what separates valid from trusted,
# not a sign of tampering, so it never makes a file invalid.
UNTRUSTED = "signingCredential.untrusted"


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_media` found.

    Parameters
    ----------
    state
        ``"no manifest"``, ``"valid"`` (intact, signer not on a trust list), ``"trusted"``
        (intact and the signer chains to a trust anchor) or ``"invalid"``.
    reason
        For ``"invalid"``: the first failure, as c2pa explains it, with its code.
    signer
        The signing certificate's common name and issuer, when there is a manifest.
    source_type
        The IPTC digital source type of the first action, e.g. ``trainedAlgorithmicMedia``.
    generator
        The claim generator, e.g. ``Frameloom 0.1.0``.
    """

    state: State
    reason: str = ""
    signer: str = ""
    source_type: str = ""
    generator: str = ""

    @property
    def label(self) -> str:
        """The state as ``frameloom verify`` prints it."""
        return {"trusted": "valid and trusted"}.get(self.state, self.state)


def _details(manifest: dict[str, Any]) -> dict[str, str]:
    info = manifest.get("signature_info") or {}
    signer = " ".join(part for part in (
        info.get("common_name", ""), f"({info['issuer']})" if info.get("issuer") else "") if part)
    generators = manifest.get("claim_generator_info") or [{}]
    generator = " ".join(str(generators[0].get(k, "")) for k in ("name", "version")).strip()
    source_type = ""
    for assertion in manifest.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions = assertion.get("data", {}).get("actions", [{}])
            source_type = str(actions[0].get("digitalSourceType", "")).rsplit("/", 1)[-1]
            break
    return {"signer": signer, "generator": generator, "source_type": source_type}


def _first_failure(results: dict[str, Any] | None) -> str:
    failures = [f for f in ((results or {}).get("activeManifest") or {}).get("failure", [])
                if f.get("code") != UNTRUSTED]
    if not failures:
        return "the manifest failed validation without a reason given"
    first = failures[0]
    return f"{first.get('explanation') or 'failed'} ({first.get('code', 'no code')})"


def verify_media(path: Path, trust_anchors: Path | None = None) -> Verification:
    """Validate the C2PA manifest embedded in ``path``.

    Parameters
    ----------
    path
        Any file c2pa reads (Frameloom writes MP4, MOV, JPEG and PNG).
    trust_anchors
        PEM file of root certificates to trust (e.g. the C2PA trust list); without it a
        valid file is ``"valid"``, never ``"trusted"``.

    Raises
    ------
    ProvenanceError
        When the file or the trust anchors cannot be read, or c2pa does not read this format.
    """
    from c2pa import C2paError, Context, Reader

    if not path.is_file():
        raise ProvenanceError(f"There is no file at {path}.")
    context = None
    if trust_anchors is not None:
        try:
            anchors = trust_anchors.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ProvenanceError(f"The trust anchors {trust_anchors} cannot be read: "
                                  f"{getattr(exc, 'strerror', None) or exc}.") from None
        context = Context.from_dict({"trust": {"trust_anchors": anchors},
                                     "verify": {"verify_trust": True}})
    try:
        reader = Reader.try_create(path, None, None, context) if context else \
            Reader.try_create(path)
        if reader is None:
            return Verification("no manifest")
        with reader:
            state = reader.get_validation_state()
            results = reader.get_validation_results()
            details = _details(reader.get_active_manifest() or {})
    except C2paError.NotSupported:
        raise ProvenanceError(f"{path.name} is in a format C2PA cannot carry a manifest "
                              "in.") from None
    except C2paError as exc:
        # A signed file whose container was damaged can no longer be parsed at all.
        return Verification("invalid", f"the file cannot be read: {c2pa_reason(exc)}")
    if state == "Trusted":
        return Verification("trusted", **details)
    if state == "Valid":
        return Verification("valid", **details)
    return Verification("invalid", _first_failure(results), **details)
