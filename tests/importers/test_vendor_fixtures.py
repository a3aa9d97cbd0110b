"""Every vendor example file imports; counts and first/last values are the ones written in the file."""
from __future__ import annotations


import numpy as np
import pytest

from ssbcert.errors import InputError
from ssbcert.importers import FilesRejected, import_files, read_file
from importer_paths import VENDOR


# file, reader, points, (f, Z', Z'') of first and last point as written (Z'' with physical sign),
# first/last data line. -Im(Z) files (BioLogic) are negated here by hand.
CASES = [
    ("Circuit1_EIS_1.z", "zplot-z", 48, (5.0e4, 29.036, 0.63662), (1.0, 75.803, -0.16244), (124, 171)),
    ("Circuit1_EIS_2.z", "zplot-z", 48, (5.0e4, 29.001, 0.5992), (1.0, 75.82, -0.17374), (124, 171)),
    ("Circuit2_EIS_1.z", "zplot-z", 56, (3.0e5, 147.77, -11.335), (1.0, 654.19, 0.64271), (124, 179)),
    ("Circuit2_EIS_2.z", "zplot-z", 56, (3.0e5, 147.68, -11.662), (1.0, 652.44, -2.118), (124, 179)),
    ("Circuit3_EIS_1.z", "zplot-z", 53, (1.5e5, 1493.7, 10.377), (1.0, 6137.5, 17.89), (124, 176)),
    ("Circuit3_EIS_2.z", "zplot-z", 53, (1.5e5, 1492.0, 11.789), (1.0, 6138.2, -10.151), (124, 176)),
    ("exampleDataZPlot.z", "zplot-z", 21, (3.0e5, 147.77, -11.335), (3.0e3, 613.68, -137.13), (124, 144)),
    ("exampleDataZPlot_noComments.z", "zplot-csv", 31, (3.0e5, 642.62, -85.821), (3.0e2, 1305.3, -195.01), (11, 41)),
    ("exampleDataAutolab.txt", "zplot-csv", 41, (1.0e4, 0.013785863964281, 0.007191946305823),
     (0.1, 0.0345697771923854, -0.00390292888845954), (12, 52)),
    ("exampleData.csv", "csv-table", 66, (3.162299999999999833e-03, 4.949989776405060160e-02, -2.043869854441892481e-02),
     (1.0e4, 1.577148266048593317e-02, 1.015747456493823649e-02), (1, 66)),
    ("exampleDataBioLogic.mpt", "biologic-mpt", 43, (1000.3201, 65.470886, -0.38998979),
     (0.01689554, 110.97003, -2.3458567), (62, 104)),
    ("exampleDataCHInstruments.txt", "chinstruments-txt", 73, (9.961e4, 98.91, -2.748), (0.1, 5685.0, -15860.0), (19, 91)),
    ("exampleDataGamry.DTA", "gamry-dta", 72, (200015.6, 825.8584, -1367.239), (0.0158898, 17007.49, -6635.557), (449, 520)),
    ("exampleDataGamryABORT.DTA", "gamry-dta", 72, (200015.6, 825.8584, -1367.239),
     (0.0158898, 17007.49, -6635.557), (100, 171)),
    ("exampleDataParstat.txt", "parstat-txt", 31, (1.0e4, -0.00049816280376104, 0.0175143479976367),
     (10.0, 0.0270946491457229, -0.00399791080333837), (783, 813)),
    ("exampleDataPowersuite.txt", "powersuite-txt", 30, (0.1, 423929.46, -49014.063), (2.0e6, -470.54113, -1397.7358), (3, 61)),
    ("exampleDataVersaStudio.par", "versastudio-par", 61, (1.0e5, 55.31571, 4.575431),
     (0.02154435, 1516.313, -122.8279), (117, 177)),
]


def _point(spectrum, k):
    return (spectrum.frequency_Hz[k], spectrum.z_real_ohm[k], spectrum.z_imag_ohm[k])


@pytest.mark.parametrize("name,reader,n,first,last,lines", CASES, ids=[c[0] for c in CASES])
def test_fixture_imports(name, reader, n, first, last, lines):
    spectra, prov = read_file(VENDOR / name)
    assert len(spectra) == 1 and prov[0].reader == reader
    s = spectra[0]
    assert len(s) == n
    assert _point(s, 0) == first  # exact: text files are parsed, not approximated
    assert _point(s, -1) == last
    assert (prov[0].first_line, prov[0].last_line) == lines
    assert len(prov[0].sha256) == 64
    assert np.all(s.frequency_Hz > 0)


