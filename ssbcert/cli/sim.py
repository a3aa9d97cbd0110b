"""`ssbcert sim serve [BENCH.yaml]`: serve a simulated bench's twins for other programs.

It prints, per twin, the VISA resource and the terminators a client must use (a plain pyvisa
client with the default terminators times out on a CR LF instrument), a pyvisa snippet that can be
pasted as is, and writes the same facts as JSON (`--describe`) for scripts; the file is removed
when serving stops, so it never describes ports nobody listens on.
"""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any, Optional

import typer

from ssbcert.cli.failure import fail
from ssbcert.errors import InputError

DESCRIBE_DEFAULT = Path("ssbcert-sim.json")
IDENTITY_QUERY = {"palmsens_emstat4": "v"}  # MethodSCRIPT firmware version; the others answer *IDN?


def describe(cfg: Any, sim: Any) -> dict[str, Any]:
    """What a script needs to talk to each twin: resource, port, terminators, an identity query."""
    from ssbcert.drivers.catalog import entry

    instruments = []
    for role, resource in sim.resources.items():
        name = cfg.instruments[role].driver
        drv = entry(name).driver_class()
        server = sim.server(role)
        instruments.append(
            {
                "role": role,
                "driver": name,
                "description": entry(name).description,
                "resource": resource,
                "host": server.host,
                "port": server.port,
                "write_termination": drv.write_termination,
                "read_termination": drv.read_termination,
                "twin_accepts": [t.decode("latin-1") for t in server.device.input_terminators],
                "identity_query": IDENTITY_QUERY.get(name, "*IDN?"),
            }
        )
    control = {"host": sim.control.host, "port": sim.control.port, "protocol": "JSON lines: {\"op\": \"state\"} etc."} if sim.control else None
    return {"bench": cfg.name, "time_scale": cfg.time_scale, "pid": os.getpid(), "instruments": instruments, "control": control}


def pyvisa_snippet(desc: dict[str, Any]) -> str:
    """Python that opens every twin with the right terminators and asks who it is."""
    lines = ["import pyvisa", "", 'rm = pyvisa.ResourceManager("@py")']
    for i in desc["instruments"]:
        var = i["role"]
        lines.append(f"{var} = rm.open_resource({i['resource']!r}, write_termination={i['write_termination']!r}, read_termination={i['read_termination']!r})")
        lines.append(f"print({var}.query({i['identity_query']!r}))")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    sim_app = typer.Typer(no_args_is_help=True, help="Simulated instruments.")
    app.add_typer(sim_app, name="sim")

    @sim_app.command("serve")
    def serve(
        bench: Optional[Path] = typer.Argument(None, help="bench YAML with sim: true (default: the embedded sim bench)"),
        time_scale: Optional[float] = typer.Option(None, help="override the bench's time_scale"),
        duration_s: Optional[float] = typer.Option(None, help="stop after this many wall seconds (default: until Ctrl-C)"),
        port_base: Optional[int] = typer.Option(None, "--port-base", help="twins on PORT, PORT+1, ... in bench order, the control channel next (default: free ports)"),
        describe_to: Path = typer.Option(DESCRIBE_DEFAULT, "--describe", help="JSON description for scripts (removed when serving stops)"),
    ) -> None:
        """Start the twins on loopback sockets; print resources, terminators and a pyvisa snippet."""
        from ssbcert.bench import default_bench, load_bench, sim_bench_for

        try:
            cfg = load_bench(bench) if bench else default_bench()
        except InputError as exc:
            fail(exc)
        if not cfg.sim:
            fail(f"{bench}: sim: expected true for `sim serve`, found false")
        if port_base is not None and not 1 <= port_base <= 65535 - len(cfg.instruments) - 1:
            fail(f"--port-base: expected a port from 1 to {65535 - len(cfg.instruments) - 1}, found {port_base}")
        if time_scale is not None:
            cfg = cfg.model_copy(update={"time_scale": time_scale})
        try:
            sim = sim_bench_for(cfg, port_base=port_base)
        except OSError as exc:
            fail(f"--port-base {port_base}: cannot listen on the ports from {port_base} ({exc.strerror or exc}); choose another base")
        desc = describe(cfg, sim)
        typer.echo(f"{cfg.name} (time ×{cfg.time_scale:g})")
        typer.echo(_table(desc["instruments"]))
        if sim.control is not None:
            typer.echo(f"control channel (JSON lines): {sim.control.host}:{sim.control.port}")
        typer.echo("\n# pyvisa (pip install pyvisa pyvisa-py):\n" + pyvisa_snippet(desc) + "\n")
        try:
            describe_to.write_text(json.dumps(desc, indent=2) + "\n")
            typer.echo(f"description for scripts: {describe_to}")
        except OSError as exc:
            typer.echo(f"warning: --describe {describe_to}: not written ({exc.strerror or exc})", err=True)
        typer.echo("serving; Ctrl-C to stop")
        signal.signal(signal.SIGTERM, _terminate)  # `kill` too closes the twins and removes the description
        try:
            start = time.monotonic()
            while duration_s is None or time.monotonic() - start < duration_s:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
        finally:
            sim.close()
            _remove_if_ours(describe_to)


def _table(instruments: list[dict[str, Any]]) -> str:
    """Plain columns (a pipe or a narrow terminal must not cut a resource string)."""
    rows = [("role", "driver", "resource", "write term.", "read term.")]
    rows += [(i["role"], i["driver"], i["resource"], repr(i["write_termination"]), repr(i["read_termination"])) for i in instruments]
    widths = [max(len(r[k]) for r in rows) for k in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _remove_if_ours(path: Path) -> None:
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass
