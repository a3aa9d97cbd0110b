"""Registry tables (SQLAlchemy 2.0 declarative). Columns that studies query are denormalised out of
the certificate JSON (material, thickness, σ, ASR, T, outcome); the signed JSON is kept whole.

Changing a table here requires a new step in :mod:`ssbcert.registry.migrations` — version 1
creates the tables as defined in this file at schema version 1.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SampleRow(Base):
    __tablename__ = "samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sample_id: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    material: Mapped[str] = mapped_column(String(100), index=True)
    material_class: Mapped[str] = mapped_column(String(100), default="")
    form: Mapped[str] = mapped_column(String(40), default="")
    composition: Mapped[str] = mapped_column(String(200), default="")
    thickness_um: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    sample_pk: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), nullable=True, index=True)
    protocol: Mapped[str] = mapped_column(String(200), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CertificateRow(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    certificate_id: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    sample_pk: Mapped[int | None] = mapped_column(ForeignKey("samples.id"), nullable=True, index=True)
    session_pk: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), nullable=True)
    material: Mapped[str] = mapped_column(String(100), index=True)
    material_class: Mapped[str] = mapped_column(String(100), default="")
    form: Mapped[str] = mapped_column(String(40), default="")
    thickness_um: Mapped[float | None] = mapped_column(Float, nullable=True)
    u_thickness_um: Mapped[float | None] = mapped_column(Float, nullable=True)
    sigma_total_S_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    u_sigma_total_S_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    sigma_bulk_S_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    sigma_gb_S_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    sigma_electronic_S_cm: Mapped[float | None] = mapped_column(Float, nullable=True)
    asr_ohm_cm2: Mapped[float | None] = mapped_column(Float, nullable=True)
    u_asr_ohm_cm2: Mapped[float | None] = mapped_column(Float, nullable=True)
    temperature_K: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), index=True, default="none")
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    supersedes: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    key_fingerprint: Mapped[str] = mapped_column(String(80), default="")
    document: Mapped[str] = mapped_column(Text)
