"""Spectrum sanity on entry to the analysis: never a silent fit of data that cannot be right.

One documented repair, recorded as a flag: rows at exactly 0 Hz (a DC point some analysers and
GEIS exports write first) carry no impedance information for a circuit fit and are dropped.
Everything else is a clear error naming the row: negative frequencies, NaN/inf values, duplicate
frequencies (two sweeps in one record?), a frequency order that is not monotonic, and fewer points
than a fit can be judged on. Rows outside a requested f_min/f_max window are cut (recorded too).
"""
from __future__ import annotations

import numpy as np

from ssbcert.errors import InputError

MIN_POINTS = 5  # below this no circuit of the candidate set (4 parameters) leaves residual freedom


def checked_spectrum(
    frequency_Hz: np.ndarray, z: np.ndarray, *, f_min_Hz: float | None = None, f_max_Hz: float | None = None,
    min_points: int = MIN_POINTS,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(f, Z, flags) ready to fit, or an InputError that names the first bad row (0-based)."""
    f = np.asarray(frequency_Hz, float)
    zc = np.asarray(z, complex)
    flags: list[str] = []
    bad = np.flatnonzero(~np.isfinite(f))
    if bad.size:
        raise InputError("frequency is NaN or infinite", field=f"spectrum row {bad[0]}", expected="a finite frequency",
                         found=str(f[bad[0]]))
    bad = np.flatnonzero(~(np.isfinite(zc.real) & np.isfinite(zc.imag)))
    if bad.size:
        raise InputError("impedance is NaN or infinite", field=f"spectrum row {bad[0]}", expected="finite Z', Z''",
                         found=f"{zc[bad[0]].real}, {zc[bad[0]].imag} ({bad.size} such rows)")
    bad = np.flatnonzero(f < 0)
    if bad.size:
        raise InputError("negative frequency", field=f"spectrum row {bad[0]}", expected="f > 0 Hz", found=f"{f[bad[0]]:g} Hz")
    zero = f == 0
    if zero.any():
        flags.append(f"zero_frequency_rows_dropped: {int(zero.sum())} row(s) at 0 Hz (rows "
                     f"{', '.join(map(str, np.flatnonzero(zero)[:5]))}) carry no AC impedance and were not fitted")
        f, zc = f[~zero], zc[~zero]
    if f.size >= 2:
        d = np.diff(f)
        dup = np.flatnonzero(d == 0)
        if dup.size:
            raise InputError("duplicate frequency", field=f"spectrum row {dup[0] + 1}",
                             expected="each frequency once (split repeated sweeps into separate spectra)",
                             found=f"{f[dup[0]]:g} Hz twice")
        if not (np.all(d < 0) or np.all(d > 0)):
            sign = np.sign(d[0])
            turn = int(np.flatnonzero(np.sign(d) != sign)[0]) + 1
            raise InputError("frequencies are not monotonic", field=f"spectrum row {turn}",
                             expected="one sweep in one direction (split repeated sweeps into separate spectra)",
                             found=f"{f[turn - 1]:g} Hz then {f[turn]:g} Hz")
    keep = np.ones(f.size, bool)
    if f_min_Hz is not None:
        keep &= f >= f_min_Hz
    if f_max_Hz is not None:
        keep &= f <= f_max_Hz
    if not keep.all():
        flags.append(f"frequency_window: {int((~keep).sum())} point(s) outside "
                     f"{f_min_Hz if f_min_Hz is not None else 0:g}..{f_max_Hz if f_max_Hz is not None else float('inf'):g} Hz not fitted")
        f, zc = f[keep], zc[keep]
    if f.size < min_points:
        raise InputError("too few usable points in the spectrum", field="spectrum", expected=f">= {min_points}",
                         found=str(f.size))
    return f, zc, flags


def inductive_tail(frequency_Hz: np.ndarray, z: np.ndarray, threshold: float = 0.005) -> bool:
    """True when the highest frequencies turn inductive (Im Z > 0.5 % of |Z|): cables and leads.
    The analysis then adds a series inductor to every candidate circuit."""
    order = np.argsort(frequency_Hz)[::-1][:3]
    zz = np.asarray(z, complex)[order]
    return bool(np.any(zz.imag > threshold * np.abs(zz)))
