"""Virtual samples: the physics the twins measure.

A film or pellet between two electrodes is modelled as

    Z(ω,T) = [ R_s + Z_bulk + Z_gb + Z_electrode ] ‖ R_electronic ‖ C_stray

with Z_bulk = R_b ‖ CPE_b, Z_gb = R_gb ‖ CPE_gb (brick-layer), and Z_electrode a CPE (blocking Au)
or R_ct ‖ CPE (non-blocking Li). Each resistance follows its own Arrhenius law
σ(T) = (A/T)·exp(−E_a/k_B T), resistances scale with the cell constant K = h/A (through-plane),
g/(h·W) (strips) or the interdigitated-electrode value, and capacitances are set by the
dielectric constant: C_b = ε₀ε_r/K. Ground truth (R_b, R_gb, C_eff ...) is exposed so tests can
check what the analysis recovers.
"""
from __future__ import annotations

import math
import threading
from functools import lru_cache
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ssbcert.analysis.geometry import Interdigitated, ParallelStrips, ThroughPlane, ide_conformal_cell_constant
from ssbcert.units import EPS0, K_B_EV
T_REF_K = 298.15


def arrhenius_sigma(sigma_ref_S_per_m: float, ea_eV: float, T_K: float, T_ref_K: float = T_REF_K) -> float:
    """σT-convention Arrhenius law anchored at a reference temperature."""
    return sigma_ref_S_per_m * (T_ref_K / T_K) * math.exp(-ea_eV / K_B_EV * (1.0 / T_K - 1.0 / T_ref_K))


@dataclass(frozen=True)
class Geometry:
    """Electrode geometry. Lengths in m. `kind` picks the cell-constant formula."""

    kind: Literal["through_plane", "strips", "interdigitated"] = "through_plane"
    thickness_m: float = 25e-6
    area_m2: float = math.pi * (5e-3) ** 2 / 4  # 5 mm diameter electrode
    gap_m: float = 1e-3  # strips: electrode gap
    length_m: float = 5e-3  # strips: electrode length; IDE: finger overlap
    finger_width_m: float = 10e-6
    finger_spacing_m: float = 10e-6
    fingers: int = 50

    def cell_constant_per_m(self) -> float:
        """K such that R = K/σ (m⁻¹), from the analysis' own geometry formulas (IDE: thin-film limit)."""
        return _cell_constant(self)

    def _cell_constant_uncached(self) -> float:
        if self.kind == "through_plane":
            return ThroughPlane(thickness_m=self.thickness_m, area_m2=self.area_m2).cell_constant_per_m
        if self.kind == "strips":
            return ParallelStrips(gap_m=self.gap_m, length_m=self.length_m, thickness_m=self.thickness_m).cell_constant_per_m
        return Interdigitated(n_fingers=self.fingers, overlap_m=self.length_m, width_m=self.finger_width_m,
                              gap_m=self.finger_spacing_m, thickness_m=self.thickness_m, model="thin_film").cell_constant_per_m

    def substrate_cell_constant_per_m(self) -> float:
        """Geometric factor of the half-spaces (substrate + air) for in-plane electrodes: C_geo = ε₀(ε_sub+1)/K.

        IDE: the conformal-mapping cell constant of a semi-infinite layer. Strips: ≈ 1/length (order of
        magnitude; the stray term only needs to be of the right size).
        """
        if self.kind == "interdigitated":
            return ide_conformal_cell_constant(self.fingers, self.length_m, self.finger_width_m, self.finger_spacing_m)
        return 1.0 / self.length_m


@lru_cache(maxsize=64)
def _cell_constant(geometry: Geometry) -> float:
    """Twins ask for every reading; the geometry is immutable, so compute once per geometry."""
    return geometry._cell_constant_uncached()


@dataclass(frozen=True)
class Material:
    """Transport and dielectric parameters of one electrolyte, referenced to 25 °C."""

    name: str
    sigma_bulk_S_per_m: float
    ea_bulk_eV: float
    eps_r_bulk: float
    n_bulk: float
    sigma_gb_S_per_m: float | None  # apparent (macroscopic) GB conductivity; None = no GB arc (glass)
    ea_gb_eV: float
    gb_capacitance_ratio: float  # C_gb/C_b ≈ d_grain/δ_gb
    n_gb: float
    sigma_electronic_S_per_m: float
    ea_electronic_eV: float
    density_g_per_cm3: float


