"""The protocol language: a pydantic model that validates YAML and publishes the JSON Schema.

YAML keys are short (`amplitude`, `setpoint`); every quantity carries its unit in the value
("20 mV", "-20 degC"). The Python attributes carry the SI unit in their names (`amplitude_V`),
so code downstream never guesses units.
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, WithJsonSchema, model_validator

from ssbcert.protocol.units import quantity_parser, quantity_pattern

Role = Literal["impedance", "temperature", "dc"]


def _positive(value: float) -> float:
    if not value > 0:
        raise ValueError(f"must be > 0, found {value:g} (SI)")
    return value


def _q(dimension: str, description: str, positive: bool = False) -> Any:
    checks: list[Any] = [AfterValidator(_positive)] if positive else []
    return Annotated[
        float,
        BeforeValidator(quantity_parser(dimension)),
        *checks,
        WithJsonSchema({"type": "string", "pattern": quantity_pattern(dimension), "description": description}),
    ]


Voltage = _q("voltage", "voltage with unit, e.g. '20 mV'")
Amplitude = _q("voltage", "AC amplitude with unit, e.g. '20 mV'", positive=True)
Current = _q("current", "current with unit, e.g. '10 mA'", positive=True)
Frequency = _q("frequency", "frequency with unit, e.g. '1 MHz'", positive=True)
Duration = _q("time", "duration with unit, e.g. '30 s', '10 min'", positive=True)
Temperature = _q("temperature", "absolute temperature with unit, e.g. '25 degC' or '298.15 K'", positive=True)
TemperatureDifference = _q("temperature_difference", "temperature difference, e.g. '0.5 K'", positive=True)
Ramp = _q("ramp", "ramp rate, e.g. '5 K/min'", positive=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class _Step(_Strict):
    label: str | None = Field(None, description="free text shown in progress and events")
    plausibility_override: dict[str, Annotated[str, Field(min_length=3)]] | None = Field(
        None, description="field → reason: accept a value outside its plausibility band (recorded in the session)"
    )


class Identify(_Step):
    """Snapshot every instrument (*IDN?, options, settings) into the session."""

    step: Literal["identify"]


class SetTemperature(_Step):
    """Go to a setpoint and wait until the sample reading stays within the band for the window."""

    step: Literal["set_temperature"]
    setpoint_K: Temperature | None = Field(None, alias="setpoint", description="omit inside a temperature loop")
    ramp_K_per_min: Ramp = Field(alias="ramp")
    band_K: TemperatureDifference = Field(0.5, alias="band")
    window_s: Duration = Field(60.0, alias="window")
    timeout_s: Duration = Field(1800.0, alias="timeout")
    on_timeout: Literal["abort", "continue"] = "abort"
    poll_s: Duration = Field(5.0, alias="poll")


class Eis(_Step):
    """One impedance sweep per repeat; each repeat is a resumable point."""

    step: Literal["eis"]
    f_start_Hz: Frequency | None = Field(None, alias="f_start")
    f_stop_Hz: Frequency | None = Field(None, alias="f_stop")
    points_per_decade: int | None = Field(None, ge=1, le=100)
    frequencies_Hz: list[Frequency] | None = Field(None, alias="frequencies", min_length=1)
    amplitude_V: Amplitude = Field(alias="amplitude")
    dc_bias_V: Voltage = Field(0.0, alias="dc_bias")
    bandwidth: str | None = None
    averaging: int = Field(1, ge=1, le=1000)
    repeats: int = Field(1, ge=1, le=1000)
    fixture: Literal["sample", "open", "short"] = Field("sample", description="what is in the fixture")
    compensation: Literal["none", "open_short"] = Field(
        "none", description="open_short: correct with the latest open and short fixture sweeps"
    )

    @model_validator(mode="after")
    def _range_or_list(self) -> "Eis":
        ranged = (self.f_start_Hz, self.f_stop_Hz, self.points_per_decade)
        if self.frequencies_Hz is not None:
            if any(v is not None for v in ranged):
                raise ValueError("give either frequencies or f_start/f_stop/points_per_decade, not both")
        elif any(v is None for v in ranged):
            raise ValueError("a sweep needs f_start, f_stop and points_per_decade (or a frequencies list)")
        elif self.f_start_Hz == self.f_stop_Hz:
            raise ValueError("f_start and f_stop are equal")
        return self

    def frequency_list_Hz(self) -> list[float]:
        """Log-spaced from f_start to f_stop (either direction), end points included."""
        if self.frequencies_Hz is not None:
            return list(self.frequencies_Hz)
        assert self.f_start_Hz and self.f_stop_Hz and self.points_per_decade
        decades = abs(math.log10(self.f_stop_Hz / self.f_start_Hz))
        n = max(2, int(round(decades * self.points_per_decade)) + 1)
        return [float(f) for f in np.logspace(math.log10(self.f_start_Hz), math.log10(self.f_stop_Hz), n)]


class DcPolarization(_Step):
    """Hold a DC voltage and log the current decay (electronic conductivity)."""

    step: Literal["dc_polarization"]
    voltage_V: Voltage = Field(alias="voltage")
    duration_s: Duration = Field(alias="duration")
    interval_s: Duration = Field(alias="interval")
    compliance_A: Current = Field(alias="compliance")


class Hold(_Step):
    step: Literal["hold"]
    duration_s: Duration = Field(alias="duration")


class Checkpoint(_Step):
    """Flush and re-hash the session; a named place in the event stream."""

    step: Literal["checkpoint"]


class Include(_Step):
    """Run another protocol's steps here (a file path, or a shipped protocol name)."""

    step: Literal["include"]
    protocol: str
    parameters: dict[str, str | bool | int | float] = Field(default_factory=dict)
    _loaded: Any = PrivateAttr(None)


