"""The registry: samples, sessions and certificates in SQLite (default) or PostgreSQL (by URL).

SQLite is set up for several writer processes: WAL journal (readers never block the writer), a
busy timeout, and every write transaction opened with ``BEGIN IMMEDIATE`` so it takes the write
lock up front — a deferred transaction that upgrades later can fail with "database is locked"
without waiting. Writes are retried with back-off on lock/busy errors as a last line of defence.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import Connection, Engine, and_, bindparam, create_engine, event, exists, func, insert, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError

from ssbcert.certificate.build import overall_outcome
from ssbcert.certificate.canonical import assemble, canonical_members, sha256_hex
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.signing import ssbcert_home
from ssbcert.errors import InputError, RegistryConflict
from ssbcert.registry.migrations import migrate
from ssbcert.registry.url import redact, resolve_url
from ssbcert.registry.models import CertificateRow, SampleRow, SessionRow

T = TypeVar("T")

# Statements built once: constructing them per call costs more CPU than the SQLite work itself.
_CERT_DIGEST = select(CertificateRow.payload_sha256).where(CertificateRow.certificate_id == bindparam("cid"))
_SAMPLE_PK = select(SampleRow.id).where(SampleRow.sample_id == bindparam("sid"))
_SESSION_PK = select(SessionRow.id).where(SessionRow.session_id == bindparam("sid"))
_SUCCESSOR = select(CertificateRow.certificate_id).where(CertificateRow.supersedes == bindparam("prev"))
_INSERT_SAMPLE = insert(SampleRow)
_INSERT_SESSION = insert(SessionRow)
_INSERT_CERT = insert(CertificateRow)
BUSY_TIMEOUT_MS = 30_000
RETRIES = 8


def default_url() -> str:
    """``$SSBCERT_REGISTRY_URL`` or a SQLite file under ``$SSBCERT_HOME``."""
    env = os.environ.get("SSBCERT_REGISTRY_URL")
    if env:
        return resolve_url(env, field="SSBCERT_REGISTRY_URL")
    home = ssbcert_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'registry.sqlite'}"


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # durable across app crashes in WAL mode
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get("ssbcert_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        _begin_immediate(conn.connection.dbapi_connection)


def _begin_immediate(dbapi_conn: Any) -> None:
    """Take the write lock, polling every ~1 ms. SQLite's own busy handler backs off to 100 ms
    sleeps, so with two busy writers most of the time would be spent asleep."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout = 0")
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    try:
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.0005 + 0.001 * random.random())
    finally:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.close()


def _retryable(exc: Exception) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in msg or "busy" in msg)


@dataclass(frozen=True)
class CertificateSummary:
    """One registry row without the document: what list/search/study need."""

    certificate_id: str
    sample_id: str | None
    material: str
    material_class: str
    form: str
    thickness_um: float | None
    u_thickness_um: float | None
    sigma_total_S_cm: float | None
    u_sigma_total_S_cm: float | None
    asr_ohm_cm2: float | None
    u_asr_ohm_cm2: float | None
    temperature_K: float | None
    outcome: str
    issued_at: dt.datetime
    supersedes: str | None


def _extract(cert: Certificate) -> dict[str, Any]:
    """Queryable columns from a certificate (values in the certificate's domain units)."""

    def val(q: str) -> tuple[float | None, float | None]:
        r = cert.find(q)
        return (r.value, r.u) if r is not None else (None, None)

    h, uh = val("thickness_mean")
    if h is None:
        dims = [s.dimensions.get("thickness_um") for s in cert.item.specimens]
        h = next((d for d in dims if d is not None), None)
    sig, usig = val("ionic_conductivity_total")
    asr, uasr = val("asr_electrolyte")
    if asr is None and sig and h:
        asr = h * 1e-4 / sig  # ASR = h/σ with h in cm
    total = cert.find("ionic_conductivity_total")
    t = total.conditions.get("temperature_K") if total is not None else None
    return {
        "material": cert.item.material, "material_class": cert.item.material_class, "form": cert.item.form,
        "thickness_um": h, "u_thickness_um": uh, "sigma_total_S_cm": sig, "u_sigma_total_S_cm": usig,
        "sigma_bulk_S_cm": val("ionic_conductivity_bulk")[0], "sigma_gb_S_cm": val("ionic_conductivity_gb_apparent")[0],
        "sigma_electronic_S_cm": val("electronic_conductivity")[0], "asr_ohm_cm2": asr, "u_asr_ohm_cm2": uasr,
        "temperature_K": float(t) if isinstance(t, (int, float)) else None, "outcome": overall_outcome(cert.conformity),
    }