# Values in the ranges of shared/data (Il'ina & Kalinina 2025 tables) and reference/eis_analysis.md.
PRESETS: dict[str, Material] = {
    "LLZO": Material("Li6.4La3Zr1.4Ta0.6O12 (Ta-LLZO)", 0.05, 0.30, 60.0, 0.95, 0.03, 0.42, 80.0, 0.88, 2e-7, 0.90, 5.1),
    "LLZO-Ga": Material("Li6.25Ga0.25La3Zr2O12 (Ga-LLZO)", 0.10, 0.28, 60.0, 0.95, 0.04, 0.40, 80.0, 0.88, 2e-7, 0.90, 5.1),
    "LATP": Material("Li1.3Al0.3Ti1.7(PO4)3 (LATP)", 0.10, 0.28, 15.0, 0.95, 0.012, 0.45, 50.0, 0.86, 1e-7, 0.95, 2.9),
    "LAGP": Material("Li1.5Al0.5Ge1.5(PO4)3 (LAGP)", 0.06, 0.32, 15.0, 0.95, 0.02, 0.42, 50.0, 0.86, 1e-7, 0.95, 3.4),
    "LLTO": Material("Li0.33La0.56TiO3 (LLTO)", 0.10, 0.30, 90.0, 0.94, 0.002, 0.45, 120.0, 0.85, 1e-7, 0.85, 5.0),
    "LiPON": Material("Li2.9PO3.3N0.46 (LiPON)", 2.5e-4, 0.55, 15.0, 0.93, None, 0.0, 1.0, 1.0, 1e-12, 1.20, 2.5),
}


@dataclass(frozen=True)
class Electrode:
    """Blocking (Au/Pt: a CPE) or non-blocking (Li: R_ct ‖ CPE per unit area)."""

    kind: Literal["blocking", "non_blocking"] = "blocking"
    q_F_per_m2: float = 0.10  # CPE pre-factor per electrode area (≈10 µF/cm²)
    n: float = 0.85
    asr_ct_ohm_m2: float = 2e-4  # non-blocking: 2 Ω·cm² charge transfer at 25 °C
    ea_ct_eV: float = 0.40


@dataclass(frozen=True)
class SampleParams:
    material: Material = PRESETS["LLZO"]
    geometry: Geometry = Geometry()
    electrode: Electrode = Electrode()
    series_resistance_ohm: float = 0.3
    lead_inductance_H: float = 0.0  # assumed removed by short compensation unless set
    stray_capacitance_F: float = 0.3e-12
    substrate_eps_r: float = 9.4  # in-plane geometries: substrate adds parallel C
    polarization_tau_s: float = 600.0  # slow (diffusion-like) decay of the DC polarization current
    polarization_excess: float = 4.0  # initial excess of that decay, in units of the steady current


