"""A thickness on fewer points than the sampling plan asks (certification.md §4.2): the shortfall is a
deviation, and by the lab's policy every decision resting on the thickness is inconclusive."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssbcert.analysis.geometry import ParallelStrips
from ssbcert.certify import certify
from ssbcert.certify.findings import Finding, Findings
from ssbcert.certify.inputs import gather
from ssbcert.certify.sampling import results_resting_on_thickness
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from ssbcert.lab import demo_lab_profile
from ssbcert.properties.thickness import SAMPLING_PLAN_MIN_POINTS, below_sampling_plan
from ssbcert.sample.loader import load_sample
from ssbcert.session import load_session
from ssbcert.uncertainty import Measured

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "ssbcert" / "data" / "default_sample.yaml"  # profilometer, 5 points
SPECTRUM = ROOT / ".." / "shared" / "fixtures" / "vendor_formats" / "Circuit1_EIS_1.z"  # read in place


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))


def _sample(tmp_path: Path, readings: list[float]) -> Path:
    text = re.sub(r"readings_um: \[[^\]]*\]", f"readings_um: {readings}", SAMPLE.read_text(encoding="utf-8"))
    p = tmp_path / f"sample-{len(readings)}.yaml"
    p.write_text(re.sub(r"\n  positions: \[[^\]]*\]", "", text), encoding="utf-8")
    return p


def _session(tmp_path: Path) -> Path:
    return write_session(with_stated_temperature(import_files([SPECTRUM]), 298.15), tmp_path / "session", SAMPLE)


def test_the_plan_names_the_count_and_the_minimum() -> None:
    assert SAMPLING_PLAN_MIN_POINTS["sem"] == 10 and SAMPLING_PLAN_MIN_POINTS["profilometer"] == 3
    assert below_sampling_plan("profilometer", 3) is None
    assert below_sampling_plan("micrometer", 5) is None
    assert below_sampling_plan("sem", 9) == "9 sem points; the sampling plan asks for ≥ 10 (certification.md §4.2)"
    assert below_sampling_plan("profilometer", 1).startswith("1 profilometer point;")


def test_what_rests_on_the_thickness_follows_the_data(tmp_path: Path) -> None:
    """σ through the cell constant, ASR only where h/K depends on h, sample properties computed from
    h; never an activation energy or t_ion (h cancels), nor a property that does not use h."""
    inputs = gather(load_session(_session(tmp_path)), load_sample(SAMPLE), SAMPLE)
    m = Measured(1.0, 0.1, "1", "test")
    findings = Findings(None, None, None, None, items=[
        Finding("sigma_total_25C", "ionic_conductivity_total", m), Finding("asr_25C", "asr_electrolyte", m),
        Finding("ea_total", "activation_energy_total", m), Finding("sigma_e", "electronic_conductivity", m),
        Finding("t_ion", "ionic_transference_number", m)])
    resting = results_resting_on_thickness(inputs, findings)
    assert {"sigma_total_25C", "sigma_e"} <= resting
    assert not {"asr_25C", "ea_total", "t_ion"} & resting  # through-plane: ASR = h/σ = R·A
    assert {"thickness_mean", "thickness_sd", "thickness_nonuniformity_range", "film_density_gravimetric",
            "relative_density"} <= resting
    # ρ·h with ρ = m/(A·h) gravimetric is m/A: h cancels, and the nudge sees it
    assert not {"density_theoretical", "indentation_hardness", "electrolyte_areal_mass"} & resting
    inputs.geometry = ParallelStrips(gap_m=1e-4, length_m=5e-3, thickness_m=25e-6)
    assert {"sigma_total_25C", "asr_25C"} <= results_resting_on_thickness(inputs, findings)  # in-plane: ASR ∝ h²


def _entries(issued, ref: str):  # type: ignore[no-untyped-def]
    return [c for c in issued.certificate.conformity if c.result_ref == ref]


def _deviations(issued) -> list[str]:  # type: ignore[no-untyped-def]
    return [d for m in issued.certificate.methods for d in m.deviations]


def test_short_thickness_makes_dependent_decisions_inconclusive(tmp_path: Path) -> None:
    ses = _session(tmp_path)
    full = certify(ses, sample=_sample(tmp_path, [24.8, 25.2, 25.1, 24.9, 25.0]), out=tmp_path / "c5",
                   register=False, render=False, draft=True)
    assert [c.outcome for c in _entries(full, "relative_density")] == ["pass"]
    assert not any("sampling plan" in d for d in _deviations(full))

    short = certify(ses, sample=_sample(tmp_path, [24.99, 25.01]), out=tmp_path / "c2",
                    register=False, render=False, draft=True)
    assert "thickness measured on 2 profilometer points; the sampling plan asks for ≥ 3 (certification.md §4.2)" \
        in _deviations(short)
    for ref in ("relative_density", "thickness_nonuniformity_range"):
        (entry,) = _entries(short, ref)
        assert entry.outcome == "inconclusive"
        assert entry.text.startswith("Inconclusive by laboratory policy: the result rests on the thickness, measured on 2")
        assert "Without the policy the outcome would be pass." in entry.text


def test_flag_policy_keeps_the_outcome_and_still_lists_the_deviation(tmp_path: Path) -> None:
    lab = demo_lab_profile()
    lab = lab.model_copy(update={"policy": lab.policy.model_copy(update={"thickness_below_sampling_plan": "flag"})})
    issued = certify(_session(tmp_path), sample=_sample(tmp_path, [24.99, 25.01]), out=tmp_path / "c",
                     register=False, render=False, lab=lab, draft=True)
    assert [c.outcome for c in _entries(issued, "relative_density")] == ["pass"]
    assert any(d.startswith("thickness measured on 2 profilometer points") for d in _deviations(issued))


def _valid_sigma_session(tmp_path: Path) -> Path:
    """One R‖CPE arc well inside 0.1 Hz–10 MHz with a blocking electrode, 0.1 % noise: σ_total valid."""
    import numpy as np

    f = np.logspace(7, -1, 33)
    jw = 2j * np.pi * f
    z = (2e4 / (1 + 2e4 * 1e-10 * jw ** 0.95) + 1 / (1e-4 * jw ** 0.9)) * (1 + 1e-3 * np.random.default_rng(3).normal(size=f.size))
    csv = tmp_path / "arc.csv"
    csv.write_text("freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm\n" + "".join(f"{float(a)!r},{float(b.real)!r},{float(-b.imag)!r}\n" for a, b in zip(f, z)),
                   encoding="utf-8")
    return write_session(with_stated_temperature(import_files([csv]), 298.15), tmp_path / "arc-session", SAMPLE)


def test_sigma_from_a_short_thickness_is_not_signed_as_conforming(tmp_path: Path) -> None:
    ses = _valid_sigma_session(tmp_path)
    full = certify(ses, sample=SAMPLE, out=tmp_path / "c5", register=False, render=False, draft=True)
    assert {c.outcome for c in _entries(full, "sigma_total_25C")} - {"inconclusive"}  # decided on the numbers
    short = certify(ses, sample=_sample(tmp_path, [24.99, 25.01]), out=tmp_path / "c2", register=False, render=False,
                    draft=True)
    sigma = _entries(short, "sigma_total_25C")
    assert sigma and all(c.outcome == "inconclusive" and "rests on the thickness" in c.text for c in sigma)
    # through-plane ASR = R·A does not rest on h: it keeps the decision its numbers give
    assert [c.outcome for c in _entries(short, "asr_25C")] == [c.outcome for c in _entries(full, "asr_25C")] != []
    ea = [c for c in short.certificate.conformity if c.result_ref.startswith("ea_")]
    assert all("rests on the thickness" not in c.text for c in ea)
