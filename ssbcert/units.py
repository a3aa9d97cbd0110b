"""Units and physical constants: the project's one unit system (pint) plus a thin domain adapter.

SI inside; units appear only at the edges (protocol values, spec limits, sample records, importer
column headers, certificate display). Every conversion goes through one pint ``UnitRegistry``, so
'Ω·cm²', 'Ohm cm^2' and 'ohm*cm**2' are the same unit and a limit in % compares with a fraction.
The adapter adds what pint does not know: which dimension a quantity id has, the unit each quantity
is reported in, its pretty spelling (Ω·cm², µm) and its UCUM code for the exported JSON.

pint costs ~0.6 s CPU to import and load, so the registry is built on first use, never at import.
"""
from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pint

N_A = 6.02214076e23  # 1/mol (exact, SI 2019)
E_CHARGE = 1.602176634e-19  # C (exact)
K_B_EV = 8.617333262e-5  # eV/K (CODATA 2018)
EPS0 = 8.8541878128e-12  # F/m (CODATA 2018)

# domain dimension -> its SI reference unit (pint checks compatibility; no factors are written here)
SI_UNIT: Final[dict[str, str]] = {
    "conductivity": "S/m", "fraction": "1", "dimensionless": "1", "energy": "J", "area_resistance": "ohm*m^2",
    "resistance": "ohm", "capacitance": "F", "frequency": "Hz", "temperature": "K", "prefactor": "S*K/m",
    "current_density": "A/m^2", "areal_capacity": "C/m^2", "density": "kg/m^3", "length": "m", "stress": "Pa",
    "toughness": "Pa*m^0.5", "areal_mass": "kg/m^2", "specific_energy": "J/kg",
    "voltage": "V", "current": "A", "time": "s", "temperature_difference": "K", "ramp": "K/min", "angle": "deg",
}

# The unit each dimension is reported in (solid-state ionics conventions), then per-quantity overrides.
DISPLAY_UNIT: Final[dict[str, str]] = {
    "conductivity": "S/cm", "area_resistance": "ohm*cm^2", "length": "um", "density": "g/cm^3", "stress": "GPa",
    "toughness": "MPa*m^0.5", "energy": "eV", "current_density": "mA/cm^2", "areal_mass": "mg/cm^2",
    "specific_energy": "Wh/kg", "prefactor": "S*K/cm", "areal_capacity": "mAh/cm^2", "fraction": "1",
    "dimensionless": "1",
}
QUANTITY_UNIT: Final[dict[str, str]] = {
    "relative_density": "%", "open_porosity": "%", "closed_porosity": "%", "thickness_nonuniformity_range": "%",
    "thickness_nonuniformity_1sigma": "%", "phase_fraction": "%", "specific_energy_penalty": "%",
    "lattice_parameter": "angstrom", "grain_size": "um",
}

# Spellings offered in error hints and the protocol schema; pint accepts any unit of the dimension.
EXAMPLES: Final[dict[str, tuple[str, ...]]] = {
    "conductivity": ("S/cm", "mS/cm", "uS/cm", "S/m"), "fraction": ("%", "1", "ppm"), "dimensionless": ("1",),
    "energy": ("eV", "meV", "kJ/mol", "J"), "area_resistance": ("Ω·cm²", "Ohm m^2"), "resistance": ("Ohm", "kOhm", "MOhm"),
    "capacitance": ("F", "uF", "nF", "pF"), "frequency": ("Hz", "mHz", "kHz", "MHz"), "temperature": ("K", "degC", "°C"),
    "prefactor": ("S K/cm", "S K/m"), "current_density": ("mA/cm^2", "A/cm^2", "A/m^2"),
    "areal_capacity": ("mAh/cm^2", "C/m^2"), "density": ("g/cm^3", "g/mL", "kg/m^3"),
    "length": ("um", "nm", "mm", "m", "Å"), "stress": ("MPa", "GPa", "kPa", "Pa", "kgf/mm^2"),
    "toughness": ("MPa m^0.5", "Pa m^0.5"), "areal_mass": ("mg/cm^2", "kg/m^2"), "specific_energy": ("Wh/kg", "J/kg"),
    "voltage": ("V", "mV", "uV"), "current": ("A", "mA", "uA", "nA"), "time": ("s", "ms", "min", "h"),
    "temperature_difference": ("K", "mK"), "ramp": ("K/min", "K/s", "K/h"), "angle": ("deg", "rad"),
}

# Dimensionless units that are fractions; angles (also dimensionless to pint) never are.
_FRACTION_NAMES: Final = frozenset({"percent", "ppm", "permille", "ppb"})
_SPELLING: Final = (("μ", "µ"), ("Ohms", "ohm"), ("Ohm", "ohm"), ("Ω", "ohm"), ("Å", "angstrom"), ("·", "*"), ("⋅", "*"),
                    ("²", "^2"), ("³", "^3"),
                    ("½", "^0.5"), ("^(1/2)", "^0.5"), ("⁻¹", "^-1"), ("−", "-"))