class TemperatureRange(_Strict):
    from_K: Temperature = Field(alias="from")
    to_K: Temperature = Field(alias="to")
    step_K: TemperatureDifference = Field(alias="step")

    @model_validator(mode="after")
    def _positive(self) -> "TemperatureRange":
        if self.step_K <= 0:
            raise ValueError("step must be > 0 K")
        if abs(self.to_K - self.from_K) / self.step_K > 1000:
            raise ValueError("more than 1000 temperatures")
        return self

    def values_K(self) -> list[float]:
        n = int(math.floor(abs(self.to_K - self.from_K) / self.step_K + 1e-9))
        sign = 1.0 if self.to_K >= self.from_K else -1.0
        return [self.from_K + sign * i * self.step_K for i in range(n + 1)]


class Loop(_Step):
    """Repeat the body over temperatures (optionally back down, for hysteresis) or a count."""

    step: Literal["loop"]
    temperatures: TemperatureRange | list[Temperature] | None = None
    back_down: bool = Field(False, description="after the last temperature, revisit them in reverse")
    repeats: int | None = Field(None, ge=1, le=10000)
    steps: list["Step"] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_kind(self) -> "Loop":
        if (self.temperatures is None) == (self.repeats is None):
            raise ValueError("a loop needs exactly one of temperatures or repeats")
        if self.back_down and self.temperatures is None:
            raise ValueError("back_down only applies to a temperature loop")
        return self

    def values_K(self) -> list[float]:
        t = self.temperatures
        vals = t.values_K() if isinstance(t, TemperatureRange) else list(t or [])
        if self.back_down and len(vals) > 1:
            vals = vals + vals[-2::-1]
        return vals


Step = Annotated[
    Union[Identify, SetTemperature, Eis, DcPolarization, Hold, Checkpoint, Include, Loop],
    Field(discriminator="step"),
]
Loop.model_rebuild()


class Parameter(_Strict):
    default: str | bool | int | float
    description: str = ""


class Limits(_Strict):
    """Safety limits; the bench has its own and the stricter of the two applies."""

    max_ac_amplitude_V: Voltage | None = Field(None, alias="max_ac_amplitude")
    min_temperature_K: Temperature | None = Field(None, alias="min_temperature")
    max_temperature_K: Temperature | None = Field(None, alias="max_temperature")
    max_ramp_K_per_min: Ramp | None = Field(None, alias="max_ramp")
    max_dc_voltage_V: Voltage | None = Field(None, alias="max_dc_voltage")
    max_compliance_A: Current | None = Field(None, alias="max_compliance")


class Protocol(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    version: int = 1
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    steps: list[Step] = Field(min_length=1)


STEP_KINDS = ("identify", "set_temperature", "eis", "dc_polarization", "hold", "checkpoint", "include", "loop")


def protocol_json_schema() -> dict[str, Any]:
    """JSON Schema of protocol YAML (keys as written in files, quantities as strings with units)."""
    schema = Protocol.model_json_schema(by_alias=True)
    _allow_references(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ssbcert protocol"
    return schema


_PLAIN = ("integer", "boolean", "number")
_REFERENCE = {"type": "string", "pattern": r"^\$[A-Za-z_]\w*$", "description": "a protocol parameter"}


def _allow_references(node: Any) -> None:
    """Numbers and flags in steps may also be `$name` references to protocol parameters."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "properties" and isinstance(value, dict):
                for name, prop in value.items():
                    if not isinstance(prop, dict):
                        continue
                    if prop.get("type") in _PLAIN:
                        value[name] = {"anyOf": [prop, _REFERENCE], **{k: prop[k] for k in ("default", "title") if k in prop}}
                    elif any(isinstance(o, dict) and o.get("type") in _PLAIN for o in prop.get("anyOf", [])):
                        prop["anyOf"].append(_REFERENCE)
            _allow_references(value)
    elif isinstance(node, list):
        for item in node:
            _allow_references(item)
