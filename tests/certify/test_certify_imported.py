"""Certificates from data measured elsewhere: import → certify, and honest verdicts when data fail."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssbcert.certificate import verify
from ssbcert.certify import certify
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from ssbcert.errors import InputError
from certify_helpers import assert_sigma_total_inconclusive

FIX = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "vendor_formats"  # read in place, never copied
SAMPLE = Path(__file__).resolve().parents[2] / "ssbcert" / "data" / "default_sample.yaml"


def _session(tmp_path: Path, name: str, temperature_C: float | None) -> Path:
    result = import_files([FIX / name])
    if temperature_C is not None:
        result = with_stated_temperature(result, temperature_C + 273.15)
    return write_session(result, tmp_path / "session", SAMPLE)


def test_stated_temperature_fills_only_missing_values(tmp_path) -> None:
    result = import_files([FIX / "exampleDataGamry.DTA"])
    assert result.spectra[0].temperature_K is None
    filled = with_stated_temperature(result, 298.15)
    assert filled.spectra[0].temperature_K == 298.15
    assert filled.spectra[0].meta["temperature_source"] == "operator-stated"
    assert any("stated by the operator" in w for w in filled.provenance[0].warnings)
    # a stated temperature is never overwritten
    again = with_stated_temperature(filled, 350.0)
    assert again.spectra[0].temperature_K == 298.15
    with pytest.raises(InputError, match="temperature out of range"):
        with_stated_temperature(result, -5.0)


def test_spectrum_without_temperature_is_refused_with_its_record(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    ses = _session(tmp_path, "exampleDataGamry.DTA", None)
    with pytest.raises(InputError, match="temperature"):
        certify(ses, sample=SAMPLE, register=False, render=False, draft=True)


def test_failed_kk_gives_inconclusive_not_pass(tmp_path, monkeypatch) -> None:
    """The Gamry example fails lin-KK (drift): no conductivity may be reported, so the verdict
    on the required conductivity items is inconclusive and so is the whole certificate."""
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    ses = _session(tmp_path, "exampleDataGamry.DTA", 25.0)
    issued = certify(ses, sample=SAMPLE, out=tmp_path / "cert", register=False, render=False, draft=True)
    cert = issued.certificate
    sigma = assert_sigma_total_inconclusive(issued)
    assert cert.fit_quality[0].kk_pass is False
    assert any("kk_failed" in f for f in issued.findings.flags)
    # what was measured is still there and signed, with the imported file's hash chain intact
    assert verify(issued.json_path).ok


def test_one_thickness_reading_states_the_thickness_but_no_spread(tmp_path, monkeypatch) -> None:
    """One reading gives a mean with a Type-B uncertainty, but no SD or non-uniformity: those are
    not reported (never NaN), and a spec item on non-uniformity is inconclusive, not a crash."""
    import re

    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    one = tmp_path / "one_reading.yaml"
    text = SAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"readings_um: \[[^\]]*\]", "readings_um: [25.0]", text)
    one.write_text(re.sub(r"\n  positions: \[[^\]]*\]", "", text), encoding="utf-8")
    ses = _session(tmp_path, "exampleDataGamry.DTA", 25.0)
    issued = certify(ses, sample=one, out=tmp_path / "cert", register=False, render=False, draft=True)
    quantities = {r.quantity for r in issued.certificate.results}
    assert "thickness_mean" in quantities
    assert not quantities & {"thickness_sd", "thickness_nonuniformity_range", "thickness_nonuniformity_1sigma"}
    spread = [c for c in issued.certificate.conformity if c.result_ref.startswith("thickness_nonuniformity")]
    assert all(c.outcome == "inconclusive" for c in spread)
