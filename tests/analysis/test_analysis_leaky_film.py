"""A hot oxide film between blocking electrodes leaks electrons: the low-frequency end closes into
an arc (R_e ‖ double layer). That arc is the interface, not electrolyte: σ_total must not include it."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ssbcert.analysis import ThroughPlane, analyse_spectrum
from ssbcert.records import ImpedanceSpectrum
from ssbcert.sim_instruments.sample import VirtualSample


@pytest.mark.parametrize("T_K", [343.15, 363.15])
def test_leakage_arc_is_labelled_interface_and_excluded(T_K: float) -> None:
    sample = VirtualSample.preset("LLZO")
    truth = sample.truth(T_K)
    f = np.geomspace(1e9, 20, 72)  # bulk apex (60–100 MHz) >= 0.5 decade inside the window
    rng = np.random.default_rng(3)
    z = sample.impedance(f, T_K) * (1 + 5e-4 * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)))
    g = sample.params.geometry
    a = analyse_spectrum(ImpedanceSpectrum(f, z.real, z.imag, T_K), ThroughPlane(g.thickness_m, g.area_m2))
    assert a.valid
    assert a.conductivity.sigma_total_S_per_m.value == pytest.approx(truth.sigma_total_S_per_m, rel=0.02)
    el = [arc for arc in a.arcs.arcs if arc.label == "electrode"]
    assert el and el[0].r_ohm is not None  # the leakage resistance, reported with the interface
    assert el[0].r_ohm.value == pytest.approx(truth.R_electronic_ohm, rel=0.2)
    assert any(flag.startswith("interface_arc") for flag in a.flags)
    assert not math.isnan(a.conductivity.sigma_bulk_S_per_m.value)