@dataclass(frozen=True)
class GroundTruth:
    """What an ideal analysis should recover at temperature T_K (SI)."""

    T_K: float
    cell_constant_per_m: float
    R_bulk_ohm: float
    R_gb_ohm: float
    R_electronic_ohm: float
    C_bulk_F: float
    C_gb_F: float
    Q_bulk: float
    n_bulk: float
    Q_gb: float
    n_gb: float
    Q_electrode: float
    n_electrode: float
    R_ct_ohm: float | None
    sigma_bulk_S_per_m: float
    sigma_gb_apparent_S_per_m: float | None
    sigma_total_S_per_m: float
    sigma_electronic_S_per_m: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class VirtualSample:
    """Thread-safe: twins in several server threads read it while tests change it via the control channel."""

    def __init__(self, params: SampleParams | None = None, temperature_K: float = T_REF_K) -> None:
        self._params = params or SampleParams()
        self._lock = threading.Lock()
        self.stage_temperature_K = temperature_K  # overwritten by a thermal stage when one is attached
        self.thermal: Any = None  # ThermalStage, set by the bench

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "VirtualSample":
        if name not in PRESETS:
            raise KeyError(f"unknown sample preset {name!r}; known: {', '.join(PRESETS)}")
        p = SampleParams(material=PRESETS[name])
        geo_keys = {f for f in Geometry.__dataclass_fields__}
        geo = {k: v for k, v in overrides.items() if k in geo_keys}
        rest = {k: v for k, v in overrides.items() if k not in geo_keys}
        if geo:
            p = replace(p, geometry=replace(p.geometry, **geo))
        if rest:
            p = replace(p, **rest)
        return cls(p)

    @property
    def params(self) -> SampleParams:
        with self._lock:
            return self._params

    def update(self, **changes: Any) -> None:
        """Change parameters at run time (control channel): top-level, material.* or geometry.* keys."""
        with self._lock:
            p = self._params
            for key, value in changes.items():
                if key.startswith("material."):
                    p = replace(p, material=replace(p.material, **{key[9:]: value}))
                elif key.startswith("geometry."):
                    p = replace(p, geometry=replace(p.geometry, **{key[9:]: value}))
                elif key.startswith("electrode."):
                    p = replace(p, electrode=replace(p.electrode, **{key[10:]: value}))
                else:
                    p = replace(p, **{key: value})
            self._params = p

    def temperature_K(self, t_s: float | None = None) -> float:
        """Sample temperature: follows the thermal stage (with its lag) when one is attached."""
        if self.thermal is not None and t_s is not None:
            return float(self.thermal.sample_temperature_K(t_s))
        return self.stage_temperature_K

    def truth(self, T_K: float) -> GroundTruth:
        p = self.params
        m, g, e = p.material, p.geometry, p.electrode
        k = g.cell_constant_per_m()
        s_b = arrhenius_sigma(m.sigma_bulk_S_per_m, m.ea_bulk_eV, T_K)
        r_b = k / s_b
        c_b = EPS0 * m.eps_r_bulk / k
        q_b = c_b**m.n_bulk * r_b ** (m.n_bulk - 1.0)
        if m.sigma_gb_S_per_m is None:
            s_gb, r_gb, c_gb, q_gb, n_gb = None, 0.0, 0.0, 0.0, 1.0
        else:
            s_gb = arrhenius_sigma(m.sigma_gb_S_per_m, m.ea_gb_eV, T_K)
            r_gb = k / s_gb
            c_gb = c_b * m.gb_capacitance_ratio
            n_gb = m.n_gb
            q_gb = c_gb**n_gb * r_gb ** (n_gb - 1.0)
        s_e = arrhenius_sigma(m.sigma_electronic_S_per_m, m.ea_electronic_eV, T_K)
        area = g.area_m2 if g.kind == "through_plane" else g.thickness_m * g.length_m
        q_el = e.q_F_per_m2 * area / 2.0  # two electrodes in series
        r_ct = None
        if e.kind == "non_blocking":
            r_ct = 2.0 * e.asr_ct_ohm_m2 / area * math.exp(e.ea_ct_eV / K_B_EV * (1.0 / T_K - 1.0 / T_REF_K))
        return GroundTruth(
            T_K=T_K,
            cell_constant_per_m=k,
            R_bulk_ohm=r_b,
            R_gb_ohm=r_gb,
            R_electronic_ohm=k / s_e,
            C_bulk_F=c_b,
            C_gb_F=c_gb,
            Q_bulk=q_b,
            n_bulk=m.n_bulk,
            Q_gb=q_gb,
            n_gb=n_gb,
            Q_electrode=q_el,
            n_electrode=e.n,
            R_ct_ohm=r_ct,
            sigma_bulk_S_per_m=s_b,
            sigma_gb_apparent_S_per_m=s_gb,
            sigma_total_S_per_m=k / (r_b + r_gb),
            sigma_electronic_S_per_m=s_e,
        )

    def impedance(self, frequency_Hz: np.ndarray | float, T_K: float) -> np.ndarray:
        """Exact complex impedance (no noise; the twin adds the instrument's noise and accuracy)."""
        p = self.params
        tr = self.truth(T_K)
        f = np.atleast_1d(np.asarray(frequency_Hz, dtype=float))
        jw = 1j * 2 * np.pi * f
        z_b = tr.R_bulk_ohm / (1.0 + tr.R_bulk_ohm * tr.Q_bulk * jw**tr.n_bulk)
        z_gb = tr.R_gb_ohm / (1.0 + tr.R_gb_ohm * tr.Q_gb * jw**tr.n_gb) if tr.R_gb_ohm > 0 else 0.0
        y_el = tr.Q_electrode * jw**tr.n_electrode
        if tr.R_ct_ohm is not None:
            y_el = y_el + 1.0 / tr.R_ct_ohm
        z_ion = p.series_resistance_ohm + z_b + z_gb + 1.0 / y_el
        c_par = p.stray_capacitance_F
        if p.geometry.kind != "through_plane":
            c_par += EPS0 * (p.substrate_eps_r + 1.0) / p.geometry.substrate_cell_constant_per_m()
        y = 1.0 / z_ion + 1.0 / tr.R_electronic_ohm + jw * c_par
        return 1.0 / y + jw * p.lead_inductance_H

    def dc_current(self, voltage_V: float, t_s: np.ndarray | float, T_K: float) -> np.ndarray:
        """Current after a voltage step at t=0 across blocking electrodes (Hebb-Wagner style).

        Steady state is electronic: I∞ = V/R_e. The ionic current decays with the double-layer time
        constant, and a slower, diffusion-like component (time constant `polarization_tau_s`).
        """
        p = self.params
        tr = self.truth(T_K)
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        r_ion = p.series_resistance_ohm + tr.R_bulk_ohm + tr.R_gb_ohm
        c_dl = tr.Q_electrode ** (1.0 / tr.n_electrode) * r_ion ** ((1.0 - tr.n_electrode) / tr.n_electrode)
        i_inf = voltage_V / tr.R_electronic_ohm
        i_ionic = voltage_V / r_ion * np.exp(-t / max(r_ion * c_dl, 1e-9))
        if tr.R_ct_ohm is not None:  # non-blocking: ions keep flowing
            i_inf = voltage_V / tr.R_electronic_ohm + voltage_V / (r_ion + tr.R_ct_ohm)
            i_ionic = 0.0 * t
        i_slow = i_inf * p.polarization_excess * np.exp(-t / p.polarization_tau_s)
        return i_inf + i_ionic + i_slow


@dataclass
class NoiseModel:
    """Instrument accuracy/noise applied by a twin: relative Gaussian noise on Z, scaled per point."""

    relative: float = 5e-4
    seed: int = 0
    rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def apply(self, z: np.ndarray, scale: float | np.ndarray = 1.0) -> np.ndarray:
        s = self.relative * np.asarray(scale) * np.abs(z)
        return z + s * (self.rng.standard_normal(z.shape) + 1j * self.rng.standard_normal(z.shape)) / math.sqrt(2)
