"""Bench files: which driver and VISA resource serves each role, the bench's safety limits, and for
simulated benches the virtual sample and the faults to inject.

    name: film-bench-1
    sim: false
    instruments:
      impedance:   {driver: keysight_e4990a, resource: "TCPIP::192.168.1.20::5025::SOCKET", timeout_s: 30}
      temperature: {driver: lakeshore_336,   resource: "TCPIP::192.168.1.21::7777::SOCKET"}
      dc:          {driver: keithley_2450,   resource: "USB0::0x05E6::0x2450::04365704::INSTR"}
    limits: {max_ac_amplitude_V: 0.05, min_temperature_K: 233.15, max_temperature_K: 423.15, max_ramp_K_per_min: 10}
"""
from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ssbcert.drivers.catalog import CATALOG
from ssbcert.sim_instruments.faults import FaultSpec
from ssbcert.yamlio import InputErrors, format_loc, line_of, load_yaml_text, read_text_limited, validate

ROLES = ("impedance", "temperature", "dc")
_RESOURCE = re.compile(r"^(TCPIP\d*::.+::(INSTR|SOCKET)|GPIB\d*::\d+(::\d+)?::INSTR|ASRL[^:]+::INSTR|USB\d*::.+::INSTR|TCPIP\d*::[^:]+)$", re.I)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


FaultConfig = FaultSpec  # the bench file's faults: one schema with the twins' control channel


class CalibrationConfig(Strict):
    """The instrument's calibration status (ISO/IEC 17025 §6.4.13): shown in the certificate's equipment table."""

    date: dt.date = Field(description="date of the last calibration")
    due: dt.date = Field(description="date the next calibration is due")
    certificate: str = Field(min_length=1, description="calibration certificate id")
    by: str = Field(default="", description="calibration laboratory")

    @model_validator(mode="after")
    def _due_after_date(self) -> "CalibrationConfig":
        if self.due <= self.date:
            raise ValueError(f"due ({self.due}) must be after date ({self.date})")
        return self


class InstrumentConfig(Strict):
    driver: str
    resource: str | None = Field(default=None, description="VISA resource string; not needed on a sim bench")
    timeout_s: float = Field(default=10.0, gt=0, le=3600)
    visa_library: str = "@py"
    options: dict[str, Any] = Field(default_factory=dict, description="driver constructor options")
    twin_options: dict[str, Any] = Field(default_factory=dict, description="sim only: twin options")
    faults: list[FaultConfig] = Field(default_factory=list, description="sim only: faults to inject")
    calibration: CalibrationConfig | None = Field(default=None, description="calibration date, due date, certificate id")

    @field_validator("driver")
    @classmethod
    def _known_driver(cls, v: str) -> str:
        if v not in CATALOG:
            raise ValueError(f"unknown driver {v!r}; expected one of {', '.join(sorted(CATALOG))}")
        return v

    @field_validator("resource")
    @classmethod
    def _resource_syntax(cls, v: str | None) -> str | None:
        if v is not None and not _RESOURCE.match(v.strip()):
            raise ValueError(
                f"not a VISA resource string: {v!r}; expected e.g. TCPIP::<ip>::5025::SOCKET, GPIB0::12::INSTR, ASRL3::INSTR, USB0::...::INSTR"
            )
        return v


class SimSampleConfig(Strict):
    preset: Literal["LLZO", "LLZO-Ga", "LATP", "LAGP", "LLTO", "LiPON"] = "LLZO"
    geometry: Literal["through_plane", "strips", "interdigitated"] = "through_plane"
    thickness_um: float = Field(default=25.0, gt=0, le=5000)
    electrode_diameter_mm: float = Field(default=5.0, gt=0, le=100)
    gap_um: float = Field(default=1000.0, gt=0)
    length_mm: float = Field(default=5.0, gt=0)
    finger_width_um: float = Field(default=10.0, gt=0)
    finger_spacing_um: float = Field(default=10.0, gt=0)
    fingers: int = Field(default=50, ge=2)
    electrode: Literal["blocking", "non_blocking"] = "blocking"
    start_temperature_K: float = Field(default=298.15, gt=0, le=1500)
    noise_relative: float | None = Field(default=None, ge=0, le=0.1)


class BenchLimits(Strict):
    max_ac_amplitude_V: float = Field(default=0.1, gt=0, le=20)
    min_temperature_K: float = Field(default=77.0, gt=0)
    max_temperature_K: float = Field(default=773.15, gt=0)
    max_ramp_K_per_min: float = Field(default=20.0, gt=0)
    max_dc_voltage_V: float = Field(default=5.0, gt=0)
    max_compliance_A: float = Field(default=0.1, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> "BenchLimits":
        if self.min_temperature_K >= self.max_temperature_K:
            raise ValueError(
                f"min_temperature_K ({self.min_temperature_K}) must be below max_temperature_K ({self.max_temperature_K})"
            )
        return self


class BenchConfig(Strict):
    name: str = Field(min_length=1)
    sim: bool = False
    time_scale: float = Field(default=1.0, gt=0, le=1e6, description="sim only: instrument seconds per wall second")
    seed: int = 0
    sample: SimSampleConfig = Field(default_factory=SimSampleConfig, description="sim only: the virtual sample")
    instruments: dict[str, InstrumentConfig]
    limits: BenchLimits = Field(default_factory=BenchLimits)
    _source: str | None = PrivateAttr(None)  # the bench file, for errors found after loading (probe, open)
    _lines: dict[Any, int] = PrivateAttr(default_factory=dict)

    def where(self, role: str, field: str = "resource") -> tuple[str | None, int | None, str]:
        """(file, line, field path) of one instrument's field, for errors found after loading."""
        loc = ("instruments", role, field)
        return self._source, line_of(self._lines, loc) if self._lines else None, format_loc(loc)

    @field_validator("instruments")
    @classmethod
    def _roles(cls, v: dict[str, InstrumentConfig]) -> dict[str, InstrumentConfig]:
        unknown = [r for r in v if r not in ROLES]
        if unknown:
            raise ValueError(f"unknown role {unknown[0]!r}; expected one of {', '.join(ROLES)}")
        if not v:
            raise ValueError("at least one instrument role is required")
        return v

    @model_validator(mode="after")
    def _resources(self) -> "BenchConfig":
        if not self.sim:
            missing = [r for r, i in self.instruments.items() if not i.resource]
            if missing:
                raise ValueError(f"instruments.{missing[0]}.resource: required on a real bench (sim: false)")
        return self


def load_bench_text(text: str, source: str) -> BenchConfig:
    """Validate a bench file, driver and twin options included; errors name file:line and field."""
    from ssbcert.bench.options import option_errors

    data, lines = load_yaml_text(text, source)
    config = validate(BenchConfig, data, lines, source)
    errors = option_errors(config, lines, source)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    config._source, config._lines = source, lines
    return config


def load_bench(path: str | Path) -> BenchConfig:
    """Read and validate a bench file; errors name file:line and field."""
    return load_bench_text(read_text_limited(path, "bench file"), str(path))


def default_bench() -> BenchConfig:
    """The embedded simulated bench used by `ssbcert demo` and when no --bench is given."""
    text = resources.files("ssbcert.bench").joinpath("sim_bench.yaml").read_text(encoding="utf-8")
    return load_bench_text(text, "<embedded sim_bench.yaml>")


def driver_classes(config: BenchConfig) -> dict[str, Any]:
    """Role → driver class, without opening anything (pre-flight uses their capabilities)."""
    return {role: CATALOG[inst.driver].driver_class() for role, inst in config.instruments.items()}
