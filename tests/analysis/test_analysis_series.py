"""Arrhenius, hysteresis, DC polarization and the pipeline entry points."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.analysis import analyse_series, analyse_spectrum
from ssbcert.analysis.arrhenius import K_B_EV_PER_K, T_25C_K, fit_arrhenius, hysteresis
from ssbcert.analysis.geometry import ThroughPlane
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.polarization import analyse_polarization, fit_decay
from ssbcert.analysis.synthetic import EPS0_F_PER_M, GROUND_TRUTH_CIRCUIT
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum, PolarizationTrace
from ssbcert.uncertainty import Measured


def _sigma_t(t: np.ndarray, ea: float, a: float) -> np.ndarray:
    return a / t * np.exp(-ea / (K_B_EV_PER_K * t))


def test_arrhenius_recovers_ea_in_both_conventions_with_calibrated_u() -> None:
    t = np.linspace(250, 400, 9)
    hits = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        s = _sigma_t(t, 0.40, 1e6) * (1 + 0.02 * rng.normal(size=t.size))
        r = fit_arrhenius(t, s, 0.02 * s, convention="sigma_T")
        hits += abs(r.activation_energy_eV.value - 0.40) <= r.activation_energy_eV.u
    assert 0.5 <= hits / 40 <= 0.9
    s = _sigma_t(t, 0.40, 1e6)
    a = fit_arrhenius(t, s, convention="sigma_T")
    b = fit_arrhenius(t, s, convention="sigma")
    assert a.activation_energy_eV.value == pytest.approx(0.40, abs=1e-9)
    # E_a(σT) ≈ E_a(σ) + k_B·T̄
    assert a.activation_energy_eV.value - b.activation_energy_eV.value == pytest.approx(K_B_EV_PER_K * 315, abs=0.004)
    assert a.as_dict()["convention"] == "sigma_T" and b.prefactor_unit == "S/m"
    assert a.sigma_25C_S_per_m.value == pytest.approx(float(_sigma_t(np.array([T_25C_K]), 0.4, 1e6)[0]), rel=1e-6)
    assert not a.extrapolated_25C


def test_sigma_25c_uncertainty_matches_monte_carlo() -> None:
    t = np.linspace(320, 420, 6)
    s0 = _sigma_t(t, 0.5, 1e7)
    r = fit_arrhenius(t, s0, 0.03 * s0)
    rng = np.random.default_rng(1)
    sims = [fit_arrhenius(t, s0 * np.exp(0.03 * rng.normal(size=t.size)), 0.03 * s0).sigma_25C_S_per_m.value
            for _ in range(300)]
    assert r.extrapolated_25C
    assert np.std(np.log(sims)) == pytest.approx(r.sigma_25C_S_per_m.u / r.sigma_25C_S_per_m.value, rel=0.2)


def test_hysteresis_detects_a_shift_and_ignores_none() -> None:
    t = np.linspace(300, 400, 6)
    s = _sigma_t(t, 0.4, 1e6)
    heat = fit_arrhenius(t, s, 0.01 * s)
    same = hysteresis(heat, fit_arrhenius(t[::-1], s[::-1], 0.01 * s[::-1]))
    assert not same.significant and abs(same.delta_activation_energy_eV.value) < 1e-9
    cool = fit_arrhenius(t, 1.3 * s, 0.01 * s)
    shifted = hysteresis(heat, cool)
    assert shifted.significant and shifted.delta_ln_sigma_mid.value == pytest.approx(math.log(1.3), rel=1e-6)


def test_arrhenius_input_errors() -> None:
    with pytest.raises(InputError):
        fit_arrhenius([300.0], [1.0])
    with pytest.raises(InputError):
        fit_arrhenius([300.0, 310.0], [1.0, -1.0])
    with pytest.raises(InputError):
        fit_arrhenius([300.0, 310.0], [1.0, 2.0], convention="log10")


def test_polarization_gives_sigma_e_and_t_ion() -> None:
    t = np.linspace(0, 36000, 400)
    rng = np.random.default_rng(0)
    i = 2e-9 + 5e-7 * np.exp(-t / 300) + 1e-7 * np.exp(-t / 3000) + 1e-12 * rng.normal(size=t.size)
    geo = ThroughPlane(100e-6, 1e-4, u_thickness_m=1e-6, u_area_m2=1e-6)
    res = analyse_polarization(PolarizationTrace(t, i, 0.5), geo, sigma_total_S_per_m=Measured(4e-8, 4e-10, "S/m"))
    assert res.decay.n_exponentials == 2
    assert sorted(res.decay.taus_s) == pytest.approx([300, 3000], rel=0.02)
    assert res.decay.amplitudes_A[0] + res.decay.amplitudes_A[1] == pytest.approx(6e-7, rel=0.01)
    assert res.sigma_e_S_per_m.value == pytest.approx(2e-9 * 1.0 / 0.5, rel=0.01)
    assert res.sigma_e_S_per_m.u / res.sigma_e_S_per_m.value == pytest.approx(math.hypot(0.01, 0.01), rel=0.05)
    assert res.t_ion is not None and res.t_ion.value == pytest.approx(0.9, abs=1e-3)
    assert res.t_ion.u == pytest.approx(0.1 * math.sqrt(0.01**2 + 0.01**2 + 0.01**2), rel=0.05)
    assert res.steady_state and not res.flags


def test_polarization_flags_a_record_stopped_too_early() -> None:
    t = np.linspace(0, 600, 120)
    i = 1e-9 + 1e-7 * np.exp(-t / 400)
    res = analyse_polarization(PolarizationTrace(t, i, 1.0), ThroughPlane(1e-4, 1e-4))
    assert not res.steady_state and any(f.startswith("not_steady_state") for f in res.flags)
    with pytest.raises(InputError):
        fit_decay(t[:4], i[:4])


def _spectrum(temperature_K: float, h: float, area: float, rng: np.random.Generator) -> ImpedanceSpectrum:
    """LLZO-like film: bulk E_a 0.35 eV, GB 0.45 eV (σT convention), 0.3 % noise."""
    k = h / area
    sb = _sigma_t(np.array([temperature_K]), 0.35, 3e6)[0]
    sgb = _sigma_t(np.array([temperature_K]), 0.45, 3e7)[0]  # apparent GB σ
    r_b, r_gb = k / sb, k / sgb
    c_b, c_gb = EPS0_F_PER_M * 40 / k, EPS0_F_PER_M * 40 / k * 300
    p = np.array([r_b, c_b, 1.0, r_gb, c_gb**0.9 / r_gb**0.1, 0.9, (1e-6 * 100 / k) ** 0.8 / (r_b + r_gb) ** 0.2, 0.8])
    p[1] = c_b  # n = 1
    f = np.logspace(7, -1, 81)
    z = compile_circuit(GROUND_TRUTH_CIRCUIT).impedance(p, f)
    z = z * (1 + 0.003 / math.sqrt(2) * (rng.normal(size=f.size) + 1j * rng.normal(size=f.size)))
    return ImpedanceSpectrum(f, z.real, z.imag, temperature_K=temperature_K)


def test_analyse_spectrum_automatic_circuit_choice() -> None:
    rng = np.random.default_rng(3)
    geo = ThroughPlane(200e-6, 1e-4, u_thickness_m=2e-6, u_area_m2=1e-6)
    a = analyse_spectrum(_spectrum(230.0, 200e-6, 1e-4, rng), geo)
    assert a.circuit == "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"
    assert a.valid and a.kk.passed
    assert a.conductivity.sigma_bulk_S_per_m.value == pytest.approx(
        _sigma_t(np.array([230.0]), 0.35, 3e6)[0], rel=0.03)
    d = a.as_dict()
    assert d["conductivity"]["sigma_total_S_per_m"]["unit"] == "S/m"
    assert [x["label"] for x in d["arcs"]["arcs"]] == ["bulk", "grain_boundary", "electrode"]


def test_analyse_series_arrhenius_and_hysteresis() -> None:
    rng = np.random.default_rng(4)
    temps = [200.0, 215.0, 230.0, 245.0, 260.0, 245.0, 230.0, 215.0]
    geo = ThroughPlane(200e-6, 1e-4, u_thickness_m=2e-6, u_area_m2=1e-6)
    spectra = [_spectrum(t, 200e-6, 1e-4, rng) for t in temps]
    s = analyse_series(spectra, geo, GROUND_TRUTH_CIRCUIT, u_temperature_K=0.1)
    assert all(x.valid for x in s.spectra)
    assert s.arrhenius["bulk"].activation_energy_eV.value == pytest.approx(0.35, abs=0.01)
    assert s.arrhenius["grain_boundary"].activation_energy_eV.value == pytest.approx(0.45, abs=0.01)
    assert s.arrhenius["total"].convention == "sigma_T"
    assert set(s.hysteresis) == {"bulk", "grain_boundary", "total"}
    assert not any(f.startswith("hysteresis") for f in s.flags)
    with pytest.raises(InputError):
        analyse_series([ImpedanceSpectrum(spectra[0].frequency_Hz, spectra[0].z_real_ohm, spectra[0].z_imag_ohm)], geo)


def test_kk_failure_is_carried_to_the_analysis() -> None:
    """A spectrum that drifts during the sweep still gets numbers, but is flagged and not valid."""
    rng = np.random.default_rng(8)
    s = _spectrum(230.0, 200e-6, 1e-4, rng)
    drift = 1 + 0.8 * np.linspace(0, 1, s.frequency_Hz.size)
    bad = ImpedanceSpectrum(s.frequency_Hz, s.z_real_ohm * drift, s.z_imag_ohm, temperature_K=230.0)
    a = analyse_spectrum(bad, ThroughPlane(200e-6, 1e-4), GROUND_TRUTH_CIRCUIT)
    assert not a.kk.passed and not a.valid
    assert any(f.startswith("kk_failed") for f in a.flags)
    assert a.as_dict()["kk"]["passed"] is False
