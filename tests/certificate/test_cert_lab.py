"""Lab profile, drafts, instrument calibration policy and spectrum names: the issuing side of a certificate."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Conformity, InstrumentSnapshot, Limit
from ssbcert.certificate.names import spectrum_names
from ssbcert.certificate.render_html import render_html
from ssbcert.certificate.render_pdf import render_pdf
from ssbcert.certify import certify
from ssbcert.certify.assemble import IssuerInfo
from ssbcert.certify.calibration import apply_calibration_policy
from ssbcert.errors import InputError
from ssbcert.importers.api import import_files, with_stated_temperature
from ssbcert.importers.session import write_session
from ssbcert.lab import demo_lab_profile, load_lab_profile

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "ssbcert" / "data" / "default_sample.yaml"
LAB = """name: Example Ionics Lab
address: 1 Example Street, Example City
accreditation: {body: DAkkS, number: D-PL-00000-01-00}
signatories:
  - {name: Dr. A. Example, role: technical manager}
  - {name: B. Second, role: deputy, key_fingerprint: "SHA256:not-the-signing-key"}
"""


def _lab(tmp_path: Path, text: str = LAB) -> Path:
    p = tmp_path / "lab.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _session(tmp_path: Path) -> Path:
    result = with_stated_temperature(import_files([ROOT / ".." / "shared" / "fixtures" / "vendor_formats" / "Circuit1_EIS_1.z"]), 298.15)
    return write_session(result, tmp_path / "session", SAMPLE)


def test_lab_profile_loads_and_bad_profiles_name_file_line_field(tmp_path: Path) -> None:
    lab = load_lab_profile(_lab(tmp_path))
    assert lab.signatory().name == "Dr. A. Example" and lab.accreditation and lab.accreditation.body == "DAkkS"
    with pytest.raises(InputError, match="not an authorised signatory"):
        lab.signatory("Nobody")
    bad = _lab(tmp_path, LAB.replace("signatories:\n  - {name: Dr. A. Example, role: technical manager}\n"
                                     "  - {name: B. Second, role: deputy, key_fingerprint: \"SHA256:not-the-signing-key\"}\n",
                                     "signatories: []\n"))
    with pytest.raises(InputError) as exc:
        load_lab_profile(bad)
    assert "lab.yaml" in str(exc.value) and "signatories" in str(exc.value)
    with pytest.raises(InputError, match="svg"):
        load_lab_profile(_lab(tmp_path, LAB + "logo: logo.png\n"))
    with pytest.raises(InputError, match="logo file not found"):
        load_lab_profile(_lab(tmp_path, LAB + "logo: missing.svg\n"))
    assert demo_lab_profile().fictitious


def test_certify_refuses_without_lab_profile_before_any_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ses = _session(tmp_path)
    with pytest.raises(InputError, match="no lab profile"):
        certify(ses, sample=SAMPLE, register=False, render=False)
    with pytest.raises(InputError, match="not an authorised signatory"):
        certify(ses, sample=SAMPLE, register=False, render=False, lab=_lab(tmp_path), signatory="Nobody")
    # a signatory bound to a key does not sign with another one
    with pytest.raises(InputError, match="not the signatory's key"):
        certify(ses, sample=SAMPLE, out=tmp_path / "c0", register=False, render=False, lab=_lab(tmp_path), signatory="B. Second")
    issued = certify(ses, sample=SAMPLE, out=tmp_path / "c1", register=False, render=False, lab=_lab(tmp_path))
    cert = issued.certificate
    assert not cert.draft and cert.issuer.name == "Example Ionics Lab"
    assert cert.authorization[0].name == "Dr. A. Example" and '"draft":false' in issued.json_path.read_text()


def test_draft_is_watermarked_on_every_page_and_marked_in_json(tmp_path: Path) -> None:
    info = IssuerInfo(draft=True)
    assert "draft" in info.issuer().name
    with pytest.raises(InputError, match="--draft"):
        IssuerInfo().issuer()
    cert = example_certificate(with_figures=False).model_copy(update={"draft": True})
    assert cert.document()["draft"] is True
    doc = pdfium.PdfDocument(render_pdf(cert, figures=[]))
    for i in range(len(doc)):
        assert "DRAFT" in doc[i].get_textpage().get_text_range(), f"page {i + 1} has no DRAFT watermark"
    assert 'class="watermark"' in render_html(cert, figures=[])
    final = example_certificate(with_figures=False)
    assert "DRAFT" not in pdfium.PdfDocument(render_pdf(final, figures=[]))[0].get_textpage().get_text_range()


def test_fictitious_lab_is_said_on_every_page() -> None:
    cert = example_certificate(with_figures=False)
    cert = cert.model_copy(update={"issuer": cert.issuer.model_copy(update={"fictitious": True})})
    doc = pdfium.PdfDocument(render_pdf(cert, figures=[]))
    for i in range(len(doc)):
        assert "Fictitious laboratory" in doc[i].get_textpage().get_text_range()
    assert "FICTITIOUS LABORATORY" in render_html(cert, figures=[])


def _conf(ref: str, outcome: str = "pass") -> Conformity:
    return Conformity(result_ref=ref, spec_ref="spec", limit=Limit(type="lower", value=1e-4, unit="S/cm"),
                      decision_rule="guarded", outcome=outcome)  # type: ignore[arg-type]


def test_expired_calibration_makes_dependent_decisions_inconclusive() -> None:
    due = dt.date(2026, 1, 1)
    insts = [InstrumentSnapshot(role="impedance", idn="X,Y,1,2", calibration_certificate="CAL-1", calibration_due=due,
                                calibration_status="expired"),
             InstrumentSnapshot(role="dc", idn="K,2450,3,4", calibration_status="in_date")]
    roles = {"sigma": {"impedance", "temperature"}, "sigma_e": {"dc", "temperature"}, "density": set()}
    conf = [_conf("sigma"), _conf("sigma_e"), _conf("density")]
    out, deviations = apply_calibration_policy(conf, insts, roles, "inconclusive")
    assert [c.outcome for c in out] == ["inconclusive", "pass", "pass"]
    assert "calibration had expired" in out[0].text and "would be pass" in out[0].text
    assert deviations and "CAL-1" in deviations[0] and "2026-01-01" in deviations[0]
    flagged, dev2 = apply_calibration_policy(conf, insts, roles, "flag")
    assert [c.outcome for c in flagged] == ["pass", "pass", "pass"] and dev2 == deviations
    assert apply_calibration_policy(conf, insts[1:], roles, "inconclusive") == (conf, [])


def test_bench_calibration_is_validated() -> None:
    from ssbcert.bench import default_bench
    from ssbcert.bench.config import load_bench_text

    cal = default_bench().instruments["impedance"].calibration
    assert cal is not None and cal.due > cal.date and cal.certificate.startswith("FICT-CAL")
    text = ("name: b\nsim: true\ninstruments:\n  impedance:\n    driver: keysight_e4990a\n"
            "    calibration: {date: 2026-05-01, due: 2025-05-01, certificate: C1}\n")
    with pytest.raises(InputError, match="due"):
        load_bench_text(text, "bench.yaml")


def test_spectrum_names_follow_the_ramp() -> None:
    temps = [298.15, 273.15, 253.15, 298.15, 323.15, 298.15, 298.15]
    assert spectrum_names(temps) == ["25 °C, cooling, sweep 1", "0 °C, cooling, sweep 1", "-20 °C, cooling, sweep 1",
                                     "25 °C, heating, sweep 1", "50 °C, heating, sweep 1", "25 °C, cooling, sweep 2",
                                     "25 °C, cooling, sweep 3"]
    assert spectrum_names([298.15]) == ["25 °C, sweep 1"]
    assert spectrum_names([None, 298.15]) == ["spectrum 1", "25 °C, sweep 1"]


def test_svg_logo_from_the_lab_profile_heads_the_html(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    lab = load_lab_profile(_lab(tmp_path, LAB + "logo: logo.svg\n"))
    html = render_html(example_certificate(with_figures=False), figures=[], logo_svg=lab.logo_svg())
    assert '<div class="logo"><img alt="laboratory logo" src="data:image/svg+xml;base64,' in html
    assert '<div class="logo">' not in render_html(example_certificate(with_figures=False), figures=[])
