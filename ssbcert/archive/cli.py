"""`ssbcert reanalyze`: today's analysis of one recorded session (a report), or of many (an archive
run on the pool or on Dask, written to the registry, resumable). Heavy modules load inside."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

import typer

from ssbcert.cli.failure import fail


def _fmt(m: dict[str, Any] | None) -> str:
    return "—" if m is None else f"{m['value']:.4g} ± {m['u']:.2g}"


def _report(session: Path, sample: Optional[Path], out: Optional[Path], as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from ssbcert.archive.task import SessionJob, findings_summary, reanalyse_session  # noqa: F401

    console = Console()
    result = reanalyse_session(SessionJob(str(session), str(sample) if sample else None))
    if result["status"] != "ok":
        fail(result["error"])
    if as_json:
        typer.echo(json.dumps(result, indent=1, default=str))
    else:
        t = Table(title=f"re-analysis of {session}: every measured temperature")
        for col in ("T (K)", "T (°C)", "circuit", "KK", "valid", "σ_total (S/m)", "σ_bulk (S/m)", "σ_gb,app (S/m)"):
            t.add_column(col)
        for row in result["temperatures"]:
            tk = row["temperature_K"]
            t.add_row(f"{tk:.2f}", f"{tk - 273.15:.1f}", row["circuit"], "pass" if row["kk_passed"] else "FAIL",
                      "yes" if row["valid"] else "no", _fmt(row["sigma_total_S_per_m"]), _fmt(row["sigma_bulk_S_per_m"]),
                      _fmt(row["sigma_gb_apparent_S_per_m"]))
        console.print(t)
        items = Table(title="certificate quantities")
        for col in ("quantity", "value", "u", "unit", "method"):
            items.add_column(col)
        for it in result["items"]:
            items.add_row(it["id"], f"{it['value']:.5g}", f"{it['standard_uncertainty']:.2g}", it["unit"], it["method"][:60])
        console.print(items)
        for flag in result["flags"]:
            console.print(f"[yellow]flag:[/yellow] {flag}", highlight=False)
    if out:
        out.write_text(json.dumps(result, indent=1, default=str))
        if not as_json:
            console.print(f"written: {out}")


def register(app: typer.Typer) -> None:
    @app.command("reanalyze")
    def reanalyze_command(
        paths: Optional[List[Path]] = typer.Argument(None, help="a session directory, or folders holding sessions (searched recursively)"),
        sample: Optional[Path] = typer.Option(None, "--sample", help="sample record YAML (default: the one stored in each session, else the demo sample)"),
        out: Optional[Path] = typer.Option(None, "--out", help="one session: write the analysis as JSON here"),
        as_json: bool = typer.Option(False, "--json", help="one session: print the analysis as JSON instead of tables"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL for archive runs (default: SQLite under $SSBCERT_HOME)"),
        from_registry: Optional[str] = typer.Option(None, "--from-registry", help="archive run over the registry's sessions whose id or protocol contains this text ('' for all)"),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="run on Dask distributed: tcp://host:port, or 'local' for a LocalCluster"),
        workers: Optional[int] = typer.Option(None, "--workers", min=1, help="processes (pool) or LocalCluster workers; 1 = in-process (default: all cores)"),
        no_progress: bool = typer.Option(False, "--no-progress", help="no progress bar"),
    ) -> None:
        """Run today's analysis on recorded data (nothing is measured, nothing is signed).

        One session: a table per measured temperature and the certificate quantities. Several
        sessions, a folder tree or --from-registry: an archive run whose results go to the registry;
        finished sessions are skipped, so a stopped run resumes."""
        from rich.console import Console

        from ssbcert.errors import InputError

        console = Console()
        paths = list(paths or [])
        try:
            single = from_registry is None and len(paths) == 1 and (paths[0] / "session.json").exists() and db is None
            if single:
                _report(paths[0], sample, out, as_json)
                return
            from ssbcert.archive.run import reanalyse_archive
            from ssbcert.archive.sources import sessions_in_registry, sessions_under
            from ssbcert.archive.store import ReanalysisStore
            from ssbcert.registry.url import redact

            sessions = sessions_under(paths) if paths else []
            if from_registry is not None:
                sessions += [p for p in sessions_in_registry(db, from_registry) if p not in sessions]
            if not sessions:
                raise InputError("no sessions to re-analyse", field="paths",
                                 expected="session directories, folders holding them, or --from-registry")
            engine = "dask" if scheduler else ("serial" if workers == 1 else "pool")
            store = ReanalysisStore(db)
            report = reanalyse_archive(sessions, store, engine=engine, workers=workers, scheduler=scheduler,
                                       sample_path=str(sample) if sample else None, progress=not no_progress,
                                       keep_results=False)
        except InputError as exc:
            fail(exc)
        summary = (f"{report.analysed} sessions analysed ({report.spectra} spectra, {report.errors} with errors), "
                   f"{report.skipped} already done; {report.spectra_per_s:.1f} spectra/s on {engine}; results: {redact(store.url)}")
        if report.done_elsewhere:
            summary += f"; {report.done_elsewhere} stored first by another run over the same archive"
        if report.busy:
            summary += (f"; {report.busy} in use by another process and not analysed: run the same command again "
                        f"when it has finished")
        if as_json:
            typer.echo(json.dumps({"analysed": report.analysed, "skipped": report.skipped, "errors": report.errors,
                                   "busy": report.busy, "done_elsewhere": report.done_elsewhere,
                                   "spectra": report.spectra, "wall_s": report.wall_s, "engine": engine,
                                   "run_id": report.run_id, "registry": redact(store.url)}))
        else:
            console.print(summary, highlight=False)
