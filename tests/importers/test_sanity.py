"""Row sanity on entry, one test per rule; and a Gamry file of another technique refused by name."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ssbcert.errors import InputError
from ssbcert.importers import read_file
from ssbcert.importers.sanity import Limits

HEADER = "freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm"


def _csv(tmp_path: Path, freqs: list[float], name: str = "s.csv") -> Path:
    rows = [f"{float(f)!r},{10.0 + k!r},{1.0 + k!r}" for k, f in enumerate(freqs)]
    p = tmp_path / name
    p.write_text("\n".join([HEADER, *rows]) + "\n")
    return p


def test_zero_and_negative_frequency_rows_are_dropped_with_a_flag(tmp_path):
    (s,), (prov,) = read_file(_csv(tmp_path, [0.0, 1e5, 1e4, -1.0, 1e3]))
    assert s.frequency_Hz.tolist() == [1e5, 1e4, 1e3]
    assert "dropped 2 rows with frequency 0 or negative (lines 2-5)" in prov.warnings[0]
    assert s.meta["import_flags"] == [prov.warnings[0]]


def test_all_rows_at_zero_frequency_is_an_error(tmp_path):
    with pytest.raises(InputError, match="every row has frequency 0"):
        read_file(_csv(tmp_path, [0.0, 0.0, 0.0]))


def test_repeated_sweeps_are_split_into_spectra(tmp_path):
    one = [1e5, 1e4, 1e3, 1e2]
    spectra, prov = read_file(_csv(tmp_path, one * 3))
    assert [len(s) for s in spectra] == [4, 4, 4] and [s.meta["sweep"] for s in spectra] == [1, 2, 3]
    assert [(p.first_line, p.last_line) for p in prov] == [(2, 5), (6, 9), (10, 13)]
    assert "sweep 2 of 3" in prov[1].warnings[-1] and "line 6" in prov[1].warnings[-1]
    up, _ = read_file(_csv(tmp_path, [1.0, 10.0, 100.0, 1.0, 10.0, 100.0], "up.csv"))
    assert [s.frequency_Hz.tolist() for s in up] == [[1.0, 10.0, 100.0]] * 2


def test_duplicate_row_is_an_error_naming_its_line(tmp_path):
    with pytest.raises(InputError) as exc:
        read_file(_csv(tmp_path, [1e5, 1e4, 1e3, 1e3, 1e2, 10.0]))
    assert exc.value.line == 5 and "duplicate frequency" in str(exc.value)


def test_out_of_order_row_is_an_error_naming_its_line(tmp_path):
    with pytest.raises(InputError) as exc:
        read_file(_csv(tmp_path, [1e5, 1e4, 1e3, 5e3, 1e2, 10.0]))
    assert exc.value.line == 5 and "frequency out of order" in str(exc.value)


def test_short_restart_is_not_taken_for_a_second_sweep(tmp_path):
    with pytest.raises(InputError, match="out of order"):
        read_file(_csv(tmp_path, [1e5, 1e4, 1e3, 1e2, 1e5, 1e4]))  # 2 points after the restart


def test_single_point_spectrum_is_an_error(tmp_path):
    with pytest.raises(InputError, match="single point") as exc:
        read_file(_csv(tmp_path, [1e3]))
    assert exc.value.line == 2


def test_over_long_spectrum_is_an_error_with_a_configurable_limit(tmp_path):
    p = _csv(tmp_path, list(np.logspace(6, -2, 200)))
    with pytest.raises(InputError, match="longer than the size limit") as exc:
        read_file(p, Limits(max_points=100))
    assert "--max-points" in str(exc.value)
    (s,), _ = read_file(p)
    assert len(s) == 200


def test_gamry_file_of_another_technique_is_refused_by_name(tmp_path):
    p = tmp_path / "cv.DTA"
    p.write_text("EXPLAIN\nTAG\tCV\nTITLE\tLABEL\tCyclic Voltammetry\tTest &Identifier\n"
                 "CURVE1\tTABLE\n\tPt\tT\tVf\tIm\n\t#\ts\tV vs. Ref.\tA\n\t0\t0.1\t0.2\t1e-6\n")
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert "not an impedance file (technique: cyclic voltammetry)" in str(exc.value) and exc.value.line == 2
