"""Wrong valid numbers found on held-out seeds (trust 7000-8999, beyond 1000-1999), outside the
ranges the rules were developed on, and the rules that now withhold them."""
from __future__ import annotations

import pytest

from ssbcert.analysis import ThroughPlane, analyse_spectrum
from ssbcert.analysis.synthetic_beyond import beyond_spectrum
from ssbcert.analysis.synthetic_shapes import shape_spectrum
from ssbcert.analysis.synthetic_trust import TrustTruth, trust_spectrum
from ssbcert.analysis.trust_score import run
from ssbcert.records import ImpedanceSpectrum

SIGMAS = ("sigma_bulk_S_per_m", "sigma_gb_apparent_S_per_m", "sigma_total_S_per_m")


def _analyse(t: TrustTruth, circuit: str | None = None):  # type: ignore[no-untyped-def]
    return analyse_spectrum(ImpedanceSpectrum(t.frequency_Hz, t.z.real, t.z.imag), ThroughPlane(t.thickness_m, t.area_m2),
                            circuit)


def test_two_close_arcs_fitted_as_one_do_not_sign_a_bulk_sigma() -> None:
    """Trust seed 7816: bulk and GB arcs 1.1 decades apart behind a 1.4 kΩ lead resistance, 1 %
    noise. One arc plus electrode wins by the simplicity margin, and its R is R_b + R_gb (σ_bulk
    24 % low at 20u); two arcs fit better (ΔAIC −7.2) and cannot split them, so σ_bulk is withheld.
    σ_total, which both readings share once the lead resistance is left out, stays valid."""
    t = trust_spectrum(7816)
    a = _analyse(t)
    c = a.conductivity
    assert not c.is_valid("sigma_bulk_S_per_m")
    assert "fits better" in c.invalid["sigma_bulk_S_per_m"] and "not resolved" in c.invalid["sigma_bulk_S_per_m"]
    assert c.is_valid("sigma_total_S_per_m")
    assert c.sigma_total_S_per_m.value == pytest.approx(t.sigma_total_S_per_m, rel=0.05)


