"""Issue #9: never sign what the data cannot show. One test per identifiability / plausibility /
selection / sanity rule, plus a seeded subset of the trust ground-truth suite with the benchmark's
own assertions (benchmarks/bench_trust.py runs all 500)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.analysis import ThroughPlane, analyse_spectrum
from ssbcert.analysis.identifiability import Dispersive, apex_margin_for, arc_evidence, unshown_fraction
from ssbcert.analysis.sanity import checked_spectrum
from ssbcert.analysis.selection import SelectionRules, runs_z
from ssbcert.analysis.synthetic_trust import FAMILIES, trust_spectrum
from ssbcert.analysis.trust_score import run
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum
from ssbcert.units import EPS0

R_B, C_B = 1000.0, 1e-11  # bulk arc: f0 = 15.9 MHz
GEO = ThroughPlane(EPS0 * 30 / C_B * 1e-4, 1e-4)  # ε_r,bulk = 30


def _spectrum(*, r_gb_frac: float = 1.0, sep: float = 2.0, q_el: float = 1e-6, n_el: float = 0.9,
              f_hi: float | None = None, f_lo: float | None = None, noise: float = 0.003, seed: int = 1,
              n: int = 70) -> tuple[ImpedanceSpectrum, Dispersive]:
    """Bulk R‖C, GB R‖CPE `sep` decades slower, blocking CPE; exact truth in the Dispersive."""
    r_gb = r_gb_frac * R_B
    tau_gb = R_B * C_B * 10**sep
    q_gb = (tau_gb / r_gb) ** 0.9 / r_gb**0.1
    d = Dispersive([(R_B, C_B, 1.0), (r_gb, q_gb, 0.9)], [(q_el, n_el)])
    f = np.logspace(math.log10(f_hi or 100 * d.f0(0)), math.log10(f_lo or 1e-3 * d.f0(1)), n)
    w = 2 * np.pi * f
    z = d.arc_z(0, w) + d.arc_z(1, w) + 1 / (q_el * (1j * w) ** n_el)
    rng = np.random.default_rng(seed)
    z = z * (1 + noise / math.sqrt(2) * (rng.normal(size=n) + 1j * rng.normal(size=n)))
    return ImpedanceSpectrum(f, z.real, z.imag), d


def _sigma(r: float) -> float:
    return GEO.cell_constant_per_m / r


def test_clean_two_arc_spectrum_keeps_every_sigma() -> None:
    s, d = _spectrum()
    a = analyse_spectrum(s, GEO)
    c = a.conductivity
    assert a.valid and not c.invalid, c.invalid
    assert c.sigma_bulk_S_per_m.value == pytest.approx(_sigma(R_B), rel=0.02)
    assert c.sigma_total_S_per_m.value == pytest.approx(_sigma(2 * R_B), rel=0.02)
    bulk = a.arcs.get("bulk")
    assert bulk.resolved and bulk.u_f0_Hz > 0 and bulk.u_eps_r > 0 and bulk.u_c_norm_F > 0
    assert abs(bulk.f0_Hz - d.f0(0)) < 3 * bulk.u_f0_Hz + 0.02 * d.f0(0)


def test_r_at_its_bound_is_never_a_result() -> None:
    s, _ = _spectrum()
    a = analyse_spectrum(s, GEO, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", bounds={"R1": (1.0, 100.0)})
    assert a.fit.at_bound[a.fit.index("R1")]
    assert any(f.startswith("rule_parameter_at_bound: R1") for f in a.flags)
    for name in ("sigma_bulk_S_per_m", "sigma_total_S_per_m", "sigma_gb_apparent_S_per_m"):
        assert not a.conductivity.is_valid(name)
    assert any("search bound" in f for f in a.flags if f.startswith("not_valid_sigma_") or f.startswith("rule_"))


def test_phantom_arc_on_the_electrode_spike_never_enters_sigma_total() -> None:
    """The reported failure: R‖CPE fitted to the blocking spike, R near 10³·|Z|max, summed into R_total."""
    s, _ = _spectrum(r_gb_frac=1e-6)  # one arc + electrode
    a = analyse_spectrum(s, GEO, "R0-p(R1,CPE1)-p(R2,CPE2)")
    c = a.conductivity
    span = float(np.max(s.z_real_ohm))
    if c.is_valid("sigma_total_S_per_m"):
        assert c.r_total_ohm.value <= span + 2 * c.r_total_ohm.u
        assert c.sigma_total_S_per_m.value == pytest.approx(_sigma(R_B), rel=0.05)
    else:
        assert any(f.startswith(("rule_", "not_valid_sigma_total")) for f in a.flags)
    auto = analyse_spectrum(s, GEO)  # the automatic choice never picks the degenerate candidate
    assert auto.conductivity.sigma_total_S_per_m.value == pytest.approx(_sigma(R_B), rel=0.03)


def test_r_total_beyond_the_real_axis_span_of_the_data_is_not_valid() -> None:
    """A sweep that stops before the arc closes: the fitted R extrapolates past every measured Z'."""
    f0 = 1 / (2 * math.pi * R_B * C_B)
    f = np.logspace(math.log10(100 * f0), math.log10(f0 / 2), 40)
    z = R_B / (1 + 1j * f / f0)
    a = analyse_spectrum(ImpedanceSpectrum(f, z.real, z.imag), GEO, "R0-p(R1,CPE1)")
    c = a.conductivity
    assert c.r_total_ohm.value > np.max(z.real) + 2 * c.r_total_ohm.u
    assert any(fl.startswith("rule_r_total_beyond_data") for fl in a.flags)
    assert not c.is_valid("sigma_total_S_per_m") and not c.is_valid("asr_ohm_m2")


