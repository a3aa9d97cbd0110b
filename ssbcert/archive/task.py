"""The one function the archive ships to a worker: a session path in, plain JSON-ready data out.

The process pool and Dask run exactly this function, so where it runs cannot change a result.
Inside a task the series is analysed in-process (workers=1): the archive's parallelism is across
sessions, which keeps every core busy without nested pools.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ssbcert

# part of the "already done" key: bump when the analysis changes what it reports
ANALYSIS_VERSION = f"{ssbcert.__version__}+analysis.18"


@dataclass(frozen=True)
class SessionJob:
    """What a worker needs: the session directory and, optionally, a sample record overriding the
    one stored in the session."""

    session_path: str
    sample_path: str | None = None


def _measured(m: Any) -> dict[str, Any] | None:
    return None if m is None else {"value": m.value, "u": m.u, "unit": m.unit}


def findings_summary(findings: Any) -> dict[str, Any]:
    """Certificate-level items plus one row per measured temperature (σ, circuit, KK, validity)."""
    temps = []
    if findings.series is not None:
        for s in findings.series.spectra:
            c = s.conductivity
            temps.append({
                "temperature_K": s.temperature_K, "circuit": s.circuit, "valid": s.valid, "kk_passed": s.kk.passed,
                "kk_noise_percent": s.kk.noise_estimate_percent,
                "sigma_total_S_per_m": _measured(c.sigma_total_S_per_m),
                "sigma_bulk_S_per_m": _measured(c.sigma_bulk_S_per_m),
                "sigma_gb_apparent_S_per_m": _measured(c.sigma_gb_apparent_S_per_m),
                "flags": list(s.flags),
            })
    items = [{"id": f.id, "quantity": f.quantity, **f.measured.to_dict()} for f in findings.items]
    return {"items": items, "temperatures": temps, "flags": list(findings.flags)}


def _sample(session: Any, job: SessionJob) -> tuple[Any, str]:
    from ssbcert.sample import load_default_sample, load_sample, load_sample_text

    if job.sample_path:
        return load_sample(job.sample_path), job.sample_path
    stored = session.sample or {}
    if stored.get("text"):
        source = f"{session.path}/sample.json ({stored.get('source', 'stored sample')})"
        return load_sample_text(stored["text"], source), source
    return load_default_sample(), "<embedded demo sample>"


def reanalyse_session(job: SessionJob) -> dict[str, Any]:
    """Today's analysis of one recorded session. Never raises for bad data: the error is returned
    as one line (status 'error'), so one broken session does not stop an archive."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):  # the same bits on a pool, on Dask and in-process
        return _reanalyse(job)


def _reanalyse(job: SessionJob) -> dict[str, Any]:
    from ssbcert.certify import analyse, gather
    from ssbcert.errors import InputError
    from ssbcert.session import guard, load_session
    from ssbcert.session.lock import SessionInUse
    from ssbcert.session.files import sha256_file

    path = Path(job.session_path)
    out: dict[str, Any] = {"session_path": str(path), "analysis_version": ANALYSIS_VERSION}
    try:
        # one writer per session, and a changed session is refused naming the file (provenance chain)
        with guard(path, "ssbcert reanalyze"):
            out["records_sha256"] = sha256_file(path / "records.jsonl")
            ses = load_session(path)
            out["session_id"] = str(ses.info.get("id", path.name))
            record, source = _sample(ses, job)
            findings = analyse(gather(ses, record, source), workers=1)
        spectra = len(findings.series.spectra) if findings.series else 0
        out.update(status="ok", n_spectra=spectra, error="", **findings_summary(findings))
    except SessionInUse as exc:  # another run (or a certify) holds it: not a result, try again later
        out.update(status="busy", n_spectra=0, error=str(exc))
    except (InputError, FileNotFoundError, ValueError, KeyError) as exc:
        out.update(status="error", n_spectra=0, error=f"{type(exc).__name__}: {exc}")
    return out
