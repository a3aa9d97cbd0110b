"""Format details: cycles, truncation, decimal comma, units and signs, Novocontrol-style headers."""
from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ssbcert.errors import InputError
from ssbcert.importers import read_file
from ssbcert.importers.columns import FREQUENCY, PHASE, TEMPERATURE, Z_IMAG, Z_REAL, classify
from importer_paths import PROJECT_FIXTURES, VENDOR

FIXTURES = PROJECT_FIXTURES


def _mpt_lines() -> list[str]:
    return (VENDOR / "exampleDataBioLogic.mpt").read_bytes().decode("latin-1").split("\n")


def _write(tmp_path: Path, name: str, lines: list[str], encoding: str = "latin-1") -> Path:
    p = tmp_path / name
    p.write_bytes("\n".join(lines).encode(encoding))
    return p


def test_multi_cycle_mpt_gives_one_spectrum_per_cycle(tmp_path):
    lines = _mpt_lines()
    head, rows = lines[:61], [r for r in lines[61:] if r.strip()]
    cycles = []
    for c in (1, 2, 3):
        for r in rows:
            f = r.split("\t")
            f[10] = f"{c:.15E}"
            cycles.append("\t".join(f))
    spectra, prov = read_file(_write(tmp_path, "three.mpt", head + cycles))
    assert [len(s) for s in spectra] == [43, 43, 43]
    assert [s.meta["cycle"] for s in spectra] == [1, 2, 3]
    assert [(p.first_line, p.last_line) for p in prov] == [(62, 104), (105, 147), (148, 190)]
    assert all(s == spectra[0].__class__(spectra[0].frequency_Hz, spectra[0].z_real_ohm, spectra[0].z_imag_ohm,
                                         time_s=spectra[0].time_s, meta={**spectra[0].meta, "cycle": k + 1})
               for k, s in enumerate(spectra))


def test_mpt_truncated_last_row_rejects_the_file(tmp_path):
    lines = _mpt_lines()
    lines[-1] = lines[-1][:30]
    with pytest.raises(InputError) as exc:
        read_file(_write(tmp_path, "cut.mpt", lines))
    assert exc.value.line == 104 and "truncated" in str(exc.value)


def test_mpt_header_count_beyond_file_is_rejected(tmp_path):
    lines = _mpt_lines()[:40]
    with pytest.raises(InputError, match="header line count"):
        read_file(_write(tmp_path, "short.mpt", lines))


def test_mpt_decimal_comma(tmp_path):
    lines = _mpt_lines()
    lines[61:] = [r.replace(".", ",") for r in lines[61:]]
    (s,), _ = read_file(_write(tmp_path, "comma.mpt", lines))
    (ref,), _ = read_file(VENDOR / "exampleDataBioLogic.mpt")
    assert s == ref


def test_gamry_decimal_comma(tmp_path):
    text = (VENDOR / "exampleDataGamry.DTA").read_bytes().decode("latin-1").split("\n")
    start = next(i for i, s in enumerate(text) if s.startswith("ZCURVE"))
    text[start + 3:] = [r.replace(".", ",") for r in text[start + 3:]]
    (s,), _ = read_file(_write(tmp_path, "comma.DTA", text))
    (ref,), _ = read_file(VENDOR / "exampleDataGamry.DTA")
    assert s == ref


def test_mpr_truncated_is_rejected(tmp_path):
    data = (VENDOR / "exampleDataBioLogic.mpr").read_bytes()
    p = tmp_path / "cut.mpr"
    p.write_bytes(data[:0x13fd - 100])
    with pytest.raises(InputError, match="cut off"):
        read_file(p)


