"""Physical plausibility bands: values no film, pellet or bench step can have, caught before they are used.

A unit slip (a thickness typed in mm where µm was meant, a hold of 1e12 s) passes every type and
range check and then yields a number that looks like a result. Each band here is wide enough for
every real specimen and protocol, and narrow enough to catch a factor of 1000. A value outside its
band is an error unless the file gives an explicit override with a reason; the override is stored
with the record (sample file, session plan) and listed on the certificate.

One table, used by the sample record checks (`ssbcert.sample.plausibility`) and by protocol
pre-flight (`ssbcert.protocol.preflight`). Values are compared in SI.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

DAY_S = 86400.0


@dataclass(frozen=True)
class Band:
    what: str
    low: float
    high: float
    unit: str  # SI unit of low/high

    def contains(self, value: float, absolute: bool = False) -> bool:
        v = abs(value) if absolute else value
        return self.low <= v <= self.high

    def __str__(self) -> str:
        return f"{self.low:g}..{self.high:g} {self.unit}"


BANDS: dict[str, Band] = {
    "thickness": Band("thickness", 1e-9, 1e-2, "m"),  # 1 nm .. 10 mm
    "electrode_size": Band("electrode dimension", 1e-6, 0.1, "m"),  # diameter, strip/finger length
    "electrode_gap": Band("electrode gap or finger width", 1e-7, 0.05, "m"),
    "electrode_area": Band("electrode area", 1e-10, 1e-2, "m^2"),  # 10 µm square .. 10 cm square
    "process_temperature": Band("process temperature", 0.0, 3300.0, "K"),
    "process_time": Band("process time", 0.0, 1000 * 3600.0, "s"),
    "temperature": Band("measurement temperature", 1.0, 2000.0, "K"),
    "temperature_band": Band("temperature band", 1e-4, 100.0, "K"),
    "ramp": Band("ramp rate", 1e-3, 1000.0, "K/min"),
    "duration": Band("duration", 1e-3, 30 * DAY_S, "s"),  # hold, polarization, stability window, timeout
    "interval": Band("sampling interval", 1e-6, DAY_S, "s"),
    "ac_amplitude": Band("AC amplitude", 1e-6, 10.0, "V"),
    "dc_voltage": Band("DC voltage", 0.0, 100.0, "V"),
    "current": Band("current", 1e-12, 10.0, "A"),
    "frequency": Band("frequency", 1e-6, 1e10, "Hz"),
}

OVERRIDE_KEY = "plausibility_override"  # protocol steps: {field: reason}
OVERRIDES_KEY = "plausibility_overrides"  # sample records: {field path: reason}


def _bare(field: str) -> str:
    """`thickness.readings_um[3]` -> `thickness.readings_um` (an override names the field, not one element)."""
    return re.sub(r"\[\d+\]", "", field)


def override_for(field: str, overrides: Mapping[str, str] | None) -> str | None:
    """The reason given for `field` (exact, or without list indices), or None."""
    if not overrides:
        return None
    return overrides.get(field) or overrides.get(_bare(field))


def outside(band_key: str, value_si: float, absolute: bool = False) -> tuple[str, str, str] | None:
    """(message, expected, found) when `value_si` lies outside its band, else None."""
    band = BANDS[band_key]
    if band.contains(value_si, absolute):
        return None
    return f"implausible {band.what}", str(band), f"{value_si:g} {band.unit}"


def overrides_listed(sample_overrides: Mapping[str, str] | None, plan: Mapping[str, Any] | None) -> list[str]:
    """Every override in a sample record and a session plan, as certificate deviation lines."""
    out = [f"plausibility override in the sample record: {f} ({why})" for f, why in (sample_overrides or {}).items()]
    for step in (plan or {}).get("steps", []):
        for f, why in (step.get("params", {}).get(OVERRIDE_KEY) or {}).items():
            out.append(f"plausibility override in protocol step {step.get('id')}: {f} ({why})")
    return out
