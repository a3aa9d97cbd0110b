"""Stationarity on the certificate: repeated room-temperature sweeps that differ beyond their
noise make every σ inconclusive, with the reason in words; sweeps that agree say so in Annex C;
a sweep that was not repeated is a stated deviation."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import yaml

from ssbcert.analysis.synthetic_drift import DriftTruth, drifting_sweeps
from ssbcert.certify import certify
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from cold_start import cold_start_session

SAMPLE = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "default_sample.yaml"
NOT_REPEATED = "the room-temperature sweep was not repeated"


def _sample_of(truth: DriftTruth, path: Path) -> Path:
    """The demo sample record with the drift film's own thickness and electrode, so the analysis
    reads its arcs' capacitances as the film's (with the demo's 25 µm and 5 mm, seed 0's 0.28 µm
    grain-boundary arc had 5.6 µF/cm² of electrode area: an interlayer as much as a grain boundary,
    so no σ_total)."""
    rec = yaml.safe_load(SAMPLE.read_text())
    h_um = truth.thickness_m * 1e6
    rec["thickness"].update(readings_um=[round(h_um, 4)] * 5, nominal_um=round(h_um, 4), resolution_um=0.0001,
                            u_calibration_um=0.001)
    rec["electrodes"]["diameter_mm"]["value"] = round(2e3 * math.sqrt(truth.area_m2 / math.pi), 3)
    path.write_text(yaml.safe_dump(rec, sort_keys=False))
    return path


def _issue(tmp_path: Path, seed: int, n_sweeps: int):  # type: ignore[no-untyped-def]
    tmp_path.mkdir(parents=True, exist_ok=True)
    truth = drifting_sweeps(seed, n_sweeps)
    sample = _sample_of(truth, tmp_path / "sample.yaml")
    paths = []
    for i, s in enumerate(truth.sweeps):
        p = tmp_path / f"sweep{i}.csv"
        np.savetxt(p, np.column_stack([s.frequency_Hz, s.z_real_ohm, s.z_imag_ohm]), delimiter=",")
        paths.append(p)
    ses = write_session(with_stated_temperature(import_files(paths), 298.15), tmp_path / "session", sample)
    return certify(ses, sample=sample, out=tmp_path / "cert", register=False, render=False, draft=True)


def test_a_drifting_film_gets_no_conductivity_and_the_certificate_says_why(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    assert drifting_sweeps(7).drift_per_sweep < -0.05  # resistances fall 7 % per sweep
    issued = _issue(tmp_path, 7, 3)
    cert = issued.certificate
    assert issued.outcome == "inconclusive"
    assert not any(r.quantity.startswith("ionic_conductivity") or r.quantity == "asr_electrolyte" for r in cert.results)
    sigma = [c for c in cert.conformity if c.result_ref == "ionic_conductivity_total"]
    assert sigma and all(c.outcome == "inconclusive" for c in sigma)
    assert "never passed" in sigma[0].text
    fq = cert.fit_quality
    assert len(fq) == 3 and all("differ beyond their noise" in f.stationarity for f in fq[:2]) and fq[2].stationarity == ""
    assert any("not_stationary" in f for f in issued.findings.flags)
    assert not any(NOT_REPEATED in d for m in cert.methods for d in m.deviations)


def test_agreeing_repeats_are_shown_and_a_single_sweep_is_a_deviation(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    repeated = _issue(tmp_path / "a", 0, 2).certificate
    assert drifting_sweeps(0).drift_per_sweep == 0
    assert "agree within their noise" in repeated.fit_quality[0].stationarity
    total = next(r for r in repeated.results if r.quantity == "ionic_conductivity_total")
    truth = drifting_sweeps(0, 2).sigma_total[0][0]  # a still film: the one state of every sweep
    scale = {"S/cm": 1e-2, "S/m": 1.0}[total.unit]
    assert abs(total.value - truth * scale) <= total.U, (total.value, total.U, truth * scale)
    assert not any(NOT_REPEATED in d for m in repeated.methods for d in m.deviations)
    single = _issue(tmp_path / "b", 0, 1).certificate
    eis = next(m for m in single.methods if m.id == "EIS")
    assert any(NOT_REPEATED in d and "stationarity" in d for d in eis.deviations)
    assert single.fit_quality[0].stationarity == ""


def _run_cold_start(tmp_path: Path, window: str):  # type: ignore[no-untyped-def]
    session = cold_start_session(tmp_path, window)
    return certify(session, out=tmp_path / "cert", register=False, render=False, draft=True)


def test_sweeping_before_the_sample_settles_is_inconclusive_on_the_twin(tmp_path, monkeypatch) -> None:
    """The stage starts at 15 °C; a 1 s stability window lets the sweeps start while the sample
    (25 s behind the sensor) is still warming, although every sweep records 25.0–25.1 °C. The code
    before the stationarity rule signed σ_total 12 % low there, 6.8 U from the twin's truth; the
    repeats show the change (χ²/2N 20–60), so nothing is signed. With the 2 min window of rt-eis the
    same bench is stationary (χ²/2N 0.65–0.86) and σ_total agrees with the truth."""
    from ssbcert.sim_instruments.sample import VirtualSample

    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    hasty = _run_cold_start(tmp_path / "hasty", "1 s")
    fq = hasty.certificate.fit_quality
    assert all(abs(f.temperature_K - 298.15) < 0.25 for f in fq)  # the sensor says 25.0–25.1 °C throughout
    assert "differ beyond their noise" in fq[0].stationarity
    assert not any(r.quantity == "ionic_conductivity_total" for r in hasty.certificate.results)
    # the reason printed is the drift, even where it also structured the residuals (the runs test)
    assert "changed while it was measured" in hasty.findings.withheld["ionic_conductivity_total"]

    settled = _run_cold_start(tmp_path / "settled", "2 min")
    assert all("agree within their noise" in f.stationarity for f in settled.certificate.fit_quality[:2])
    total = next(r for r in settled.certificate.results if r.quantity == "ionic_conductivity_total")
    truth = VirtualSample.preset("LLZO").truth(298.15).sigma_total_S_per_m / 100  # S/cm
    assert abs(total.value - truth) <= total.U
