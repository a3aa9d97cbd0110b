"""`ssbcert export` and `ssbcert plot`, for a certificate JSON or a session directory."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ssbcert.cli.failure import fail
from ssbcert.errors import InputError

CERT_FORMATS = ("dcc", "jsonld", "csv")
SESSION_FORMATS = ("csv", "zview", "bdf")


def _is_session(path: Path) -> bool:
    return path.is_dir() and (path / "session.json").exists()


def export_command(
    source: Path = typer.Argument(..., help="certificate JSON, or a session directory", exists=True),
    fmt: str = typer.Option(..., "--format", help="certificate: dcc|jsonld|csv; session: csv|zview|bdf"),
    out: Optional[Path] = typer.Option(None, "--out", help="output file (default: beside the source)"),
) -> None:
    """Export a certificate (DCC XML, JSON-LD, results CSV) or a session's data (CSV, ZView .z, BDF)."""
    try:
        if _is_session(source):
            from ssbcert.certificate.exports.session_files import export_session

            if fmt not in SESSION_FORMATS:
                fail(f"--format {fmt!r} is not a session format; expected one of {', '.join(SESSION_FORMATS)}")
            suffix = {"csv": ".csv", "zview": ".z", "bdf": ".bdf.csv"}[fmt]
            files = export_session(source, fmt, out or source / f"export{suffix}")
        else:
            from ssbcert.certificate.exports import EXPORTERS, export_certificate
            from ssbcert.certificate.signing import read_certificate

            if fmt not in CERT_FORMATS:
                fail(f"--format {fmt!r} is not a certificate format; expected one of {', '.join(CERT_FORMATS)}")
            cert = read_certificate(source)
            target = out or source.with_name(source.stem + EXPORTERS[fmt][1])
            target.write_text(export_certificate(cert, fmt), encoding="utf-8")
            files = [target]
    except InputError as exc:
        fail(str(exc))
    for f in files:
        typer.echo(str(f))


def plot_command(
    source: Path = typer.Argument(..., help="certificate JSON, or a session directory", exists=True),
    kind: str = typer.Option(..., "--kind", help="nyquist|bode|arrhenius|dc"),
    out: Path = typer.Option(..., "--out", help="FILE.png, FILE.svg or FILE.pdf"),
) -> None:
    """Draw one kind of figure. From a certificate: its figures (fits included). From a session: the raw
    spectra and DC traces (Arrhenius needs the analysis: plot a certificate for it)."""
    from ssbcert.certificate.plots import save_figure

    if kind not in ("nyquist", "bode", "arrhenius", "dc"):
        fail(f"--kind {kind!r}; expected nyquist, bode, arrhenius or dc")
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        fail(f"--out {out.name!r}: expected a .png, .svg or .pdf file")
    try:
        if _is_session(source):
            from ssbcert.certificate.exports.session_figures import session_figures

            data = session_figures(source)
        else:
            from ssbcert.certificate.signing import read_certificate

            data = read_certificate(source).figures
        files = save_figure(data, kind, out)
    except InputError as exc:
        fail(str(exc))
    if not files:
        hint = " (an Arrhenius plot needs the analysis: plot the certificate)" if kind == "arrhenius" else ""
        fail(f"{source} holds no data for the {kind} plot{hint}")
    for f in files:
        typer.echo(str(f))


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
    app.command("plot")(plot_command)
