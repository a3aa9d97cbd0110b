"""CLI commands of the registry area; the main app calls :func:`register`.

Adds ``registry list|show|search|add`` (a sub-app) and ``study thickness --material LLZO``.
``--db URL`` (or ``$SSBCERT_REGISTRY_URL``) selects the database; default is SQLite under
``$SSBCERT_HOME``.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ssbcert.registry.db import CertificateSummary


def Registry(url: str | None = None) -> Any:  # noqa: N802  (SQLAlchemy loads in the command, #10)
    from ssbcert.registry.db import Registry as _Registry

    return _Registry(url)

registry_app = typer.Typer(no_args_is_help=True, help="Registry of samples, sessions and certificates.")
study_app = typer.Typer(no_args_is_help=True, help="Studies across certified films.")

DB_OPTION = typer.Option(None, "--db", help="registry: a SQLite file path, sqlite:///PATH or "
                         "postgresql+psycopg://USER@HOST:PORT/DB (default: $SSBCERT_REGISTRY_URL, "
                         "else SQLite under $SSBCERT_HOME)")
JSON_OPTION = typer.Option(False, "--json", help="machine-readable output")


def _json(value: object) -> str:
    """Dataclasses (summaries, studies) as JSON; dates as ISO 8601."""
    import dataclasses
    import datetime as dt

    def plain(v: object) -> object:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()
        if isinstance(v, Path):
            return str(v)
        return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)

    return json.dumps(plain(value), indent=2, ensure_ascii=False)


def _fmt(v: float | None, spec: str = ".3g") -> str:
    return "—" if v is None else format(v, spec)


def _table(rows: list[CertificateSummary]) -> str:
    head = f"{'certificate':38} {'sample':16} {'material':9} {'h/µm':>8} {'σ/S cm⁻¹':>10} {'ASR/Ω cm²':>10} {'outcome':12} issued"
    lines = [head]
    for r in rows:
        lines.append(f"{r.certificate_id.removeprefix('urn:uuid:'):38} {(r.sample_id or '')[:16]:16} {r.material[:9]:9} "
                     f"{_fmt(r.thickness_um):>8} {_fmt(r.sigma_total_S_cm):>10} {_fmt(r.asr_ohm_cm2):>10} "
                     f"{r.outcome:12} {r.issued_at:%Y-%m-%d}")
    return "\n".join(lines) if rows else "no certificates"


@registry_app.command("list")
def list_command(
    material: str = typer.Option(None, help="e.g. LLZO"),
    outcome: str = typer.Option(None, help="pass, fail, inconclusive, none"),
    min_h: float = typer.Option(None, "--min-h", help="minimum thickness / µm"),
    max_h: float = typer.Option(None, "--max-h", help="maximum thickness / µm"),
    all_versions: bool = typer.Option(False, "--all", help="include superseded certificates"),
    limit: int = typer.Option(100),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """List each film's current certificate, newest first (--all: every certificate)."""
    with Registry(db) as reg:
        rows = reg.list_certificates(material=material, outcome=outcome, min_thickness_um=min_h, max_thickness_um=max_h,
                                     include_superseded=all_versions, limit=limit)
        older = reg.superseded_count(material=material, outcome=outcome, min_thickness_um=min_h, max_thickness_um=max_h)
    if as_json:
        typer.echo(_json(rows))
        return
    typer.echo(_table(rows))
    if all_versions:
        typer.echo(f"{len(rows)} certificate(s), of which {older} superseded or replaced by a later issue")
    else:
        typer.echo(f"{len(rows)} film(s), each counted once by its latest certificate; "
                   f"{older} superseded certificate(s) not counted (--all lists them)")


@registry_app.command("search")
def search_command(text: str = typer.Argument(..., help="part of an id, sample, material or composition"),
                   db: str = DB_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Find certificates by substring."""
    with Registry(db) as reg:
        rows = reg.search(text)
    typer.echo(_json(rows) if as_json else _table(rows))


@registry_app.command("show")
def show_command(certificate_id: str = typer.Argument(..., help="id or unique prefix"), db: str = DB_OPTION) -> None:
    """Print a stored certificate's JSON."""
    with Registry(db) as reg:
        try:
            doc = reg.get_document(certificate_id)
        except KeyError as exc:
            typer.echo(str(exc.args[0]), err=True)
            raise typer.Exit(1) from None
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))


@registry_app.command("add")
def add_command(cert: Path = typer.Argument(..., exists=True, dir_okay=False), db: str = DB_OPTION) -> None:
    """Register a certificate file (it must verify first)."""
    from ssbcert.certificate.signing import read_certificate
    from ssbcert.certificate.verify import verify

    report = verify(cert)
    if not report.ok:
        typer.echo(report.text(), err=True)
        raise typer.Exit(1)
    from ssbcert.cli.failure import fail
    from ssbcert.errors import InputError

    try:
        with Registry(db) as reg:
            new = reg.add_certificate(read_certificate(cert))
    except InputError as exc:  # other content under its id, or a second successor of its predecessor
        fail(exc)
    typer.echo(("registered " if new else "already registered ") + report.certificate_id)


@study_app.command("thickness")
def thickness_command(
    material: str = typer.Option(..., "--material", help="e.g. LLZO"),
    plot: Path = typer.Option(None, "--plot", help="PNG path (default: thickness_<material>.png in the current folder)"),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """σ vs h and ASR vs h across certified films, with literature points; prints the answer."""
    from ssbcert.registry.study import thickness_study

    target = plot or Path(f"thickness_{material}.png")
    with Registry(db) as reg:
        study = thickness_study(reg, material, plot_path=target)
    if as_json:
        typer.echo(_json({**{k: v for k, v in vars(study).items() if k != "summary"}, "summary": study.summary,
                          "plot": str(target)}))
        return
    typer.echo(study.summary)
    typer.echo(f"plot: {target}")


def register(app: typer.Typer) -> None:
    app.add_typer(registry_app, name="registry")
    app.add_typer(study_app, name="study")