def test_arc_below_f_min_is_not_resolved_and_withholds_sigma_total() -> None:
    s, d = _spectrum(f_lo=None)
    cut = d.f0(1) * 3  # the window ends half a decade above the GB apex
    a = analyse_spectrum(s, GEO, f_min_Hz=cut)
    c = a.conductivity
    assert any(f.startswith("frequency_window") for f in a.flags)
    assert not c.is_valid("sigma_total_S_per_m")
    assert c.is_valid("sigma_bulk_S_per_m")
    assert c.sigma_bulk_S_per_m.value == pytest.approx(_sigma(R_B), rel=0.03)


def test_arc_buried_under_the_electrode_is_not_resolved() -> None:
    # electrode reactance at the GB apex = 10 × R_gb
    r_gb = 0.5 * R_B
    w0 = 2 * math.pi / (R_B * C_B * 100)
    s, d = _spectrum(r_gb_frac=0.5, q_el=1 / (10 * r_gb * w0**0.8), n_el=0.8)
    assert d.burial_ratio(1) > 5 and not d.visible(1, s.frequency_Hz.min(), s.frequency_Hz.max())
    a = analyse_spectrum(s, GEO)
    c = a.conductivity
    assert not c.is_valid("sigma_total_S_per_m"), c.sigma_total_S_per_m
    assert not c.is_valid("sigma_gb_apparent_S_per_m")
    reason = c.invalid["sigma_total_S_per_m"]
    assert "buried" in reason or "hide" in reason or "structured" in reason or "ambiguity" in reason


def test_apex_just_below_f_max_gives_no_sigma_bulk() -> None:
    s, d = _spectrum(f_hi=None)
    f_top = d.f0(0) * 10**0.2  # apex 0.2 decade below the top frequency (the 4–9.5 MHz at 10 MHz case)
    a = analyse_spectrum(s, GEO, f_max_Hz=f_top)
    c = a.conductivity
    assert not c.is_valid("sigma_bulk_S_per_m")
    assert "highest measured frequency" in c.invalid["sigma_bulk_S_per_m"]
    assert any(f.startswith("arc_not_resolved: bulk") for f in a.flags)


@pytest.mark.parametrize("n, margin", [(1.0, 0.5), (0.9, 0.662), (0.8, 0.857), (0.7, 1.091), (0.6, 1.384),
                                       (0.5, 1.769)])
def test_a_flatter_arc_needs_a_wider_margin_to_show_as_much_of_its_r(n: float, margin: float) -> None:
    """The margin leaves 1/11 of R unshown (an ideal arc half a decade past its apex), whatever n."""
    m = apex_margin_for(0.5, n)
    assert m == pytest.approx(margin, abs=1e-3)
    assert unshown_fraction(m, n) == pytest.approx(1 / 11, rel=1e-6)
    assert unshown_fraction(0.5, n) >= 1 / 11 - 1e-12  # at the ideal margin a depressed arc shows less
    assert unshown_fraction(0.3, n) + unshown_fraction(-0.3, n) == pytest.approx(1.0)  # symmetric in log f


