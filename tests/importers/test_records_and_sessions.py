"""Records CSV round trip, temperature-series ordering, all-or-nothing import, session writing, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from ssbcert.errors import InputError
from ssbcert.importers import FilesRejected, ImportResult, Provenance, import_files, read_file, write_records_csv
from ssbcert.importers.cli import register
from ssbcert.importers.session import PROVENANCE_FILE, write_session
from ssbcert.session.export import export_csv
from ssbcert.session.reader import load_session
from ssbcert.session.store import RECORDS, verify_manifest
from ssbcert.records import ImpedanceSpectrum
from importer_paths import PROJECT_FIXTURES, VENDOR

FIXTURES = PROJECT_FIXTURES
ALL_GOOD = sorted(p for p in VENDOR.iterdir() if p.suffix.lower() in (".z", ".csv", ".mpt", ".mpr", ".dta", ".par", ".txt")
                  and "MissingFreq" not in p.name and not p.name.startswith("LICENSE"))


def test_every_fixture_round_trips_through_records_csv(tmp_path):
    result = import_files(ALL_GOOD)
    assert len(result.spectra) == len(ALL_GOOD)
    path = tmp_path / "records.csv"
    write_records_csv(result.spectra, path)
    again = import_files([path])
    assert again.provenance[0].reader == "ssbcert-records-csv"
    assert again.spectra == result.spectra  # ImpedanceSpectrum equality is exact (array_equal, meta ==)


finite = st.floats(allow_nan=False, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.tuples(finite, finite, finite, finite), min_size=1, max_size=8),
    temperature=st.none() | st.floats(allow_nan=False, allow_infinity=False),
    with_time=st.booleans(),
    meta=st.dictionaries(st.text(max_size=5), st.none() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                         max_size=3),
)
def test_records_csv_is_bit_exact(tmp_path_factory, rows, temperature, with_time, meta):
    f, zr, zi, t = (list(c) for c in zip(*rows))
    s = ImpedanceSpectrum(f, zr, zi, temperature_K=temperature, time_s=t if with_time else None, meta=meta)
    path = tmp_path_factory.mktemp("rt") / "r.csv"
    write_records_csv([s, s], path)
    spectra, _ = read_file(path)
    assert spectra == [s, s]
    assert all(np.array_equal(np.signbit(a.z_imag_ohm), np.signbit(s.z_imag_ohm)) for a in spectra)  # -0.0 kept


def test_meta_that_json_would_change_is_refused(tmp_path):
    s = ImpedanceSpectrum([1.0], [1.0], [-1.0], meta={"pair": (1, 2)})
    with pytest.raises(ValueError, match="meta does not survive JSON"):
        write_records_csv([s], tmp_path / "x.csv")


def _one_temperature_file(tmp_path: Path, name: str, celsius: float) -> Path:
    p = tmp_path / name
    p.write_text(f"Novocontrol\nTemperature: {celsius} °C\nFreq [Hz]\tZ' [Ohm]\tZ'' [Ohm]\n1000\t{celsius}\t-1\n10\t2\t-3\n",
                 encoding="utf-8")
    return p


def test_temperature_series_from_many_files_is_one_ordered_set(tmp_path):
    files = [_one_temperature_file(tmp_path, f"t{c}.txt", c) for c in (80, 25, 50)]
    result = import_files(files + [FIXTURES / "novocontrol_style.txt"])
    temps = [s.temperature_K for s in result.spectra]
    assert temps == sorted(temps)
    assert result.is_temperature_series
    groups = result.temperature_groups()
    assert list(groups) == sorted(groups)
    # two spectra at 25 °C (one per file) stay in file order within their group
    assert [result.provenance[i].source_path for i in groups[298.15]] == [str(files[1]), str(FIXTURES / "novocontrol_style.txt")]
    assert any("temperature series" in w for w in result.warnings)


def test_rejected_files_are_all_reported_and_nothing_is_imported(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("freq/Hz,Z'/ohm,Z''/ohm\n1,2,3\n1,2\n")
    with pytest.raises(FilesRejected) as exc:
        import_files([VENDOR / "exampleData.csv", bad, VENDOR / "exampleDataBioLogic_MissingFreq.mpt", tmp_path / "nope.z"])
    assert len(exc.value.errors) == 3
    assert isinstance(exc.value, InputError)


def test_write_session_keeps_records_and_provenance(tmp_path):
    result = import_files([VENDOR / "exampleDataGamryABORT.DTA", VENDOR / "exampleDataBioLogic.mpr"])
    sample = tmp_path / "sample.yaml"
    sample.write_text("id: S1\n")
    out = write_session(result, tmp_path / "session", sample)
    session = load_session(out)
    assert session.spectra() == result.spectra and session.complete
    assert session.sample == {"source": str(sample), "text": "id: S1\n"}
    assert verify_manifest(out) == []
    prov = json.loads((out / PROVENANCE_FILE).read_text())
    assert [r["reader"] for r in prov["records"]] == ["gamry-dta", "biologic-mpr"]
    assert prov["records"][0]["warnings"][0].startswith("experiment aborted")
    with pytest.raises(InputError, match="already holds a session"):
        write_session(result, out, sample)


def test_session_exported_to_csv_reimports_to_identical_records(tmp_path):
    """The session store's CSV export, read back by the CSV reader. That export carries no `meta`,
    so identity holds for records without meta; records CSV (write_records_csv) keeps meta too."""
    spectra = [ImpedanceSpectrum([1e6, 1e3, 0.1], [1.0, 2.5, 1 / 3], [-0.1, -1e-300, 2.0], temperature_K=t,
                                 time_s=None if t is None else [0.0, 1.5, 7.25])
               for t in (298.15, None, 350.0)]
    sample = tmp_path / "s.yaml"
    sample.write_text("id: S1\n")
    out = write_session(ImportResult(spectra, [_provenance(i) for i in range(3)]), tmp_path / "sess", sample)
    csv_path = export_csv(out, tmp_path / "export.csv")
    back, prov = read_file(csv_path)
    assert prov[0].reader == "ssbcert-session-csv"
    assert back == spectra


def _provenance(i: int) -> Provenance:
    return Provenance("x", "0" * 64, "test", i, None, None, None, {}, None)


def test_cli_import_command(tmp_path):
    app = typer.Typer()
    register(app)

    @app.command()
    def version() -> None:  # a second command so Typer keeps sub-command names
        pass

    sample = tmp_path / "s.yaml"
    sample.write_text("id: S1\n")
    runner = CliRunner()
    ok = runner.invoke(app, ["import", str(VENDOR / "exampleDataGamry.DTA"), "--sample", str(sample), "--out",
                             str(tmp_path / "sess")])
    assert ok.exit_code == 0, ok.output
    assert "72 points" in ok.output and (tmp_path / "sess" / RECORDS).exists()
    bad = runner.invoke(app, ["import", str(VENDOR / "exampleDataBioLogic_MissingFreq.mpt"), "--sample", str(sample),
                              "--out", str(tmp_path / "sess2")])
    assert bad.exit_code == 2 and "no frequency column" in bad.output
    assert not (tmp_path / "sess2").exists()


def test_cli_uses_an_injected_session_writer(tmp_path):
    seen = []
    app = typer.Typer()
    register(app, writer=lambda result, out, sample: seen.append((len(result.spectra), sample)) or out)

    @app.command()
    def version() -> None:
        pass

    r = CliRunner().invoke(app, ["import", str(VENDOR / "exampleData.csv"), "--sample", "s.yaml", "--out", str(tmp_path)])
    assert r.exit_code == 0 and seen == [(1, Path("s.yaml"))]


def test_committed_records_example_reads_back():
    spectra, prov = read_file(FIXTURES / "records_example.csv")
    assert prov[0].reader == "ssbcert-records-csv"
    assert [len(s) for s in spectra] == [4, 4, 30]
    assert [s.temperature_K for s in spectra] == [298.15, 323.15, None]
    assert spectra[0].meta["ac_amplitude_V_rms"] == 0.1


def test_committed_session_export_reads_back():
    spectra, prov = read_file(FIXTURES / "session_export_example.csv")
    assert prov[0].reader == "ssbcert-session-csv" and [s.temperature_K for s in spectra] == [298.15, 323.15, 400.0]
    reference, _ = read_file(FIXTURES / "novocontrol_style.txt")
    assert all(np.array_equal(a.z_imag_ohm, b.z_imag_ohm) for a, b in zip(spectra, reference))
