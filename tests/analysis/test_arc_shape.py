"""An asymmetric grain boundary read as a symmetric arc (shape.py, pipeline._shape_ambiguity).

Held-out seeds of the shapes suite (2200–2599) signed 13 wrong valid σ, 10 of them Havriliak–Negami
grain boundaries fitted as R‖CPE: σ_gb 10–20 % off at ±2 %, or σ_bulk 9 % off where the tail bled
into the bulk arc."""
from __future__ import annotations

import numpy as np
import pytest

from ssbcert.analysis import ThroughPlane, analyse_spectrum
from ssbcert.analysis.fit import fit_circuit
from ssbcert.analysis.model import compile_circuit
from ssbcert.analysis.shape import asymmetric_variant
from ssbcert.analysis.synthetic_shapes import shape_spectrum
from ssbcert.analysis.synthetic_trust import TrustTruth, trust_spectrum
from ssbcert.analysis.trust_score import QUANTITIES
from ssbcert.records import ImpedanceSpectrum

SIGMAS = tuple(name for name, _ in QUANTITIES)


def _analyse(t: TrustTruth):  # type: ignore[no-untyped-def]
    return analyse_spectrum(ImpedanceSpectrum(t.frequency_Hz, t.z.real, t.z.imag), ThroughPlane(t.thickness_m, t.area_m2))


