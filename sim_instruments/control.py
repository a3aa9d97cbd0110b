"""The control channel's commands as a schema: every request is validated before it touches the
sample, the stage or a fault plan, so a bad one gets an error reply and the twins keep running.

    {"op": "state"}
    {"op": "set_sample", "changes": {"material.sigma_gb_S_per_m": 0.003}}
    {"op": "set_stage", "changes": {"oscillation_K": 2.0}}
    {"op": "add_fault", "role": "impedance", "fault": {"kind": "disconnect", "at": 3}}
    {"op": "clear_faults", "role": "impedance"}
    {"op": "drop_connections", "role": "impedance"}

Each may carry "token": when the server was started with one, a request without it is refused.
"""
from __future__ import annotations

import dataclasses
import hmac
import math
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ssbcert.sim_instruments.faults import FaultSpec
from ssbcert.sim_instruments.sample import Electrode, Geometry, Material, SampleParams


class ControlError(ValueError):
    """A request the channel refuses; its message is the error reply."""


class _Op(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str | None = None


class State(_Op):
    op: Literal["state"]


class StageChanges(BaseModel):
    """The stage settings a test may change; anything else (a method, the sensor) is refused."""

    model_config = ConfigDict(extra="forbid")
    setpoint_K: float | None = Field(None, gt=0, le=2000)
    ramp_enabled: bool | None = None
    ramp_rate_K_per_min: float | None = Field(None, gt=0, le=1000)
    heater_range: int | None = Field(None, ge=0, le=3)
    oscillation_K: float | None = Field(None, ge=0, le=100)
    oscillation_period_s: float | None = Field(None, gt=0, le=1e5)


class SetStage(_Op):
    op: Literal["set_stage"]
    changes: StageChanges


class SetSample(_Op):
    op: Literal["set_sample"]
    changes: dict[str, Any] = Field(min_length=1, description="field, or material./geometry./electrode. field → value")


class _RoleOp(_Op):
    role: str


class AddFault(_RoleOp):
    op: Literal["add_fault"]
    fault: FaultSpec


class ClearFaults(_RoleOp):
    op: Literal["clear_faults"]


class DropConnections(_RoleOp):
    op: Literal["drop_connections"]


Request = Annotated[Union[State, SetStage, SetSample, AddFault, ClearFaults, DropConnections], Field(discriminator="op")]
_REQUEST: TypeAdapter[Any] = TypeAdapter(Request)
OPS = ("state", "set_sample", "set_stage", "add_fault", "clear_faults", "drop_connections")
_SECTIONS = {"material": Material, "geometry": Geometry, "electrode": Electrode}


def parse_request(raw: Any, token: str | None = None) -> Any:
    """The validated request, or ControlError with a one-line reason."""
    if not isinstance(raw, dict):
        raise ControlError(f"expected a JSON object with an 'op', found {type(raw).__name__}")
    if raw.get("op") not in OPS:
        raise ControlError(f"unknown op {raw.get('op')!r}; expected one of {', '.join(OPS)}")
    if token is not None and not hmac.compare_digest(str(raw.get("token") or ""), token):
        raise ControlError("refused: missing or wrong token")
    try:
        req = _REQUEST.validate_python(raw)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"][1:])  # drop the union tag
        raise ControlError(f"{raw['op']}: {where + ': ' if where else ''}{e['msg']}") from None
    if isinstance(req, SetSample):
        check_sample_changes(req.changes)
    return req


def check_sample_changes(changes: dict[str, Any]) -> None:
    """Every key names a sample parameter and every value fits its type (numbers finite)."""
    for key, value in changes.items():
        section, _, name = key.rpartition(".")
        cls = _SECTIONS.get(section) if section else SampleParams
        if cls is None:
            raise ControlError(f"set_sample: unknown section {section!r}; expected material, geometry or electrode")
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls) if not dataclasses.is_dataclass(hints.get(f.name))]
        if name not in names:
            raise ControlError(f"set_sample: unknown parameter {key!r}; expected one of {', '.join(names)}")
        try:
            TypeAdapter(hints[name]).validate_python(value, strict=True)
        except ValidationError as exc:
            raise ControlError(f"set_sample: {key}: {exc.errors()[0]['msg']} (found {value!r})") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise ControlError(f"set_sample: {key}: expected a finite number, found {value!r}")
