"""The ``frameloom sign`` and ``frameloom verify`` commands: arguments, defaults, output."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from studio.provenance.manifest import ProvenanceError
from studio.provenance.signing import sign_media
from studio.provenance.verification import verify_media
from studio.settings import path_setting, settings_path

CERT_ENV = "FRAMELOOM_SIGNING_CERT"
KEY_ENV = "FRAMELOOM_SIGNING_KEY"
TRUST_ENV = "FRAMELOOM_TRUST_ANCHORS"

# Exit statuses of ``frameloom verify``; 2 stays the status of every command's usage errors.
VALID, INVALID, NO_MANIFEST = 0, 1, 3


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``sign`` and ``verify`` to the ``frameloom`` command's subparsers."""
    sign = commands.add_parser(
        "sign", help="sign an MP4/MOV/JPEG/PNG with a C2PA manifest",
        description="Sign a file with a C2PA manifest that marks it as made by a trained "
                    "algorithm (or, with --composite, as footage mixed with generated takes).")
    sign.add_argument("input", type=Path, metavar="IN",
                      help="the finished MP4, MOV, JPEG or PNG")
    sign.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                      help="the signed copy (may be IN itself)")
    sign.add_argument("--cert", type=Path, metavar="CHAIN.pem",
                      help="PEM certificate chain, signing certificate first "
                           f"(default: ${CERT_ENV})")
    sign.add_argument("--key", type=Path, metavar="KEY.pem",
                      help=f"the certificate's PEM private key (default: ${KEY_ENV})")
    sign.add_argument("--ingredient", type=Path, action="append", default=[], metavar="FILE",
                      help="a source still or clip to list as an ingredient (repeatable)")
    sign.add_argument("--composite", action="store_true",
                      help="an export mixing footage with generated takes (default: a "
                           "generated take)")
    sign.add_argument("--tsa", metavar="URL", help="an RFC 3161 time-stamp authority to use")
    verify = commands.add_parser(
        "verify", help="check a file's C2PA manifest",
        description="Print no manifest / valid / valid and trusted / invalid (with the reason). "
                    f"Exit status {VALID} for valid, {INVALID} for invalid, {NO_MANIFEST} for no "
                    "manifest, 2 when the file cannot be checked.")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--trust", type=Path, metavar="ANCHORS.pem",
                        help=f"root certificates to trust (default: ${TRUST_ENV}, else none)")


def _setting(given: Path | None, env: str, key: str) -> Path | None:
    """A path from the flag, else the environment, else ``[signing]`` in the settings file."""
    if given is not None:
        return given
    if os.environ.get(env):
        return Path(os.environ[env]).expanduser()
    return path_setting("signing", key)


def _path(given: Path | None, env: str, what: str, flag: str) -> Path:
    key = "cert" if flag == "--cert" else "key"
    found = _setting(given, env, key)
    if found is None:
        raise ProvenanceError(f"Name the signing {what} with {flag}, set {env}, or set {key} "
                              f"in [signing] of {settings_path()}; see 'Provenance' in "
                              "README.md.")
    return found


def signing_credentials(cert: Path | None, key: Path | None) -> tuple[Path, Path]:
    """The certificate chain and key to sign with: the flags, else the environment, else the
    settings file; a ProvenanceError naming all three when one is set nowhere."""
    return (_path(cert, CERT_ENV, "certificate", "--cert"),
            _path(key, KEY_ENV, "key", "--key"))


def sign_command(args: argparse.Namespace) -> int:
    """Run ``frameloom sign``; prints one line naming the signed file."""
    cert, key = signing_credentials(args.cert, args.key)
    output = sign_media(args.input, args.output, cert, key, composite=args.composite,
                        ingredients=args.ingredient, tsa_url=args.tsa)
    kind = "footage with generated takes" if args.composite else "generated media"
    count = len(args.ingredient)
    extra = f", {count} ingredient{'s' if count > 1 else ''}" if count else ""
    print(f"Signed {output} with a C2PA manifest ({kind}{extra}).")
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Run ``frameloom verify``; prints the state, and the reason or the signer."""
    trust = _setting(args.trust, TRUST_ENV, "trust_anchors")
    result = verify_media(args.file, trust)
    if result.state == "no manifest":
        print(f"{args.file}: no manifest")
        return NO_MANIFEST
    if result.state == "invalid":
        print(f"{args.file}: invalid: {result.reason}")
        return INVALID
    print(f"{args.file}: {result.label}")
    made = f" by {result.generator}" if result.generator else ""
    source = f" ({result.source_type})" if result.source_type else ""
    print(f"  signed by {result.signer or 'an unnamed signer'}; made{made}{source}")
    if result.state == "valid":
        print("The signer is not on a trust list; pass --trust ANCHORS.pem to check it against "
              "one.", file=sys.stderr)
    return VALID
