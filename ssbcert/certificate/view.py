"""What a reader sees, computed once for both the HTML and the PDF renderer.

Rounding follows GUM/reference §1.2: U to two significant digits, the value to the same decimal
place, shown in a shared power of ten when the numbers are very small or large.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ssbcert.certificate.model import Certificate, Conformity, Result
from ssbcert.certificate.units import conversion_factor

UNIT_TEXT = {
    "ohm*cm^2": "Ω·cm²", "ohm": "Ω", "um": "µm", "g/cm^3": "g/cm³", "mA/cm^2": "mA/cm²",
    "MPa*m^0.5": "MPa·m½", "S*K/cm": "S·K/cm", "1": "", "%": "%",
}
OUTCOME_COLOUR = {"pass": "#1b7f3b", "fail": "#b3261e", "inconclusive": "#b26a00",
                  "conditional_pass": "#5d8f1b", "conditional_fail": "#c2571a", "": "#555555"}


def unit_text(unit: str) -> str:
    return UNIT_TEXT.get(unit, unit)


def format_with_uncertainty(value: float, U: float) -> str:
    """``(2.00 ± 0.10)e-4``-style text: U with 2 significant digits, value to the same place."""
    if not math.isfinite(value):
        return str(value)
    if U <= 0 or not math.isfinite(U):
        return f"{value:.4g}"
    exp = int(math.floor(math.log10(abs(value)))) if value != 0 else int(math.floor(math.log10(U)))
    shared = exp if (exp < -2 or exp > 4) else 0
    v, u = value / 10**shared, U / 10**shared
    decimals = max(0, 1 - int(math.floor(math.log10(u))))
    body = f"{v:.{decimals}f} ± {u:.{decimals}f}"
    return f"({body})·10^{shared}" if shared else body


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


def number_text(v: float) -> str:
    """Three significant digits, with a ·10^n power for very small or large numbers."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    e = int(math.floor(math.log10(abs(v))))
    if -3 <= e <= 4:
        t = f"{v:.{max(0, 2 - e)}f}"
        return t.rstrip("0").rstrip(".") if "." in t else t
    return f"{v / 10**e:.3g}·10^{e}"


def limit_in_unit(c: Conformity, unit: str) -> float:
    """The limit expressed in the result's unit (so both print in the same unit)."""
    factor, _ = conversion_factor(c.limit.unit, unit)
    return c.limit.value * factor


def limit_text(c: Conformity | None, r: Result) -> str:
    """'≥ 1·10^-4 S/cm (guarded)': in the result's own unit, which is printed beside it."""
    if c is None:
        return "—"
    u = unit_text(r.unit)
    return f"{'≥' if c.limit.type == 'lower' else '≤'} {number_text(limit_in_unit(c, r.unit))}{' ' + u if u else ''} ({c.decision_rule})"


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
