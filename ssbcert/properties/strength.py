"""Flexural (ASTM C1161 / ISO 14704) and ring-on-ring biaxial (ASTM C1499) strength per specimen."""
from __future__ import annotations

import math

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured


def flexural_3pt(load: Measured, span: Measured, width: Measured, thickness: Measured) -> Measured:
    """σ_f = 3PL/(2bd²), SI (N, m → Pa)."""
    return gum(lambda p, l, b, d: 3 * p * l / (2 * b * d * d),
                     {"fracture load": load, "outer span": span, "width": width, "thickness": thickness}, "Pa",
                     "flexural strength, 3-point, σ = 3PL/(2bd²) (ASTM C1161)")


def flexural_4pt(load: Measured, span: Measured, width: Measured, thickness: Measured) -> Measured:
    """σ_f = 3PL/(4bd²) for quarter-point loading (inner span L/2)."""
    return gum(lambda p, l, b, d: 3 * p * l / (4 * b * d * d),
                     {"fracture load": load, "outer span": span, "width": width, "thickness": thickness}, "Pa",
                     "flexural strength, 4-point ¼-point, σ = 3PL/(4bd²) (ASTM C1161)")


def ring_on_ring(load: Measured, thickness: Measured, specimen_d: Measured, support_d: Measured, load_d: Measured,
                 poisson: Measured) -> Measured:
    """σ_f = 3F/(2πh²)·[(1−ν)(D_S²−D_L²)/(2D²) + (1+ν)ln(D_S/D_L)] (ASTM C1499, small deflection)."""
    def f(F: float, h: float, D: float, DS: float, DL: float, nu: float) -> float:
        return 3 * F / (2 * math.pi * h * h) * ((1 - nu) * (DS * DS - DL * DL) / (2 * D * D) + (1 + nu) * math.log(DS / DL))

    return gum(f, {"fracture load": load, "thickness": thickness, "specimen diameter": specimen_d,
                         "support ring diameter": support_d, "load ring diameter": load_d, "Poisson ratio": poisson},
                     "Pa", "equibiaxial strength, concentric ring-on-ring (ASTM C1499)")
