"""Unit edge: conversions, aliases, UCUM codes and the GUM rounding used on the summary page."""
from __future__ import annotations

import pytest

from ssbcert.certificate.units import conversion_factor, kelvin_to_celsius, normalise_unit, to_domain, ucum
from ssbcert.certificate.view import format_with_uncertainty, power_markup
from ssbcert.errors import InputError


def test_defaults_and_aliases() -> None:
    assert to_domain(1.0, "S/m") == (0.01, "S/cm")
    assert to_domain(1.0, "Ω·m²") == (1e4, "ohm*cm^2")
    assert to_domain(1.0, "kg/m3", "g/cm3") == (1e-3, "g/cm^3")
    assert to_domain(3.0, "Hz") == (3.0, "Hz")  # no domain unit: unchanged
    assert conversion_factor("J/mol")[1] == "eV"
    assert normalise_unit("µm") == "um" and ucum("ohm*cm^2") == "Ohm.cm2"
    assert kelvin_to_celsius(298.15) == pytest.approx(25.0)
    with pytest.raises(InputError, match="unit"):
        to_domain(1.0, "blorp", "m")


@pytest.mark.parametrize(
    ("value", "U", "text"),
    [(2e-4, 1.0455e-5, "(2.00 ± 0.10)·10^-4"), (0.42, 0.023, "0.420 ± 0.023"), (1234.5, 12.3, "1234 ± 12"),
     (10.0, 0.66, "10.00 ± 0.66"), (5.0, 0.0, "5")],
)
def test_gum_rounding(value: float, U: float, text: str) -> None:
    assert format_with_uncertainty(value, U) == text


def test_power_markup_escapes_and_superscripts() -> None:
    assert power_markup("(2 ± 1)·10^-4 <b>") == "(2 ± 1)·10<sup>−4</sup> &lt;b&gt;"
