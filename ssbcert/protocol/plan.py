"""The plan: a validated protocol expanded into a flat list of step instances with stable ids.

Ids encode where an instance comes from (`s03.t2.s1.eis`: top-level step 3, temperature 2 of
the loop, body step 1), so the same protocol always gives the same ids; resume and replay key
on them. The engine only ever sees this flat list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ssbcert.errors import InputError
from ssbcert.protocol.loader import LoadedProtocol
from ssbcert.protocol.model import Eis, Include, Loop, SetTemperature
from ssbcert.yamlio import Loc, format_loc


@dataclass(frozen=True)
class StepInstance:
    id: str
    step: Any  # one of the step models (never Loop or Include: those are expanded)
    setpoint_K: float | None  # temperature context: the loop value or the latest setpoint
    source: str
    loc: Loc
    line: int | None
    lines: dict[Loc, int] | None = field(default=None, repr=False, compare=False)  # for field-level errors

    def line_of(self, field_name: str) -> int | None:
        """Line of one of this step's fields in its source file (the step's line if unknown)."""
        if self.lines is not None and self.loc + (field_name,) in self.lines:
            return self.lines[self.loc + (field_name,)]
        return self.line

    @property
    def kind(self) -> str:
        return self.step.step

    @property
    def points(self) -> int:
        """Resumable units inside the step: EIS repeats; everything else is one unit."""
        return self.step.repeats if isinstance(self.step, Eis) else 1

    def point_id(self, k: int) -> str:
        return f"{self.id}.p{k}"

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def to_dict(self) -> dict[str, Any]:
        d = self.step.model_dump(mode="json")
        if self.kind == "set_temperature":
            d["setpoint_K"] = self.setpoint_K
        return {"id": self.id, "kind": self.kind, "params": d, "setpoint_K": self.setpoint_K, "where": self.where}


@dataclass
class Plan:
    name: str
    protocol_sha256: str
    instances: list[StepInstance] = field(default_factory=list)

    def __iter__(self) -> Iterator[StepInstance]:
        return iter(self.instances)

    def __len__(self) -> int:
        return len(self.instances)

    def index(self, step_id: str) -> int:
        for i, inst in enumerate(self.instances):
            if inst.id == step_id:
                return i
        raise KeyError(step_id)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "protocol_sha256": self.protocol_sha256, "steps": [i.to_dict() for i in self.instances]}


def expand(loaded: LoadedProtocol) -> Plan:
    """Flatten loops and includes; fill a set_temperature's setpoint from its temperature loop."""
    plan = Plan(loaded.protocol.name, loaded.sha256)
    state = {"setpoint_K": None}
    _expand(loaded, loaded.protocol.steps, ("steps",), "", None, state, plan.instances, top=True)
    return plan


def _expand(
    loaded: LoadedProtocol,
    steps: list[Any],
    loc: Loc,
    prefix: str,
    loop_T: float | None,
    state: dict[str, Any],
    out: list[StepInstance],
    top: bool = False,
) -> None:
    for i, step in enumerate(steps):
        here = loc + (i,)
        sid = f"{prefix}s{i:02d}" if top else f"{prefix}s{i}"
        if isinstance(step, Loop):
            if step.temperatures is not None:
                for j, T in enumerate(step.values_K()):
                    _expand(loaded, step.steps, here + ("steps",), f"{sid}.t{j}.", T, state, out)
            else:
                for j in range(step.repeats or 0):
                    _expand(loaded, step.steps, here + ("steps",), f"{sid}.r{j}.", loop_T, state, out)
        elif isinstance(step, Include):
            child: LoadedProtocol = step._loaded
            _expand(child, child.protocol.steps, ("steps",), f"{sid}.", loop_T, state, out)
        else:
            if isinstance(step, SetTemperature):
                setpoint = step.setpoint_K if step.setpoint_K is not None else loop_T
                if setpoint is None:
                    raise InputError(
                        "set_temperature needs a setpoint outside a temperature loop",
                        file=loaded.source,
                        line=loaded.line(here),
                        field=format_loc(here + ("setpoint",)),
                    )
                state["setpoint_K"] = setpoint
            out.append(StepInstance(f"{sid}.{step.step}", step, state["setpoint_K"], loaded.source, here, loaded.line(here), loaded.lines))
