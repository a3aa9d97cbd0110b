"""`ssbcert keys init | show | export | trust | untrust | rotate`: the lab's key and the trust store.

A passphrase comes from ``--passphrase`` (prompted, never echoed) or ``$SSBCERT_KEY_PASSPHRASE``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ssbcert.cli.failure import fail
from ssbcert.errors import InputError

keys_app = typer.Typer(no_args_is_help=True, help="The lab's signing key and the keys this verifier trusts.")


def _passphrase(ask: bool) -> bytes | None:
    from ssbcert.keys.store import env_passphrase

    if ask:
        return typer.prompt("passphrase", hide_input=True, confirmation_prompt=True).encode("utf-8")
    return env_passphrase()


def _say(message: str) -> None:
    typer.echo(message)


@keys_app.command("init")
def init_command(
    passphrase: bool = typer.Option(False, "--passphrase", help="encrypt the private key (prompted; or set SSBCERT_KEY_PASSPHRASE)"),
) -> None:
    """Create the lab's signing key (refused if one exists) and trust it locally."""
    from ssbcert.keys.store import create_key

    try:
        create_key(passphrase=_passphrase(passphrase), announce=_say)
    except InputError as exc:
        fail(exc)


@keys_app.command("show")
def show_command(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """The signing key's fingerprint and the trust store."""
    from ssbcert.certificate.signing import fingerprint
    from ssbcert.keys.store import KEY_FILE, is_encrypted, keys_dir, own_public_key, trusted_keys

    kdir = keys_dir()
    try:
        fp = fingerprint(own_public_key())
        own = {"fingerprint": fp, "encrypted": is_encrypted(), "path": str(kdir / KEY_FILE)}
    except InputError as exc:
        fp, own = "", {"fingerprint": None, "problem": exc.message}
    keys = trusted_keys()
    if as_json:
        import json

        typer.echo(json.dumps({"signing_key": own, "trusted": [
            {"fingerprint": k.fingerprint, "name": k.name, "this_lab": k.fingerprint == fp} for k in keys]}, indent=2))
        return
    if fp:
        typer.echo(f"signing key: {fp} ({'encrypted' if own['encrypted'] else 'not encrypted'}) at {own['path']}")
    else:
        typer.echo(f"signing key: none ({own['problem']})")
    typer.echo(f"trusted keys ({len(keys)}):" if keys else "trusted keys: none")
    for k in keys:
        typer.echo(f"  {k.fingerprint}  {k.name}{'  (this lab)' if k.fingerprint == fp else ''}")


@keys_app.command("export")
def export_command(
    form: str = typer.Option("pem", "--format", help="pem, b64 (raw key, as in .pub files) or jwk"),
    out: Optional[Path] = typer.Option(None, "--out", help="write to this file instead of printing"),
) -> None:
    """Print (or write) the lab's public key, to hand to whoever verifies its certificates."""
    from ssbcert.keys.store import export_public, own_public_key

    if form not in ("pem", "b64", "jwk"):
        fail(InputError("unknown format", field="--format", expected="pem, b64 or jwk", found=form))
    try:
        text = export_public(own_public_key(), form)
    except InputError as exc:
        fail(exc)
    if out:
        out.write_text(text + "\n", encoding="ascii")
        typer.echo(f"written: {out}")
    else:
        typer.echo(text)


@keys_app.command("trust")
def trust_command(
    key: Optional[Path] = typer.Argument(None, help="public key file: base64 .pub, PEM or JWK"),
    name: str = typer.Option("", "--name", help="a label, e.g. the lab's name"),
    own: bool = typer.Option(False, "--own", help="trust this lab's own signing key"),
) -> None:
    """Accept certificates signed by this key (prints its fingerprint: compare it with the owner's)."""
    from ssbcert.certificate.signing import fingerprint
    from ssbcert.keys.store import own_public_key, parse_public_key, trust

    try:
        if own:
            raw, label = own_public_key(), name or "own"
        elif key is None:
            raise InputError("give a public key file, or --own", field="KEY", expected="a file")
        else:
            raw, label = parse_public_key(key.read_text(encoding="utf-8"), str(key)), name or key.stem
        entry = trust(raw, name=label)
    except (InputError, OSError, UnicodeDecodeError) as exc:
        fail(exc)
    typer.echo(f"trusted {fingerprint(raw)} as {entry.name!r} ({entry.path})")


@keys_app.command("untrust")
def untrust_command(which: str = typer.Argument(..., help="fingerprint (or a prefix of ≥ 8 hex digits) or name")) -> None:
    """Stop accepting certificates signed by this key."""
    from ssbcert.keys.store import untrust

    try:
        gone = untrust(which)
    except InputError as exc:
        fail(exc)
    for k in gone:
        typer.echo(f"no longer trusted: {k.fingerprint} ({k.name})")


@keys_app.command("rotate")
def rotate_command(
    passphrase: bool = typer.Option(False, "--passphrase", help="encrypt the new key (prompted; or SSBCERT_KEY_PASSPHRASE)"),
    untrust_old: bool = typer.Option(False, "--untrust-old", help="also stop trusting the old key (its certificates then fail)"),
) -> None:
    """Replace the signing key; the old one is retired and, by default, stays trusted."""
    from ssbcert.keys.store import rotate

    try:
        rotate(passphrase=_passphrase(passphrase), keep_old_trusted=not untrust_old, announce=_say)
    except InputError as exc:
        fail(exc)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
