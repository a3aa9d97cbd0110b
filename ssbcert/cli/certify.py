"""`ssbcert certify` and `ssbcert demo` (the README's main job); `reanalyze` lives in ssbcert/archive/cli.py."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ssbcert.errors import InputError, InstrumentError

console = Console()


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}", highlight=False)
    raise typer.Exit(2)


def print_summary(issued: object) -> None:
    """The at-a-glance table: each result with U and its decision."""
    from ssbcert.certify import Issued

    assert isinstance(issued, Issued)
    cert = issued.certificate
    outcome_by_ref: dict[str, str] = {}
    for c in cert.conformity:
        if not c.informative:
            outcome_by_ref[c.result_ref] = c.outcome
    table = Table(title=f"{cert.title}  —  overall: {issued.outcome.upper()}")
    for col in ("result", "value", "U (k)", "unit", "decision"):
        table.add_column(col)
    for r in cert.results:
        if r.informative and r.quantity not in ("indentation_hardness", "relative_permittivity_bulk"):
            continue
        dec = outcome_by_ref.get(r.id, "informative" if r.informative else "")
        style = {"pass": "green", "fail": "red", "inconclusive": "yellow"}.get(dec.split("_")[-1], "")
        table.add_row(r.id, f"{r.value:.4g}", f"{r.U:.2g} ({r.k:.2f})", r.unit, f"[{style}]{dec}[/{style}]" if style else dec)
    console.print(table)
    flags = issued.findings.flags
    if flags:
        console.print("[yellow]analysis flags:[/yellow] " + "; ".join(flags[:6]) + (" …" if len(flags) > 6 else ""))
    console.print(f"certificate: {issued.json_path}")
    if issued.pdf_path:
        console.print(f"PDF:         {issued.pdf_path}")
    if issued.html_path:
        console.print(f"HTML:        {issued.html_path}")
    console.print(f"registry:    {'added' if issued.registered else 'already present'}")


def register(app: typer.Typer) -> None:
    @app.command("certify")
    def certify_command(
        session: Path = typer.Argument(..., help="session directory (from run, replay or import)"),
        sample: Optional[Path] = typer.Option(None, "--sample", help="sample record YAML (default: the embedded demo sample)"),
        spec: Optional[Path] = typer.Option(None, "--spec", help="specification YAML (default: ssbcert's film defaults)"),
        out: Optional[Path] = typer.Option(None, "--out", help="certificate folder (default: SESSION/certificate)"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL (default: SQLite under $SSBCERT_HOME)"),
        no_register: bool = typer.Option(False, "--no-register", help="do not add the certificate to the registry"),
    ) -> None:
        """Analyse a recorded session and issue a signed certificate (JSON, PDF, HTML)."""
        from ssbcert.certify import certify

        try:
            issued = certify(session, sample=sample, spec=spec, out=out, registry_url=db, register=not no_register)
        except InputError as exc:
            _fail(exc)
        print_summary(issued)

    @app.command("demo")
    def demo_command(
        out: Path = typer.Option(Path("ssbcert-output"), "--out", help="folder for the session and the certificate"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL (default: SQLite under $SSBCERT_HOME)"),
    ) -> None:
        """Full certification of a simulated 25 µm LLZO film: protocol → analysis → signed certificate → registry."""
        from ssbcert.bench import default_bench
        from ssbcert.certify import certify
        from ssbcert.runner import run

        bench = default_bench()
        session_dir = out / f"session-{time.strftime('%Y%m%dT%H%M%S')}"
        console.print(f"[bold]1/3[/bold] film-certification protocol on the simulated bench '{bench.name}' "
                      f"(E4990A, Lake Shore 336, Keithley 2450 twins on loopback; time ×{bench.time_scale:g})")
        try:
            result = run("film-certification", bench=bench, out=session_dir, progress=True)
        except (InputError, InstrumentError) as exc:
            _fail(exc)
        console.print(f"    {result.points_recorded} records in {result.wall_s:.1f} s wall time "
                      f"(≈ {result.estimate_s / 3600:.1f} h of instrument time); session: {result.session}")
        if result.exit_status != "success":
            _fail(RuntimeError(f"run ended with {result.exit_status}: {result.reason}; resume with `ssbcert resume {result.session}`"))
        console.print("[bold]2/3[/bold] analysis: KK validation, circuit fits, arc assignment, Arrhenius, DC polarization")
        t0 = time.monotonic()
        try:
            issued = certify(result.session, out=out / "certificate", registry_url=db)
        except InputError as exc:
            _fail(exc)
        console.print(f"    done in {time.monotonic() - t0:.1f} s")
        console.print("[bold]3/3[/bold] certificate signed (Ed25519), rendered and registered")
        print_summary(issued)
