"""Quantities in protocol YAML: a number followed by its unit ("20 mV", "-20 degC", "10 K/min").

A bare number where a quantity is expected is an error: a missing unit is the commonest way to
send 20 V instead of 20 mV to a film. Values are converted to SI (V, A, Hz, s, K; ramps in K/min) here, once.
"""
from __future__ import annotations

import re
from typing import Any, Callable

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([^\s\d].*?)\s*$")

# dimension -> unit -> (factor, offset) so that SI = value*factor + offset
UNITS: dict[str, dict[str, tuple[float, float]]] = {
    "voltage": {"V": (1.0, 0.0), "mV": (1e-3, 0.0), "uV": (1e-6, 0.0), "µV": (1e-6, 0.0)},
    "current": {"A": (1.0, 0.0), "mA": (1e-3, 0.0), "uA": (1e-6, 0.0), "µA": (1e-6, 0.0), "nA": (1e-9, 0.0)},
    "frequency": {"Hz": (1.0, 0.0), "mHz": (1e-3, 0.0), "kHz": (1e3, 0.0), "MHz": (1e6, 0.0)},
    "time": {"s": (1.0, 0.0), "ms": (1e-3, 0.0), "min": (60.0, 0.0), "h": (3600.0, 0.0)},
    "temperature": {"K": (1.0, 0.0), "degC": (1.0, 273.15), "°C": (1.0, 273.15), "C": (1.0, 273.15)},
    "temperature_difference": {"K": (1.0, 0.0), "mK": (1e-3, 0.0)},
    "ramp": {"K/min": (1.0, 0.0), "K/s": (60.0, 0.0), "K/h": (1.0 / 60.0, 0.0)},
}
SI_UNIT = {
    "voltage": "V",
    "current": "A",
    "frequency": "Hz",
    "time": "s",
    "temperature": "K",
    "temperature_difference": "K",
    "ramp": "K/min",  # the unit temperature controllers are programmed in
}


class UnitError(ValueError):
    """Raised inside pydantic validators; the message becomes the user-facing error."""


def parse_quantity(value: Any, dimension: str) -> float:
    """'20 mV' -> 0.02 (SI). Raises UnitError naming what was expected."""
    units = UNITS[dimension]
    allowed = ", ".join(u for u in units if u not in ("C", "µV", "µA"))
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise UnitError(f"missing unit: expected a {dimension.replace('_', ' ')} with a unit ({allowed}), e.g. '{value} {next(iter(units))}'")
    if not isinstance(value, str):
        raise UnitError(f"expected a {dimension.replace('_', ' ')} such as '10 {next(iter(units))}'")
    if value.strip().startswith("$"):
        raise UnitError(f"unknown parameter {value.strip()}")
    m = QUANTITY_RE.match(value)
    if not m:
        raise UnitError(f"expected '<number> <unit>' with unit one of {allowed}")
    number, unit = float(m.group(1)), m.group(2)
    if unit not in units:
        if dimension == "temperature_difference" and unit in UNITS["temperature"]:
            raise UnitError(f"a temperature difference must be in K or mK, not {unit}")
        raise UnitError(f"unit {unit!r} is not a {dimension.replace('_', ' ')} unit; expected one of {allowed}")
    factor, offset = units[unit]
    if offset:  # -20 degC is 253.15 K, not 253.14999999999998
        return round(number * factor + offset, 9)
    return number * factor


def quantity_parser(dimension: str) -> Callable[[Any], float]:
    def parse(value: Any) -> Any:
        return parse_quantity(value, dimension)

    return parse


def format_quantity(value_si: float, dimension: str) -> str:
    """SI float -> the canonical string the parser reads back exactly (repr keeps every bit)."""
    return f"{value_si!r} {SI_UNIT[dimension]}"


def quantity_pattern(dimension: str) -> str:
    units = "|".join(re.escape(u) for u in UNITS[dimension])
    return rf"^(\s*{_NUMBER}\s*({units})\s*|\$[A-Za-z_]\w*)$"