def test_first_and_last_rows_really_are_the_lines_named():
    """Provenance line numbers point at the rows that hold the first/last values."""
    for name, _, _, first, last, (a, b) in CASES:
        text = (VENDOR / name).read_bytes().decode("latin-1").replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for line, value in ((a, first[0]), (b, last[0])):
            numbers = [float(t) for t in text[line - 1].replace(",", " ").split() if t[0].isdigit() or t[0] in "-."]
            assert any(np.isclose(x, value, rtol=1e-6) for x in numbers), (name, line)


def test_mpr_agrees_with_its_mpt_export():
    (mpr,), (prov,) = read_file(VENDOR / "exampleDataBioLogic.mpr")
    (mpt,), _ = read_file(VENDOR / "exampleDataBioLogic.mpt")
    assert prov.reader == "biologic-mpr" and len(mpr) == len(mpt) == 43
    # rows end exactly where the next module (VMP LOG, at 0x13fd) begins
    assert prov.settings["data_bytes"] == [0x13FD - 43 * 62, 0x13FD] and prov.settings["technique_id"] == 29
    # the binary stores float32; the text export prints 8 significant digits
    np.testing.assert_allclose(mpr.frequency_Hz, mpt.frequency_Hz, rtol=1e-6)
    np.testing.assert_allclose(mpr.z_real_ohm, mpt.z_real_ohm, rtol=1e-6)
    np.testing.assert_allclose(mpr.z_imag_ohm, mpt.z_imag_ohm, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mpr.time_s, mpt.time_s, rtol=1e-12)


def test_missing_frequency_column_is_rejected_with_its_own_message():
    with pytest.raises(InputError) as exc:
        read_file(VENDOR / "exampleDataBioLogic_MissingFreq.mpt")
    e = exc.value
    assert e.line == 61 and e.field == "column header" and "no frequency column" in str(e)
    assert "Re(Z)/Ohm" in e.found


def test_missing_frequency_rejects_the_whole_import():
    with pytest.raises(FilesRejected) as exc:
        import_files([VENDOR / "exampleDataBioLogic.mpt", VENDOR / "exampleDataBioLogic_MissingFreq.mpt"])
    assert len(exc.value.errors) == 1 and "MissingFreq" in str(exc.value)


def test_aborted_gamry_run_keeps_the_points_measured_before_the_abort():
    """Policy: complete rows before EXPERIMENTABORTED are imported, flagged, with a warning."""
    (s,), (prov,) = read_file(VENDOR / "exampleDataGamryABORT.DTA")
    assert s.meta["aborted"] is True
    (warning,) = prov.warnings
    assert "experiment aborted (line 172)" in warning
    assert "stopped at 0.0158898 Hz" in warning and "planned final frequency 0.001 Hz" in warning
    (full,), (full_prov,) = read_file(VENDOR / "exampleDataGamry.DTA")
    assert full.meta["aborted"] is False and not full_prov.warnings
    assert prov.instrument == "Gamry REF600P-36072" and prov.settings["VAC"] == "2.50000E+001"


def test_aborted_gamry_run_with_no_complete_row_is_rejected(tmp_path):
    text = (VENDOR / "exampleDataGamryABORT.DTA").read_text(encoding="utf-8", errors="replace").split("\n")
    start = next(i for i, s in enumerate(text) if s.startswith("ZCURVE"))
    end = next(i for i, s in enumerate(text) if s.startswith("EXPERIMENTABORTED"))
    p = tmp_path / "empty_abort.DTA"
    p.write_text("\n".join(text[:start + 3] + text[end:]), encoding="utf-8")
    with pytest.raises(InputError, match="aborted before any impedance point"):
        read_file(p)


def test_stated_settings_and_instruments():
    _, (prov,) = read_file(VENDOR / "exampleDataBioLogic.mpt")
    assert prov.instrument == "BioLogic SP-150 (SN 10791079)"
    assert prov.settings["Va (mV)"] == "20.0" and prov.settings["start_frequency_Hz"] == 1000.0
    (s,), _ = read_file(VENDOR / "exampleDataBioLogic.mpt")
    assert s.meta["ac_amplitude_V"] == 0.02
    (s,), (prov,) = read_file(VENDOR / "exampleDataCHInstruments.txt")
    assert prov.instrument == "CH Instruments CHI660E" and s.meta["ac_amplitude_V"] == 0.025
    (s,), (prov,) = read_file(VENDOR / "exampleDataVersaStudio.par")
    assert "VersaSTAT4" in prov.instrument and s.meta["ac_amplitude_V_rms"] == 0.02
    _, (prov,) = read_file(VENDOR / "exampleDataParstat.txt")
    assert "dropped 781 rows with frequency 0" in prov.warnings[0]


def test_stopped_zplot_sweep_is_flagged():
    _, (prov,) = read_file(VENDOR / "exampleDataZPlot.z")
    assert prov.warnings == ["header announces 56 points, file has 21 complete rows: sweep stopped early"]
