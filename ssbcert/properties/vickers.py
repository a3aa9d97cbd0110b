"""Vickers hardness of bulk ceramics (ASTM C1327, ISO 14705): HV = 2P·sin(68°)/d², certification.md §5.2."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured, type_a

VICKERS_GEOMETRY = 2.0 * math.sin(math.radians(68.0))  # 1.85437 (136° face angle)
KGF = 9.80665  # N; HV number is kgf/mm²
DIAGONAL_MISMATCH_LIMIT = 0.10  # reject indents whose diagonals differ by more than this (C1327-type screening)


def vickers_hardness(load_N: float, diagonal_m: float) -> float:
    """HV in Pa from load (N) and mean diagonal (m)."""
    return VICKERS_GEOMETRY * load_N / diagonal_m**2


def hv_number(hv_Pa: float) -> float:
    """HV number in kgf/mm² (the customary 'HV1 = 740')."""
    return hv_Pa / (KGF * 1e6)


@dataclass(frozen=True)
class VickersResult:
    hardness: Measured  # Pa
    hv_number: float
    mean_diagonal_m: float
    accepted: int
    notes: list[str]


def vickers_from_diagonals(load: Measured, d1_m: Sequence[float], d2_m: Sequence[float],
                           u_diagonal_m: float = 0.0) -> VickersResult:
    """Per-indent HV from the mean diagonal, Type A over indents, Type B for force and diagonal calibration."""
    notes: list[str] = []
    diagonals: list[float] = []
    for i, (a, b) in enumerate(zip(d1_m, d2_m)):
        mean = 0.5 * (a + b)
        if abs(a - b) / mean > DIAGONAL_MISMATCH_LIMIT:
            notes.append(f"indent {i + 1}: diagonals differ by {abs(a - b) / mean:.0%} > 10 %; excluded")
            continue
        diagonals.append(mean)
    if not diagonals:
        raise ValueError("no valid Vickers indent (all diagonals mismatched)")
    n = len(diagonals)
    if n < 5:
        notes.append(f"{n} valid indents; ISO 14705 asks for at least 5")
    hv_each = [vickers_hardness(load.value, d) for d in diagonals]
    spread = type_a(hv_each, "Pa") if n > 1 else Measured(hv_each[0], 0.0, "Pa", "single indent")
    d_mean = sum(diagonals) / n
    rel = Measured(1.0, 0.0 if n == 1 else spread.u / spread.value, "1", "indent scatter", dof=spread.dof)
    diag = Measured(d_mean, u_diagonal_m, "m", "diagonal reading calibration (Type B)")
    force = f"{load.value / KGF:.3g} kgf" if load.value > 0 else "?"
    hv = gum(lambda p, d, r: VICKERS_GEOMETRY * p / d**2 * r,
                   {"test force": load, "diagonal calibration": diag, "indent scatter (Type A)": rel}, "Pa",
                   f"Vickers hardness HV = 1.8544·P/d², P = {load.value:.4g} N (HV{force}), {n} indents (ASTM C1327)")
    return VickersResult(hv, hv_number(hv.value), d_mean, n, notes)
