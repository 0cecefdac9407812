"""Tamper evidence commands: keygen (`verify --evidence` and `export --sign` live with their
commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.cli.common import EXIT_OK, app, echo


@app.command()
def keygen(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write the private key here (never replaced).")
    ],
    key_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="ecdsa-p384 (signs manifests and WACZ; what ReplayWeb.page checks), "
            "ecdsa-p256, or ed25519 (manifests only).",
        ),
    ] = "ecdsa-p384",
) -> None:
    """Make a signing key for \\[evidence] key: PEM, mode 0600; prints its public key."""
    from archiver.evidence.keys import generate, key_id, public_pem

    key = generate(output, key_type)
    echo(f"{output}: new {key_type} private key (mode 0600); keep it secret, back it up")
    echo(f"key id (SHA-256 of the public key): {key_id(key.public)}")
    echo(public_pem(key.public).rstrip("\n"))
    raise typer.Exit(EXIT_OK)
