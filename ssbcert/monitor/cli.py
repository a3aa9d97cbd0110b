"""`ssbcert monitor [SESSION|FOLDER] [--registry]`: the local web page of a running or finished session."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ssbcert.cli.failure import fail

DEFAULT_ROOT = Path("sessions")


def register(app: typer.Typer) -> None:
    @app.command("monitor")
    def monitor_cmd(
        target: Optional[Path] = typer.Argument(None, help="a session directory, or a folder of sessions (default: ./sessions)"),
        host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (loopback by default; anything else exposes the page)"),
        port: int = typer.Option(8765, "--port", help="TCP port (0: any free port; a busy 8765 falls back to a free one)"),
        token: Optional[str] = typer.Option(None, "--token", envvar="SSBCERT_MONITOR_TOKEN", help="control token (default: a new random one)"),
        registry: bool = typer.Option(False, "--registry", help="also list the registry's sessions and certificates"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL for --registry (default: $SSBCERT_REGISTRY_URL or the SQLite registry)"),
    ) -> None:
        """Serve a live web view (Nyquist, Bode, temperature, DC, progress, I/O log; pause/resume/abort)."""
        # web libraries load only here, so the rest of the CLI starts fast
        from ssbcert.monitor.app import MonitorConfig
        from ssbcert.monitor.server import bind, serve, url
        from ssbcert.session.store import SESSION

        session = root = None
        if target is None:
            root = DEFAULT_ROOT
        elif (target / SESSION).exists():
            session, root = target, target.parent
        elif target.is_dir():
            root = target
        else:
            fail(f"{target}: not a session directory (no {SESSION}) nor a folder of sessions")
        cfg = MonitorConfig(root=root, session=session, registry=registry, registry_url=db)
        if token:
            cfg.token = token
        if host not in ("127.0.0.1", "localhost", "::1"):
            cfg.allowed_hosts = ["*"]
        try:
            sock = bind(host, port)
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        typer.echo(f"monitor: {url(cfg, sock)}")
        typer.echo("the token in the link is needed for pause / resume / abort; Ctrl-C stops the monitor", err=True)
        try:
            serve(cfg, sock)
        except KeyboardInterrupt:
            pass
