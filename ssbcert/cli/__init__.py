"""The `ssbcert` command. Each command group lives with the code it drives and registers itself here."""
from __future__ import annotations

from importlib import import_module

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Solid-electrolyte film bench and certificates.")

# module → its register(app); the order is the order of `ssbcert --help`
GROUPS = (
    "ssbcert.cli.certify",  # demo, certify
    "ssbcert.archive.cli",  # reanalyze (one session, or archives on the pool / Dask)
    "ssbcert.runner.cli",  # check, run, resume, replay
    "ssbcert.importers.cli",  # import
    "ssbcert.certificate.cli",  # verify, render
    "ssbcert.registry.cli",  # registry ..., study thickness
    "ssbcert.cli.schema",  # schema ...
    "ssbcert.cli.sim",  # sim serve
)
_registered = False


def _register_all() -> None:
    global _registered
    if not _registered:
        for name in GROUPS:
            import_module(name).register(app)
        _registered = True


def main() -> None:
    _register_all()
    app()
