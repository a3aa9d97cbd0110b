"""The fit's u where one decade is noisier than the rest (analysis/heteroscedastic.py): the test
stays quiet on noise of one size, finds a 5× noisier top decade, and the HC3 covariance then
widens the u of the parameters those points fix, never narrowing any; lin-KK's residuals, which
need no circuit, give the per-decade weights that make the fit's own residuals even again."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.analysis import heteroscedastic
from ssbcert.analysis.fit import fit_circuit
from ssbcert.analysis.heteroscedastic import P_DIFFERS, decade_bins, decade_noise_weights, variance_differs_p
from ssbcert.analysis.kk import kk_noise_chi2_per_dof, lin_kk
from ssbcert.errors import InputError

CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3"


def _spectrum(seed: int, top_excess: float) -> tuple[np.ndarray, np.ndarray]:
    """Bulk 1 kΩ at 1.6 MHz, GB 2 kΩ at 1.6 kHz, blocking CPE; 0.3 % noise, `top_excess`× in the top decade."""
    f = np.logspace(8, 0, 81)
    jw = 2j * math.pi * f
    z = 1e3 / (1 + 1e3 * 1e-10 * jw) + 2e3 / (1 + 2e3 * 5e-8 * jw**0.9) + 1 / (1e-6 * jw**0.85)
    rng = np.random.default_rng(seed)
    scale = np.where(np.arange(f.size) < 10, top_excess, 1.0)
    return f, z * (1 + scale * 0.003 / math.sqrt(2) * (rng.normal(size=f.size) + 1j * rng.normal(size=f.size)))


def test_decades_are_binned_from_the_top_and_a_short_tail_merged() -> None:
    k = decade_bins(np.logspace(6, 2.2, 39))  # 10 points per decade, 0.8 decade left at the bottom
    assert list(np.bincount(k)) == [10, 10, 10, 9]
    k = decade_bins(np.logspace(6, 3, 31))  # the last point alone in its decade: merged into the one above
    assert list(np.bincount(k)) == [10, 10, 11]


def test_noise_of_one_size_rarely_trips_the_test() -> None:
    rng = np.random.default_rng(5)
    f = np.logspace(6, 0, 61)
    ps = [variance_differs_p(f, rng.normal(size=2 * f.size)) for _ in range(400)]
    assert sum(p < P_DIFFERS for p in ps) <= 3  # 0.1 % nominal: 0.4 expected
    assert 0.4 < float(np.median(ps)) < 0.6  # p is uniform under the null


@pytest.mark.parametrize("seed", range(6))
def test_the_test_is_brown_forsythe_as_scipy_has_it(seed: int) -> None:
    """One sort for every decade's median, against scipy's Levene test centred on the median (the
    Brown–Forsythe test), decade by decade, with ties and unequal decades."""
    from scipy.stats import levene

    rng = np.random.default_rng(seed)
    f = np.logspace(6, -0.7, 40 + 7 * seed)
    r = rng.normal(size=2 * f.size) * np.concatenate([np.linspace(3.0, 0.5, f.size)] * 2)
    if seed % 2:
        r = np.round(r, 1)
    bins = np.concatenate([decade_bins(f)] * 2)
    ref = levene(*[r[bins == b] for b in np.unique(bins)], center="median").pvalue
    assert variance_differs_p(f, r) == pytest.approx(ref, rel=1e-9, abs=1e-300)


def test_a_noisier_top_decade_is_found_and_widens_the_bulk_u(monkeypatch: pytest.MonkeyPatch) -> None:
    f, z = _spectrum(1, 5.0)
    fit = fit_circuit(f, z, CIRCUIT)
    assert fit.noise_same_size_p < P_DIFFERS
    monkeypatch.setattr(heteroscedastic, "P_DIFFERS", 0.0)  # the classic covariance, same data
    classic = fit_circuit(f, z, CIRCUIT)
    np.testing.assert_array_equal(fit.params, classic.params)
    free = ~np.isnan(fit.stderr)
    assert np.all(fit.stderr[free] >= classic.stderr[free] * (1 - 1e-12))
    # the top decade (100..10 MHz) fixes the bulk arc's CPE, above its 1.6 MHz apex
    for name in ("CPE1_0", "CPE1_1"):
        i = fit.index(name)
        assert fit.stderr[i] > 1.5 * classic.stderr[i], name


def test_even_noise_keeps_the_classic_covariance() -> None:
    f, z = _spectrum(2, 1.0)
    fit = fit_circuit(f, z, CIRCUIT)
    assert fit.noise_same_size_p >= P_DIFFERS


def _kk_weights(f: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    kk = lin_kk(f, z)
    return decade_noise_weights(f, kk.residuals_real, kk.residuals_imag)


def test_even_noise_gets_no_weights() -> None:
    assert sum(_kk_weights(*_spectrum(seed, 1.0)) is not None for seed in range(30)) <= 1


def test_a_noisier_top_decade_is_weighted_down_by_its_noise_size() -> None:
    f, z = _spectrum(1, 5.0)
    pw = _kk_weights(f, z)
    assert pw is not None and pw.shape == f.shape
    assert float(np.mean(pw**2)) == pytest.approx(1.0)
    ratio = float(np.mean(pw[:10]) / np.mean(pw[10:]))
    assert 0.12 < ratio < 0.32, ratio  # 1/5 expected, from ~20 residuals per decade


def test_the_weighted_fit_leaves_even_residuals_and_meets_its_own_noise_floor() -> None:
    f, z = _spectrum(1, 5.0)
    kk = lin_kk(f, z)
    pw = decade_noise_weights(f, kk.residuals_real, kk.residuals_imag)
    fit = fit_circuit(f, z, CIRCUIT, point_weights=pw)
    assert fit.point_weights is not None and fit.noise_same_size_p >= P_DIFFERS  # GLS: the classic covariance again
    floor = kk_noise_chi2_per_dof(kk, pw)
    assert floor is not None and 0.5 < fit.chi2_reduced / floor < 2.0
    plain = fit_circuit(f, z, CIRCUIT)
    truth = {"R1": 1e3, "R2": 2e3}
    for name, value in truth.items():  # the weighted fit is at least as close as the plain one, within its u
        i = fit.index(name)
        assert abs(fit.params[i] - value) <= 3 * fit.stderr[i]
    assert abs(fit.value("R1") / 1e3 - 1) <= abs(plain.value("R1") / 1e3 - 1) + 2 * fit.stderr[fit.index("R1")] / 1e3


@pytest.mark.parametrize("bad", [np.ones(3), -np.ones(81), np.full(81, np.nan)])
def test_point_weights_must_be_positive_and_one_per_point(bad: np.ndarray) -> None:
    f, z = _spectrum(2, 1.0)
    with pytest.raises(InputError, match="point weights"):
        fit_circuit(f, z, CIRCUIT, point_weights=bad)
