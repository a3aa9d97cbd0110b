"""Plausibility of a sample record: thickness, electrode geometry and process values inside the
bands of `ssbcert.plausibility`, unless `plausibility_overrides` names the field with a reason.

Runs after schema validation (so every value is already a positive number of the right type) and
reports every implausible value with file:line and field, like any other input error.
"""
from __future__ import annotations

from typing import Any

from ssbcert.errors import InputError
from ssbcert.plausibility import OVERRIDES_KEY, outside, override_for
from ssbcert.sample.electrodes import InPlaneStrips, Interdigitated, ThroughPlane
from ssbcert.sample.model import SampleRecord
from ssbcert.units import to_si
from ssbcert.yamlio import InputErrors, Loc, format_loc, line_of


def _values(record: SampleRecord) -> list[tuple[Loc, str, float]]:
    """(data location, band, SI value) of every banded field present in the record."""
    out: list[tuple[Loc, str, float]] = []

    def length(v: Any, unit: str) -> float:
        return to_si(float(getattr(v, "value", v)), unit, "length")

    th = record.thickness
    if th is not None:
        out += [(("thickness", "readings_um", i), "thickness", length(r, "um")) for i, r in enumerate(th.readings_um)]
        if th.nominal_um is not None:
            out.append((("thickness", "nominal_um"), "thickness", length(th.nominal_um, "um")))
    el, e = record.electrodes, ("electrodes",)
    if isinstance(el, ThroughPlane):
        if el.diameter_mm is not None:
            out.append((e + ("diameter_mm",), "electrode_size", length(el.diameter_mm, "mm")))
        if el.area_mm2 is not None:
            out.append((e + ("area_mm2",), "electrode_area", el.area_mm2.value * length(1.0, "mm") ** 2))
    elif isinstance(el, InPlaneStrips):
        out.append((e + ("gap_um",), "electrode_gap", length(el.gap_um, "um")))
        out.append((e + ("length_mm",), "electrode_size", length(el.length_mm, "mm")))
    elif isinstance(el, Interdigitated):
        out.append((e + ("finger_width_um",), "electrode_gap", length(el.finger_width_um, "um")))
        out.append((e + ("spacing_um",), "electrode_gap", length(el.spacing_um, "um")))
        out.append((e + ("overlap_length_mm",), "electrode_size", length(el.overlap_length_mm, "mm")))
    fab = record.fabrication
    if fab is not None and fab.annealing_temperature_C is not None:
        out.append((("fabrication", "annealing_temperature_C"), "process_temperature", fab.annealing_temperature_C + 273.15))
    if fab is not None and fab.annealing_time_h is not None:
        out.append((("fabrication", "annealing_time_h"), "process_time", fab.annealing_time_h * 3600.0))
    return out


def check_plausibility(record: SampleRecord, lines: dict[Loc, int], source: str) -> None:
    """Raise InputError(s) for every banded value outside its band and not overridden."""
    errors: list[InputError] = []
    for loc, band, value in _values(record):
        field = format_loc(loc)
        bad = outside(band, value)
        if bad is None or override_for(field, record.plausibility_overrides) is not None:
            continue
        message, expected, found = bad
        bare = format_loc(tuple(p for p in loc if not isinstance(p, int)))
        errors.append(InputError(f"{message}; if the value is right, add {OVERRIDES_KEY}: {{{bare}: <reason>}}",
                                 file=source, line=line_of(lines, loc), field=field, expected=expected, found=found))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
