"""Ground truth that tries to fool the analysis (issue #9): seeded spectra whose truth, and whether
the data can show each arc, are known exactly.

Ten families, chosen by ``seed % 10`` so every slice of seeds holds all of them:

0 clean      window two decades above the bulk apex to three below the GB apex (as synthetic.py)
1 instrument a fixed analyser window (10 MHz or 1 MHz to 0.1..10 Hz), physics anywhere in range
2 thin film  bulk apex 0.3..2 decades above f_max (1 or 10 MHz)
3 edge       bulk apex at 4..9.5 MHz with f_max = 10 MHz
4 buried     GB arc partly or fully buried under the blocking-electrode response
5 below      GB apex near or below f_min
6 series R   lead/contact resistance 0.1..10× R_b in series
7 inductive  cable inductance: the top decade turns inductive (Im Z > 0)
8 one arc    no grain boundary (glass, single crystal), window edges random
9 close      arcs only 1..1.5 decades apart at 0.5..1 % noise

Every spectrum has a blocking-electrode CPE (n 0.5..0.95), 0.1..1 % complex noise (RMS of
|ΔZ|/|Z|) and 10 points per decade. An arc is *visible* when its apex is ≥ 0.5 decade inside the
window and it is not buried (identifiability.Dispersive.visible, the rule the analysis applies to
its own fit, here applied to the true parameters).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ssbcert.analysis.identifiability import Dispersive
from ssbcert.units import EPS0

FAMILIES = ("clean", "instrument", "thin_film", "edge", "buried", "below", "series_r", "inductive", "one_arc", "close")
POINTS_PER_DECADE = 10


@dataclass(frozen=True)
class TrustTruth:
    seed: int
    family: str
    frequency_Hz: np.ndarray
    z: np.ndarray
    thickness_m: float
    area_m2: float
    cell_constant_per_m: float
    r_bulk_ohm: float
    r_gb_ohm: float  # 0 when there is no grain-boundary arc
    r_series_ohm: float
    inductance_H: float
    c_bulk_F: float
    c_gb_F: float
    f0_bulk_Hz: float
    f0_gb_Hz: float
    noise_fraction: float
    bulk_visible: bool
    gb_visible: bool
    r_phase_ohm: float = 0.0  # a further electrolyte arc (second phase): in σ_total, not in σ_gb

    @property
    def sigma_bulk_S_per_m(self) -> float:
        return self.cell_constant_per_m / self.r_bulk_ohm

    @property
    def sigma_total_S_per_m(self) -> float:
        return self.cell_constant_per_m / (self.r_bulk_ohm + self.r_gb_ohm + self.r_phase_ohm)

    @property
    def sigma_gb_S_per_m(self) -> float | None:
        return self.cell_constant_per_m / self.r_gb_ohm if self.r_gb_ohm > 0 else None


def _q(c: float, r: float, n: float) -> float:
    """Inverse Hsu-Mansfeld (arcs) / Brug (electrode, r = R_s): Q from C_eff."""
    return c**n / r ** (1 - n)


def sweep_frequencies(f_hi: float, f_lo: float) -> np.ndarray:
    """A descending log sweep at POINTS_PER_DECADE, both ends included."""
    n_pts = int(round(math.log10(f_hi / f_lo) * POINTS_PER_DECADE)) + 1
    return np.logspace(math.log10(f_hi), math.log10(f_lo), n_pts)


def with_noise(z: np.ndarray, noise: float | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Complex proportional noise of RMS `noise` in |ΔZ|/|Z| (noise/√2 on each of Re and Im); an
    array gives each point its own RMS."""
    return z * (1 + noise / math.sqrt(2) * (rng.normal(size=z.size) + 1j * rng.normal(size=z.size)))


def draw_film(rng: np.random.Generator) -> tuple[float, float, float, float]:
    """(σ S/m, h m, A m², ε_r) of a random film and cell: σ 1e-8..1e-2 S/cm, h 0.2..500 µm, A 1..100 mm²."""
    sigma = 100.0 * 10 ** rng.uniform(-8, -2)
    h = 10 ** rng.uniform(np.log10(0.2e-6), np.log10(500e-6))
    area = 10 ** rng.uniform(-6, -4)
    return sigma, h, area, rng.uniform(10, 100)


def draw_bulk(rng: np.random.Generator) -> tuple[float, float, float, float, float]:
    """(h m, A m², K m⁻¹, R_b Ω, C_b F) of a random film (draw_film) whose bulk arc sits where its σ
    and ε_r put it (the families that choose the bulk apex draw it themselves)."""
    sigma, h, area, eps_r = draw_film(rng)
    k = h / area
    return h, area, k, k / sigma, EPS0 * eps_r / k


