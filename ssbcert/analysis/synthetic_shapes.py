"""Ground truth whose grain-boundary arc has a shape no candidate circuit holds, with the sweep
stopping 0.3..1.5 decades below its relaxation, so the fit must extrapolate a shape it does not know.

Two families, chosen by ``seed % 2`` (the trust suite's film draws, noise and point density; the
window starts two decades above the bulk apex; a blocking CPE electrode in half of them):

0 split_gb       the grain boundary is two overlapping ZARCs 0.4..0.9 decade apart (a distribution of
                 grain-boundary properties), which fits as two arcs whose slower half has an areal
                 capacitance in the double-layer range
1 asymmetric_gb  a Havriliak–Negami grain boundary, R/(1 + (jωτ)^α)^β with β 0.5..0.8: a long
                 high-frequency tail that fits as a spurious fast arc or bleeds into the bulk arc

σ_gb is the whole grain-boundary response's (K/R_gb, both halves of split_gb) and σ_total
K/(R_b + R_gb). Found wrong on this ground (55 of 240 valid σ for split_gb before the interface and
neighbour rules), it is a suite of inputs built to fool the assignment, not a physics claim.
"""
from __future__ import annotations

import math

import numpy as np

from ssbcert.analysis.synthetic_trust import TrustTruth, draw_bulk, sweep_frequencies, with_noise

FAMILIES = ("split_gb", "asymmetric_gb")


def shape_spectrum(seed: int) -> TrustTruth:
    rng = np.random.default_rng([991, seed])
    fam = FAMILIES[seed % len(FAMILIES)]
    h, area, k, r_b, c_b = draw_bulk(rng)
    tau_b = r_b * c_b
    n_b = rng.uniform(0.9, 1.0)
    r_gb = r_b * 10 ** rng.uniform(-0.5, 0.7)
    tau_gb = tau_b * 10 ** rng.uniform(1.5, 3.0)
    cut = rng.uniform(0.3, 1.5)  # decades below the grain-boundary relaxation where the sweep stops
    electrode = bool(rng.random() < 0.5)
    f_hi, f_lo = 100.0 / (2 * math.pi * tau_b), 10 ** (-cut) / (2 * math.pi * tau_gb)
    f = sweep_frequencies(f_hi, f_lo)
    jw = 2j * math.pi * f
    z = r_b / (1 + (jw * tau_b) ** n_b)
    if fam == "asymmetric_gb":
        alpha, beta = rng.uniform(0.75, 0.95), rng.uniform(0.5, 0.8)
        z = z + r_gb / (1 + (jw * tau_gb) ** alpha) ** beta
    else:
        share, sep = rng.uniform(0.3, 0.7), 10 ** rng.uniform(0.4, 0.9)
        n1, n2 = rng.uniform(0.8, 0.95, 2)
        z = (z + share * r_gb / (1 + (jw * tau_gb / math.sqrt(sep)) ** n1)
             + (1 - share) * r_gb / (1 + (jw * tau_gb * math.sqrt(sep)) ** n2))
    if electrode:
        z = z + 1 / (10 ** rng.uniform(-7, -5) * 100.0 / k * jw ** rng.uniform(0.6, 0.95))
    noise = rng.uniform(0.001, 0.01)
    z = with_noise(z, noise, rng)
    f0_b, f0_gb = 1 / (2 * math.pi * tau_b), 1 / (2 * math.pi * tau_gb)
    return TrustTruth(seed, fam, f, z, h, area, k, r_b, r_gb, 0.0, 0.0, c_b, tau_gb / r_gb, f0_b, f0_gb, noise,
                      True, cut >= 0.5)
