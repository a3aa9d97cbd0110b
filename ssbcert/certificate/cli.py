"""CLI commands of the certificate area; the main app calls :func:`register`.

``ssbcert verify CERT`` exits 0 when the certificate is signed by a trusted key and it, its raw data
and its session are intact; 1 otherwise, printing what changed. ``--allow-untrusted`` drops the
trust requirement (integrity only, stated in the output). The shared ``schema certificate`` command should print
:func:`certificate_json_schema` (re-exported here).
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

__all__ = ["register", "certificate_json_schema", "schema_text"]


def __getattr__(name: str) -> object:
    """Lazy re-export: the pydantic models load on first use, not with `ssbcert --help` (#10)."""
    if name == "certificate_json_schema":
        from ssbcert.certificate.model import certificate_json_schema

        return certificate_json_schema
    raise AttributeError(name)


def schema_text() -> str:
    """The published schema as pretty JSON text."""
    from ssbcert.certificate.model import certificate_json_schema

    return json.dumps(certificate_json_schema(), indent=2, ensure_ascii=False, sort_keys=True)


def verify_command(
    cert: Path = typer.Argument(..., help="certificate JSON file", exists=True, dir_okay=False),
    allow_untrusted: bool = typer.Option(False, "--allow-untrusted",
                                         help="accept a signing key outside the trust store: checks integrity only, and says so"),
    require_trusted: bool = typer.Option(False, "--require-trusted", hidden=True, help="(the default now; kept for old scripts)"),
    no_raw: bool = typer.Option(False, "--no-raw", help="skip re-hashing the referenced raw-data files and the session"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable report"),
) -> None:
    """Verify a certificate: trusted signer, signature, fields, detached JWS, raw data and session manifest."""
    from ssbcert.certificate.verify import verify

    _require_json(cert)
    report = verify(cert, allow_untrusted=allow_untrusted and not require_trusted, check_raw_data=not no_raw)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        typer.echo(report.text())
    raise typer.Exit(0 if report.ok else 1)


def _require_json(path: Path) -> None:
    """A file that is not JSON at all is the wrong file (exit 2), not a certificate that failed (exit 1)."""
    from ssbcert.errors import InputError

    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not a certificate file (expected JSON): {str(exc).splitlines()[0]}", file=str(path)) from None


def render_command(
    cert: Path = typer.Argument(..., help="certificate JSON file", exists=True, dir_okay=False),
    out_dir: Path = typer.Option(None, "--out", help="folder for the .pdf and .html (default: beside CERT)"),
) -> None:
    """Render a certificate to PDF and HTML (verification status is shown on the summary page)."""
    from ssbcert.certificate.plots import certificate_figures
    from ssbcert.certificate.render_html import write_html
    from ssbcert.certificate.render_pdf import write_pdf
    from ssbcert.certificate.signing import read_certificate
    from ssbcert.certificate.verify import verify

    c = read_certificate(cert)
    ok = verify(cert).ok if c.integrity else None
    figs = certificate_figures(c)
    target = (out_dir or cert.parent) / cert.stem
    pdf = write_pdf(c, target.with_suffix(".pdf"), figures=figs, verified=ok)
    html = write_html(c, target.with_suffix(".html"), figures=figs, verified=ok)
    typer.echo(f"{pdf}\n{html}")


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)
    app.command("render")(render_command)
