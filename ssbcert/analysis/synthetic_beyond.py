"""Ground truth beyond the trust suite: spectra whose physics lies outside what the candidate
circuits hold, or stretches what they assume, so a fit can look fine and still be wrong.

Five families, chosen by ``seed % 5`` (the trust suite's conventions otherwise: a blocking
electrode, 0.1..1 % complex noise, 10 points per decade, a window two decades above the bulk apex
to three below the slowest one):

0 depressed       bulk and GB arcs with CPE exponents 0.65..0.85 and 0.6..0.8 (wide, overlapping)
1 second_phase    a third electrolyte arc (second phase), 1..2 decades below the GB arc; it
                  counts in σ_total, and σ_gb is the GB arc's own
2 outlier         one or two points displaced by 5..20 % (mains pickup, a range switch)
3 diffusion       the electrode is a finite-space (reflective) Warburg, Z = R_W·coth(√(jωτ_W))/√(jωτ_W),
                  not a CPE, strong enough to reach the arcs (R_W 1..100× R_total)
4 near_equal      bulk and GB resistances within 25 % of each other

Visibility is judged as in synthetic_trust with the blocking-CPE electrode; for `diffusion` that
under-states burial, so its coverage is not meaningful, only its misses. A sample drifting during
the sweep is not here: a single sweep cannot show the drift (lin-KK passes 2..10 % drifts), so
synthetic_drift makes repeated sweeps of it, which stationarity.py compares.
"""
from __future__ import annotations

import math

import numpy as np

from ssbcert.analysis.identifiability import Dispersive
from ssbcert.analysis.synthetic_trust import TrustTruth, _q, draw_bulk, sweep_frequencies, with_noise

FAMILIES = ("depressed", "second_phase", "outlier", "diffusion", "near_equal")


def beyond_spectrum(seed: int) -> TrustTruth:
    rng = np.random.default_rng([77, seed])
    fam = FAMILIES[seed % len(FAMILIES)]
    h, area, k, r_b, c_b = draw_bulk(rng)
    tau_b = r_b * c_b
    ratio = 10 ** (rng.uniform(-0.1, 0.1) if fam == "near_equal" else rng.uniform(-0.7, 0.7))
    r_gb = ratio * r_b
    tau_gb = tau_b * 10 ** (rng.uniform(1.5, 2.5) if fam == "near_equal" else rng.uniform(1.0, 3.0))
    n_b, n_gb, n_el = rng.uniform(0.9, 1.0), rng.uniform(0.8, 0.95), rng.uniform(0.5, 0.95)
    if fam == "depressed":
        n_b, n_gb = rng.uniform(0.65, 0.85), rng.uniform(0.6, 0.8)
    q_el = _q(10 ** rng.uniform(-7, -5) * 100.0 / k, r_b + r_gb, n_el)
    arcs = [(r_b, _q(c_b, r_b, n_b), n_b), (r_gb, _q(tau_gb / r_gb, r_gb, n_gb), n_gb)]
    slowest = tau_gb
    r_phase = 0.0
    if fam == "second_phase":
        r_phase = r_b * 10 ** rng.uniform(-0.7, 0.5)
        tau3 = tau_gb * 10 ** rng.uniform(1.0, 2.0)
        n3 = rng.uniform(0.8, 0.95)
        arcs.append((r_phase, _q(tau3 / r_phase, r_phase, n3), n3))
        slowest = tau3
    d = Dispersive(arcs, [(q_el, n_el)], 0.0)
    f_hi, f_lo = 100.0 / (2 * math.pi * tau_b), 1e-3 / (2 * math.pi * slowest)
    f = sweep_frequencies(f_hi, f_lo)
    w = 2 * math.pi * f
    z = sum(d.arc_z(i, w) for i in range(len(arcs)))
    if fam == "diffusion":
        x = np.sqrt(1j * w * 10 ** rng.uniform(0, 3) * tau_gb)
        z = z + (r_b + r_gb) * 10 ** rng.uniform(0, 2) / (x * np.tanh(x))
    else:
        z = z + 1.0 / (q_el * (1j * w) ** n_el)
    noise = rng.uniform(0.001, 0.01)
    z = with_noise(z, noise, rng)
    if fam == "outlier":
        for i in rng.choice(f.size, size=int(rng.integers(1, 3)), replace=False):
            z[i] *= 1 + rng.uniform(0.05, 0.2) * np.exp(1j * rng.uniform(0, 2 * math.pi))
    (_, q_b, _), (_, q_gb, _) = arcs[0], arcs[1]
    return TrustTruth(seed, fam, f, z, h, area, k, r_b, r_gb, 0.0, 0.0,
                      (q_b * r_b ** (1 - n_b)) ** (1 / n_b), (q_gb * r_gb ** (1 - n_gb)) ** (1 / n_gb),
                      d.f0(0), d.f0(1), noise, d.visible(0, f_lo, f_hi), d.visible(1, f_lo, f_hi),
                      r_phase_ohm=r_phase)
