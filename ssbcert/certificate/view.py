"""What a reader sees, computed once for both the HTML and the PDF renderer.

Numbers and units are written by :mod:`ssbcert.numfmt` (GUM 7.2.6 rounding, Ω·cm²-style units);
``format_with_uncertainty`` and ``unit_text`` are re-exported here for the renderers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ssbcert.certificate.model import Certificate, Result
from ssbcert.numfmt import format_with_uncertainty, limit_text, sig, unit_text

__all__ = ["OUTCOME_COLOUR", "ResultRow", "format_with_uncertainty", "power_markup", "quantity_label", "result_rows",
           "sig", "signature_status", "unit_text"]

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


def result_rows(cert: Certificate) -> list[ResultRow]:
    """One row per result, with the outcome of its conformity statement (if any)."""
    by_ref = {c.result_ref: c for c in cert.conformity}
    rows = []
    for r in cert.results:
        c = by_ref.get(r.id)
        outcome = c.outcome if c else ""
        limit = limit_text(c.limit.type, c.limit.value, c.limit.unit, c.decision_rule) if c else "—"
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
