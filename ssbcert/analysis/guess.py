"""Automatic initial guesses from the data, so users never have to type starting values.

The circuit's top-level series chain is read as a list of roles: ohmic R, arcs (R‖CPE, R‖C,
Zarc, K), a series electrode CPE/C, inductors and anything else. Arcs are seeded from DRT peaks
(R and τ of each arc) after the low-frequency electrode spike has been estimated and removed.
When the data show fewer arcs than the circuit has, extra candidate seeds are produced: an arc
above the top frequency with a bulk-like capacitance from the Irvine-Sinclair-West range scaled by
the cell constant, or the largest arc split in two. The fit's multistart runs all candidates.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ssbcert.analysis.circuit import Circuit, Element, Node
from ssbcert.analysis.drt import compute_drt
from ssbcert.analysis.topology import arc_parts, circuit_roles

from ssbcert.units import EPS0 as EPS0_F_PER_M
DEFAULT_BULK_EPS_R = 30.0
DEFAULT_ALPHA = 0.9
# an arc the DRT missed, seeded on the low-frequency side of a larger one: this share of its R, this
# many decades slower (case c below; nesting re-places fitted arcs the same way)
HIDDEN_ARC_R_FRACTION = 0.2
HIDDEN_ARC_DECADES = 1.5


def _tail_cpe(f: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """Q, α of a capacitive low-frequency spike from the lowest-frequency points (−Z'' ∝ ω^−α)."""
    order = np.argsort(f)
    fs, zi = f[order][:4], -z.imag[order][:4]
    w = 2 * np.pi * fs
    ok = zi > 0
    if ok.sum() >= 2:
        slope = np.polyfit(np.log(w[ok]), np.log(zi[ok]), 1)[0]
        alpha = float(np.clip(-slope, 0.5, 1.0))
    else:
        alpha = 0.8
    zi0 = max(zi[0], 1e-30 + abs(z[order][0]))
    q = np.sin(alpha * np.pi / 2) / (zi0 * w[0] ** alpha)
    return float(q), alpha


def _merge_to(peaks: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    """Merge the smallest peak into its nearest neighbour (in log τ) until n remain."""
    peaks = sorted(peaks, key=lambda p: p[1])
    while len(peaks) > n:
        i = int(np.argmin([p[0] for p in peaks]))
        j = i + 1 if i == 0 else i - 1 if i == len(peaks) - 1 else (
            i - 1 if abs(np.log(peaks[i][1] / peaks[i - 1][1])) < abs(np.log(peaks[i + 1][1] / peaks[i][1])) else i + 1)
        r = peaks[i][0] + peaks[j][0]
        tau = float(np.exp((peaks[i][0] * np.log(peaks[i][1]) + peaks[j][0] * np.log(peaks[j][1])) / r))
        keep = [p for k, p in enumerate(peaks) if k not in (i, j)]
        peaks = sorted(keep + [(r, tau)], key=lambda p: p[1])
    return peaks


def _arc_candidates(
    peaks: list[tuple[float, float]], n_arcs: int, r_inf: float, w_max: float, r_total: float,
    cell_constant_per_m: float | None,
) -> list[list[tuple[float, float]]]:
    """Candidate (R, τ) lists for the circuit's arcs, highest frequency first."""
    if n_arcs == 0:
        return [[]]
    if not peaks:
        peaks = [(r_total, 1.0 / np.sqrt(w_max))]
    if len(peaks) >= n_arcs:
        return [_merge_to(peaks, n_arcs)]
    cands: list[list[tuple[float, float]]] = []
    missing = n_arcs - len(peaks)
    # (a) arcs above the top frequency: R from the series offset, C bulk-like for this cell
    if cell_constant_per_m:
        c_bulk = EPS0_F_PER_M * DEFAULT_BULK_EPS_R / cell_constant_per_m
    else:
        c_bulk = None
    r_hi = max(r_inf, 0.05 * r_total)
    extra = []
    for k in range(missing):
        r_k = r_hi / missing
        tau = r_k * c_bulk if c_bulk else 0.3 / w_max
        extra.append((r_k, min(tau, 0.3 / w_max) / (10.0 ** k)))
    cands.append(sorted(extra + peaks, key=lambda p: p[1]))
    # (b) split the largest arc into arcs one decade apart
    split = list(peaks)
    while len(split) < n_arcs:
        i = int(np.argmax([p[0] for p in split]))
        r, tau = split.pop(i)
        split += [(r / 2, tau / 3.0), (r / 2, tau * 3.0)]
        split.sort(key=lambda p: p[1])
    cands.append(split)
    # (c) small arcs hidden on the low-frequency side of the largest one
    i = int(np.argmax([p[0] for p in peaks]))
    r, tau = peaks[i]
    low = list(peaks)
    for k in range(missing):
        low.append((HIDDEN_ARC_R_FRACTION * r, tau * 10.0 ** (HIDDEN_ARC_DECADES + k)))
    cands.append(sorted(low, key=lambda p: p[1]))
    return cands


