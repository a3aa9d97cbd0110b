"""The `ssbcert` command. Each command group lives in its own module and registers itself here."""
from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Solid-electrolyte film bench and certificates.")


def _register_all() -> None:
    from importlib import import_module

    for name in ("sim",):
        import_module(f"ssbcert.cli.{name}").register(app)


def main() -> None:
    _register_all()
    app()
