"""Instrument calibration status on the certificate, and the lab's policy when one has expired.

The bench file states each instrument's calibration (date, due date, certificate id); the session
keeps that bench file, so the status is judged against the session's last test date: an
instrument whose calibration was due before it was used is *expired*. By the lab's policy
(`policy.expired_calibration`) every decision resting on that instrument becomes inconclusive, or
is only flagged. Which decisions rest on which instrument follows the data: spectra come from the
impedance analyser and the temperature controller, DC traces from the source-meter and the
temperature controller; sample-record properties rest on none of them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ssbcert.certificate.model import Conformity, InstrumentSnapshot
from ssbcert.certify.findings import Findings
from ssbcert.certify.inputs import CertificateInputs
from ssbcert.certify.policy import made_inconclusive

ROLES_OF_SPECTRA = ("impedance", "temperature")
ROLES_OF_TRACES = ("dc", "temperature")


def _calibration(bench: dict[str, Any], role: str) -> dict[str, Any]:
    inst = (bench.get("instruments") or {}).get(role) or {}
    return inst.get("calibration") or {}


def instrument_snapshots(inputs: CertificateInputs, tested_to: dt.datetime) -> list[InstrumentSnapshot]:
    """What each instrument said it was (*IDN?) and its calibration status on the last test day."""
    snaps: list[InstrumentSnapshot] = []
    starts = [d for d in inputs.session.documents if d.get("doc") == "start" and d.get("snapshot")]
    bench = inputs.session.bench or {}
    simulated = bool(bench.get("sim", False))
    if not starts:
        return snaps
    for role, snap in starts[0]["snapshot"].items():
        idn = str(snap.get("idn", ""))
        parts = [p.strip() for p in idn.split(",")]
        cal = _calibration(bench, role)
        date = dt.date.fromisoformat(str(cal["date"])) if cal.get("date") else None
        due = dt.date.fromisoformat(str(cal["due"])) if cal.get("due") else None
        status = "not_stated" if due is None else ("expired" if due < tested_to.date() else "in_date")
        snaps.append(InstrumentSnapshot(role=role, idn=idn, resource=str(snap.get("resource", "")),
                                        serial=parts[2] if len(parts) > 2 else "",
                                        settings={k: v for k, v in (snap.get("settings") or {}).items() if v is not None},
                                        calibration_certificate=str(cal.get("certificate", "")), calibration_date=date,
                                        calibration_due=due, calibration_by=str(cal.get("by", "")),
                                        calibration_status=status, simulated=simulated))  # type: ignore[arg-type]
    return snaps


def roles_by_result(inputs: CertificateInputs, findings: Findings) -> dict[str, set[str]]:
    """Result id → instrument roles its data came from."""
    spectra, traces = set(inputs.spectrum_ids), set(inputs.trace_ids)
    out: dict[str, set[str]] = {}
    for f in findings.items:
        roles: set[str] = set()
        if spectra & set(f.raw) or (not f.raw and f.quantity.startswith(("ionic", "activation", "asr"))):
            roles.update(ROLES_OF_SPECTRA)
        if traces & set(f.raw):
            roles.update(ROLES_OF_TRACES)
        out[f.id] = roles
    return out


def apply_calibration_policy(conformity: list[Conformity], instruments: list[InstrumentSnapshot],
                             roles: dict[str, set[str]], policy: str) -> tuple[list[Conformity], list[str]]:
    """(conformity after the policy, deviation sentences). ``policy`` is 'inconclusive' or 'flag'."""
    expired = {i.role: i for i in instruments if i.calibration_status == "expired"}
    if not expired:
        return conformity, []
    deviations = [f"calibration of the {r} instrument ({i.calibration_certificate or 'no certificate id'}) expired on "
                  f"{i.calibration_due}, before the test" for r, i in sorted(expired.items())]
    out = []
    for c in conformity:
        hit = sorted(roles.get(c.result_ref, set()) & set(expired))
        if hit and not c.informative and policy == "inconclusive" and c.outcome != "inconclusive":
            why = (f"Inconclusive by laboratory policy: the result rests on the {', '.join(hit)} instrument, whose "
                   f"calibration had expired ({', '.join(str(expired[r].calibration_due) for r in hit)}). "
                   f"Without the policy the outcome would be {c.outcome.replace('_', ' ')}.")
            c = made_inconclusive(c, why)
        out.append(c)
    return out, deviations