def test_a_depressed_arc_cut_where_an_ideal_one_would_show_is_not_resolved() -> None:
    """The GB arc (n = 0.9) with the window ending 0.6 decade below its apex: an ideal arc would be
    resolved there, this one still hides 11 % of its R beyond f_min and needs 0.66 decade."""
    s, d = _spectrum(f_lo=None)
    a = analyse_spectrum(s, GEO, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", f_min_Hz=d.f0(1) / 10**0.6)
    gb = arc_evidence(a.fit)[1]
    assert 0.5 < gb.margin_low_decades < 0.66
    assert not gb.resolved
    assert "the margin an arc of exponent 0.9" in gb.reasons[0]
    wide = analyse_spectrum(s, GEO, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", f_min_Hz=d.f0(1) / 10**0.8)
    assert arc_evidence(wide.fit)[1].resolved


def test_bulk_arc_above_f_max_gives_only_sigma_total() -> None:
    s, d = _spectrum(f_hi=None)
    a = analyse_spectrum(s, GEO, f_max_Hz=d.f0(0) / 30)
    c = a.conductivity
    assert not c.is_valid("sigma_bulk_S_per_m")
    assert c.is_valid("sigma_total_S_per_m"), c.invalid
    assert c.sigma_total_S_per_m.value == pytest.approx(_sigma(2 * R_B), rel=0.05)


def test_two_arcs_that_delta_aic_alone_calls_one() -> None:
    """With a penalty so large that ΔAIC alone keeps one arc, residual structure (runs test) and
    the DRT still bring in the second one, and σ_bulk is right."""
    s, _ = _spectrum(r_gb_frac=0.05, noise=0.01)
    huge = dict(aic_margin=1e4)
    one = analyse_spectrum(s, GEO, selection=SelectionRules(use_runs=False, use_drt=False, **huge))
    two = analyse_spectrum(s, GEO, selection=SelectionRules(**huge))
    # one arc (the bare R0-p(R1,CPE1) stays > 10x the noise floor and is abandoned, so the smallest
    # candidate fitted is the one-arc circuit with its electrode)
    assert one.circuit in ("R0-p(R1,CPE1)", "R0-p(R1,CPE1)-CPE2")
    assert two.circuit == "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", two.candidates
    assert "runs test" in two.circuit_selection or "DRT" in two.circuit_selection
    assert not one.conductivity.is_valid("sigma_total_S_per_m")  # its residuals are structured
    assert two.conductivity.sigma_bulk_S_per_m.value == pytest.approx(_sigma(R_B), rel=0.03)


def test_runs_test_sees_structure() -> None:
    assert runs_z(np.array([1.0] * 20 + [-1.0] * 20)) < -5
    assert abs(runs_z(np.array([1.0, -1.0] * 20))) > 5  # alternating: too many runs, not structure
    rng = np.random.default_rng(0)
    assert abs(runs_z(rng.normal(size=200))) < 3


# ---------------------------------------------------------------- spectrum sanity on entry

def _fz(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    f = np.logspace(6, 0, n)
    return f, 100 / (1 + 1j * 2 * np.pi * f * 1e-4)


def test_a_circuit_that_leaves_more_than_the_noise_signs_no_sigma() -> None:
    """A finite-space (Warburg) diffusion electrode, which no candidate describes: the best circuit,
    with a CPE for the electrode, moves R_b by ~24 % while its covariance claims a few %. Its χ² lies
    far above the noise lin-KK sees on the same data, so no σ is valid, and the reason says so."""
    from ssbcert.analysis.conductivity import conductivities
    from ssbcert.analysis.kk import kk_noise_chi2_per_dof

    f = np.logspace(math.log10(2e5), math.log10(0.04), 68)
    w = 2 * np.pi * f

    def arc(r: float, f0: float, n: float) -> np.ndarray:
        return r / (1 + (1j * w / (2 * math.pi * f0)) ** n)

    x = np.sqrt(1j * w * 10 / (2 * math.pi * 40.0))
    z = arc(1e6, 2e3, 0.95) + arc(1e6, 40.0, 0.9) + 3e6 / (x * np.tanh(x))
    rng = np.random.default_rng(2)
    z = z * (1 + 0.003 / math.sqrt(2) * (rng.normal(size=f.size) + 1j * rng.normal(size=f.size)))
    geo = ThroughPlane(1e-5, 1e-6)
    a = analyse_spectrum(ImpedanceSpectrum(f, z.real, z.imag), geo)
    c = a.conductivity
    assert a.valid and not any(c.is_valid(n) for n in ("sigma_bulk_S_per_m", "sigma_total_S_per_m",
                                                         "sigma_gb_apparent_S_per_m"))
    assert "lin-KK leaves on the same data" in c.invalid["sigma_bulk_S_per_m"]
    assert any(fl.startswith("rule_misfit_beyond_noise") for fl in a.flags)
    # without the noise floor every other rule would have signed it, 20 % or more off
    blind = conductivities(a.fit, a.arcs, geo)
    assert blind.is_valid("sigma_bulk_S_per_m")
    assert abs(blind.sigma_bulk_S_per_m.value / (geo.cell_constant_per_m / 1e6) - 1) > 0.2
    assert blind.sigma_bulk_S_per_m.relative_u < 0.1
    assert a.fit.chi2 > 10 * kk_noise_chi2_per_dof(a.kk) * a.fit.dof


def test_a_chosen_fit_stuck_above_the_noise_gets_a_plain_search_before_it_is_judged() -> None:
    """Trust seed 492 (thin film, 37 points): the nested, probed search left the chosen circuit in a
    local minimum at 13.6× the noise floor, which the misfit rule would withhold; one plain multistart
    of that circuit reaches 1.3×, and σ_total is judged on that fit (withheld here for a reason of its
    own, the electrode could hide an arc, and 0.02 % from the truth)."""
    from ssbcert.analysis.kk import kk_noise_chi2_per_dof

    t = trust_spectrum(492)
    a = analyse_spectrum(ImpedanceSpectrum(t.frequency_Hz, t.z.real, t.z.imag), ThroughPlane(t.thickness_m, t.area_m2))
    assert "refitted by a plain multistart" in a.circuit_selection
    assert a.fit.chi2 < 2 * kk_noise_chi2_per_dof(a.kk) * a.fit.dof
    assert not any(fl.startswith("rule_misfit_beyond_noise") for fl in a.flags)
    assert a.conductivity.sigma_total_S_per_m.value == pytest.approx(t.sigma_total_S_per_m, rel=0.005)


def test_zero_frequency_row_is_dropped_and_recorded() -> None:
    f, z = _fz()
    f2, z2, flags = checked_spectrum(np.append(f, 0.0), np.append(z, 100 + 0j))
    assert f2.size == f.size and any(fl.startswith("zero_frequency_rows_dropped") for fl in flags)
    a = analyse_spectrum(ImpedanceSpectrum(np.append(f, 0.0), np.append(z.real, 100), np.append(z.imag, 0)), GEO)
    assert any(fl.startswith("zero_frequency_rows_dropped") for fl in a.flags)


@pytest.mark.parametrize("case,match", [
    ("negative", "negative frequency"), ("nan_f", "NaN or infinite"), ("inf_z", "impedance is NaN"),
    ("duplicate", "duplicate frequency"), ("non_monotonic", "not monotonic"), ("few", "too few"),
])
def test_bad_spectra_are_refused_with_the_row(case: str, match: str) -> None:
    f, z = _fz()
    f, z = f.copy(), z.copy()
    if case == "negative":
        f[3] = -f[3]
    elif case == "nan_f":
        f[4] = np.nan
    elif case == "inf_z":
        z[5] = complex(np.inf, 0)
    elif case == "duplicate":
        f[6] = f[5]
    elif case == "non_monotonic":
        f[6], f[7] = f[7], f[6]
    elif case == "few":
        f, z = f[:4], z[:4]
    with pytest.raises(InputError, match=match) as e:
        analyse_spectrum(ImpedanceSpectrum(f, z.real, z.imag), GEO)
    if case not in ("few",):
        assert "row" in str(e.value)


# ---------------------------------------------------------------- the ground-truth subset

def test_trust_suite_has_every_family_and_known_visibility() -> None:
    truths = [trust_spectrum(s) for s in range(20)]
    assert {t.family for t in truths} == set(FAMILIES)
    edge = [t for t in truths if t.family == "edge"]
    assert all(4e6 <= t.f0_bulk_Hz <= 9.5e6 and t.frequency_Hz.max() == pytest.approx(1e7) for t in edge)
    assert not any(t.bulk_visible for t in edge)
    thin = [t for t in truths if t.family == "thin_film"]
    assert all(t.f0_bulk_Hz > t.frequency_Hz.max() for t in thin)
    ind = [t for t in truths if t.family == "inductive"]
    assert all(t.z[0].imag > 0 or t.inductance_H > 0 for t in ind)


def test_trust_subset_never_signs_a_wrong_value() -> None:
    """120 seeded spectra (12 of each family): the benchmark's assertions, on a subset."""
    s = run(range(120))
    assert not s.misses, "\n".join(s.misses)
    assert s.coverage >= 0.95, (s.coverage, s.not_covered)
    assert 0.60 <= s.cal1 <= 0.76, s.cal1
    assert s.cal2 >= 0.93, s.cal2
    assert s.valid >= 200


def test_physics_beyond_the_candidates_signs_no_wrong_value_on_a_subset() -> None:
    """30 spectra of synthetic_beyond (6 per family: diffusion electrodes, second phases, outliers,
    depressed and near-equal arcs) and three diffusion spectra whose σ_bulk a CPE-electrode fit
    would sign 21–55 % off, and seed 68, whose diffusion electrode fits as a depressed 'bulk' arc of
    ε_r 0.48 beside a 'grain-boundary' arc 5× the true R_gb (rule_assignment_unsupported). Coverage
    is no target there; a wrong valid σ is."""
    from ssbcert.analysis.synthetic_beyond import FAMILIES as BEYOND, beyond_spectrum

    s = run([*range(30), 58, 68, 163, 198], make=beyond_spectrum)
    assert not s.misses, "\n".join(s.misses)
    assert "the arc taken as bulk, inside the measured window, is not bulk-like" in s.reported[68]["sigma_gb_apparent_S_per_m"]
    assert {k[0] for k in s.per_family} == set(BEYOND)
    assert s.per_family[("depressed", "valid")] >= 15 and s.per_family[("near_equal", "valid")] >= 15
    t = beyond_spectrum(1)
    assert t.family == "second_phase" and t.r_phase_ohm > 0
    assert t.sigma_total_S_per_m == pytest.approx(t.cell_constant_per_m / (t.r_bulk_ohm + t.r_gb_ohm + t.r_phase_ohm))


def test_hopeless_candidates_are_abandoned_without_changing_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-arc circuit on a two-arc spectrum stays far above the KK noise floor: it is given up
    after two short probes, and the analysis reports what the full multistart reports."""
    from ssbcert.analysis import pipeline

    s, _ = _spectrum()
    quick = analyse_spectrum(s, GEO)
    abandoned = [c for c in quick.candidates if c["given_up"]]
    assert "R0-p(R1,CPE1)" in [c["circuit"] for c in abandoned]
    assert all(not c["success"] for c in abandoned)
    monkeypatch.setattr(pipeline, "GIVE_UP_FACTOR", None)
    full = analyse_spectrum(s, GEO)
    assert not any(c["given_up"] for c in full.candidates)
    assert quick.circuit == full.circuit
    for name in ("sigma_bulk_S_per_m", "sigma_gb_apparent_S_per_m", "sigma_total_S_per_m"):
        q, f = getattr(quick.conductivity, name), getattr(full.conductivity, name)
        assert q.value == pytest.approx(f.value, rel=1e-6) and q.u == pytest.approx(f.u, rel=1e-3)


def test_a_given_up_fit_reports_no_uncertainty() -> None:
    """An abandoned circuit is compared by its χ² alone: it carries no covariance, and no stderr
    that could pass for a determined parameter."""
    from ssbcert.analysis.fit import fit_circuit
    from ssbcert.analysis.kk import kk_noise_chi2_per_dof, kk_noise_dof, lin_kk

    s, _ = _spectrum()
    f, z = np.asarray(s.frequency_Hz), np.asarray(s.z)
    kk = lin_kk(f, z)
    r = fit_circuit(f, z, "R0-p(R1,CPE1)", noise_chi2_per_dof=kk_noise_chi2_per_dof(kk), noise_dof=kk_noise_dof(kk),
                    stop_at_noise_floor=False, give_up_factor=10.0, give_up_probe_nfev=12)
    assert r.given_up and not r.success
    assert np.all(np.isnan(r.stderr)) and not np.any(r.cov)
    assert r.chi2 > 10 * kk_noise_chi2_per_dof(kk) * r.dof  # type: ignore[operator]


def test_nothing_is_abandoned_when_no_candidate_reaches_the_noise_floor() -> None:
    """A diffusion tail no candidate describes: no fit comes near the floor, so "far above it" says
    nothing, and every candidate gets its full multistart."""
    f = np.logspace(6, -2, 60)
    w = 2 * np.pi * f
    x = np.sqrt(1j * w * 10.0)
    z = 50 + 1000 * np.tanh(x) / x + 1 / (1e-9 * 1j * w + 1 / 200)
    rng = np.random.default_rng(1)
    z = z * (1 + 0.0005 * (rng.normal(size=60) + 1j * rng.normal(size=60)))
    a = analyse_spectrum(ImpedanceSpectrum(f, z.real, z.imag), GEO)
    assert a.kk.passed
    assert not any(c["given_up"] for c in a.candidates)
    assert all(c["success"] for c in a.candidates)


def test_a_noise_free_spectrum_is_not_called_structured() -> None:
    """Fitted by its own circuit, a noise-free spectrum leaves rounding-level residuals whose signs
    follow the solver, not the data: the runs test must not withhold σ for them."""
    s, _ = _spectrum(noise=0.0)
    a = analyse_spectrum(s, GEO)
    assert not any(f.startswith("rule_residual_structure") for f in a.flags), a.flags
    c = a.conductivity
    assert c.is_valid("sigma_bulk_S_per_m"), c.invalid
    assert c.sigma_bulk_S_per_m.value == pytest.approx(_sigma(R_B), rel=1e-4)


def test_compare_reported_lists_what_a_change_moved() -> None:
    """The check behind every speed change to the analysis: the same seeds, the same σ signed."""
    from ssbcert.analysis.trust_score import compare_reported

    before = {"3": {"sigma_bulk_S_per_m": [1.0, 0.01], "sigma_gb_apparent_S_per_m": "buried",
                    "sigma_total_S_per_m": [0.5, 0.005]}}
    same = {3: {"sigma_bulk_S_per_m": [1.0 + 1e-6, 0.01], "sigma_gb_apparent_S_per_m": "buried",
                "sigma_total_S_per_m": [0.5, 0.005]}}
    assert compare_reported(before, same) == []
    moved = {3: {"sigma_bulk_S_per_m": [1.01, 0.01], "sigma_gb_apparent_S_per_m": [2.0, 0.1],
                 "sigma_total_S_per_m": "structured"}}
    lines = compare_reported(before, moved)
    assert len(lines) == 3 and all(line.startswith("seed 3 ") for line in lines)
    assert "withheld (buried) → 2 ± 0.1" in lines[1] and "→ withheld (structured)" in lines[2]
    s = run(range(2))
    assert set(s.reported) == {0, 1} and compare_reported(s.reported, run(range(2)).reported) == []


def test_model_selection_u_counts_a_better_fitting_alternatives_own_u() -> None:
    """Burnham & Anderson's unconditional variance: a circuit that fits better (Akaike weight 9.5)
    but lost by the simplicity margin brings its own, larger u, not only its offset (noise seed 511:
    σ_gb −15 % at ± 4.7 % before, 1.7u after)."""
    from ssbcert.analysis.pipeline import _add_model_selection_u

    s, _ = _spectrum()
    cond = analyse_spectrum(s, GEO).conductivity
    m0 = cond.sigma_bulk_S_per_m
    v1, u1 = m0.value * 1.05, 0.1 * m0.value
    _add_model_selection_u(cond, "sigma_bulk_S_per_m", [(9.5, v1, u1)])
    m = cond.sigma_bulk_S_per_m
    expected = math.sqrt((m0.u**2 + 9.5 * (u1**2 + (v1 - m0.value) ** 2)) / 10.5)
    assert m.value == m0.value and m.u == pytest.approx(expected)
    assert m.u > math.sqrt(m0.u**2 + 9.5 * (v1 - m0.value) ** 2 / 10.5)  # more than the offset alone
    assert m.budget["model selection"] == pytest.approx(math.sqrt(expected**2 - m0.u**2))
    narrow = analyse_spectrum(s, GEO).conductivity  # an alternative with a smaller u never narrows it
    n0 = narrow.sigma_bulk_S_per_m
    _add_model_selection_u(narrow, "sigma_bulk_S_per_m", [(1.0, n0.value, 0.1 * n0.u)])
    assert narrow.sigma_bulk_S_per_m.u == n0.u