_BARE_EXP: Final = re.compile(r"(?<=[A-Za-zµ])([23])\b")  # m2 -> m^2 (kg/m3, cm2)
_DIMENSIONLESS_WORDS: Final = frozenset({"", "1", "dimensionless", "fraction", "-"})


class UnitError(ValueError):
    """A unit pint cannot read, or one of the wrong dimension; the message is user-facing."""


def _pint_text(unit: str) -> str:
    u = unit.strip()
    for a, b in _SPELLING:
        u = u.replace(a, b)
    u = _BARE_EXP.sub(r"^\1", u)
    return "" if u in _DIMENSIONLESS_WORDS else u


@functools.lru_cache(maxsize=1)
def registry() -> "pint.UnitRegistry":
    """The one UnitRegistry (built on first use). The 'molar' context lets kJ/mol convert to eV."""
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=False)
    ureg.define("ampere_hour = ampere * hour = Ah")
    ctx = pint.Context("molar")
    ctx.add_transformation("[energy]/[substance]", "[energy]", lambda reg, x: x / reg.avogadro_constant)
    ctx.add_transformation("[energy]", "[energy]/[substance]", lambda reg, x: x * reg.avogadro_constant)
    ureg.add_context(ctx)
    ureg.enable_contexts("molar")
    return ureg


@functools.lru_cache(maxsize=512)
def parse_unit(unit: str) -> "pint.Unit":
    """A pint Unit from any of our spellings; UnitError when pint cannot read it."""
    ureg = registry()
    text = _pint_text(unit)
    try:
        return ureg.Unit(text) if text else ureg.dimensionless
    except Exception as exc:  # pint raises UndefinedUnitError, DefinitionSyntaxError, TokenError, ...
        raise UnitError(f"unknown unit {unit!r}") from exc


def known_unit(unit: str) -> bool:
    """Whether pint can read the unit at all (to tell 'unknown' from 'wrong dimension' in messages)."""
    try:
        parse_unit(unit)
        return True
    except UnitError:
        return False


def _kind(u: "pint.Unit") -> str:
    """Dimensionless units come in two kinds that never convert into each other: fractions and angles."""
    return "fraction" if set(u._units) <= _FRACTION_NAMES else "angle"


@functools.lru_cache(maxsize=2048)
def compatible(from_unit: str, to_unit: str) -> bool:
    """Same physical dimension (kJ/mol and eV count as one; % and 1 too; degrees and % do not)."""
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src.dimensionless or dst.dimensionless:
        return src.dimensionless and dst.dimensionless and _kind(src) == _kind(dst)
    return bool(registry().Quantity(1.0, src).is_compatible_with(dst))


@functools.lru_cache(maxsize=2048)
def factor(from_unit: str, to_unit: str) -> float:
    """Scale factor from one unit to another (multiplicative units only); UnitError when incompatible."""
    if not compatible(from_unit, to_unit):
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}")
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if src == dst:
        return 1.0
    if not (multiplicative(src) and multiplicative(dst)):
        raise UnitError(f"{from_unit!r} → {to_unit!r} has an offset (use convert)")
    return snap(float(registry().Quantity(1.0, src).to(dst).magnitude))


def multiplicative(unit: "pint.Unit | str") -> bool:
    """False for offset scales (degC, degF), whose conversions are not a factor."""
    u = parse_unit(unit) if isinstance(unit, str) else unit
    return bool(registry().Quantity(1.0, u)._is_multiplicative)


def snap(x: float) -> float:
    """Undo binary noise in a decimal factor (1e-3/1e-6 = 999.9999999999999 → 1000); 180/π stays exact."""
    short = float(f"{x:.12g}")
    return short if abs(short - x) <= 1e-14 * abs(x) else x


def dimension_of(unit: str) -> str | None:
    """The first domain dimension the unit belongs to (dimensionless '1' → 'dimensionless'), or None."""
    try:
        u = parse_unit(unit)
    except UnitError:
        return None
    if u.dimensionless:
        return "dimensionless" if not u._units else "fraction" if _kind(u) == "fraction" else "angle"
    for dim, ref in SI_UNIT.items():
        if dim in ("temperature_difference", "ramp", "angle", "fraction", "dimensionless"):
            continue
        if compatible(unit, ref):
            return dim
    return None


def fits(unit: str, dimension: str) -> bool:
    """Whether `unit` is a unit of `dimension` (fractions and plain numbers are interchangeable)."""
    try:
        return compatible(unit, SI_UNIT[dimension])
    except UnitError:
        return False


