"""Ground-truth spectra from analytic models, for tests and the fitting benchmark.

A blocking-electrode film or pellet: bulk R‖CPE, grain-boundary R‖CPE and an electrode CPE in
series (circuit ``p(R1,CPE1)-p(R2,CPE2)-CPE3``), built from physical inputs (σ_bulk, thickness,
electrode area, ε_r, arc separation) so that the true resistances and effective capacitances are
known exactly. The frequency window spans two decades above the bulk arc to three decades below
the grain-boundary arc at 20 points per decade (a real analyser reaches the bulk arc of fast
conductors only at low temperature; this suite tests the fitting, not the instrument window).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ssbcert.analysis.model import compile_circuit

from ssbcert.units import EPS0 as EPS0_F_PER_M
GROUND_TRUTH_CIRCUIT = "p(R1,CPE1)-p(R2,CPE2)-CPE3"


@dataclass(frozen=True)
class GroundTruth:
    """One synthetic spectrum with everything needed to score a fit."""

    seed: int
    frequency_Hz: np.ndarray
    z: np.ndarray
    params: np.ndarray  # circuit parameters in GROUND_TRUTH_CIRCUIT order
    sigma_bulk_S_per_m: float
    thickness_m: float
    area_m2: float
    cell_constant_per_m: float
    r_bulk_ohm: float
    r_gb_ohm: float
    c_bulk_F: float
    c_gb_F: float
    eps_r_bulk: float
    separation_decades: float
    noise_fraction: float


def ground_truth_spectrum(seed: int, *, min_separation_decades: float = 1.0,
                          max_separation_decades: float = 3.0, points_per_decade: int = 20) -> GroundTruth:
    """Draw one seeded spectrum: σ 1e-8..1e-2 S/cm, h 0.1..500 µm, 0.1..1 % complex noise."""
    rng = np.random.default_rng(seed)
    sigma = 100.0 * 10 ** rng.uniform(-8, -2)  # S/m
    h = 10 ** rng.uniform(np.log10(0.1e-6), np.log10(500e-6))
    area = 10 ** rng.uniform(-6, -4)  # 1 mm² .. 1 cm²
    k = h / area
    eps_r = rng.uniform(10, 100)
    r_b = k / sigma
    c_b = EPS0_F_PER_M * eps_r / k
    ratio = 10 ** rng.uniform(-0.5, 0.5)  # R_gb/R_b
    sep = rng.uniform(min_separation_decades, max_separation_decades)
    r_gb = ratio * r_b
    tau_b = r_b * c_b
    tau_gb = tau_b * 10**sep
    c_gb = tau_gb / r_gb
    n_b, n_gb, n_el = rng.uniform(0.9, 1.0), rng.uniform(0.8, 0.95), rng.uniform(0.7, 0.95)
    q_b = c_b**n_b / r_b ** (1 - n_b)  # inverse Hsu-Mansfeld
    q_gb = c_gb**n_gb / r_gb ** (1 - n_gb)
    c_el = 10 ** rng.uniform(-7, -5) * 100.0 / k  # ISW interface range, per 1 cm⁻¹
    q_el = c_el**n_el / (r_b + r_gb) ** (1 - n_el)  # inverse Brug (blocking)
    params = np.array([r_b, q_b, n_b, r_gb, q_gb, n_gb, q_el, n_el])
    f_hi = 100.0 / (2 * np.pi * tau_b)
    f_lo = 1e-3 / (2 * np.pi * tau_gb)
    n = int(round(np.log10(f_hi / f_lo) * points_per_decade)) + 1
    f = np.logspace(np.log10(f_hi), np.log10(f_lo), n)
    z0 = compile_circuit(GROUND_TRUTH_CIRCUIT).impedance(params, f)
    noise = rng.uniform(0.001, 0.01)
    # noise_fraction = RMS of |ΔZ|/|Z| (each of Re, Im gets noise/√2)
    z = z0 * (1 + noise / np.sqrt(2) * (rng.normal(size=n) + 1j * rng.normal(size=n)))
    return GroundTruth(seed, f, z, params, sigma, h, area, k, r_b, r_gb, c_b, c_gb, eps_r, sep, noise)


def ground_truth_suite(n: int = 200, first_seed: int = 1000, **kw: float) -> list[GroundTruth]:
    return [ground_truth_spectrum(first_seed + i, **kw) for i in range(n)]
