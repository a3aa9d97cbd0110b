"""`ssbcert import FILE... --sample SAMPLE.yaml`: the command, registered onto the lead's Typer app.

The session writer is injectable so the lead can pass the session store's function; by default the
importers' own `write_session` is used.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer

from ssbcert.errors import InputError

if TYPE_CHECKING:
    from ssbcert.importers.api import ImportResult

# the readers load inside the command, so `ssbcert --help` stays fast (#10)
SessionWriter = Callable[["ImportResult", Path, Path], Path]  # noqa: F821


def _default_out() -> Path:
    return Path("sessions") / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-import"  # as the runner names them


def register(app: typer.Typer, writer: SessionWriter | None = None) -> None:
    """Add the `import` command to `app`; `writer(result, out_dir, sample_path)` writes the session."""
    @app.command("import")
    def import_command(
        files: list[Path] = typer.Argument(..., help="Vendor data files (.mpt .mpr .DTA .z .par .txt .csv)"),
        sample: Path = typer.Option(..., "--sample", help="Sample record (YAML)"),
        out: Optional[Path] = typer.Option(None, "--out", help="Session directory to create"),
        temperature_C: Optional[float] = typer.Option(
            None, "--temperature-C", help="Temperature for spectra whose file states none (recorded as operator-stated)"
        ),
    ) -> None:
        """Import vendor impedance files into a new session directory."""
        from ssbcert.importers.api import import_files, with_stated_temperature
        from ssbcert.importers.session import write_session

        write = writer or write_session
        try:
            result = import_files(files)
            if temperature_C is not None:
                result = with_stated_temperature(result, temperature_C + 273.15)
            session_dir = write(result, out or _default_out(), sample)
        except InputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=2) from None
        for prov, spectrum in zip(result.provenance, result.spectra):
            temp = "" if spectrum.temperature_K is None else f" at {spectrum.temperature_K:.2f} K"
            typer.echo(f"{prov.source_path} [{prov.reader}] #{prov.block_index}: {len(spectrum)} points{temp}")
            for w in prov.warnings:
                typer.echo(f"  warning: {w}")
        for w in result.warnings:
            typer.echo(f"warning: {w}")
        typer.echo(f"session written to {session_dir}")
