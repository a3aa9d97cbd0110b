"""`ssbcert import FILE... --sample SAMPLE.yaml`: the command, registered onto the lead's Typer app.

Kept light: nothing heavier than the readers is imported until the command runs, so a one-file
import is start-up plus reading. The session writer is injectable so the lead can pass the session
store's function; by default the importers' own `write_session` is used.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer

from ssbcert.cli.failure import fail

if TYPE_CHECKING:
    from ssbcert.importers.api import ImportResult

SessionWriter = Callable[["ImportResult", Path, Path], Path]


def _default_out() -> Path:
    return Path("sessions") / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-import"  # as the runner names them


def run_import(files: list[Path], *, temperature_C: str | None = None, temperature_from_name: str | None = None,
               max_points: int | None = None) -> "ImportResult":
    """Files -> one ordered set: read, give temperatures (list, names, or as stated), flag the missing."""
    from ssbcert.errors import InputError
    from ssbcert.importers import series
    from ssbcert.importers.api import import_files
    from ssbcert.importers.sanity import DEFAULT_LIMITS, Limits

    if temperature_C is not None and temperature_from_name is not None:
        raise InputError("two temperature sources given", field="--temperature-C / --temperature-from-name",
                         expected="at most one of them", found="both")
    if max_points is not None and max_points < DEFAULT_LIMITS.min_points:
        raise InputError("size limit too small", field="--max-points", expected=f">= {DEFAULT_LIMITS.min_points}",
                         found=str(max_points))
    limits = DEFAULT_LIMITS if max_points is None else Limits(DEFAULT_LIMITS.min_points, max_points)
    by_file, source = None, None
    if temperature_C is not None:  # checked before reading, so a bad list costs nothing
        by_file, source = series.from_list(files, series.parse_celsius_list(temperature_C)), series.OPERATOR
    elif temperature_from_name is not None:
        by_file, source = series.from_names(files, temperature_from_name), series.FILE_NAME
    result = import_files(files, limits)
    if by_file is not None and source is not None:
        result = series.assign(result, by_file, source)
    return series.flag_missing(result)


def register(app: typer.Typer, writer: SessionWriter | None = None) -> None:
    """Add the `import` command to `app`; `writer(result, out_dir, sample_path)` writes the session."""

    @app.command("import")
    def import_command(
        files: list[Path] = typer.Argument(..., help="Vendor data files (.mpt .mpr .DTA .z .par .txt .csv)"),
        sample: Path = typer.Option(..., "--sample", help="Sample record (YAML)"),
        out: Optional[Path] = typer.Option(None, "--out", help="Session directory to create"),
        temperature_C: Optional[str] = typer.Option(
            None, "--temperature-C",
            help="°C for files that state none: one value for all, or one per file in order (140,150,...)"),
        temperature_from_name: Optional[str] = typer.Option(
            None, "--temperature-from-name",
            help="read °C from each file name: '{T}' marks the number, '*' any text (e.g. '{T}deg'); not a regex"),
        max_points: Optional[int] = typer.Option(None, "--max-points", help="largest spectrum accepted (default 20000)"),
    ) -> None:
        """Import vendor impedance files (one file or a temperature series) into one new session directory."""
        from ssbcert.errors import InputError
        from ssbcert.importers.session import write_session

        write = writer or write_session
        try:
            result = run_import(files, temperature_C=temperature_C, temperature_from_name=temperature_from_name,
                                max_points=max_points)
            session_dir = write(result, out or _default_out(), sample)
        except InputError as exc:
            fail(exc)
        for prov, spectrum in zip(result.provenance, result.spectra):
            temp = "" if spectrum.temperature_K is None else f" at {spectrum.temperature_K:.2f} K"
            typer.echo(f"{prov.source_path} [{prov.reader}] #{prov.block_index}: {len(spectrum)} points{temp}")
            for w in prov.warnings:
                typer.echo(f"  warning: {w}")
        for w in result.warnings:
            typer.echo(f"warning: {w}", err=True)
        typer.echo(f"session written to {session_dir}")
