"""MethodSCRIPT as data: literals, templates, packages (vendor examples), error lines."""
from __future__ import annotations

import math

import pytest

from ssbcert.drivers.impedance import methodscript as ms


@pytest.mark.parametrize(
    "value, text",
    [(0.01, "10m"), (1e5, "100k"), (0.0, "0"), (-0.5, "-500m"), (31, "31"), (1e-5, "10u"), (200e3, "200k"),
     (1258.925412, "1258925m"), (2.5e-7, "250n"), (1.0, "1")],
)
def test_literal_round_trip(value: float, text: str) -> None:
    assert ms.format_literal(value) == text
    assert ms.parse_literal(text) == pytest.approx(value, rel=1e-6)


def test_literal_forms_the_device_accepts_and_refuses() -> None:
    assert ms.parse_literal("11i") == 11
    assert ms.parse_literal("0m") == 0
    assert ms.parse_literal("1.5k") == 1500
    for bad in ("10 m", "1e3", "k", "1.5i", "", "0x10"):
        with pytest.raises(ValueError):
            ms.parse_literal(bad)
    with pytest.raises(ValueError):
        ms.format_literal(math.inf)


def test_vendor_package_examples_decode() -> None:
    eis = ms.parse_package("PdcDF5DFF4u;cc896D904m,10,287;cd82DB1A8u,10,287")
    assert [v.type for v in eis] == ["dc", "cc", "cd"]
    assert eis[0].value == pytest.approx(99.999732)
    assert eis[1].value == pytest.approx(9885.956)
    assert eis[2].value == pytest.approx(2.995, rel=1e-3)
    assert (eis[1].status, eis[1].current_range) == (0, 0x87)
    lsv = ms.parse_package("Pda7F85F3Fu;ba48D503Dp,10,288")
    assert lsv[0].value == pytest.approx(-0.499905, rel=1e-6)
    assert lsv[1].current_range == 0x88


def test_package_encoding_round_trip_and_nan() -> None:
    pkg = [ms.PackageVar("dc", 100.0), ms.PackageVar("cc", 9885.956, 0, 0x87), ms.PackageVar("ba", -3.5e-7, ms.STATUS_OVERLOAD, 3)]
    line = ms.encode_package(pkg)
    assert line.startswith("PdcDF5E100u;cc896D904m,10,287;ba")
    back = ms.parse_package(line)
    assert [(v.type, v.status, v.current_range) for v in back] == [("dc", 0, None), ("cc", 0, 0x87), ("ba", 2, 3)]
    assert back[2].value == pytest.approx(-3.5e-7)
    assert math.isnan(ms.parse_package("Pcc     nan ,10")[0].value)


@pytest.mark.parametrize("line", ["", "P", "Pcc896D904", "PC896D904m", "Pcc8#6D904m,10", "M0000", "Pcc896D904m;"])
def test_malformed_packages_are_refused(line: str) -> None:
    with pytest.raises(ValueError):
        ms.parse_package(line)


def test_error_lines() -> None:
    assert ms.error_line(0x4004, 12, 5) == "!4004: Line 12, Col 5"
    assert ms.parse_error("!4004: Line 12, Col 5") == (0x4004, 12, 5)
    assert ms.parse_error("Z!0006") == (6, None, None)
    assert ms.parse_error("PdcDF5DFF4u") is None
    assert "overload" in ms.describe_error(0x2002)


def test_eis_template_builds_the_vendor_script() -> None:
    lines = ms.build_script(
        ms.EIS_TEMPLATE,
        {"bandwidth": 200e3, "amplitude": 0.01, "e_dc": 0.0, "i_range": 100e-6, "i_min": 1e-9, "i_max": 10e-3},
        [{"f_start": 1e5, "f_end": 1.0, "n_points": 31}],
    )
    assert lines[0] == "e" and lines[-1] == ""
    assert "meas_loop_eis f r j 10m 100k 1 31 0" in lines
    assert "set_autoranging ba 1n 10m" in lines
    two = ms.build_script(ms.EIS_TEMPLATE, {"bandwidth": 1, "amplitude": 0.01, "e_dc": 0, "i_range": 1, "i_min": 1, "i_max": 1},
                          [{"f_start": 1e3, "f_end": 10, "n_points": 3}, {"f_start": 5, "f_end": 1, "n_points": 2}])
    assert sum(line.startswith("meas_loop_eis") for line in two) == 2
    assert sum(line == "endloop" for line in two) == 2
