"""How numbers and units are written for people: one module for the PDF, the HTML and the terminal.

GUM (JCGM 100:2008) 7.2.6: the expanded uncertainty U is given to at most two significant digits
and the value is rounded to the same decimal place. Fit statistics (χ², residuals) carry no
uncertainty of their own and are given to three significant digits. Units are written as a reader
expects them (Ω·cm², mg/cm², µm), from :func:`ssbcert.units.pretty`.
"""
from __future__ import annotations

import math
from typing import Sequence

from ssbcert.units import pretty

__all__ = ["gum_round", "format_with_uncertainty", "value_with_unit", "sig", "unit_text", "limit_text"]


def unit_text(unit: str) -> str:
    """Display spelling of a unit; '' for a plain number."""
    return pretty(unit)


def gum_round(value: float, U: float, digits: int = 2) -> tuple[float, float, int]:
    """(value, U, decimals): U rounded to `digits` significant digits, value to the same decimal place.

    ``decimals`` may be negative (1234 ± 120 → 1230 ± 120, decimals = -1). Rounding U up a decade
    (0.0996 → 0.10) keeps two significant digits, not three.
    """
    exp = math.floor(math.log10(abs(U)))
    decimals = digits - 1 - exp
    u_r = round(U, decimals)
    if u_r >= 10 ** (exp + 1):  # 0.0996 rounds to 0.100: one decimal fewer
        decimals -= 1
        u_r = round(U, decimals)
    return round(value, decimals), u_r, decimals


def _fixed(x: float, decimals: int) -> str:
    return f"{x:.{max(decimals, 0)}f}"


def format_with_uncertainty(value: float, U: float) -> str:
    """``0.0123 ± 0.0012`` or ``(2.00 ± 0.10)·10^-4``: GUM 7.2.6, a shared power of ten when tiny or huge."""
    if not math.isfinite(value):
        return str(value)
    if U <= 0 or not math.isfinite(U):
        return f"{value:.4g}"
    exp = math.floor(math.log10(abs(value))) if value != 0 else math.floor(math.log10(U))
    shared = exp if (exp < -2 or exp > 4) else 0
    v, u, decimals = gum_round(value / 10**shared, U / 10**shared)
    body = f"{_fixed(v, decimals)} ± {_fixed(u, decimals)}"
    return f"({body})·10^{shared}" if shared else body


def value_with_unit(value: float, U: float, unit: str) -> str:
    """``97.5 ± 1.5 %``, ``(2.00 ± 0.10)·10^-4 S/cm``: value ± U and the unit's display spelling."""
    text = unit_text(unit)
    return format_with_uncertainty(value, U) + (f" {text}" if text else "")


def sig(x: float | None, n: int = 3) -> str:
    """`n` significant digits for numbers without an uncertainty (χ² = 2.54e-05, RMS 0.123 %); '—' if absent."""
    if x is None:
        return "—"
    if not math.isfinite(x):
        return str(x)
    return f"{x:.{n}g}"


def number_text(v: float) -> str:
    """Three significant digits, with a ·10^n power for very small or large numbers."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    e = int(math.floor(math.log10(abs(v))))
    if -3 <= e <= 4:
        t = f"{v:.{max(0, 2 - e)}f}"
        return t.rstrip("0").rstrip(".") if "." in t else t
    return f"{v / 10**e:.3g}·10^{e}"


def limit_text(kind: str, value: float, unit: str, rule: str = "") -> str:
    """``≥ 95 % (guarded)``, ``≥ 1·10^-4 S/cm``: the limit, in the unit of the result it limits."""
    text = unit_text(unit)
    body = f"{'≥' if kind == 'lower' else '≤'} {number_text(value)}" + (f" {text}" if text else "")
    return body + (f" ({rule})" if rule else "")
