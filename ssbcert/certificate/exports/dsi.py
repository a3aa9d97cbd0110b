"""Certificate units (``S/cm``, ``ohm*cm^2``, ``MPa*m^0.5``) in D-SI notation (``\\siemens\\centi\\metre\\tothe{-1}``),
the unit syntax of the PTB DCC's ``si:real``. A unit it cannot spell is an error, never a guess."""
from __future__ import annotations

import re

from ssbcert.certificate.units import normalise_unit

BASE = {"S": r"\siemens", "m": r"\metre", "g": r"\gram", "Pa": r"\pascal", "eV": r"\electronvolt", "ohm": r"\ohm",
        "K": r"\kelvin", "A": r"\ampere", "F": r"\farad", "Hz": r"\hertz", "W": r"\watt", "h": r"\hour", "V": r"\volt",
        "s": r"\second", "J": r"\joule", "Wh": r"\watt\hour", "Ah": r"\ampere\hour", "degC": r"\degreecelsius", "%": r"\percent", "1": r"\one"}
PREFIX = {"G": r"\giga", "M": r"\mega", "k": r"\kilo", "c": r"\centi", "m": r"\milli", "u": r"\micro", "n": r"\nano",
          "p": r"\pico"}
_FACTOR = re.compile(r"^(?P<sym>[A-Za-z%]+|1)(\^(?P<exp>-?[0-9.]+))?$")


def _symbol(sym: str) -> str:
    if sym in BASE:
        return BASE[sym]
    if sym[0] in PREFIX and sym[1:] in BASE:
        return PREFIX[sym[0]] + BASE[sym[1:]]
    raise ValueError(f"no D-SI spelling for unit symbol {sym!r}")


def dsi_unit(unit: str) -> str:
    """D-SI text for a certificate unit; raises ValueError for a symbol outside the table."""
    u = normalise_unit(unit)
    if u == "1":
        return BASE["1"]
    num, *dens = u.split("/")
    out = []
    for part, sign in [(num, 1)] + [(d, -1) for d in dens]:
        for f in part.split("*"):
            m = _FACTOR.match(f)
            if m is None:
                raise ValueError(f"no D-SI spelling for unit {unit!r} (factor {f!r})")
            exp = float(m.group("exp") or 1) * sign
            text = _symbol(m.group("sym"))
            if exp != 1:
                text += r"\tothe{" + (f"{exp:g}") + "}"
            out.append(text)
    return "".join(out)
