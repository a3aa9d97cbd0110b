"""Indentation fracture resistance from Vickers cracks (certification.md §5.3a). Informative only.

Quinn & Bradt (2007) showed the method is not a reliable K_Ic test, so results are labelled
'indentation fracture resistance' and never enter pass/fail decisions by default.
"""
from __future__ import annotations

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured

ANSTIS_XI = Measured(0.016, 0.004, "1", "Anstis calibration constant ξ = 0.016 ± 0.004 (Type B)")
NIIHARA_CONST = 0.0089


def anstis(load: Measured, crack_c: Measured, modulus: Measured, hardness: Measured) -> tuple[Measured, list[str]]:
    """K = ξ·(E/H)^½·P/c^{3/2}, c from the indent centre (half-penny cracks, c ≥ 2a). Pa·m^½."""
    k = gum(lambda xi, p, c, e, h: xi * (e / h) ** 0.5 * p / c**1.5,
                  {"xi": ANSTIS_XI, "load": load, "crack length c": crack_c, "E": modulus, "H": hardness},
                  "Pa m^0.5", "indentation fracture resistance K_IFR, Anstis et al. 1981 (informative; "
                              "not a K_Ic per Quinn & Bradt 2007)")
    return k, []


def niihara(load: Measured, half_diagonal_a: Measured, crack_c: Measured, modulus: Measured,
            hardness: Measured) -> tuple[Measured, list[str]]:
    """Palmqvist form K = 0.0089·(E/H)^{2/5}·P/(a·l^½), l = c − a, valid 0.25 ≤ l/a ≤ 2.5."""
    notes: list[str] = []
    ratio = (crack_c.value - half_diagonal_a.value) / half_diagonal_a.value
    if not 0.25 <= ratio <= 2.5:
        notes.append(f"Niihara: l/a = {ratio:.2f} outside 0.25–2.5; result not valid")
    k = gum(lambda p, a, c, e, h: NIIHARA_CONST * (e / h) ** 0.4 * p / (a * (c - a) ** 0.5),
                  {"load": load, "half-diagonal a": half_diagonal_a, "crack length c": crack_c, "E": modulus,
                   "H": hardness},
                  "Pa m^0.5", "indentation fracture resistance K_IFR, Niihara–Morena–Hasselman 1982 Palmqvist form "
                              "(informative)")
    return k, notes


def crack_regime(half_diagonal_a: float, crack_c: float) -> str:
    """'median' when c ≥ 2a (Anstis applies), else 'palmqvist' (Niihara applies)."""
    return "median" if crack_c >= 2.0 * half_diagonal_a else "palmqvist"