# The automatic pipeline asks for the seeds of five candidate circuits on one spectrum (and the
# nesting asks again): a DRT depends only on the data, so the last few are kept. Keys hold the
# data bytes, so a hit is the same computation, bit for bit.
_CACHE_SIZE = 16
_drt_cache: OrderedDict[tuple, object] = OrderedDict()
_guess_cache: OrderedDict[tuple, tuple[np.ndarray, ...]] = OrderedDict()


def _remember(cache: OrderedDict, key: tuple, make):  # type: ignore[no-untyped-def]
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = make()
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def drt_of(f: np.ndarray, z: np.ndarray, series_capacitance: bool):  # type: ignore[no-untyped-def]
    """compute_drt, remembered for the last few spectra (the seeds and the model choice share it)."""
    f, z = np.ascontiguousarray(f, float), np.ascontiguousarray(z, complex)
    key = (f.tobytes(), z.tobytes(), series_capacitance)
    return _remember(_drt_cache, key, lambda: compute_drt(f, z, series_capacitance=series_capacitance))


def initial_guesses(
    circuit: Circuit, frequency_Hz: np.ndarray, z: np.ndarray, cell_constant_per_m: float | None = None
) -> list[np.ndarray]:
    """Candidate starting vectors (natural units, impedance.py parameter order), best first."""
    f = np.ascontiguousarray(frequency_Hz, float)
    zc = np.ascontiguousarray(z, complex)
    key = (circuit.text, f.tobytes(), zc.tobytes(), cell_constant_per_m)
    found = _remember(_guess_cache, key, lambda: tuple(_initial_guesses(circuit, f, zc, cell_constant_per_m)))
    return [g.copy() for g in found]