def test_the_lead_resistance_stays_out_of_r_total_where_the_bulk_arc_is_in_the_window() -> None:
    """The same spectrum read with two arcs: neither arc's R is resolved, but the bulk-like arc's apex
    lies well inside the window, so the series R is leads and contacts (it was counted, and σ_total
    signed valid at 6.8× too low)."""
    t = trust_spectrum(7816)
    a = _analyse(t, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    c = a.conductivity
    assert not c.is_valid("sigma_bulk_S_per_m")
    assert any(f.startswith("series_offset_excluded") for f in a.flags)
    assert c.sigma_total_S_per_m.value == pytest.approx(t.sigma_total_S_per_m, rel=0.05)


@pytest.mark.parametrize("seed", [1103, 1458, 1798, 1513, 1156, 1476])
def test_a_flat_arc_that_misses_the_noise_floor_signs_nothing(seed: int) -> None:
    """A Warburg electrode fitted as an n ≈ 0.55 'bulk' arc (1103, 1458, 1798: σ_bulk 94-97 % low), a
    second phase merged into an n ≈ 0.62 'grain-boundary' arc (1156, 1476: σ_gb 44-72 % low): each fit
    stays within 2× the lin-KK floor but beyond its 3σ, and every σ is withheld, with the reason."""
    a = _analyse(beyond_spectrum(seed))
    assert not any(a.conductivity.is_valid(n) for n in SIGMAS)
    assert any(f.startswith("rule_flat_arc_misfit") for f in a.flags), a.flags


def test_depressed_arcs_that_meet_the_noise_floor_stay_valid() -> None:
    """The rule needs the misfit as well as the flat arc: the depressed family (exponents 0.6-0.85,
    described by its circuit) keeps its σ, none wrong."""
    s = run(range(1000, 1100, 5), make=beyond_spectrum)  # seed % 5 == 0: depressed
    assert not s.misses, "\n".join(s.misses)
    assert s.valid >= 45


def test_a_grain_boundary_of_two_overlapping_relaxations_is_not_split_into_gb_and_electrode() -> None:
    """Fitted with three arcs, the slower half of such a grain boundary (synthetic_shapes' split_gb)
    has a double-layer-range areal capacitance; taken for the electrode it left R_total 30-70 % short
    (55 wrong valid σ in 240). So close to the arc before it, it is not known to be the electrode:
    it stays counted, and σ_gb (which arc is the grain boundary's) is withheld."""
    s = run(range(0, 80, 2), make=shape_spectrum)
    assert {k[0] for k in s.per_family} == {"split_gb"}
    # left: seed 68, σ_bulk 7 % high, where a two-arc reading folds the faster half into the bulk arc
    assert all(m.startswith("seed 68 ") for m in s.misses), "\n".join(s.misses)
    assert s.valid >= 35
    beside = [seed for seed in range(0, 40, 2)
              if any(f.startswith("interface_arc_beside_arc") for f in _analyse(shape_spectrum(seed)).flags)]
    assert len(beside) >= 10, beside  # 15 of 20


def test_a_spurious_fast_arc_does_not_make_the_bulk_arc_the_grain_boundary() -> None:
    """An asymmetric (Havriliak–Negami) grain boundary, seed 41: its long tail fits as a small fast
    'bulk' arc the data do not resolve, the true bulk arc then takes the grain-boundary label (with a
    capacitance below the 'bulk' one) and σ_gb was signed 2× high."""
    t = shape_spectrum(41)
    a = _analyse(t)
    assert t.family == "asymmetric_gb"
    assert not a.conductivity.is_valid("sigma_gb_apparent_S_per_m")
    assert "capacitance is below that of the arc taken as bulk" in a.conductivity.invalid["sigma_gb_apparent_S_per_m"]


def test_a_grain_boundary_next_to_an_unseen_bulk_arc_is_not_signed() -> None:
    """Trust seed 8952, a thin film: the bulk arc lies above the window, and the grain-boundary apex
    only 0.65 decade below f_max; the bulk tail folded into R_gb signed σ_gb 17 % low at 9u. Since
    analysis.18 the merged response (bulk tail + grain boundary) is read as one asymmetric arc
    (ΔAIC −15.3 against the symmetric one); of exponent αβ = 0.47, the shape a bounded diffusion
    also takes, and above the noise floor, it leaves σ_total unsigned too, though its value (which
    does not depend on the split) is still within 1 % of the truth."""
    t = trust_spectrum(8952)
    a = _analyse(t)
    assert a.arcs.get("bulk") is None
    assert not a.conductivity.is_valid("sigma_gb_apparent_S_per_m")
    assert any(f.startswith("rule_gb_next_to_unseen_bulk") for f in a.flags)
    assert any(f.startswith("asymmetric_arc: ") for f in a.flags)
    assert a.conductivity.invalid["sigma_total_S_per_m"].startswith("the grain boundary arc (Hn1_0) has a CPE exponent")
    assert a.conductivity.sigma_total_S_per_m.value == pytest.approx(t.sigma_total_S_per_m, rel=0.05)


@pytest.mark.parametrize("seed", [1, 43, 149, 249, 545])
def test_an_asymmetric_grain_boundary_split_in_two_does_not_sign_sigma_gb(seed: int) -> None:
    """A Havriliak–Negami grain boundary fits as two arcs 1.1-1.3 decades apart; the faster one alone,
    taken as the grain boundary, signed σ_gb 140-400 % high. A further electrolyte arc that close
    leaves the grain boundary's R unestablished."""
    a = _analyse(shape_spectrum(seed))
    assert not a.conductivity.is_valid("sigma_gb_apparent_S_per_m")
    assert "halves of one grain-boundary response" in a.conductivity.invalid["sigma_gb_apparent_S_per_m"]


@pytest.mark.parametrize("seed, arc, quantity", [(873, "bulk", "sigma_bulk_S_per_m"),
                                                 (643, "grain boundary", "sigma_gb_apparent_S_per_m"),
                                                 (809, "grain boundary", "sigma_gb_apparent_S_per_m")])
def test_a_flat_arc_cut_nearer_its_apex_than_its_shape_allows_signs_nothing(seed: int, arc: str, quantity: str) -> None:
    """Shapes seeds (held out at analysis.15): an n = 0.58 'bulk' arc 0.67 decade below f_max that
    was an asymmetric grain boundary's tail (873, σ_bulk 6.9× the truth); grain boundaries of
    n = 0.51 and 0.78 cut 0.84 and 0.66 decade below their apex (643, 809: σ_gb 27 % and 32 % low).
    Each lay past the 0.5 decade an ideal arc needs, short of the margin its exponent needs."""
    c = _analyse(shape_spectrum(seed)).conductivity
    assert not c.is_valid(quantity)
    why = c.invalid[quantity]
    assert f"the {arc} arc is not resolved" in why and "the margin an arc of exponent" in why, why


@pytest.mark.parametrize("seed", [1037, 1291])
def test_a_bulk_arc_beside_a_split_grain_boundary_whose_wing_reaches_it_signs_no_sigma_bulk(seed: int) -> None:
    """Shapes seeds 1037, 1291: a Havriliak–Negami grain boundary fits as two arcs, the faster one
    flat (n = 0.55-0.6) and 0.9-1.1 decades from the bulk arc; at the bulk apex its symmetric wing
    still holds 21-43 % of R_b, and σ_bulk was signed 19-27 % high at 3.7-4u."""
    a = _analyse(shape_spectrum(seed))
    assert not a.conductivity.is_valid("sigma_bulk_S_per_m")
    assert any(f.startswith("rule_bulk_beside_split_response") for f in a.flags), a.flags
    assert "rests on the shape the circuit assumes" in a.conductivity.invalid["sigma_bulk_S_per_m"]



@pytest.mark.parametrize("seed", [11904, 12086])
def test_a_fit_whose_starts_agree_above_the_noise_floor_is_refitted_with_arcs_re_placed(seed: int) -> None:
    """Trust seeds held out when each was found. 11904: the electrode's broad DRT swamps the buried
    grain-boundary peak, every data seed puts the GB arc under the electrode, the starts agree on a
    basin at 1.62× the noise floor's χ², and σ_bulk was signed 9 % high at 7.1u; re-placed on the low
    side of the bulk arc, the fit reaches the floor. 12086: bulk 12.8 Ω and GB 4.1 Ω 1.1 decades
    apart behind a 103 Ω series R fit as one depressed arc at 1.25× the floor, σ_bulk 25 % low at
    17u; with an arc hidden beside it, the two-arc reading is found. σ_bulk is right in both."""
    t = trust_spectrum(seed)
    a = _analyse(t)
    assert "refitted with arcs re-placed" in a.circuit_selection
    c = a.conductivity
    assert c.is_valid("sigma_bulk_S_per_m")
    assert abs(c.sigma_bulk_S_per_m.value - t.sigma_bulk_S_per_m) <= max(0.05 * t.sigma_bulk_S_per_m,
                                                                         2 * c.sigma_bulk_S_per_m.u)
