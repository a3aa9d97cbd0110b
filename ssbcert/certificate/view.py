"""What a reader sees, computed once for both the HTML and the PDF renderer.

Numbers and units are written by :mod:`ssbcert.numfmt` (GUM 7.2.6 rounding, Ω·cm²-style units);
``format_with_uncertainty`` and ``unit_text`` are re-exported here for the renderers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ssbcert.certificate.model import Certificate, Conformity, Result
from ssbcert.certificate.units import conversion_factor
from ssbcert.numfmt import format_with_uncertainty, number_text, sig, unit_text
from ssbcert.numfmt import limit_text as limit_phrase

__all__ = ["OUTCOME_COLOUR", "ResultRow", "format_with_uncertainty", "limit_phrase", "power_markup", "quantity_label",
           "result_rows", "sig", "signature_status", "unit_text"]

OUTCOME_COLOUR = {"pass": "#1b7f3b", "fail": "#b3261e", "inconclusive": "#b26a00",
                  "conditional_pass": "#5d8f1b", "conditional_fail": "#c2571a", "": "#555555"}


_POWER = re.compile(r"·10\^(-?\d+)")


def power_markup(text: str, tag: str = "sup") -> str:
    """Escaped text with ``·10^-4`` written as a superscript (``sup`` for HTML, ``super`` for reportlab)."""
    return _POWER.sub(lambda m: f"·10<{tag}>{m.group(1).replace('-', '−')}</{tag}>", escape(text))


@dataclass(frozen=True)
class ResultRow:
    id: str
    quantity: str
    label: str
    value_text: str
    unit: str
    u: float
    k: float
    outcome: str
    limit_text: str
    colour: str
    flags: str


_LABELS = {
    "ionic_conductivity_total": "σ total (ionic)", "ionic_conductivity_bulk": "σ bulk",
    "ionic_conductivity_gb_apparent": "σ grain boundary (apparent)", "ionic_conductivity_gb_specific": "σ GB (specific)",
    "electronic_conductivity": "σ electronic", "asr_electrolyte": "ASR electrolyte",
    "activation_energy_total": "Ea total", "activation_energy_bulk": "Ea bulk", "activation_energy_gb": "Ea GB",
    "thickness_mean": "thickness (mean)", "ionic_transference_number": "t_ion",
}


def quantity_label(r: Result) -> str:
    base = _LABELS.get(r.quantity, r.quantity.replace("_", " "))
    t = r.conditions.get("temperature_K")
    return f"{base} @ {t - 273.15:.0f} °C" if isinstance(t, (int, float)) else base


def limit_in_unit(c: Conformity, unit: str) -> float:
    """The limit expressed in the result's unit (so both print in the same unit)."""
    factor, _ = conversion_factor(c.limit.unit, unit)
    return c.limit.value * factor


def limit_text(c: Conformity | None, r: Result) -> str:
    """'≥ 1·10^-4 S/cm (guarded)': in the result's own unit, which is printed beside it."""
    if c is None:
        return "—"
    return limit_phrase(c.limit.type, limit_in_unit(c, r.unit), r.unit, c.decision_rule)


KEY_PREFIXES = ("ionic_conductivity", "activation_energy", "electronic_conductivity", "ionic_transference", "asr_",
                "thickness_mean")


def key_results(cert: Certificate) -> list[Result]:
    """Page-1 results: every one a decision rests on, plus the headline conductivities and energies."""
    refs = {c.result_ref for c in cert.conformity}
    return [r for r in cert.results if r.id in refs or (not r.informative and r.quantity.startswith(KEY_PREFIXES))]


def result_rows(cert: Certificate, results: list[Result] | None = None) -> list[ResultRow]:
    """One row per result (default: all), with the outcome of its conformity statement (if any)."""
    by_ref = {c.result_ref: c for c in cert.conformity}
    rows = []
    for r in cert.results if results is None else results:
        c = by_ref.get(r.id)
        outcome = c.outcome if c else ""
        limit = limit_text(c, r)
        flags = ", ".join(f for f, on in (("customer supplied", r.customer_supplied), ("informative", r.informative),
                                          (f"external: {r.external_provider}", bool(r.external_provider))) if on)
        rows.append(ResultRow(r.id, r.quantity, quantity_label(r), format_with_uncertainty(r.value, r.U),
                              unit_text(r.unit), r.u, r.k, outcome or "—", limit, OUTCOME_COLOUR.get(outcome, "#555555"), flags))
    return rows


def signature_status(cert: Certificate, verified: bool | None = None) -> str:
    """A one-line status; ``verified`` comes from :func:`verify.verify` when the caller ran it."""
    if cert.integrity is None:
        return "NOT SIGNED — draft, not a valid report"
    tail = {None: "verify with `ssbcert verify`", True: "verified", False: "VERIFICATION FAILED"}[verified]
    return f"Ed25519 signed {cert.integrity.signed_at:%Y-%m-%d %H:%M} UTC by key {cert.integrity.key_fingerprint[:23]}… ({tail})"


def identity_lines(cert: Certificate, verified: bool | None = None) -> list[tuple[str, str]]:
    """Page-1 identity block: (label, text) pairs shared by the PDF and the HTML."""
    it = cert.item
    ident = f"{it.sample_id} — {it.material} ({it.material_class}) {it.form}" + (f" on {it.substrate}" if it.substrate else "")
    acc = cert.issuer.accreditation
    lab = cert.issuer.name + (" — FICTITIOUS laboratory (demonstration)" if cert.issuer.fictitious else "")
    if acc:
        lab += f"; accredited by {acc.body}, no. {acc.number}"
    d = cert.dates
    return [
        ("Report id", cert.certificate_id + (" (DRAFT)" if cert.draft else "")),
        ("Laboratory", lab),
        ("Sample", ident + (f", lot {it.lot}" if it.lot else "")),
        ("Customer", cert.customer.name),
        ("Dates", f"tested {d.tested_from:%Y-%m-%d} – {d.tested_to:%Y-%m-%d}; issued {d.issued:%Y-%m-%d}"),
        ("Signature", signature_status(cert, verified)),
    ]


STATUS_COLOUR = {"in_date": "#1b7f3b", "expired": "#b3261e", "not_stated": "#b26a00"}
STATUS_TEXT = {"in_date": "in date", "expired": "EXPIRED", "not_stated": "not stated"}


@dataclass(frozen=True)
class EquipmentRow:
    role: str
    instrument: str
    certificate: str
    date: str
    due: str
    status: str
    colour: str


def equipment_rows(cert: Certificate) -> list[EquipmentRow]:
    """The equipment table (§6.4): instrument identity and its calibration status on the test date."""
    rows = []
    for i in cert.instruments:
        parts = [p.strip() for p in i.idn.split(",")]
        name = " ".join(parts[:2]) if len(parts) >= 2 else i.idn
        rows.append(EquipmentRow(
            role=i.role + (" (simulated)" if i.simulated else ""),
            instrument=f"{name} (s/n {i.serial})" if i.serial else name,
            certificate=i.calibration_certificate + (f", {i.calibration_by}" if i.calibration_by else "") or "—",
            date=str(i.calibration_date or "—"), due=str(i.calibration_due or "—"),
            status=STATUS_TEXT[i.calibration_status], colour=STATUS_COLOUR[i.calibration_status]))
    return rows
