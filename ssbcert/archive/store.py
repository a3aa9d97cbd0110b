"""Where archive re-analyses are kept: one additive table, `reanalyses`, in the registry database.

A row is keyed by what was analysed and how — sha256 of the session's records.jsonl plus the
analysis version — so a finished session is skipped on the next run (resume after a kill), a moved
session is still recognised, and changed data or a new analysis is done again. The table is
created here (create-if-missing) and touches none of the registry's own tables or migrations.
Only the coordinating process writes, one row per finished session, each in its own transaction.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from ssbcert.archive.task import ANALYSIS_VERSION
from ssbcert.registry.url import resolve_url
from ssbcert.session.files import sha256_file

metadata = MetaData()
reanalyses = Table(
    "reanalyses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(100), unique=True, index=True, nullable=False),
    Column("session_path", Text, nullable=False),
    Column("session_id", String(200), default=""),
    Column("analysis_version", String(60), nullable=False),
    Column("status", String(10), nullable=False),
    Column("n_spectra", Integer, default=0),
    Column("run_id", String(40), default=""),
    Column("finished_utc", String(40), nullable=False),
    Column("result", Text, nullable=False),
)


def session_key(session_path: str | Path) -> str:
    """sha256(records.jsonl)[:32] @ analysis version; a session without records gets its path."""
    p = Path(session_path) / "records.jsonl"
    digest = sha256_file(p)[:32] if p.exists() else f"missing:{Path(session_path).resolve()}"
    return f"{digest}@{ANALYSIS_VERSION}"


class ReanalysisStore:
    """The `reanalyses` table at a registry URL (default: the registry's own database)."""

    def __init__(self, url: str | None = None) -> None:
        if url is None:
            from ssbcert.registry.db import default_url

            url = default_url()
        else:
            url = resolve_url(url)  # a path or a URL, as every other --db; anything else is one line
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        metadata.create_all(self.engine, checkfirst=True)

    def done_keys(self) -> set[str]:
        """Sessions analysed successfully; a session that failed is tried again by the next run
        (its error may have been a missing sample record, fixed since)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(reanalyses.c.key).where(reanalyses.c.status == "ok")).scalars())

    def add(self, key: str, result: dict[str, Any], run_id: str) -> bool:
        """Record one session's result; False if another run recorded it as analysed first (two
        runs over the same archive: the first success stands, a later one is not an error). A
        success replaces an earlier failure of the same key."""
        row = dict(key=key, session_path=result["session_path"], session_id=result.get("session_id", ""),
                   analysis_version=result["analysis_version"], status=result["status"],
                   n_spectra=int(result.get("n_spectra", 0)), run_id=run_id,
                   finished_utc=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   result=json.dumps(result, default=str))
        try:
            with self.engine.begin() as conn:
                before = conn.execute(select(reanalyses.c.status).where(reanalyses.c.key == key)).scalar()
                if before is None:
                    conn.execute(insert(reanalyses), row)
                elif before != "ok":
                    conn.execute(update(reanalyses).where(reanalyses.c.key == key), row)
                else:
                    return False
        except IntegrityError:  # the other run inserted the same key between our read and our write
            return False
        return True

    def rows(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(reanalyses).order_by(reanalyses.c.id))]

    def close(self) -> None:
        self.engine.dispose()
