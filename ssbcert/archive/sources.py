"""Which sessions an archive run covers: every session directory under folder trees, or the
sessions the registry knows (optionally filtered by protocol or session id substring)."""
from __future__ import annotations

from pathlib import Path

from ssbcert.errors import InputError

SESSION_MARKER = "session.json"


def sessions_under(roots: list[Path]) -> list[Path]:
    """Session directories (holding session.json) at or below each root, sorted, without repeats."""
    found: dict[Path, None] = {}
    for root in roots:
        if not root.exists():
            raise InputError("no such folder", file=str(root), expected="a session directory or a folder of sessions")
        if (root / SESSION_MARKER).exists():
            found[root.resolve()] = None
            continue
        for marker in sorted(root.rglob(SESSION_MARKER)):
            found[marker.parent.resolve()] = None
    return list(found)


def sessions_in_registry(url: str | None = None, match: str = "") -> list[Path]:
    """Paths of the registry's sessions whose id or protocol contains `match` and that still exist."""
    from sqlalchemy import or_, select

    from ssbcert.registry.db import Registry
    from ssbcert.registry.models import SessionRow

    with Registry(url) as reg, reg.engine.connect() as conn:
        q = select(SessionRow.path).order_by(SessionRow.id)
        if match:
            q = q.where(or_(SessionRow.session_id.contains(match), SessionRow.protocol.contains(match)))
        paths = [Path(p) for p in conn.execute(q).scalars() if p]
    return [p for p in paths if (p / SESSION_MARKER).exists()]
