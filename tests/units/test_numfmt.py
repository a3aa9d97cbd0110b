"""GUM 7.2.6 rounding (U to two significant digits, value to the same place) and 3-digit fit statistics."""
from __future__ import annotations

import pytest

from ssbcert.numfmt import format_with_uncertainty, gum_round, limit_text, sig, value_with_unit


@pytest.mark.parametrize(("value", "U", "text"), [
    (0.012345, 0.0012345, "0.0123 ± 0.0012"),
    (97.52048316096345, 1.5312, "97.5 ± 1.5"),
    (13.345666682225255, 0.2139, "13.35 ± 0.21"),
    (1234.5, 123.4, "1230 ± 120"),  # decimals < 0: value rounded to the tens like U
    (0.5, 0.0996, "0.50 ± 0.10"),  # U rounds up a decade: still two significant digits
    (1.8732672256303873e-4, 3.9e-6, "(1.873 ± 0.039)·10^-4"),
    (-0.0421, 0.0033, "-0.0421 ± 0.0033"),
    (5.0, 0.0, "5"),
])
def test_gum_rounding(value: float, U: float, text: str) -> None:
    assert format_with_uncertainty(value, U) == text


def test_gum_round_returns_numbers_and_decimals() -> None:
    assert gum_round(0.012345, 0.0012345) == (0.0123, 0.0012, 4)
    assert gum_round(1234.5, 123.4) == (1230.0, 120.0, -1)


@pytest.mark.parametrize(("x", "text"), [(2.5397061438831464e-05, "2.54e-05"), (0.123456, "0.123"), (12.3456, "12.3"),
                                         (None, "—")])
def test_fit_statistics_to_three_significant_digits(x: float | None, text: str) -> None:
    assert sig(x) == text


def test_value_and_limit_text_with_display_units() -> None:
    assert value_with_unit(13.35, 0.21, "ohm*cm^2") == "13.35 ± 0.21 Ω·cm²"
    assert value_with_unit(0.8, 0.85, "%") == "0.80 ± 0.85 %"
    assert limit_text("lower", 95.0, "%", "guarded") == "≥ 95 % (guarded)"
    assert limit_text("upper", 1.0, "mg/cm^2") == "≤ 1 mg/cm²"


def test_spectra_get_human_names_from_the_temperature_sequence() -> None:
    from ssbcert.certificate.names import spectrum_names  # the one naming function

    temps = [298.15, 298.3, 323.15, 373.15, 323.15, 298.15, None]
    assert spectrum_names(temps) == ["25 °C, heating, sweep 1", "25 °C, heating, sweep 2", "50 °C, heating, sweep 1",
                                     "100 °C, heating, sweep 1", "50 °C, cooling, sweep 1", "25 °C, cooling, sweep 1",
                                     "spectrum 7"]
    assert spectrum_names([298.15]) == ["25 °C, sweep 1"]
