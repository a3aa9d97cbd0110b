"""A small versioned migration runner (alembic is not a dependency).

``schema_migrations`` records each applied version. :func:`migrate` applies the missing steps in
order inside one transaction that holds the database's write lock (SQLite ``BEGIN IMMEDIATE`` via
the engine setup in :mod:`db`; a PostgreSQL advisory lock), so two processes opening a fresh
registry at once do not both create the tables.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, MetaData, String, Table, insert, inspect, select, text

from ssbcert.errors import InputError
from ssbcert.registry.models import Base

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations", _meta,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
_PG_LOCK_KEY = 0x55B_CE27  # arbitrary, constant: "ssbcert registry"


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_tables(conn: Connection) -> None:
    Base.metadata.create_all(conn)


def _v2_study_index(conn: Connection) -> None:
    """Thickness studies filter by material and sort by thickness."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_certificates_material_thickness ON certificates (material, thickness_um)"))


def _v3_one_successor(conn: Connection) -> None:
    """At most one certificate supersedes a given one (NULLs, first issues, are not compared): the
    per-sample file lock serialises issues on one machine only, and a registry shared by several
    could otherwise record two successors of one certificate, a forked chain."""
    forks = conn.execute(text("SELECT supersedes, COUNT(*) FROM certificates WHERE supersedes IS NOT NULL "
                              "GROUP BY supersedes HAVING COUNT(*) > 1")).all()
    if forks:
        listed = "; ".join(f"{prev} ({n} successors)" for prev, n in forks)
        raise InputError("the registry holds certificates superseded twice, so it cannot take the one-successor "
                         f"index of schema 3: {listed}", field="certificates.supersedes",
                         expected="one successor per certificate", found=f"{len(forks)} forked chain(s)")
    conn.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ux_certificates_supersedes ON certificates (supersedes)"))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "samples, sessions, certificates", _v1_tables),
    Migration(2, "index certificates(material, thickness_um)", _v2_study_index),
    Migration(3, "unique index certificates(supersedes): one successor per certificate", _v3_one_successor),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_migrations"):
        return 0
    versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    return max(versions, default=0)


def migrate(engine: Engine) -> list[int]:
    """Bring the database to :data:`LATEST`; returns the versions applied now (empty if none)."""
    applied: list[int] = []
    with engine.connect().execution_options(ssbcert_write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        _meta.create_all(conn)
        have = current_version(conn)
        for m in MIGRATIONS:
            if m.version > have:
                m.apply(conn)
                conn.execute(insert(schema_migrations).values(
                    version=m.version, description=m.description, applied_at=dt.datetime.now(dt.timezone.utc)))
                applied.append(m.version)
    return applied
