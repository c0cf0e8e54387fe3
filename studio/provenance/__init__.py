"""C2PA provenance for takes and exports: sign a file with a manifest, and verify one (no Qt)."""

from studio.provenance.manifest import (
    COMPOSITE,
    TRAINED,
    ProvenanceError,
    manifest_definition,
    media_type,
)
from studio.provenance.signing import sign_media
from studio.provenance.verification import Verification, verify_media

__all__ = ["COMPOSITE", "TRAINED", "ProvenanceError", "Verification", "manifest_definition",
           "media_type", "sign_media", "verify_media"]