def test_mpr_one_unknown_column_id_is_skipped_by_the_width_the_module_leaves(tmp_path):
    data = bytearray((VENDOR / "exampleDataBioLogic.mpr").read_bytes())
    ids_at = 0x7c5 + 57 + 5
    struct.pack_into("<H", data, ids_at + 2 * 5, 9999)  # time/s (8 bytes) becomes an unknown id
    p = tmp_path / "odd.mpr"
    p.write_bytes(bytes(data))
    (s,), (prov,) = read_file(p)
    (ref,), _ = read_file(VENDOR / "exampleDataBioLogic.mpr")
    assert np.array_equal(s.frequency_Hz, ref.frequency_Hz) and np.array_equal(s.z_imag_ohm, ref.z_imag_ohm)
    assert s.time_s is None and any("column id 9999" in w and "8 bytes" in w for w in prov.warnings)


def test_mpr_two_unknown_column_ids_are_rejected(tmp_path):
    data = bytearray((VENDOR / "exampleDataBioLogic.mpr").read_bytes())
    ids_at = 0x7c5 + 57 + 5
    struct.pack_into("<H", data, ids_at + 2 * 5, 9999)
    struct.pack_into("<H", data, ids_at + 2 * 6, 9998)
    p = tmp_path / "odd.mpr"
    p.write_bytes(bytes(data))
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert exc.value.found == "9999, 9998" and "unknown data column id" in str(exc.value)


def test_mpr_extension_with_other_content_is_rejected(tmp_path):
    p = tmp_path / "x.mpr"
    p.write_bytes(b"hello")
    with pytest.raises(InputError, match="not a BioLogic .mpr"):
        read_file(p)


@pytest.mark.parametrize(
    "header,quantity,scale,sign",
    [("freq/Hz", FREQUENCY, 1.0, 1.0), ("Frequency (kHz)", FREQUENCY, 1e3, 1.0), ("f [MHz]", FREQUENCY, 1e6, 1.0),
     ("freq/mHz", FREQUENCY, 1e-3, 1.0), ("-Im(Z)/Ohm", Z_IMAG, 1.0, -1.0), ("Z'' (kΩ)", Z_IMAG, 1e3, 1.0),
     ("-Z'' (Ω)", Z_IMAG, 1.0, -1.0), ("Zre [kOhm]", Z_REAL, 1e3, 1.0), ("Z_real_Mohm", Z_REAL, 1e6, 1.0),
     ("-Phase (°)", PHASE, 1.0, -1.0), ("phase/rad", PHASE, 180 / math.pi, 1.0), ("T (°C)", TEMPERATURE, 1.0, 1.0)],
)
def test_column_units_and_signs(header, quantity, scale, sign):
    spec = classify(header)
    assert spec is not None and (spec.quantity, spec.scale, spec.sign) == (quantity, scale, sign)


@pytest.mark.parametrize("header", ["Re(Y)/Ohm-1", "Cs/µF", "Z' (ohm*cm)", "Z2 Real", "Ampl"])
def test_columns_we_do_not_use(header):
    assert classify(header) is None


def test_csv_with_units_signs_and_decimal_comma(tmp_path):
    p = _write(tmp_path, "nova.txt", ["Index;Frequency (kHz);Z' (kΩ);-Z'' (kΩ);Time (s)",
                                      "1;100,0;1,5;0,25;0,5", "2;10,0;2,0;1,0;1,5"], "utf-8")
    (s,), (prov,) = read_file(p)
    assert prov.reader == "csv-table"
    assert s.frequency_Hz.tolist() == [1e5, 1e4]
    assert s.z_real_ohm.tolist() == [1500.0, 2000.0] and s.z_imag_ohm.tolist() == [-250.0, -1000.0]
    assert s.time_s.tolist() == [0.5, 1.5]


def test_csv_modulus_and_phase(tmp_path):
    p = _write(tmp_path, "polar.csv", ["# measured somewhere", "f/Hz,|Z|/ohm,phase/deg", "1000,100,-90", "10,200,0"])
    (s,), (prov,) = read_file(p)
    np.testing.assert_allclose(s.z_real_ohm, [0.0, 200.0], atol=1e-12)
    np.testing.assert_allclose(s.z_imag_ohm, [-100.0, 0.0], atol=1e-12)
    assert "computed from |Z| and phase" in prov.warnings[0]


