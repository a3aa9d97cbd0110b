"""Driver names used in bench files → driver class and the twin that simulates it.

Strings, imported lazily, so a bench that uses one instrument does not import the others.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class CatalogEntry:
    role: str  # primary role; drivers may serve more (PalmSens: impedance and dc)
    driver: str  # "module:Class"
    twin: str  # "module:Class"
    description: str

    def driver_class(self) -> Any:
        return _load(self.driver)

    def twin_class(self) -> Any:
        return _load(self.twin)


def _load(ref: str) -> Any:
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)


_D = "ssbcert.drivers"
_T = "ssbcert.sim_instruments.twins"

CATALOG: dict[str, CatalogEntry] = {
    "keysight_e4990a": CatalogEntry(
        "impedance", f"{_D}.impedance.keysight_e4990a:KeysightE4990A", f"{_T}.keysight_e4990a:E4990ATwin",
        "Keysight E4990A impedance analyzer (SCPI, LAN socket 5025)",
    ),
    "keysight_e4980a": CatalogEntry(
        "impedance", f"{_D}.impedance.keysight_e4980a:KeysightE4980A", f"{_T}.keysight_e4980a:E4980ATwin",
        "Keysight E4980A/AL precision LCR meter (SCPI, list sweep)",
    ),
    "solartron_1260": CatalogEntry(
        "impedance", f"{_D}.impedance.solartron_1260:Solartron1260", f"{_T}.solartron_1260:Solartron1260Twin",
        "Solartron 1260/1260A frequency response analyser (GPIB mnemonics)",
    ),
    "palmsens_emstat4": CatalogEntry(
        "impedance", f"{_D}.impedance.palmsens_emstat4:PalmSensEmStat4", f"{_T}.palmsens_emstat4:EmStat4Twin",
        "PalmSens EmStat4 potentiostat (MethodSCRIPT EIS and chronoamperometry)",
    ),
    "keithley_2450": CatalogEntry(
        "dc", f"{_D}.dc.keithley_2450:Keithley2450", f"{_T}.keithley_2450:Keithley2450Twin",
        "Keithley 2450 SourceMeter (SCPI)",
    ),
    "lakeshore_336": CatalogEntry(
        "temperature", f"{_D}.temperature.lakeshore_336:LakeShore336", f"{_T}.lakeshore_336:LakeShore336Twin",
        "Lake Shore 336 temperature controller (Ethernet 7777 / USB serial)",
    ),
    "lakeshore_335": CatalogEntry(
        "temperature", f"{_D}.temperature.lakeshore_336:LakeShore335", f"{_T}.lakeshore_336:LakeShore335Twin",
        "Lake Shore 335 temperature controller (USB serial 57600 7-O-1)",
    ),
}


def entry(name: str) -> CatalogEntry:
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown driver {name!r}; known: {', '.join(sorted(CATALOG))}") from None
