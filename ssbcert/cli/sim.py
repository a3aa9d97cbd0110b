"""`ssbcert sim serve BENCH.yaml`: serve a simulated bench's twins for other programs."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ssbcert.errors import InputError

console = Console()


def register(app: typer.Typer) -> None:
    sim_app = typer.Typer(no_args_is_help=True, help="Simulated instruments.")
    app.add_typer(sim_app, name="sim")

    @sim_app.command("serve")
    def serve(
        bench: Optional[Path] = typer.Argument(None, help="bench YAML with sim: true (default: the embedded sim bench)"),
        time_scale: Optional[float] = typer.Option(None, help="override the bench's time_scale"),
        duration_s: Optional[float] = typer.Option(None, help="stop after this many wall seconds (default: until Ctrl-C)"),
    ) -> None:
        """Start the twins on loopback sockets and print their VISA resource strings."""
        from ssbcert.bench import default_bench, load_bench, sim_bench_for

        try:
            cfg = load_bench(bench) if bench else default_bench()
        except InputError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2)
        if not cfg.sim:
            console.print(f"[red]error:[/red] {bench}: sim: expected true for `sim serve`, found false")
            raise typer.Exit(2)
        if time_scale is not None:
            cfg = cfg.model_copy(update={"time_scale": time_scale})
        sim = sim_bench_for(cfg)
        table = Table(title=f"{cfg.name} (time ×{cfg.time_scale:g})")
        table.add_column("role")
        table.add_column("driver")
        table.add_column("resource")
        for role, res in sim.resources.items():
            table.add_row(role, cfg.instruments[role].driver, res)
        console.print(table)
        if sim.control is not None:
            console.print(f"control channel (JSON lines): 127.0.0.1:{sim.control.port}")
        console.print("serving; Ctrl-C to stop", style="dim")
        try:
            start = time.monotonic()
            while duration_s is None or time.monotonic() - start < duration_s:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            sim.close()
