"""Issue #9 on the certificate: a required σ that rests on an arc the data do not show is
inconclusive, and the conformity text (what the PDF/HTML print) says why in a sentence."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ssbcert.analysis.identifiability import Dispersive
from ssbcert.certify import certify
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from certify_helpers import assert_sigma_total_inconclusive

SAMPLE = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "default_sample.yaml"


def test_sigma_total_on_an_arc_below_f_min_is_inconclusive_with_a_reason(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    # bulk arc at 1.6 MHz, GB arc 2 decades slower; the sweep stops 0.3 decade above the GB apex
    d = Dispersive([(100.0, 1e-9, 1.0), (150.0, (1e-5 / 150) ** 0.9 / 150**0.1, 0.9)], [(1e-6, 0.9)])
    f = np.logspace(math.log10(100 * d.f0(0)), math.log10(2 * d.f0(1)), 45)
    w = 2 * np.pi * f
    z = d.arc_z(0, w) + d.arc_z(1, w) + 1 / (1e-6 * (1j * w) ** 0.9)
    z = z * (1 + 0.002 * np.random.default_rng(5).normal(size=f.size))
    path = tmp_path / "film.csv"
    np.savetxt(path, np.column_stack([f, z.real, z.imag]), delimiter=",")
    ses = write_session(with_stated_temperature(import_files([path]), 298.15), tmp_path / "session", SAMPLE)
    issued = certify(ses, sample=SAMPLE, out=tmp_path / "cert", register=False, render=False, draft=True)
    cert = issued.certificate
    sigma = assert_sigma_total_inconclusive(issued)
    text = sigma[0].text
    assert "σ_total at 25 °C is not reported" in text and "cannot support it" in text and "never passed" in text
    assert "ionic_conductivity_total" in issued.findings.withheld
