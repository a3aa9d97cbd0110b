"""Repeated sweeps of a sample that may be changing while it is measured (stationarity.py's test
input, and bench_trust's `--suite drift`).

Odd seeds drift, even seeds hold still. A drifting sample's resistances change linearly in time by
1..10 % per sweep (either sign; its capacitances, the dielectric, stay), the way a film does whose
temperature is still settling or whose contacts are forming. Each point takes max(0.1 s, 3/f) (a
few cycles, as an analyser integrates), so the slow arcs are measured last and drift most. The
film, cell, arcs and noise are drawn as in synthetic_beyond (two arcs and a blocking CPE electrode,
0.1..1 % complex noise, 10 points per decade).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ssbcert.analysis.synthetic_trust import _q, draw_bulk, sweep_frequencies, with_noise
from ssbcert.records import ImpedanceSpectrum

T_298_K = 298.15


@dataclass(frozen=True)
class DriftTruth:
    seed: int
    drift_per_sweep: float  # relative change of every resistance over one sweep (0: stationary)
    sweeps: list[ImpedanceSpectrum]
    thickness_m: float
    area_m2: float
    noise_fraction: float
    # per sweep, the (smallest, largest) true value over the sweep's points, S/m
    sigma_bulk: list[tuple[float, float]]
    sigma_gb: list[tuple[float, float]]
    sigma_total: list[tuple[float, float]]


def drifting_sweeps(seed: int, n_sweeps: int = 3) -> DriftTruth:
    rng = np.random.default_rng([83, seed])
    h, area, k, r_b, c_b = draw_bulk(rng)
    tau_b = r_b * c_b
    r_gb = r_b * 10 ** rng.uniform(-0.7, 0.7)
    tau_gb = tau_b * 10 ** rng.uniform(1.0, 3.0)
    n_b, n_gb, n_el = rng.uniform(0.9, 1.0), rng.uniform(0.8, 0.95), rng.uniform(0.5, 0.95)
    q_b, q_gb = _q(c_b, r_b, n_b), _q(tau_gb / r_gb, r_gb, n_gb)
    q_el = _q(10 ** rng.uniform(-7, -5) * 100.0 / k, r_b + r_gb, n_el)
    drift = 0.0 if seed % 2 == 0 else float(rng.choice([-1, 1]) * rng.uniform(0.01, 0.10))
    noise = rng.uniform(0.001, 0.01)
    f_hi, f_lo = 100.0 / (2 * math.pi * tau_b), 1e-3 / (2 * math.pi * tau_gb)
    f = sweep_frequencies(f_hi, f_lo)
    jw = 2j * math.pi * f
    dt = np.maximum(0.1, 3.0 / f)
    t_sweep = float(dt.sum())
    sweeps, s_b, s_gb, s_tot = [], [], [], []
    for i in range(n_sweeps):
        t = i * t_sweep + np.cumsum(dt)
        g = 1.0 + drift * t / t_sweep  # every resistance scales by g at the time its point is taken
        rb, rgb = r_b * g, r_gb * g
        z = rb / (1 + rb * q_b * jw**n_b) + rgb / (1 + rgb * q_gb * jw**n_gb) + 1.0 / (q_el * jw**n_el)
        z = with_noise(z, noise, rng)
        sweeps.append(ImpedanceSpectrum(f, z.real, z.imag, T_298_K, time_s=t))
        lo, hi = float(g.min()), float(g.max())
        s_b.append((k / r_b / hi, k / r_b / lo))
        s_gb.append((k / r_gb / hi, k / r_gb / lo))
        s_tot.append((k / (r_b + r_gb) / hi, k / (r_b + r_gb) / lo))
    return DriftTruth(seed, drift, sweeps, h, area, noise, s_b, s_gb, s_tot)
