"""Real EC-Lab files (../shared/fixtures/real_vendor/eclab, read in place): every impedance file imports
with values bit for bit equal to galvani's (GPL, a test-only oracle) and to its .mpt twin; every
other technique is refused by the name its own header gives; the other documented .mpr layouts,
re-packed from the real files, read the same values."""
from __future__ import annotations

import numpy as np
import pytest
from galvani import BioLogic  # test oracle only (GPL-3.0); ssbcert never imports it

from ssbcert.errors import InputError
from ssbcert.importers import read_file
from importer_paths import ECLAB, VENDOR
from mpr_repack import repack

IMPEDANCE = ["peis", "geis", "vsp_peis_with"]
# file -> technique named in the refusal
OTHERS = {"cv.mpr": "cyclic voltammetry", "ca.mpr": "chronoamperometry",
          "gcpl.mpr": "galvanostatic cycling with potential limitation", "cp.mpt": "chronopotentiometry"}
# what the files hold: spectra, points in the first and last, and 0 Hz rows dropped
EXPECTED = {"peis": (1, 32, 32, 0), "geis": (61, 41, 39, 29), "vsp_peis_with": (32, 70, 70, 0)}


def _oracle(path) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """galvani's rows, split into cycles and without 0 Hz rows, as (f, Z', Z'') float64."""
    d = BioLogic.MPRfile(str(path)).data
    cycles = d["cycle number"]
    out = []
    for c in dict.fromkeys(cycles.tolist()):
        part = d[(cycles == c) & (d["freq/Hz"] > 0)]
        out.append((part["freq/Hz"].astype(float), part["Re(Z)/Ohm"].astype(float), -part["-Im(Z)/Ohm"].astype(float)))
    return out


@pytest.mark.parametrize("name", IMPEDANCE)
def test_mpr_values_are_bit_for_bit_galvanis(name):
    spectra, prov = read_file(ECLAB / f"{name}.mpr")
    oracle = _oracle(ECLAB / f"{name}.mpr")
    n, first, last, dropped = EXPECTED[name]
    assert len(spectra) == len(oracle) == n
    assert (len(spectra[0]), len(spectra[-1])) == (first, last)
    for s, (f, zr, zi) in zip(spectra, oracle):
        assert np.array_equal(s.frequency_Hz, f) and np.array_equal(s.z_real_ohm, zr) and np.array_equal(s.z_imag_ohm, zi)
    assert prov[0].settings["technique"].endswith("Electrochemical Impedance Spectroscopy")
    if dropped:
        assert f"dropped {dropped} rows with frequency 0" in prov[0].warnings[0]
        assert spectra[0].meta["import_flags"] == [prov[0].warnings[0]]


@pytest.mark.parametrize("name", IMPEDANCE)
def test_mpt_twin_holds_the_same_points(name):
    """The .mpt export prints float32 values with 8 digits: counts equal, values within float32 rounding."""
    binary, _ = read_file(ECLAB / f"{name}.mpr")
    text, prov = read_file(ECLAB / f"{name}.mpt")
    assert [len(s) for s in text] == [len(s) for s in binary]
    for a, b in zip(text, binary):
        for x, y in ((a.frequency_Hz, b.frequency_Hz), (a.z_real_ohm, b.z_real_ohm), (a.z_imag_ohm, b.z_imag_ohm)):
            np.testing.assert_allclose(x, y, rtol=1e-7, atol=1e-12)
        assert a.meta["cycle"] == b.meta["cycle"]
    if EXPECTED[name][3]:
        assert f"dropped {EXPECTED[name][3]} rows with frequency 0" in prov[0].warnings[0]


@pytest.mark.parametrize("name,technique", list(OTHERS.items()))
def test_other_techniques_are_refused_by_name(name, technique):
    with pytest.raises(InputError) as exc:
        read_file(ECLAB / name)
    assert f"not an impedance file (technique: {technique})" in str(exc.value)


@pytest.mark.parametrize("source,new_header,version", [
    ("peis.mpr", False, 2), ("peis.mpr", True, 3), ("peis.mpr", True, 10), ("peis.mpr", True, 11),
    ("geis.mpr", True, 10), ("exampleDataBioLogic.mpr", False, 0), ("exampleDataBioLogic.mpr", True, 0),
    ("exampleDataBioLogic.mpr", True, 11),
])
def test_other_mpr_layouts_read_the_same_values(tmp_path, source, new_header, version):
    path = (ECLAB if (ECLAB / source).exists() else VENDOR) / source
    p = tmp_path / f"repacked-{version}.mpr"
    p.write_bytes(repack(path.read_bytes(), new_header=new_header, data_version=version))
    spectra, prov = read_file(p)
    ref, _ = read_file(path)
    assert spectra == ref
    assert prov[0].settings["data_module_version"] == version
    assert prov[0].settings["module_header"] == ("EC-Lab >= 11.50" if new_header else "EC-Lab < 11.50")
    if not new_header:  # galvani reads the older header layout: its values agree bit for bit
        (f, zr, zi), = _oracle(p)[:1]
        assert np.array_equal(spectra[0].frequency_Hz, f) and np.array_equal(spectra[0].z_imag_ohm, zi)