def lookup(unit: str) -> tuple[str, float] | None:
    """(dimension, factor to the dimension's SI unit) or None for an unknown unit (kept for callers)."""
    dim = dimension_of(unit)
    if dim is None or dim == "angle":
        return None
    try:
        return dim, factor(unit, SI_UNIT[dim])
    except UnitError:  # an offset unit (degC) has no factor
        return None


def to_si(value: float, unit: str, dimension: str) -> float:
    if not fits(unit, dimension):
        raise UnitError(f"unit {unit!r} is not a {dimension} unit")
    return convert(value, unit, SI_UNIT[dimension])


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """value in from_unit → value in to_unit (temperatures with offsets too: degC ↔ K)."""
    if not compatible(from_unit, to_unit):
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}")
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    if multiplicative(src) and multiplicative(dst):
        return value * factor(from_unit, to_unit)
    return float(registry().Quantity(value, src).to(dst).magnitude)


def units_for(dimension: str) -> list[str]:
    """Common spellings for a dimension (hints only: any pint unit of the dimension is accepted)."""
    return list(EXAMPLES[dimension])


def normalise(unit: str) -> str:
    """Canonical ASCII spelling used in certificates: 'ohm*cm^2', 'um', 'S/cm', '1'."""
    text = _pint_text(unit).replace("µ", "u").replace("**", "^").replace(" ", "*")
    text = re.sub(r"\*+", "*", text)
    return text or "1"


def display_unit(quantity: str, dimension: str | None = None) -> str:
    """The unit a quantity is reported in (its results and its limits both)."""
    if quantity in QUANTITY_UNIT:
        return QUANTITY_UNIT[quantity]
    if dimension is None:
        from ssbcert.quantities import QUANTITIES

        dimension = QUANTITIES.get(quantity, "dimensionless")
    return DISPLAY_UNIT.get(dimension, SI_UNIT.get(dimension, "1"))


_PRETTY: Final = (("angstrom", "Å"), ("ohm", "Ω"), ("^0.5", "½"), ("^-1", "⁻¹"), ("^2", "²"), ("^3", "³"), ("*", "·"))


def pretty(unit: str) -> str:
    """Display spelling: 'ohm*cm^2' → 'Ω·cm²', 'um' → 'µm', '1' → '' (a plain number has no unit)."""
    text = normalise(unit)
    if text == "1":
        return ""
    for a, b in _PRETTY:
        text = text.replace(a, b)
    return re.sub(r"(?<![A-Za-z])u(?=[A-Za-zΩ])", "µ", text)


_UCUM_ATOM: Final[dict[str, str]] = {
    "meter": "m", "gram": "g", "second": "s", "ampere": "A", "kelvin": "K", "siemens": "S", "ohm": "Ohm",
    "volt": "V", "farad": "F", "hertz": "Hz", "pascal": "Pa", "joule": "J", "electron_volt": "eV", "mole": "mol",
    "liter": "L", "watt": "W", "hour": "h", "minute": "min", "degree_Celsius": "Cel", "percent": "%",
    "ppm": "[ppm]", "angstrom": "Ao", "coulomb": "C", "force_kilogram": "kgf", "ampere_hour": "A.h", "watt_hour": "W.h",
    "degree": "deg", "radian": "rad", "newton": "N", "kilogram": "kg",
}
_UCUM_PREFIX: Final[dict[str, str]] = {"": "", "micro": "u", "milli": "m", "centi": "c", "kilo": "k", "mega": "M",
                                       "giga": "G", "nano": "n", "pico": "p", "deci": "d"}


def _ucum_term(name: str, exp: float) -> str:
    prefix, atom, _ = registry().parse_unit_name(name)[0]
    code = _UCUM_PREFIX[prefix] + _UCUM_ATOM[atom]
    e = abs(exp)
    if e == 1:
        return code
    return code + ("1/2" if e == 0.5 else f"{e:g}")


def ucum(unit: str) -> str:
    """UCUM code (https://ucum.org) for a unit: 'ohm*cm^2' → 'Ohm.cm2', '%' → '%', '1' → '1'."""
    u = parse_unit(unit)
    if not u._units:
        return "1"
    try:
        num = [_ucum_term(n, e) for n, e in u._units.items() if e > 0]
        den = [_ucum_term(n, e) for n, e in u._units.items() if e < 0]
    except KeyError as exc:
        raise UnitError(f"no UCUM code for {unit!r}") from exc
    return (".".join(num) or "1") + "".join("/" + d for d in den)


def quantity_value(value: Any, unit: str) -> "pint.Quantity":
    """A pint Quantity for callers that want one (offset units allowed: -20 degC)."""
    return registry().Quantity(value, parse_unit(unit))