def test_the_asymmetric_reading_starts_from_the_chosen_fit_itself() -> None:
    """Its start (β = 1) is the chosen fit, point for point: the refit nests it, so it can
    only fit as well or better, and a σ it moves is moved by the data, not by a worse optimum."""
    t = trust_spectrum(13000)
    fit = fit_circuit(t.frequency_Hz, t.z, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    text, start = asymmetric_variant(fit, "R2")  # type: ignore[misc]
    assert text == "R0-p(R1,CPE1)-Hn2-CPE3"
    z0 = compile_circuit(fit.circuit).impedance(fit.params, t.frequency_Hz)
    np.testing.assert_allclose(compile_circuit(text).impedance(start, t.frequency_Hz), z0, rtol=1e-10)
    assert asymmetric_variant(fit, "R0") is None  # the series R is no arc


def _truth(t: TrustTruth, name: str) -> float:
    return float(getattr(t, dict(QUANTITIES)[name]))


def _right_where_valid(t: TrustTruth, a) -> None:  # type: ignore[no-untyped-def]
    for name in SIGMAS:
        m = getattr(a.conductivity, name)
        if a.conductivity.is_valid(name):
            assert abs(m.value - _truth(t, name)) <= max(0.05 * _truth(t, name), 3 * m.u), (name, m.value, _truth(t, name))


def test_an_asymmetric_grain_boundary_that_fits_better_but_not_by_the_margin_is_withheld() -> None:
    """Shapes 2395: read as R‖CPE, σ_bulk +9 % and σ_gb −19.5 %, the tail taken from the bulk arc;
    the asymmetric reading fits better by ΔAIC −7.2, short of the margin: both are withheld, in words."""
    t = shape_spectrum(2395)
    assert t.family == "asymmetric_gb"
    a = _analyse(t)
    c = a.conductivity
    assert "Hn" not in a.circuit
    for name in ("sigma_bulk_S_per_m", "sigma_gb_apparent_S_per_m"):
        assert c.invalid[name].startswith("arc shape: ") and "Havriliak–Negami" in c.invalid[name]
    assert any(f.startswith("arc_shape_sigma_gb_apparent") for f in a.flags), a.flags
    _right_where_valid(t, a)


@pytest.mark.parametrize("seed", [2515, 2433, 1619])
def test_an_asymmetric_grain_boundary_the_data_show_is_fitted_as_one(seed: int) -> None:
    """Beyond the AIC margin (2515: ΔAIC −51.8, 2433: −25.9, 1619: −16.9) the data reject the
    symmetric shape and the asymmetric reading is the fit. Read as R‖CPE, 2515 signed σ_gb −14 %
    at ±2.8 %, 2433 σ_gb −9.7 %, 1619 σ_gb −14 % (there even the asymmetric reading is off: its
    grain-boundary arc, of exponent αβ ≈ 0.6, lies nearer the window's edge than that shape allows,
    and is withheld). What the asymmetric reading signs is right, σ_bulk in each."""
    t = shape_spectrum(seed)
    a = _analyse(t)
    assert "Hn" in a.circuit and any(f.startswith("asymmetric_arc: ") for f in a.flags), a.flags
    assert a.conductivity.is_valid("sigma_bulk_S_per_m")
    _right_where_valid(t, a)


def test_symmetric_arcs_keep_their_sigma() -> None:
    """On symmetric (R‖CPE) arcs the asymmetric reading settles at β ≈ 1 and moves nothing: no σ of
    20 trust spectra is withheld for its shape."""
    flagged = [(seed, f) for seed in range(13000, 13020) for f in _analyse(trust_spectrum(seed)).flags
               if f.startswith("arc_shape")]
    assert flagged == []


def test_an_asymmetric_arc_is_placed_at_its_apex() -> None:
    """Arc labels and window margins are judged at f₀; a Havriliak–Negami arc's −Im Z peaks above
    1/(2πτ) as β falls, and its equivalent R‖CPE puts f₀ there."""
    from ssbcert.analysis.circuit import parse_circuit
    from ssbcert.analysis.topology import arc_tau, circuit_roles

    values = {"R0": 1.0, "Hn1_0": 100.0, "Hn1_1": 1e-3, "Hn1_2": 0.85, "Hn1_3": 0.6}
    role = [r for r in circuit_roles(parse_circuit("R0-Hn1")) if r.kind == "arc"][0]
    w = np.logspace(0, 6, 120001)
    z = compile_circuit("R0-Hn1").impedance(np.array(list(values.values())), w / (2 * np.pi))
    assert arc_tau(role, values) == pytest.approx(1 / w[np.argmax(-z.imag)], rel=1e-3)
    assert arc_tau(role, {**values, "Hn1_3": 1.0}) == pytest.approx(1e-3, rel=1e-12)


def test_a_refit_without_data_seeds_starts_only_where_it_is_told() -> None:
    t = trust_spectrum(13000)
    fit = fit_circuit(t.frequency_Hz, t.z, "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3")
    text, start = asymmetric_variant(fit, "R1")  # type: ignore[misc]
    again = fit_circuit(t.frequency_Hz, t.z, text, extra_starts=[start], n_starts=1, data_seeds=False)
    assert again.n_starts == 1 and again.chi2 <= fit.chi2 * (1 + 1e-9)
    with pytest.raises(Exception, match="needs a start"):
        fit_circuit(t.frequency_Hz, t.z, text, data_seeds=False)


@pytest.mark.parametrize("seed", [10340, 7336])
def test_an_asymmetric_reading_that_fits_only_a_little_better_unsettles_nothing(seed: int) -> None:
    """Symmetric arcs whose asymmetric reading fits better by ΔAIC −3.1 (trust 10340) and −3.0
    (noise 7336, uneven noise): below SHAPE_EVIDENCE_AIC the symmetric reading stands, and its
    right σ_bulk and σ_gb stay signed (at the selection's evidence of 2 both were withheld)."""
    from ssbcert.analysis.synthetic_noise import noise_spectrum

    t = trust_spectrum(seed) if seed == 10340 else noise_spectrum(seed)
    a = _analyse(t)
    assert not [f for f in a.flags if f.startswith("arc_shape")]
    for name in ("sigma_bulk_S_per_m", "sigma_gb_apparent_S_per_m"):
        truth = _truth(t, name)
        m = getattr(a.conductivity, name)
        assert a.conductivity.is_valid(name)
        assert abs(m.value - truth) <= 3 * m.u


def test_a_circuit_given_with_the_asymmetric_arc_reads_it_right() -> None:
    """A circuit that holds the shape, given through the API (shapes 2515), signs σ_bulk and σ_gb
    within 3u and 5 % of the truth, as the automatic analysis does once it adopts that reading: the
    Hn arc is placed at its apex and labelled the grain boundary like any arc."""
    t = shape_spectrum(2515)
    a = analyse_spectrum(ImpedanceSpectrum(t.frequency_Hz, t.z.real, t.z.imag), ThroughPlane(t.thickness_m, t.area_m2),
                         "R0-p(R1,CPE1)-Hn2-CPE3")
    assert [arc.label for arc in a.arcs.arcs] == ["bulk", "grain_boundary", "electrode"]
    assert a.arcs.arcs[1].param_names[0] == "Hn2_0"
    for name in ("sigma_bulk_S_per_m", "sigma_gb_apparent_S_per_m"):
        truth = _truth(t, name)
        m = getattr(a.conductivity, name)
        assert a.conductivity.is_valid(name), a.conductivity.invalid.get(name)
        assert abs(m.value - truth) <= min(0.05 * truth, 3 * m.u), (name, m.value, truth)