NoiseModel = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]


def trust_spectrum(seed: int, noise_model: NoiseModel = with_noise) -> TrustTruth:
    """The seed's spectrum; `noise_model(z, rms, rng)` adds the noise (synthetic_noise gives
    frequency-dependent and heavy-tailed ones), drawing from the same generator at the same point."""
    rng = np.random.default_rng([9, seed])
    fam = FAMILIES[seed % len(FAMILIES)]
    sigma, h, area, eps_r = draw_film(rng)
    k = h / area
    f_top = float(rng.choice([1e6, 1e7]))
    # the bulk apex f₀ = σ/(2π ε₀ ε_r) does not depend on geometry: these families pick f₀, hence σ
    if fam == "thin_film":
        sigma = 2 * math.pi * EPS0 * eps_r * f_top * 10 ** rng.uniform(0.3, 2.0)
    elif fam == "edge":
        f_top = 1e7
        sigma = 2 * math.pi * EPS0 * eps_r * rng.uniform(4e6, 9.5e6)
    r_b = k / sigma
    c_b = EPS0 * eps_r / k
    tau_b = r_b * c_b
    has_gb = fam != "one_arc"
    ratio = 10 ** rng.uniform(-0.7, 0.7)
    sep = rng.uniform(1.0, 1.5) if fam == "close" else rng.uniform(1.0, 3.0)
    r_gb = ratio * r_b if has_gb else 0.0
    tau_gb = tau_b * 10**sep
    c_gb = tau_gb / r_gb if has_gb else 0.0
    n_b, n_gb, n_el = rng.uniform(0.9, 1.0), rng.uniform(0.8, 0.95), rng.uniform(0.5, 0.95)
    c_el = 10 ** rng.uniform(-7, -5) * 100.0 / k
    q_el = _q(c_el, r_b + r_gb, n_el)
    f0_b = 1 / (2 * math.pi * tau_b)
    f0_gb = 1 / (2 * math.pi * tau_gb) if has_gb else f0_b
    f_hi = 100.0 * f0_b
    f_lo = 1e-3 * f0_gb
    r_s, ind = 0.0, 0.0
    noise = rng.uniform(0.005, 0.01) if fam == "close" else rng.uniform(0.001, 0.01)
    if fam in ("instrument", "thin_film", "edge"):
        f_hi = f_top
    if fam == "instrument":
        f_lo = float(10 ** rng.uniform(-1, 1))
    if fam == "buried":
        # electrode reactance at the GB apex = b·R_gb, b from 0.3 (clear) to 30 (fully buried)
        b = 10 ** rng.uniform(-0.5, 1.5)
        q_el = 1.0 / (b * r_gb * (2 * math.pi * f0_gb) ** n_el)
    elif fam == "below":
        f_lo = f0_gb * 10 ** rng.uniform(-1.0, 1.5)
    elif fam == "series_r":
        r_s = r_b * 10 ** rng.uniform(-1, 1)
    elif fam == "inductive":
        ind = r_b * 10 ** rng.uniform(-1.5, 0.3) / (2 * math.pi * f_hi)
    if fam in ("one_arc", "buried"):
        f_hi = f0_b * 10 ** rng.uniform(0.7, 2.0)
        f_lo = f0_gb * 10 ** rng.uniform(-3.0, -1.0)
    q_b, q_gb = _q(c_b, r_b, n_b), (_q(c_gb, r_gb, n_gb) if has_gb else 1.0)
    arcs = [(r_b, q_b, n_b)] + ([(r_gb, q_gb, n_gb)] if has_gb else [])
    d = Dispersive(arcs, [(q_el, n_el)], ind)
    f = sweep_frequencies(f_hi, f_lo)
    w = 2 * math.pi * f
    z0 = r_s + sum(d.arc_z(i, w) for i in range(len(arcs))) + 1.0 / (q_el * (1j * w) ** n_el) + 1j * w * ind
    z = noise_model(z0, noise, rng)
    c_b_eff = (q_b * r_b ** (1 - n_b)) ** (1 / n_b)
    c_gb_eff = (q_gb * r_gb ** (1 - n_gb)) ** (1 / n_gb) if has_gb else 0.0
    return TrustTruth(seed, fam, f, z, h, area, k, r_b, r_gb, r_s, ind, c_b_eff, c_gb_eff, d.f0(0),
                      d.f0(1) if has_gb else math.nan, noise, d.visible(0, f_lo, f_hi),
                      bool(has_gb and d.visible(1, f_lo, f_hi)))


def trust_suite(n: int = 500, first_seed: int = 0) -> list[TrustTruth]:
    return [trust_spectrum(first_seed + i) for i in range(n)]
