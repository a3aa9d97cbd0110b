"""The trust spectra under real analysers' noise (synthetic_noise): a noisier top or bottom decade,
heavy tails, an absolute floor. Such noise fits as spurious arcs, which shift the frequency-order
labels; the rules must then withhold rather than sign the shifted reading."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.analysis.synthetic_noise import EXCESS, PROFILES, noise_spectrum, profile_of
from ssbcert.analysis.synthetic_trust import trust_spectrum
from ssbcert.analysis.trust_score import run


def test_noise_subset_signs_no_wrong_value() -> None:
    """50 spectra (ten per profile over every trust family), plus those that signed a wrong value
    before: seed 282 (Student tails: the true GB arc taken for an interface, σ_total +78 %), seed
    701 (a noisy top decade fitted as a 0.25 Ω arc of ε_r 684: the true bulk arc signed as the grain
    boundary, 4.6× its σ_gb), seeds 124 and 1764 (uneven noise let a wrong basin fit better under
    uniform weights: σ_bulk −6 %, +22 % at 8.9u; now weighted by the decade noise lin-KK shows) and
    seed 511 (weighted, the electrode tail in a noisy bottom decade counts little and a circuit
    without it, preferred only by the simplicity margin, cuts the GB arc at the window's edge:
    σ_gb −15 % at ± 4.7 %; the better-fitting circuit's u entered the model-selection u, and the
    window now cuts that arc too near its apex for its exponent)."""
    s = run([*range(50), 282, 701, 124, 511, 1764], make=noise_spectrum)
    assert not s.misses, "\n".join(s.misses)
    assert {k[0] for k in s.per_family} == set(PROFILES)
    assert s.valid >= 50
    # ~73 σ: a coarse guard, 4 binomial SD below bench_trust --suite noise's 95 % within ±2u on 2000
    assert s.cal2 >= 0.85, s.cal2
    assert "may be an interlayer or electrolyte" in s.reported[282]["sigma_total_S_per_m"]
    # weighted by its decade noise, 701's noisy top decade no longer fits as an arc and the true bulk
    # arc is bulk again; a three-arc circuit fits better (ΔAIC −7.7) without resolving it, so σ_bulk
    # is withheld as ambiguous (beyond seed 68 keeps rule_assignment_unsupported tested)
    assert "fits better" in s.reported[701]["sigma_bulk_S_per_m"]
    assert isinstance(s.reported[701]["sigma_gb_apparent_S_per_m"], str)
    # 511's GB arc (n = 0.89) lies 0.55 decade above f_min, short of the 0.68 its exponent needs:
    # withheld since analysis.16 (test_analysis_trust keeps the model-selection u tested)
    assert "the margin an arc of exponent 0.89 needs" in s.reported[511]["sigma_gb_apparent_S_per_m"]
    for seed in (124, 1764):
        assert isinstance(s.reported[seed]["sigma_bulk_S_per_m"], list), s.reported[seed]  # valid, and no miss above


@pytest.mark.parametrize("seed", [0, 10, 20, 30, 40])
def test_each_profile_keeps_the_trust_seeds_physics(seed: int) -> None:
    """Only the noise differs from the trust seed: same window, truth and family cycle."""
    t, ref = noise_spectrum(seed), trust_spectrum(seed)
    assert t.family == profile_of(seed) == PROFILES[seed // 10]
    np.testing.assert_array_equal(t.frequency_Hz, ref.frequency_Hz)
    assert (t.r_bulk_ohm, t.r_gb_ohm, t.noise_fraction) == (ref.r_bulk_ohm, ref.r_gb_ohm, ref.noise_fraction)
    assert not np.array_equal(t.z, ref.z)


def test_profiles_put_the_noise_where_they_say() -> None:
    """Relative noise per point against the seed's level, RMS over 40 seeds of each profile; the
    sweeps differ in length, so the top decade is taken from their start, the bottom from their end."""
    def pooled(profile: int, from_end: bool = False) -> np.ndarray:
        acc = []
        for k in range(40):
            seed = 10 * (5 * k + profile)  # a 'clean' trust seed of that profile
            t = noise_spectrum(seed)
            z0 = trust_spectrum(seed, lambda z, rms, rng: z).z
            r = np.abs(t.z - z0) / np.abs(z0) / t.noise_fraction
            acc.append(r[::-1] if from_end else r)
        n = min(a.size for a in acc)
        return np.sqrt(np.mean(np.array([a[:n] for a in acc]) ** 2, axis=0))
    top, bottom, ramp, student = pooled(0), pooled(1, from_end=True), pooled(2), pooled(3)
    assert np.mean(top[:10]) == pytest.approx(EXCESS, rel=0.15) and np.mean(top[10:]) == pytest.approx(1, rel=0.15)
    assert np.mean(bottom[:10]) == pytest.approx(EXCESS, rel=0.15) and np.mean(bottom[10:]) == pytest.approx(1, rel=0.15)
    assert ramp[0] > 3 and ramp[-1] < 1.5
    assert math.sqrt(np.mean(student**2)) == pytest.approx(1, rel=0.25)  # the same RMS, heavier tails


def test_an_arc_the_data_do_not_resolve_does_not_outvote_the_smaller_circuit() -> None:
    """Seed 1534 (a buried GB arc, Student tails): a third arc below the window wins by ΔAIC 15.7,
    beyond the usual margin of 10, and gives σ_gb 41 % low; the two-arc circuit, within 12 % of the
    truth, is as credible, because the arc that buys the gain is not resolved: σ_gb is withheld."""
    s = run([1534], make=noise_spectrum)
    why = s.reported[1534]["sigma_gb_apparent_S_per_m"]
    # (the third arc, within 2 decades of the GB arc, is as close as a second half of it would be,
    # which withholds σ_gb before the ambiguity check comes to it)
    assert isinstance(why, str) and ("is as credible (the chosen circuit's arc" in why
                                     or "halves of one grain-boundary response" in why), why
    # the two circuits cut GB and electrode apart differently, so R_total differs as well: σ_total,
    # 13 % low, is withheld too (the slowest arc, as close to the GB arc as a second half of it would
    # be, is not taken for the electrode, and the window does not resolve it)
    why_total = s.reported[1534]["sigma_total_S_per_m"]
    assert isinstance(why_total, str) and "not resolved" in why_total
    # the same path on a held-out seed, where nothing withholds σ_bulk first: noise seed 3154, a
    # smaller circuit 14.4 AIC units worse, beyond the margin of 10, gives σ_bulk 8 % apart
    why_3154 = run([3154], make=noise_spectrum).reported[3154]["sigma_bulk_S_per_m"]
    assert isinstance(why_3154, str) and "is as credible (the chosen circuit's arc" in why_3154, why_3154