def test_headerless_csv_states_its_assumption_and_sign_suspicion(tmp_path):
    p = _write(tmp_path, "neg.csv", [f"{10 ** k},{k}.0,{k}.5" for k in range(6, 0, -1)])
    _, (prov,) = read_file(p)
    assert "no column header" in prov.warnings[0] and "most Z'' values are positive" in prov.warnings[1]


def test_csv_without_frequency_column_is_rejected(tmp_path):
    p = _write(tmp_path, "nof.csv", ["Zre/ohm,Zim/ohm,time/s", "1,2,3", "4,5,6"])
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert exc.value.line == 1 and "no frequency column" in str(exc.value)


def test_csv_non_number_is_located(tmp_path):
    p = _write(tmp_path, "bad.csv", ["freq/Hz,Z'/ohm,Z''/ohm", "1000,1,-2", "100,x1,-3"])
    with pytest.raises(InputError) as exc:
        read_file(p)
    e = exc.value
    assert (e.line, e.column, e.field, e.found) == (3, 2, "Z'/ohm", "'x1'")


def test_novocontrol_style_header_and_temperature_blocks():
    spectra, prov = read_file(FIXTURES / "novocontrol_style.txt")
    assert prov[0].reader == "novocontrol-txt" and prov[0].instrument == "Novocontrol"
    assert [s.temperature_K for s in spectra] == [298.15, 323.15, 400.0]
    assert [len(s) for s in spectra] == [4, 4, 3]
    assert spectra[0].meta == {"ac_amplitude_V_rms": 0.1, "thickness_m": pytest.approx(1e-4), "diameter_m": 0.01}
    assert spectra[0].frequency_Hz[0] == 1e6 and spectra[0].z_imag_ohm[0] == -1.5e3
    assert spectra[2].frequency_Hz[-1] == 1.0 and spectra[2].z_real_ohm[-1] == 1.2e4


def test_novocontrol_temperature_without_unit_is_not_guessed(tmp_path):
    p = _write(tmp_path, "n.txt", ["Novocontrol export", "Temperature: 25", "Fixed AC voltage: 1 V",
                                   "Freq [Hz]\tZ' [Ohm]\tZ'' [Ohm]", "10\t1\t-1", "1\t2\t-1"])
    (s,), (prov,) = read_file(p)
    assert s.temperature_K is None and "no recognised unit" in prov.warnings[0]


def test_gamry_table_cut_at_a_row_boundary_is_rejected(tmp_path):
    """No abort marker and the sweep stops short of FREQFINAL: the file was truncated."""
    text = (VENDOR / "exampleDataGamry.DTA").read_bytes().decode("latin-1").split("\n")
    p = _write(tmp_path, "cut.DTA", text[:500])
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert exc.value.line == 500 and "before the planned final frequency" in str(exc.value)


def test_im_column_holding_minus_im_is_flagged_not_flipped(tmp_path):
    """Sign policy: the column name decides the sign; data that look inverted only raise a warning."""
    rows = [f"{10 ** k}\t{k}\t{k / 2}" for k in range(6, 0, -1)]
    (s,), (prov,) = read_file(_write(tmp_path, "im.txt", ["freq/Hz\tRe(Z)/Ohm\tIm(Z)/Ohm"] + rows))
    assert np.all(s.z_imag_ohm > 0) and any("most Z'' values are positive" in w for w in prov.warnings)
    (s,), (prov,) = read_file(_write(tmp_path, "mim.txt", ["freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm"] + rows))
    assert np.all(s.z_imag_ohm < 0) and not prov.warnings