class Registry:
    """Open (and migrate) a registry. ``Registry()`` uses :func:`default_url`."""

    def __init__(self, url: str | None = None, *, migrate_schema: bool = True) -> None:
        self.url = resolve_url(url) if url else default_url()
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000} if self.is_sqlite else {})
        if self.is_sqlite:
            _setup_sqlite(self.engine)
        if migrate_schema:
            try:
                self._retry(lambda: migrate(self.engine))
            except (OperationalError, DatabaseError) as exc:
                self.engine.dispose()
                reason = str(getattr(exc, "orig", exc)).strip().splitlines()
                raise InputError(f"cannot open the registry {redact(self.url)}: {reason[0] if reason else exc}",
                                 field="--db") from None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Registry":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def _retry(self, fn: Callable[[], T]) -> T:
        for attempt in range(RETRIES):
            try:
                return fn()
            except (OperationalError, IntegrityError) as exc:
                last = attempt == RETRIES - 1
                if last or not (_retryable(exc) or isinstance(exc, IntegrityError) and attempt == 0):
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(ssbcert_write=True) as conn, conn.begin():
            yield conn

    def _sample_pk(self, conn: Connection, cert: Certificate) -> int:
        it = cert.item
        pk = conn.execute(_SAMPLE_PK, {"sid": it.sample_id}).scalar()
        if pk is not None:
            return int(pk)
        h = next((s.dimensions.get("thickness_um") for s in it.specimens if "thickness_um" in s.dimensions), None)
        res = conn.execute(_INSERT_SAMPLE, dict(
            sample_id=it.sample_id, material=it.material, material_class=it.material_class, form=it.form,
            composition=it.nominal_composition, thickness_um=h, created_at=dt.datetime.now(dt.timezone.utc)))
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    def add_session(self, session_id: str, *, sample_id: str | None = None, protocol: str = "", path: str = "",
                    started_at: dt.datetime | None = None) -> None:
        """Record a measurement session (idempotent on session_id)."""

        def op() -> None:
            with self._write() as conn:
                if conn.execute(_SESSION_PK, {"sid": session_id}).scalar() is not None:
                    return
                spk = None
                if sample_id is not None:
                    spk = conn.execute(_SAMPLE_PK, {"sid": sample_id}).scalar()
                conn.execute(_INSERT_SESSION, dict(session_id=session_id, sample_pk=spk, protocol=protocol,
                                                   path=path, started_at=started_at))

        self._retry(op)

    def add_certificate(self, cert: Certificate, *, session_id: str | None = None) -> bool:
        """Store a certificate; True if new, False if this exact certificate was already there.

        A different document under an existing id is refused: certificates are never overwritten
        (§7.8.8 — issue an amendment instead). So is a second successor of one certificate: two
        machines sharing a registry that both supersede the sample's current certificate would fork
        its chain (the unique index of migration 3 holds this even when both insert at once; the
        retry then finds the rival and says so).
        """
        members = canonical_members(cert.document())
        doc_text = assemble(members)
        digest = sha256_hex(assemble({k: v for k, v in members.items() if k != "integrity"}).encode("utf-8"))
        cols = _extract(cert)

        def op() -> bool:
            with self._write() as conn:
                existing = conn.execute(_CERT_DIGEST, {"cid": cert.certificate_id}).scalar()
                if existing is not None:
                    if existing != digest:
                        raise RegistryConflict(f"{cert.certificate_id} is already registered with different content; "
                                               "a certificate is never overwritten (issue an amendment)",
                                               file=redact(self.url), field="certificate_id")
                    return False
                if cert.supersedes is not None:
                    prev = cert.supersedes.certificate_id
                    rival = conn.execute(_SUCCESSOR, {"prev": prev}).scalar()
                    if rival is not None:
                        raise RegistryConflict(
                            f"{prev} was superseded meanwhile by {rival} (issued elsewhere); issue again and the "
                            f"new certificate will supersede {rival}", file=redact(self.url), field="supersedes",
                            expected="the sample's current certificate", found=f"{prev}, already replaced")
                session_pk = None
                if session_id is not None:
                    session_pk = conn.execute(_SESSION_PK, {"sid": session_id}).scalar()
                conn.execute(_INSERT_CERT, dict(
                    certificate_id=cert.certificate_id, sample_pk=self._sample_pk(conn, cert), session_pk=session_pk,
                    issued_at=cert.dates.issued, supersedes=cert.supersedes.certificate_id if cert.supersedes else None,
                    payload_sha256=digest, key_fingerprint=cert.integrity.key_fingerprint if cert.integrity else "",
                    document=doc_text, **cols))
                return True

        return self._retry(op)

    # -- reading ---------------------------------------------------------------------------
    def _summaries(self, stmt: Any) -> list[CertificateSummary]:
        cols = [CertificateRow.certificate_id, SampleRow.sample_id, CertificateRow.material, CertificateRow.material_class,
                CertificateRow.form, CertificateRow.thickness_um, CertificateRow.u_thickness_um,
                CertificateRow.sigma_total_S_cm, CertificateRow.u_sigma_total_S_cm, CertificateRow.asr_ohm_cm2,
                CertificateRow.u_asr_ohm_cm2, CertificateRow.temperature_K, CertificateRow.outcome,
                CertificateRow.issued_at, CertificateRow.supersedes]
        q = select(*cols).outerjoin(SampleRow, SampleRow.id == CertificateRow.sample_pk)
        q = stmt(q)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        out = []
        for row in rows:
            issued = row.issued_at if row.issued_at.tzinfo else row.issued_at.replace(tzinfo=dt.timezone.utc)  # SQLite drops tz
            out.append(CertificateSummary(*row[:13], issued, row.supersedes))
        return out

    @staticmethod
    def _filters(q: Any, material: str | None, outcome: str | None, min_thickness_um: float | None,
                 max_thickness_um: float | None) -> Any:
        if material:
            q = q.where(CertificateRow.material.ilike(material))
        if outcome:
            q = q.where(CertificateRow.outcome == outcome)
        if min_thickness_um is not None:
            q = q.where(CertificateRow.thickness_um >= min_thickness_um)
        if max_thickness_um is not None:
            q = q.where(CertificateRow.thickness_um <= max_thickness_um)
        return q

    @staticmethod
    def _current_only(q: Any) -> Any:
        """One certificate per film: not superseded, and no later certificate of the same sample.

        Plain NOT IN / NOT EXISTS, so SQLite and PostgreSQL give the same rows; ties on the issue
        time go to the later insert.
        """
        replaced = select(CertificateRow.supersedes).where(CertificateRow.supersedes.is_not(None))
        later = aliased(CertificateRow)
        newer_same_sample = exists().where(
            later.sample_pk == CertificateRow.sample_pk,
            or_(later.issued_at > CertificateRow.issued_at,
                and_(later.issued_at == CertificateRow.issued_at, later.id > CertificateRow.id)))
        return q.where(CertificateRow.certificate_id.not_in(replaced), ~newer_same_sample)

    def list_certificates(self, *, material: str | None = None, outcome: str | None = None,
                          min_thickness_um: float | None = None, max_thickness_um: float | None = None,
                          include_superseded: bool = False, limit: int | None = None) -> list[CertificateSummary]:
        """Each film's current certificate, newest first (every certificate with ``include_superseded``)."""

        def where(q: Any) -> Any:
            q = self._filters(q, material, outcome, min_thickness_um, max_thickness_um)
            if not include_superseded:
                q = self._current_only(q)
            q = q.order_by(CertificateRow.issued_at.desc(), CertificateRow.id.desc())
            return q.limit(limit) if limit else q

        return self._summaries(where)

    def superseded_count(self, *, material: str | None = None, outcome: str | None = None,
                         min_thickness_um: float | None = None, max_thickness_um: float | None = None) -> int:
        """Certificates matching the filters that are not their film's current one (not counted as films)."""
        base = self._filters(select(func.count()).select_from(CertificateRow), material, outcome,
                             min_thickness_um, max_thickness_um)
        with self.engine.connect() as conn:
            total = int(conn.execute(base).scalar_one())
            current = int(conn.execute(self._current_only(base)).scalar_one())
        return total - current

    def latest_certificate(self, sample_id: str) -> Certificate | None:
        """The sample's current certificate (what a re-issue supersedes), or None."""
        q = self._current_only(select(CertificateRow.document).join(SampleRow, SampleRow.id == CertificateRow.sample_pk)
                               .where(SampleRow.sample_id == sample_id))
        with self.engine.connect() as conn:
            row = conn.execute(q.order_by(CertificateRow.issued_at.desc(), CertificateRow.id.desc()).limit(1)).first()
        return Certificate.model_validate(json.loads(row[0])) if row else None

    def search(self, text: str, limit: int = 50) -> list[CertificateSummary]:
        """Substring match on certificate id, sample id, material, class or composition."""
        like = f"%{text}%"

        def where(q: Any) -> Any:
            return q.where(or_(CertificateRow.certificate_id.ilike(like), SampleRow.sample_id.ilike(like),
                               CertificateRow.material.ilike(like), CertificateRow.material_class.ilike(like),
                               SampleRow.composition.ilike(like))).order_by(CertificateRow.issued_at.desc()).limit(limit)

        return self._summaries(where)

    def get_document(self, certificate_id: str) -> dict[str, Any]:
        """The stored certificate JSON; a unique prefix of the id (without ``urn:uuid:``) is enough."""
        key = certificate_id if certificate_id.startswith("urn:") else f"urn:uuid:{certificate_id}"
        with self.engine.connect() as conn:
            rows = conn.execute(select(CertificateRow.certificate_id, CertificateRow.document)
                                .where(CertificateRow.certificate_id.like(f"{key}%")).limit(2)).all()
        if len(rows) != 1:
            raise KeyError(f"{certificate_id!r}: {'no' if not rows else 'more than one'} certificate matches")
        return json.loads(rows[0][1])

    def get_certificate(self, certificate_id: str) -> Certificate:
        return Certificate.model_validate(self.get_document(certificate_id))

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CertificateRow)).scalar_one())
