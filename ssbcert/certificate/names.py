"""Human names for spectra: "25 °C, heating, sweep 1" instead of "arrhenius/T03/eis-2".

A reviewer reads a temperature series as a ramp: each spectrum is named by its nominal temperature,
the direction of the ramp it was taken on, and how often that (temperature, direction) was measured.
"""
from __future__ import annotations

from typing import Sequence

STEP_K = 1.0  # temperatures closer than this are the same set point


def _directions(temps_K: Sequence[float]) -> list[str]:
    """'heating', 'cooling' or '' (a single set point) for each spectrum, in measurement order."""
    dirs: list[str] = []
    n = len(temps_K)
    for i, t in enumerate(temps_K):
        prev = next((temps_K[j] for j in range(i - 1, -1, -1) if abs(temps_K[j] - t) > STEP_K), None)
        if prev is not None and (not dirs or dirs[-1] == "" or abs(temps_K[i - 1] - t) > STEP_K):
            dirs.append("heating" if t > prev else "cooling")
        elif dirs and dirs[-1]:
            dirs.append(dirs[-1])  # a repeat at the same set point stays on its ramp
        else:
            nxt = next((temps_K[j] for j in range(i + 1, n) if abs(temps_K[j] - t) > STEP_K), None)
            dirs.append("" if nxt is None else ("heating" if nxt > t else "cooling"))
    return dirs


def spectrum_names(temps_K: Sequence[float | None]) -> list[str]:
    """One name per spectrum; a spectrum without a temperature is "spectrum N"."""
    known = [t for t in temps_K if t is not None]
    dirs = iter(_directions(known))
    seen: dict[tuple[int, str], int] = {}
    names = []
    for i, t in enumerate(temps_K):
        if t is None:
            names.append(f"spectrum {i + 1}")
            continue
        d = next(dirs)
        c = round(t - 273.15)
        seen[(c, d)] = seen.get((c, d), 0) + 1
        names.append(", ".join(p for p in (f"{c} °C", d, f"sweep {seen[(c, d)]}") if p))
    return names