def _rewrite_mpr(data: bytes, new_header: bool, data_version: int | None = None) -> bytes:
    """Re-pack the fixture's modules with the newer module header and/or a version-3 data module.

    No such file is in the fixtures; this checks the reader's handling of those documented layouts.
    """
    out, pos = bytearray(data[:0x34]), 0x34
    while pos < len(data):
        names = data[pos:pos + 41]
        length, version = struct.unpack_from("<II", data, pos + 41)
        date = data[pos + 49:pos + 57]
        payload = data[pos + 57:pos + 57 + length]
        if data_version == 3 and names[6:16].strip() == b"VMP data":
            payload, version = payload[:0x195] + b"\x00" + payload[0x195:], 3
        if new_header:
            out += names + struct.pack("<IIII", len(payload), len(payload), version, 0) + date + payload
        else:
            out += names + struct.pack("<II", len(payload), version) + date + payload
        pos += 57 + length
    return bytes(out)


@pytest.mark.parametrize("new_header,data_version", [(True, None), (False, 3), (True, 3)])
def test_mpr_layout_variants(tmp_path, new_header, data_version):
    data = (VENDOR / "exampleDataBioLogic.mpr").read_bytes()
    p = tmp_path / "variant.mpr"
    p.write_bytes(_rewrite_mpr(data, new_header, data_version))
    (s,), _ = read_file(p)
    (ref,), _ = read_file(VENDOR / "exampleDataBioLogic.mpr")
    assert s == ref


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_any_column_name_is_classified_or_ignored(name):
    spec = classify(name)
    assert spec is None or (spec.scale > 0 and spec.sign in (1.0, -1.0))


@pytest.mark.parametrize("source,renamed,reader", [("exampleDataGamry.DTA", "run.txt", "gamry-dta"),
                                                   ("exampleDataBioLogic.mpt", "run.csv", "biologic-mpt"),
                                                   ("exampleDataBioLogic.mpr", "run.bin", "biologic-mpr"),
                                                   ("exampleDataZPlot.z", "run.dat", "zplot-z")])
def test_content_decides_over_extension(tmp_path, source, renamed, reader):
    p = tmp_path / renamed
    p.write_bytes((VENDOR / source).read_bytes())
    _, (prov,) = read_file(p)
    assert prov.reader == reader


def test_temperature_column_gives_the_spectrum_temperature(tmp_path):
    lines = _mpt_lines()
    lines[60] = lines[60].rstrip("\t") + "\tTemperature/°C"
    lines[61:] = [r.rstrip("\t") + "\t80.0" for r in lines[61:] if r.strip()]
    (s,), (prov,) = read_file(_write(tmp_path, "hot.mpt", lines))
    assert s.temperature_K == pytest.approx(353.15) and prov.temperature_K == s.temperature_K


def test_mpt_rows_with_another_column_set_are_read_by_name(tmp_path):
    """The header names more columns than the rows hold (an export with a different column set):
    columns are taken by name, never by count."""
    lines = _mpt_lines()
    lines[60] = lines[60].rstrip("\t") + "\tExtra A/V\tExtra B/V"
    (s,), _ = read_file(_write(tmp_path, "wide.mpt", lines))
    (ref,), _ = read_file(VENDOR / "exampleDataBioLogic.mpt")
    assert s == ref


def test_gamry_table_with_fewer_columns_is_read_by_name(tmp_path):
    text = (VENDOR / "exampleDataGamry.DTA").read_bytes().decode("latin-1").split("\n")
    start = next(i for i, s in enumerate(text) if s.startswith("ZCURVE"))
    keep = {"Pt", "Freq", "Zreal", "Zimag", "Zmod"}
    names = text[start + 1].split("\t")
    idx = [k for k, n in enumerate(names) if n.strip() in keep or k == 0]
    i = start + 1
    while i < len(text) and text[i][:1] in ("\t", " "):
        parts = text[i].split("\t")
        text[i] = "\t".join(parts[k] for k in idx if k < len(parts))
        i += 1
    (s,), _ = read_file(_write(tmp_path, "narrow.DTA", text))
    (ref,), _ = read_file(VENDOR / "exampleDataGamry.DTA")
    assert np.array_equal(s.frequency_Hz, ref.frequency_Hz) and np.array_equal(s.z_imag_ohm, ref.z_imag_ohm)
    assert s.time_s is None
