"""The monitor's index: the session directories under a folder, and (with --registry) the sessions
and certificates a registry holds."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ssbcert.session.store import JOURNAL, SESSION


def _last_stop(path: Path) -> str:
    """The exit status of the last stop document ("" while running or when killed), read from the end."""
    try:
        with open(path / JOURNAL, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 8192))
            lines = fh.read().split(b"\n")
    except OSError:
        return ""
    for raw in reversed(lines):
        if b'"doc":"stop"' in raw:
            try:
                return str(json.loads(raw).get("exit_status", ""))
            except ValueError:
                return ""
        if b'"doc":"start"' in raw:
            return ""
    return ""


def session_summary(path: Path) -> dict[str, Any] | None:
    try:
        info = json.loads((path / SESSION).read_text())
    except (OSError, ValueError):
        return None
    return {
        "name": path.name,
        "path": str(path),
        "id": info.get("id", ""),
        "protocol": info.get("protocol_name", ""),
        "created_utc": info.get("created_utc", ""),
        "operator": info.get("operator", ""),
        "exit_status": _last_stop(path),
    }


def local_sessions(root: Path) -> list[dict[str, Any]]:
    """Session directories directly under root (and root itself if it is one), newest first."""
    found = [root] if (root / SESSION).exists() else []
    if root.is_dir():
        found += [p for p in root.iterdir() if (p / SESSION).exists()]
    rows = [s for s in (session_summary(p) for p in found) if s]
    return sorted(rows, key=lambda r: r["created_utc"], reverse=True)


def registry_listing(url: str | None) -> dict[str, list[dict[str, Any]]]:
    """Sessions and certificates of a registry."""
    from sqlalchemy import select

    from ssbcert.registry.db import Registry
    from ssbcert.registry.models import SampleRow, SessionRow

    with Registry(url) as reg:
        with reg.engine.connect() as conn:
            rows = conn.execute(
                select(SessionRow.session_id, SessionRow.protocol, SessionRow.path, SessionRow.started_at, SampleRow.sample_id)
                .outerjoin(SampleRow, SessionRow.sample_pk == SampleRow.id)
                .order_by(SessionRow.id.desc())
            ).all()
        sessions = [
            {"id": r.session_id, "protocol": r.protocol, "path": r.path, "started_utc": r.started_at.isoformat() if r.started_at else "", "sample_id": r.sample_id or ""}
            for r in rows
        ]
        certificates = [
            {
                "id": c.certificate_id,
                "sample_id": c.sample_id or "",
                "material": c.material,
                "thickness_um": c.thickness_um,
                "sigma_total_S_cm": c.sigma_total_S_cm,
                "temperature_K": c.temperature_K,
                "outcome": c.outcome,
                "issued_utc": c.issued_at.isoformat(),
            }
            for c in reg.list_certificates()
        ]
    return {"sessions": sessions, "certificates": certificates}
