"""The README's main job, as a user runs it: `ssbcert demo` on the embedded simulated bench.

Checks what the user takes away: a certificate JSON that validates against the published schema
(independent validator), a PDF whose every page renders with ink on it, a signature that verifies,
the registry entry, and numbers that agree with the virtual sample's ground truth.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pypdfium2 as pdfium
import pytest

from ssbcert.sim_instruments.sample import PRESETS


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "SSBCERT_HOME": str(root / "home"), "COLUMNS": "120"}
    proc = subprocess.run([sys.executable, "-m", "ssbcert", "demo", "--out", str(root / "out")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    cert_dir = root / "out" / "certificate"
    return {"root": root, "env": env, "stdout": proc.stdout, "json": next(cert_dir.glob("certificate-*.json")),
            "pdf": next(cert_dir.glob("certificate-*.pdf")), "html": next(cert_dir.glob("certificate-*.html"))}


def test_json_validates_against_published_schema(demo) -> None:
    schema = json.loads(subprocess.run([sys.executable, "-m", "ssbcert", "schema", "certificate"], env=demo["env"],
                                       capture_output=True, text=True, check=True).stdout)
    doc = json.loads(Path(demo["json"]).read_text())
    jsonschema.validate(doc, schema)
    assert doc["integrity"]["algorithm"] == "Ed25519" and doc["end_of_report"] is True


def test_every_pdf_page_renders_with_ink(demo) -> None:
    pdf = pdfium.PdfDocument(str(demo["pdf"]))
    assert len(pdf) >= 3
    for i in range(len(pdf)):
        img = np.asarray(pdf[i].render(scale=0.5).to_pil().convert("L"), dtype=float)
        ink = (img < 200).mean()
        assert ink > 0.005, f"page {i + 1} is blank ({ink:.4f} of pixels inked)"
        assert img.std() > 5.0


def test_signature_and_raw_data_verify(demo) -> None:
    out = subprocess.run([sys.executable, "-m", "ssbcert", "verify", str(demo["json"])], env=demo["env"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_registry_holds_the_certificate(demo) -> None:
    out = subprocess.run([sys.executable, "-m", "ssbcert", "registry", "list"], env=demo["env"], capture_output=True,
                         text=True, check=True)
    assert "DEMO-LLZO-F25" in out.stdout


def test_numbers_match_the_virtual_sample(demo) -> None:
    doc = json.loads(Path(demo["json"]).read_text())
    res = {r["id"]: r for r in doc["results"]}
    llzo = PRESETS["LLZO"]
    sigma_b = llzo.sigma_bulk_S_per_m / 100  # S/cm at 25 °C
    sigma_gb = llzo.sigma_gb_S_per_m / 100
    sigma_t = 1 / (1 / sigma_b + 1 / sigma_gb)
    # the sample sits ~0.01 K off 25 °C and the fit has noise: a few per cent at most
    assert res["sigma_total_25C"]["value"] == pytest.approx(sigma_t, rel=0.03)
    assert res["sigma_bulk_25C"]["value"] == pytest.approx(sigma_b, rel=0.03)
    assert res["ea_bulk"]["value"] == pytest.approx(llzo.ea_bulk_eV, abs=0.02)
    assert res["ea_gb"]["value"] == pytest.approx(llzo.ea_gb_eV, abs=0.02)
    assert res["asr_25C"]["value"] == pytest.approx(25e-4 / sigma_t, rel=0.04)  # Ω·cm² = h/σ
    assert res["sigma_e"]["value"] == pytest.approx(llzo.sigma_electronic_S_per_m / 100, rel=0.1)
    assert "overall: PASS" in demo["stdout"]


def test_every_limit_prints_in_its_results_unit(demo) -> None:
    """Page 1 of the demo: a result and its limit are in one unit ('97.5 ± 1.5 %' against '≥ 95 %')."""
    from ssbcert.certificate.model import Certificate
    from ssbcert.certificate.view import result_rows

    cert = Certificate.model_validate_json(Path(demo["json"]).read_text())
    units = {r.id: r.unit for r in cert.results}
    assert cert.conformity and all(c.limit.unit == units[c.result_ref] for c in cert.conformity if c.result_ref in units)
    rows = {r.id: r for r in result_rows(cert)}
    assert rows["relative_density"].unit == "%" and rows["relative_density"].limit_text.startswith("≥ 95 %")
    assert rows["asr_25C"].unit == "Ω·cm²" and "Ω·cm²" in rows["asr_25C"].limit_text
    html = Path(demo["html"]).read_text(encoding="utf-8")
    assert "mg/cm^2" not in html and "ohm*cm^2" not in html


def test_demo_certificate_is_from_a_fictitious_lab_with_calibrated_equipment(demo) -> None:
    doc = json.loads(Path(demo["json"]).read_text())
    assert doc["draft"] is False and doc["issuer"]["fictitious"] is True
    assert {i["calibration_status"] for i in doc["instruments"]} == {"in_date"}
    pdf = pdfium.PdfDocument(str(demo["pdf"]))
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert all("Fictitious laboratory" in t for t in texts)
    assert 1 <= next(i for i, t in enumerate(texts) if "Annex A" in t) <= 3  # at most 3 summary pages
    assert "FICT-CAL-E4990A-0001" in "".join(texts)


def test_demo_pdf_embeds_all_fonts_and_holds_no_raster(demo) -> None:
    fonts = subprocess.run(["pdffonts", str(demo["pdf"])], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    images = subprocess.run(["pdfimages", "-list", str(demo["pdf"])], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2, images


def test_demo_exports_validate(demo, tmp_path) -> None:
    import xmlschema

    schemas = Path(__file__).resolve().parents[2] / ".." / "shared" / "schemas" / "dcc-3.0.0"
    out = tmp_path / "c.dcc.xml"
    subprocess.run([sys.executable, "-m", "ssbcert", "export", str(demo["json"]), "--format", "dcc", "--out", str(out)],
                   env=demo["env"], check=True, capture_output=True)
    xmlschema.XMLSchema(str(schemas / "dcc.xsd"), locations={"https://ptb.de/si": str(schemas / "SI_Format.xsd")}).validate(str(out))
    doc = json.loads(Path(demo["json"]).read_text())
    import xml.etree.ElementTree as ET

    si = "{https://ptb.de/si}"
    reals = {e.findtext(si + "label"): e for e in ET.parse(out).getroot().iter(si + "real")}
    for r in doc["results"]:  # value, U and k round-trip exactly for every result
        e = reals[r["id"]]
        assert float(e.findtext(si + "value")) == r["value"]  # type: ignore[arg-type]
        assert float(e.findtext(f"{si}expandedUnc/{si}uncertainty")) == r["U"]  # type: ignore[arg-type]
        assert float(e.findtext(f"{si}expandedUnc/{si}coverageFactor")) == r["k"]  # type: ignore[arg-type]
    session = next((Path(demo["root"]) / "out").glob("session-*"))
    bdf = tmp_path / "dc.csv"
    subprocess.run([sys.executable, "-m", "ssbcert", "export", str(session), "--format", "bdf", "--out", str(bdf)],
                   env=demo["env"], check=True, capture_output=True)
    head = bdf.read_text().splitlines()
    assert head[0].startswith("Test Time / s,Voltage / V,Current / A") and len(head) > 10


def test_demo_repeats_agree_and_only_repeats_are_compared(demo) -> None:
    """The room-temperature step sweeps three times on the twin: the two comparisons pass the
    stationarity rule and print in Annex C (PDF and HTML); sweeps of different loop steps (heating
    and cooling through one temperature) are never compared."""
    doc = json.loads(Path(demo["json"]).read_text())
    compared = [f for f in doc["fit_quality"] if f["stationarity"]]
    assert len(compared) == 2 and all("agree within their noise" in f["stationarity"] for f in compared)
    assert [f["spectrum_ref"] for f in compared] == [f["spectrum_ref"] for f in doc["fit_quality"][:2]]
    assert all(abs(f["temperature_K"] - 298.15) < 0.1 for f in compared)
    assert not any("not repeated" in d for m in doc["methods"] for d in m.get("deviations", []))
    pdf = pdfium.PdfDocument(str(demo["pdf"]))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert text.count("Stationarity:") == 2
    assert Path(demo["html"]).read_text().count('class="stationarity"') == 2
