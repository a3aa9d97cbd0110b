"""Quantities in protocol YAML: a number followed by its unit ("20 mV", "-20 degC", "10 K/min").

A bare number where a quantity is expected is an error: a missing unit is the commonest way to
send 20 V instead of 20 mV to a film. Units are read by pint (:mod:`ssbcert.units`), so any
spelling of the right dimension works (mV, kHz, GHz, °C, K/s); values become SI (V, A, Hz, s, K;
ramps in K/min, the unit temperature controllers are programmed in) here, once. The UnitError
message is raised inside pydantic validators and reaches the user as file:line:field.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from ssbcert.units import EXAMPLES, SI_UNIT, UnitError, compatible, convert, known_unit, multiplicative, parse_unit

__all__ = ["QUANTITY_RE", "SI_UNIT", "UnitError", "format_quantity", "parse_quantity", "quantity_parser",
           "quantity_pattern"]

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([^\s\d].*?)\s*$")
_ALIASES = {"temperature": {"C": "degC"}}  # '25 C' in a temperature means Celsius, not coulomb


def _allowed(dimension: str) -> str:
    return ", ".join(EXAMPLES[dimension])


def _unit(unit: str, dimension: str) -> str:
    """The unit as pint should read it, or UnitError saying what was expected."""
    unit = _ALIASES.get(dimension, {}).get(unit, unit)
    if not known_unit(unit):
        raise UnitError(f"unknown unit {unit!r}: expected a {dimension.replace('_', ' ')} unit such as {_allowed(dimension)}")
    if dimension == "temperature_difference" and not multiplicative(unit):
        raise UnitError(f"a temperature difference must be in K or mK, not {unit}")
    if not compatible(unit, SI_UNIT[dimension]):
        raise UnitError(f"unit {unit!r} is not a {dimension.replace('_', ' ')} unit; expected one like {_allowed(dimension)}")
    return unit


def parse_quantity(value: Any, dimension: str) -> float:
    """'20 mV' -> 0.02 (SI). Raises UnitError naming what was expected."""
    example = EXAMPLES[dimension][0]
    if isinstance(value, bool) or isinstance(value, (int, float)):
        raise UnitError(f"missing unit: expected a {dimension.replace('_', ' ')} with a unit ({_allowed(dimension)}), "
                        f"e.g. '{value} {example}'")
    if not isinstance(value, str):
        raise UnitError(f"expected a {dimension.replace('_', ' ')} such as '10 {example}'")
    if value.strip().startswith("$"):
        raise UnitError(f"unknown parameter {value.strip()}")
    m = QUANTITY_RE.match(value)
    if not m:
        raise UnitError(f"expected '<number> <unit>' with a unit such as {_allowed(dimension)}")
    number, unit = float(m.group(1)), _unit(m.group(2), dimension)
    si = SI_UNIT[dimension]
    if parse_unit(unit) == parse_unit(si):
        return number  # bit for bit: format_quantity's output reads back exactly
    out = convert(number, unit, si)
    return round(out, 9) if not multiplicative(unit) else out  # -20 degC is 253.15 K, not 253.14999999999998


def quantity_parser(dimension: str) -> Callable[[Any], float]:
    def parse(value: Any) -> Any:
        return parse_quantity(value, dimension)

    return parse


def format_quantity(value_si: float, dimension: str) -> str:
    """SI float -> the canonical string the parser reads back exactly (repr keeps every bit)."""
    return f"{value_si!r} {SI_UNIT[dimension]}"


def quantity_pattern(dimension: str) -> str:
    """JSON-Schema pattern for editors: the common spellings (the parser reads any pint unit of the dimension)."""
    units = "|".join(re.escape(u) for u in EXAMPLES[dimension] + tuple(_ALIASES.get(dimension, {})))
    return rf"^(\s*{_NUMBER}\s*({units})\s*|\$[A-Za-z_]\w*)$"
