"""Serving the monitor with uvicorn: in the foreground (`ssbcert monitor`) or on a background
thread beside a run (`ssbcert run --monitor`). The socket is bound here, so the URL (with the
port actually used) is known before serving starts."""
from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from typing import Any

from ssbcert.monitor.app import MonitorConfig, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def bind(host: str, port: int) -> socket.socket:
    """Listen on host:port; port 0, or a busy default port, gives a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        if port != DEFAULT_PORT:
            sock.close()
            raise
        sock.bind((host, 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url(cfg: MonitorConfig, sock: socket.socket, with_token: bool = True) -> str:
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    path = f"/s/{cfg.session.name}" if cfg.session is not None else "/"
    return f"http://{host}:{port}{path}" + (f"?token={cfg.token}" if with_token else "")


def _server(cfg: MonitorConfig) -> Any:
    import uvicorn

    config = uvicorn.Config(create_app(cfg), log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    return uvicorn.Server(config)


def serve(cfg: MonitorConfig, sock: socket.socket) -> None:
    """Serve until Ctrl-C."""
    _server(cfg).run(sockets=[sock])


@dataclass
class Background:
    server: Any
    thread: threading.Thread
    url: str

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def start_background(cfg: MonitorConfig, sock: socket.socket) -> Background:
    """Serve on a daemon thread (uvicorn installs no signal handlers off the main thread)."""
    server = _server(cfg)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="ssbcert-monitor", daemon=True)
    thread.start()
    return Background(server, thread, url(cfg, sock))
