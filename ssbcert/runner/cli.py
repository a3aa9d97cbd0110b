"""`ssbcert run | check | resume | replay` (and `protocol_json_schema` for the shared `schema` group)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ssbcert.errors import InputError

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


def _fail(exc: Exception, code: int = 2) -> None:
    typer.echo(f"error: {exc}" if not isinstance(exc, InputError) else str(exc), err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check_cmd(
        protocol: str = typer.Argument(..., help="protocol file or shipped name (rt-eis, arrhenius, ...)"),
        bench: Optional[Path] = typer.Option(None, "--bench", help="bench file (default: the embedded simulated bench)"),
        param: Optional[list[str]] = typer.Option(None, "--param", help="override a protocol parameter: name=value"),
    ) -> None:
        """Validate a protocol against a bench and estimate its duration."""
        from ssbcert.runner.api import check

        try:
            loaded, plan, est = check(protocol, bench, _params(param))
        except InputError as exc:
            _fail(exc)
        typer.echo(f"{plan.name}: {len(plan)} steps, sha256 {plan.protocol_sha256[:16]}")
        typer.echo(f"estimated instrument time: {format_duration(est.total_s)}")

    @app.command("run")
    def run_cmd(
        protocol: str = typer.Argument(..., help="protocol file or shipped name"),
        bench: Optional[Path] = typer.Option(None, "--bench", help="bench file (default: the embedded simulated bench)"),
        sample: Optional[Path] = typer.Option(None, "--sample", help="sample record file"),
        out: Optional[Path] = typer.Option(None, "--out", help="session directory to create"),
        operator: Optional[str] = typer.Option(None, "--operator"),
        param: Optional[list[str]] = typer.Option(None, "--param", help="name=value"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress display"),
    ) -> None:
        """Run a protocol; the session directory is written as it goes."""
        from ssbcert.runner.api import run

        try:
            r = run(protocol, bench, out, sample, operator, _params(param), progress=not quiet)
        except InputError as exc:
            _fail(exc)
        except Exception as exc:
            _fail(exc, 1)
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
            _fail(exc)
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
            _fail(exc)
        typer.echo(f"replayed into {r.replayed}; {r.records_compared} records compared")
        if r.divergence:
            typer.echo(f"DIVERGED: {r.divergence}", err=True)
        for p in r.mismatched:
            typer.echo(f"record differs: {p}", err=True)
        for p in r.missing:
            typer.echo(f"record not reproduced: {p}", err=True)
        if not r.identical:
            raise typer.Exit(1)
        typer.echo("identical: every record reproduced bit for bit")


def _report(r: object) -> None:
    from ssbcert.runner.api import RunResult

    assert isinstance(r, RunResult)
    typer.echo(f"session: {r.session}")
    typer.echo(
        f"{r.exit_status}: {r.points_recorded} points recorded; estimated instrument time "
        f"{format_duration(r.estimate_s)}, wall {r.wall_s:.1f} s" + (f" ({r.reason})" if r.reason else "")
    )
    if r.exit_status != "success":
        typer.echo(f"resumable: ssbcert resume {r.session}", err=True)
        raise typer.Exit(1)


def schema_protocol_json() -> str:
    from ssbcert.protocol.model import protocol_json_schema

    return json.dumps(protocol_json_schema(), indent=2)
