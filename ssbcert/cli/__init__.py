"""The `ssbcert` command. Each command group lives with the code it drives and registers itself here."""
from __future__ import annotations

from importlib import import_module

import typer

app = typer.Typer(no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Solid-electrolyte film bench and certificates.")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"ssbcert {version('ssbcert')}")
        except PackageNotFoundError:
            typer.echo("ssbcert (not installed)")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Solid-electrolyte film bench and certificates."""

# module → its register(app); the order is the order of `ssbcert --help`
GROUPS = (
    "ssbcert.cli.certify",  # demo, certify
    "ssbcert.archive.cli",  # reanalyze (one session, or archives on the pool / Dask)
    "ssbcert.runner.cli",  # check, run, resume, replay
    "ssbcert.importers.cli",  # import
    "ssbcert.certificate.cli",  # verify, render
    "ssbcert.keys.cli",  # keys init/show/export/trust/untrust/rotate
    "ssbcert.certificate.exports.cli",  # export, plot
    "ssbcert.registry.cli",  # registry ..., study thickness
    "ssbcert.cli.schema",  # schema ...
    "ssbcert.cli.sim",  # sim serve
    "ssbcert.monitor.cli",  # monitor
)
_registered = False


def _register_all() -> None:
    global _registered
    if not _registered:
        for name in GROUPS:
            import_module(name).register(app)
        _registered = True


def main() -> None:
    """Entry point: errors end as one line on stderr (see :mod:`ssbcert.cli.failure`)."""
    import sys

    from ssbcert.cli.failure import run

    _register_all()
    sys.exit(run(typer.main.get_command(app)))
