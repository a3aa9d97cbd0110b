"""`ssbcert run | check | resume | replay` (and `protocol_json_schema` for the shared `schema` group)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ssbcert.cli.failure import fail
from ssbcert.errors import InputError, InstrumentError

__all__ = ["register", "protocol_json_schema"]


def format_duration(seconds: float) -> str:
    from ssbcert.protocol.preflight import format_duration as fmt

    return fmt(seconds)


def __getattr__(name: str) -> object:
    """Lazy re-export: the pydantic models load on first use, not with `ssbcert --help` (#10)."""
    if name == "protocol_json_schema":
        from ssbcert.protocol.model import protocol_json_schema

        return protocol_json_schema
    raise AttributeError(name)


def _params(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"--param expects name=value, found {item!r}")
        out[name.strip()] = value.strip()
    return out


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check_cmd(
        protocol: str = typer.Argument(..., help="protocol file or shipped name (rt-eis, arrhenius, ...)"),
        bench: Optional[Path] = typer.Option(None, "--bench", help="bench file (default: the embedded simulated bench)"),
        param: Optional[list[str]] = typer.Option(None, "--param", help="override a protocol parameter: name=value"),
        probe: bool = typer.Option(False, "--probe", help="also open every instrument and read its identity and options"),
    ) -> None:
        """Validate a protocol against a bench and estimate its duration."""
        from ssbcert.runner.api import bench_config, check

        try:
            config = bench_config(bench)
            loaded, plan, est = check(protocol, config, _params(param))
        except InputError as exc:
            fail(exc)
        typer.echo(f"{plan.name}: {len(plan)} steps, sha256 {plan.protocol_sha256[:16]}")
        typer.echo(f"estimated instrument time: {format_duration(est.total_s)}")
        if probe:
            from ssbcert.bench.probe import probe as probe_bench

            try:
                rows = probe_bench(config)
            except InputError as exc:
                fail(exc)
            for row in rows:
                typer.echo(f"{row.role}: {row.driver} at {row.resource}: {row.idn}" + (f" (options {row.options})" if row.options else ""))

    @app.command("run")
    def run_cmd(
        protocol: str = typer.Argument(..., help="protocol file or shipped name"),
        bench: Optional[Path] = typer.Option(None, "--bench", help="bench file (default: the embedded simulated bench)"),
        sample: Optional[Path] = typer.Option(None, "--sample", help="sample record file"),
        out: Optional[Path] = typer.Option(None, "--out", help="session directory to create"),
        operator: Optional[str] = typer.Option(None, "--operator"),
        param: Optional[list[str]] = typer.Option(None, "--param", help="name=value"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress display"),
        monitor: bool = typer.Option(False, "--monitor", help="serve the live web page of this run (see `ssbcert monitor`)"),
        monitor_port: int = typer.Option(8765, "--monitor-port", help="port for --monitor (a busy one falls back to a free port)"),
    ) -> None:
        """Run a protocol; the session directory is written as it goes."""
        from ssbcert.runner.api import run

        live = None
        try:
            if monitor:
                out, live = _start_monitor(protocol, bench, out, _params(param), monitor_port)
            r = run(protocol, bench, out, sample, operator, _params(param), progress=not quiet)
        except InputError as exc:
            fail(exc)
        except (InstrumentError, OSError) as exc:  # anything else is a bug: cli/failure.py logs its traceback
            fail(exc, 1)
        finally:
            if live is not None:
                live.close()
        _report(r)

    @app.command("resume")
    def resume_cmd(
        session: Path = typer.Argument(..., help="session directory"),
        bench: Optional[Path] = typer.Option(None, "--bench", help="bench file to use instead of the recorded one"),
        quiet: bool = typer.Option(False, "--quiet"),
    ) -> None:
        """Continue a stopped or killed session at its first unfinished step or point."""
        from ssbcert.runner.api import resume

        try:
            r = resume(session, progress=not quiet, bench=bench)
        except (InputError, FileNotFoundError) as exc:
            fail(exc)
        _report(r)

    @app.command("replay")
    def replay_cmd(
        session: Path = typer.Argument(..., help="session directory"),
        lenient: bool = typer.Option(False, "--lenient", help="match normalised SCPI instead of exact bytes"),
        out: Optional[Path] = typer.Option(None, "--out", help="where to write the replayed session"),
    ) -> None:
        """Re-run a session against its recorded transcript and compare the records."""
        from ssbcert.runner.api import replay

        try:
            r = replay(session, lenient, out)
        except (InputError, FileNotFoundError) as exc:
            fail(exc)
        typer.echo(f"replayed into {r.replayed}; {r.records_compared} records compared")
        if r.divergence:
            typer.echo(f"DIVERGED: {r.divergence}", err=True)
        for p in r.mismatched:
            typer.echo(f"record differs: {p}", err=True)
        for p in r.missing:
            typer.echo(f"record not reproduced: {p}", err=True)
        for p in r.replies_differ:
            typer.echo(f"replies differ from the recording at {p} (a reply in io.jsonl was changed)", err=True)
        if not r.identical:
            raise typer.Exit(1)
        typer.echo("identical: every record and every reply reproduced bit for bit")


def _start_monitor(protocol: str, bench: Optional[Path], out: Optional[Path], params: dict[str, str], port: int) -> tuple[Path, object]:
    """Serve the monitor for the session this run is about to create (it waits for the files)."""
    from ssbcert.monitor.server import DEFAULT_HOST, bind, start_background
    from ssbcert.monitor.app import MonitorConfig
    from ssbcert.runner.api import check, default_session_dir

    if out is None:
        out = default_session_dir(check(protocol, bench, params)[1].name)
    session = Path(out).absolute()
    live = start_background(MonitorConfig(root=session.parent, session=session), bind(DEFAULT_HOST, port))
    typer.echo(f"monitor: {live.url}", err=True)
    return session, _Lingering(live)


class _Lingering:
    """Keeps the page served a moment after the run, so the browser receives the stop document."""

    def __init__(self, live: object) -> None:
        self.live = live

    def close(self) -> None:
        import time

        time.sleep(1.0)
        self.live.close()  # type: ignore[attr-defined]


def _report(r: object) -> None:
    from ssbcert.runner.api import RunResult

    assert isinstance(r, RunResult)
    typer.echo(f"session: {r.session}")
    typer.echo(
        f"{r.exit_status}: {r.points_recorded} points recorded; estimated instrument time "
        f"{format_duration(r.estimate_s)}, wall {r.wall_s:.1f} s" + (f" ({r.reason})" if r.reason else "")
    )
    if r.resumable:
        typer.echo(f"resumable: ssbcert resume {r.session}", err=True)
    elif r.exit_status != "success":
        typer.echo("nothing was measured, so there is nothing to resume: fix the cause and run again", err=True)
    if r.exit_status != "success":
        raise typer.Exit(1)


def schema_protocol_json() -> str:
    from ssbcert.protocol.model import protocol_json_schema

    return json.dumps(protocol_json_schema(), indent=2)
