"""Oliver–Pharr from raw curves: synthetic curves with known H and E are recovered exactly."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.properties import indentation as ind


def synthetic_curve(e_s: float, h: float, p_max: float, nu: float = 0.26, m: float = 1.45, beta: float = 1.034,
                    noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Loading, a short hold, and a power-law unloading consistent with (E_s, H) and the ideal Berkovich."""
    e_r = 1 / ((1 - nu**2) / e_s + (1 - 0.07**2) / 1141e9)
    area = p_max / h
    s = e_r * 2 * beta / math.sqrt(math.pi) * math.sqrt(area)
    h_max = math.sqrt(area / 24.494) + 0.75 * p_max / s
    h_f = h_max - m * p_max / s
    alpha = p_max / (h_max - h_f) ** m
    h_load = np.linspace(0, 0.99 * h_max, 40)
    p_load = p_max * (h_load / (0.99 * h_max)) ** 2
    h_hold = np.linspace(0.99 * h_max, h_max, 6)[1:]
    p_un = np.linspace(p_max, 0.02 * p_max, 40)[1:]
    depth = np.r_[h_load, h_hold, h_f + (p_un / alpha) ** (1 / m)]
    load = np.r_[p_load, np.full(5, p_max), p_un]
    if noise:
        load = load * (1 + noise * np.random.default_rng(seed).standard_normal(load.size))
    return depth, load


def test_exact_curve_recovers_hardness_and_modulus() -> None:
    depth, load = synthetic_curve(150e9, 10e9, 12e-3)
    r = ind.analyse_curve(depth, load)
    assert r.hardness == pytest.approx(10e9, rel=1e-6)
    assert ind.sample_modulus(r.reduced_modulus, 0.26) == pytest.approx(150e9, rel=1e-6)
    assert r.m == pytest.approx(1.45, rel=1e-6)
    assert r.h_c == pytest.approx(math.sqrt(12e-3 / 10e9 / 24.494), rel=1e-6)


def test_beta_choice_shifts_reduced_modulus_by_3_4_percent() -> None:
    depth, load = synthetic_curve(150e9, 10e9, 12e-3)
    iso = ind.analyse_curve(depth, load, beta=1.0)
    op = ind.analyse_curve(depth, load, beta=1.034)
    assert iso.reduced_modulus / op.reduced_modulus == pytest.approx(1.034)


def test_noisy_curve_gives_a_stiffness_uncertainty() -> None:
    depth, load = synthetic_curve(150e9, 10e9, 12e-3, noise=0.002, seed=3)
    r = ind.analyse_curve(depth, load)
    assert 0 < r.u_stiffness / r.stiffness < 0.05
    assert r.hardness == pytest.approx(10e9, rel=0.03)


def test_ideal_area_functions_and_calibrated_terms() -> None:
    assert ind.area_function(100e-9, "berkovich") == pytest.approx(24.494 * 1e-14)
    assert ind.area_function(100e-9, "vickers") == pytest.approx(24.504 * 1e-14)
    assert ind.area_function(100e-9, "berkovich", [24.5, 1e-7]) == pytest.approx(24.5e-14 + 1e-14)


def test_sample_modulus_tip_correction() -> None:
    e_r = 1 / ((1 - 0.17**2) / 72e9 + (1 - 0.07**2) / 1141e9)  # fused silica
    assert ind.sample_modulus(e_r, 0.17) == pytest.approx(72e9)


def test_combine_flags_the_ten_percent_film_rule() -> None:
    nu = ind.Measured(0.26, 0.02, "1")
    res = ind.combine_indents([10e9, 10.4e9], [140e9, 142e9], nu, 0.02, h_max_m=[300e-9, 320e-9],
                              film_thickness_m=2e-6)
    assert res.depth_ratio == pytest.approx(0.16)
    assert any("exceeds 0.10" in n for n in res.notes)
    assert any("≥ 10 are usual" in n for n in res.notes)
    assert "ISO 14577-1" in res.hardness.method and "β = 1.034" in res.modulus.method
    # area function 2 % enters H fully and E_r by half
    assert res.hardness.budget["area function"] == pytest.approx(0.02 * res.hardness.value, rel=1e-4)
    assert res.reduced_modulus.budget["area function"] == pytest.approx(0.01 * res.reduced_modulus.value, rel=1e-3)


def test_too_few_unloading_points() -> None:
    depth, load = synthetic_curve(150e9, 10e9, 12e-3)
    with pytest.raises(ValueError, match="unloading points"):
        ind.analyse_curve(depth[:47], load[:47], fit_fraction=0.3)


def test_iso_hv_relation() -> None:
    assert ind.vickers_number_from_hit(10e9) == pytest.approx(945.0)