def _initial_guesses(
    circuit: Circuit, frequency_Hz: np.ndarray, z: np.ndarray, cell_constant_per_m: float | None = None
) -> list[np.ndarray]:
    f = np.asarray(frequency_Hz, float)
    w = 2 * np.pi * f
    roles = circuit_roles(circuit)
    has_electrode = any(r.kind == "electrode" for r in roles)
    zc = np.asarray(z, complex)
    tau_lo, tau_hi = 0.1 / w.max(), 10.0 / w.min()
    n_arcs = sum(r.kind == "arc" for r in roles)
    n_ohmic = sum(r.kind == "ohmic" for r in roles)
    i0 = int(np.argmin(f))

    # Two readings of the data: (A) DRT of the raw spectrum, a series C absorbing the spike, the
    # electrode CPE taken from what the arcs leave at the lowest frequency; (B) the low-frequency
    # spike estimated first and subtracted before the DRT.
    readings = []
    for subtract_tail in ([False, True] if has_electrode else [False]):
        q_el, a_el = _tail_cpe(f, zc)
        z_arc = zc - 1.0 / (q_el * (1j * w) ** a_el) if subtract_tail else zc
        drt = drt_of(f, z_arc, has_electrode)
        peaks = [(p.r_ohm, p.tau_s) for p in drt.peaks if tau_lo <= p.tau_s <= tau_hi]
        if not subtract_tail and has_electrode:
            z_arcs0 = max(drt.r_inf_ohm, 0.0) + sum(r / (1 + 1j * w[i0] * t) for r, t in peaks)
            z_el = zc[i0] - z_arcs0
            a_el = float(np.clip(-np.angle(z_el) / (np.pi / 2), 0.5, 1.0))
            q_el = float(1.0 / (max(abs(z_el), 1e-30) * w[i0] ** a_el))
        r_total = max(float(np.max(z_arc.real) - min(0.0, drt.r_inf_ohm)), float(np.abs(zc).min()))
        r_inf = max(drt.r_inf_ohm, 0.0)
        for arcs in _arc_candidates(peaks, n_arcs, r_inf, float(w.max()), r_total, cell_constant_per_m):
            readings.append((arcs, peaks, r_inf, r_total, q_el, a_el))
    out = []
    for arcs, peaks, r_inf, r_total, q_el, a_el in readings:
        r_arcs = sum(a[0] for a in arcs)
        r_ohm = r_inf if r_arcs < r_total else 1e-3 * r_total
        if len(arcs) > len(peaks):  # the extra arc took over the offset
            r_ohm = 1e-3 * r_total
        vals: dict[str, float] = {}
        arc_iter = iter(arcs)
        for role in roles:
            if role.kind == "ohmic":
                vals[role.elements[0].token] = max(r_ohm / max(n_ohmic, 1), 1e-4 * r_total)
            elif role.kind == "arc":
                r, tau = next(arc_iter)
                seed_arc(role.node, r, tau, vals)
            elif role.kind == "electrode":
                e = role.elements[0]
                if e.kind == "CPE":
                    vals[f"{e.token}_0"], vals[f"{e.token}_1"] = q_el, a_el
                else:
                    vals[e.token] = q_el
            else:
                for e in role.elements:
                    vals.update(_generic(e, r_total, float(w.min()), float(w.max())))
        out.append(np.array([vals[n] for n in circuit.param_names], float))
    return out


def seed_arc(node: Node, r: float, tau: float, vals: dict[str, float]) -> None:
    """Set an arc's parameters to resistance r and relaxation time τ (exponent DEFAULT_ALPHA)."""
    if isinstance(node, Element):
        if node.kind in ("Zarc", "Hn"):
            vals.update({f"{node.token}_0": r, f"{node.token}_1": tau, f"{node.token}_2": DEFAULT_ALPHA})
            if node.kind == "Hn":
                vals[f"{node.token}_3"] = 1.0
        else:  # K
            vals.update({f"{node.token}_0": r, f"{node.token}_1": tau})
        return
    parts = arc_parts(node)
    assert parts is not None
    rel, cel = parts
    vals[rel.token] = r
    if cel.kind == "C":
        vals[cel.token] = tau / r
    else:
        vals[f"{cel.token}_0"] = tau**DEFAULT_ALPHA / r
        vals[f"{cel.token}_1"] = DEFAULT_ALPHA


def _generic(e: Element, r_total: float, w_min: float, w_max: float) -> dict[str, float]:
    """Order-of-magnitude seeds for elements outside the arc/electrode pattern; multistart refines."""
    w_mid = np.sqrt(w_min * w_max)
    tau = 1.0 / w_mid
    table: dict[str, list[float]] = {
        "R": [r_total / 2], "C": [tau / r_total], "L": [1e-7], "W": [r_total * np.sqrt(w_min) / 3],
        "Wo": [r_total / 2, 1.0 / w_min], "Ws": [r_total / 2, 1.0 / w_min],
        "CPE": [tau**DEFAULT_ALPHA / r_total, DEFAULT_ALPHA], "La": [1e-7, 0.9],
        "G": [r_total / 2, tau], "Gs": [r_total / 2, tau, 1.0], "K": [r_total / 2, tau],
        "Zarc": [r_total / 2, tau, DEFAULT_ALPHA], "Hn": [r_total / 2, tau, DEFAULT_ALPHA, 1.0],
    }
    v = table[e.kind]
    return dict(zip(e.param_names, v))
