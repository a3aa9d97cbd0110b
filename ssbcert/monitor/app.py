"""The monitor's web application (Starlette): one page, a JSON index, a server-sent-event stream
per session, and a control endpoint that needs the token.

    GET  /                      index of sessions (and of the registry with --registry)
    GET  /s/{key}               the session page (live while it runs, replay view once finished)
    GET  /api/config            what the page was started for
    GET  /api/sessions          local sessions (+ registry sessions and certificates)
    GET  /api/s/{key}/snapshot  everything the page would show, as one JSON object
    GET  /api/s/{key}/stream    text/event-stream: "update" events (SessionView.poll), then "end"
    POST /api/s/{key}/control   {"action": "pause"|"resume"|"abort"}; header X-Ssbcert-Token

Control requests are appended to the session's request file (`ssbcert.runner.control`), which the
runner reads at its next safe stopping place; the monitor never talks to the engine itself.
"""
from __future__ import annotations

import asyncio
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ssbcert.monitor.listing import local_sessions, registry_listing
from ssbcert.monitor.view import SessionView
from ssbcert.runner.control import ACTIONS, send_request
from ssbcert.session.store import CONTROL, SESSION

STATIC = Path(__file__).parent / "static"
TOKEN_HEADER = "x-ssbcert-token"
KEY = re.compile(r"^[A-Za-z0-9_.:\-]+$")
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]


@dataclass
class MonitorConfig:
    root: Path  # folder whose session directories are listed
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    session: Path | None = None  # the session the page opens on (may not exist yet: `run --monitor`)
    registry: bool = False
    registry_url: str | None = None
    poll_s: float = 0.25
    allowed_hosts: list[str] = field(default_factory=lambda: list(LOOPBACK_HOSTS))

    def resolve(self, key: str) -> Path | None:
        """A session directory for a URL key: a folder name under root, or `id:<session id>` from the registry."""
        if not KEY.match(key) or key in (".", ".."):
            return None
        if self.session is not None and key == self.session.name:
            return self.session
        if key.startswith("id:") and self.registry:
            for s in registry_listing(self.registry_url)["sessions"]:
                if s["id"] == key[3:] and s["path"]:
                    return Path(s["path"])
            return None
        path = self.root / key
        return path if (path / SESSION).exists() else None


def _sse(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def create_app(cfg: MonitorConfig) -> Starlette:
    def session_or_404(request: Request) -> Path:
        path = cfg.resolve(request.path_params["key"])
        if path is None:
            raise _NotFound(f"no session {request.path_params['key']!r} under {cfg.root}")
        return path

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def config(request: Request) -> Response:
        return JSONResponse({"session": cfg.session.name if cfg.session else None, "registry": cfg.registry, "root": str(cfg.root)})

    async def sessions(request: Request) -> Response:
        out: dict[str, Any] = {"local": await anyio.to_thread.run_sync(local_sessions, cfg.root)}
        if cfg.registry:
            try:
                out["registry"] = await anyio.to_thread.run_sync(registry_listing, cfg.registry_url)
            except Exception as exc:  # a registry that cannot be read is reported on the page, not fatal
                out["registry_error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return JSONResponse(out)

    async def snapshot(request: Request) -> Response:
        view = SessionView(session_or_404(request))
        return JSONResponse(await anyio.to_thread.run_sync(view.poll))

    async def stream(request: Request) -> Response:
        path = session_or_404(request)

        async def events() -> AsyncIterator[bytes]:
            view = SessionView(path)
            while True:
                update = await anyio.to_thread.run_sync(view.poll)
                if update:
                    yield _sse("update", update)
                status = view.status()
                if view.steps and not status["live"] and status["state"] != "waiting":
                    yield _sse("end", status)
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(cfg.poll_s)

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def control(request: Request) -> Response:
        path = session_or_404(request)
        token = request.headers.get(TOKEN_HEADER, "")
        if not token or not secrets.compare_digest(token.encode(), cfg.token.encode()):
            return JSONResponse({"ok": False, "error": "control needs the monitor's token (printed when it started)"}, status_code=403)
        try:
            body = await request.json()
        except ValueError:
            body = None
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ACTIONS:
            return JSONResponse({"ok": False, "error": f"action: expected one of {', '.join(ACTIONS)}, found {action!r}"}, status_code=400)
        view = SessionView(path)
        await anyio.to_thread.run_sync(view.poll)
        status = view.status()
        if not status["live"]:
            return JSONResponse({"ok": False, "error": f"the session is not running (state: {status['state']})"}, status_code=409)
        client = request.client.host if request.client else "?"
        sent = send_request(path / CONTROL, action, by=f"monitor ({client})")
        return JSONResponse({"ok": True, "request": sent}, status_code=202)

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"ok": False, "error": str(exc)}, status_code=404)

    routes = [
        Route("/", page),
        Route("/s/{key}", page),
        Route("/api/config", config),
        Route("/api/sessions", sessions),
        Route("/api/s/{key}/snapshot", snapshot),
        Route("/api/s/{key}/stream", stream),
        Route("/api/s/{key}/control", control, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    hosts = ["*"] if "*" in cfg.allowed_hosts else cfg.allowed_hosts
    return Starlette(routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)], exception_handlers={_NotFound: not_found})


class _NotFound(Exception):
    pass
