"""Exports from the one certificate model: DCC XML validated against PTB's XSD (offline), JSON-LD
expanded with pyld, results CSV; and a session's data as ZView .z and Battery Data Format CSV."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from pyld import jsonld

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.exports import export_certificate
from ssbcert.certificate.exports.dsi import dsi_unit
from ssbcert.certificate.exports.session_files import BDF_COLUMNS, export_session
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.units import DOMAIN_UNIT
from ssbcert.importers.api import import_files, read_file, with_stated_temperature
from ssbcert.importers.session import write_session

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / ".." / "shared" / "schemas" / "dcc-3.0.0"
NS = {"dcc": "https://ptb.de/dcc", "si": "https://ptb.de/si"}


@pytest.fixture(scope="module")
def dcc_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "dcc.xsd"), locations={"https://ptb.de/si": str(SCHEMAS / "SI_Format.xsd")})


@pytest.fixture(scope="module")
def cert() -> Certificate:
    return example_certificate(with_figures=False)


def dcc_round_trip(cert: Certificate, schema: xmlschema.XMLSchema) -> None:
    """The XML validates, and every result's value, U and k come back exactly."""
    text = export_certificate(cert, "dcc")
    schema.validate(text)
    root = ET.fromstring(text)
    reals = {r.findtext("si:label", namespaces=NS): r for r in root.iter("{https://ptb.de/si}real")}
    assert set(reals) == {r.id for r in cert.results}
    for r in cert.results:
        e = reals[r.id]
        assert float(e.findtext("si:value", namespaces=NS)) == r.value  # type: ignore[arg-type]
        assert float(e.findtext("si:expandedUnc/si:uncertainty", namespaces=NS)) == r.U  # type: ignore[arg-type]
        assert float(e.findtext("si:expandedUnc/si:coverageFactor", namespaces=NS)) == r.k  # type: ignore[arg-type]
        assert e.findtext("si:unit", namespaces=NS) == dsi_unit(r.unit)
    assert root.findtext("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier", namespaces=NS) == cert.certificate_id


def test_dcc_validates_against_the_ptb_xsd_and_round_trips(cert: Certificate, dcc_schema: xmlschema.XMLSchema) -> None:
    dcc_round_trip(cert, dcc_schema)
    draft = cert.model_copy(update={"draft": True})
    dcc_round_trip(draft, dcc_schema)
    assert "DRAFT" in export_certificate(draft, "dcc")


def test_dcc_rejects_what_the_schema_forbids(cert: Certificate, dcc_schema: xmlschema.XMLSchema) -> None:
    """The check can fail: a coverage factor below 1 breaks D-SI's kValueType."""
    bad = export_certificate(cert, "dcc").replace("<si:coverageFactor>2.0<", "<si:coverageFactor>0.5<", 1)
    assert bad != export_certificate(cert, "dcc")
    assert not dcc_schema.is_valid(bad)


def test_every_domain_unit_has_a_dsi_spelling() -> None:
    assert dsi_unit("S/cm") == r"\siemens\centi\metre\tothe{-1}"
    assert dsi_unit("ohm*cm^2") == r"\ohm\centi\metre\tothe{2}"
    assert dsi_unit("MPa*m^0.5") == r"\mega\pascal\metre\tothe{0.5}"
    assert dsi_unit("1") == r"\one" and dsi_unit("%") == r"\percent"
    for unit in DOMAIN_UNIT.values():
        assert dsi_unit(unit).startswith("\\")
    with pytest.raises(ValueError, match="no D-SI spelling"):
        dsi_unit("furlong/fortnight")


def test_jsonld_parses_as_jsonld_with_every_result(cert: Certificate) -> None:
    doc = json.loads(export_certificate(cert, "jsonld"))
    assert "@context" in doc
    expanded = jsonld.expand(doc)
    props = expanded[0]["https://schema.org/about"][0]["https://w3id.org/emmo#hasProperty"]
    values = sorted(p["http://qudt.org/schema/qudt/numericValue"][0]["@value"] for p in props)
    assert values == sorted(r.value for r in cert.results)


def test_results_csv_round_trips(cert: Certificate) -> None:
    rows = list(csv.DictReader(io.StringIO(export_certificate(cert, "csv"))))
    assert [r["result_id"] for r in rows] == [r.id for r in cert.results]
    for row, r in zip(rows, cert.results):
        assert float(row["value"]) == r.value and float(row["U"]) == r.U and float(row["k"]) == r.k
    with pytest.raises(ValueError, match="unknown export format"):
        export_certificate(cert, "xlsx")


def test_session_exports_zview_round_trip_and_bdf_columns(tmp_path: Path) -> None:
    from ssbcert.session import load_session

    result = with_stated_temperature(import_files([ROOT / ".." / "shared" / "fixtures" / "vendor_formats" / "Circuit1_EIS_1.z"]), 298.15)
    ses = write_session(result, tmp_path / "session", ROOT / "ssbcert" / "data" / "default_sample.yaml")
    [z] = export_session(ses, "zview", tmp_path / "out.z")
    spectra, _ = read_file(z)
    orig = load_session(ses).spectra()[0]
    assert list(spectra[0].frequency_Hz) == list(orig.frequency_Hz)
    assert list(spectra[0].z_imag_ohm) == list(orig.z_imag_ohm)
    assert export_session(ses, "csv", tmp_path / "r.csv")[0].read_text().startswith("# ssbcert session")
    from ssbcert.errors import InputError

    with pytest.raises(InputError, match="no DC trace"):
        export_session(ses, "bdf", tmp_path / "t.csv")
    # BDF rows are checked on a real DC trace in tests/e2e (the demo session)
    assert BDF_COLUMNS == ("Test Time / s", "Voltage / V", "Current / A")
