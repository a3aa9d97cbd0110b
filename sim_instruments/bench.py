"""A simulated bench: one clock, one virtual sample on a thermal stage, and a twin per instrument,
each served on its own loopback socket, plus a control channel to change sample and faults live."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ssbcert.drivers.catalog import entry
from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.control import AddFault, ClearFaults, ControlError, SetSample, SetStage, State, parse_request
from ssbcert.sim_instruments.faults import FaultPlan, FaultRule
from ssbcert.sim_instruments.sample import Electrode, Geometry, VirtualSample
from ssbcert.sim_instruments.server import ControlServer, TwinServer
from ssbcert.sim_instruments.thermal import ThermalStage
from ssbcert.sim_instruments.twin import SimEnvironment


@dataclass
class TwinSpec:
    driver: str  # catalog name
    options: dict[str, Any] = field(default_factory=dict)
    faults: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SampleSpec:
    preset: str = "LLZO"
    geometry: str = "through_plane"
    thickness_m: float = 25e-6
    electrode_diameter_m: float = 5e-3
    gap_m: float = 1e-3
    length_m: float = 5e-3
    finger_width_m: float = 10e-6
    finger_spacing_m: float = 10e-6
    fingers: int = 50
    electrode: str = "blocking"
    start_temperature_K: float = 298.15

    def build(self) -> VirtualSample:
        sample = VirtualSample.preset(self.preset)
        geo = Geometry(
            kind=self.geometry,  # type: ignore[arg-type]
            thickness_m=self.thickness_m,
            area_m2=math.pi * self.electrode_diameter_m**2 / 4,
            gap_m=self.gap_m,
            length_m=self.length_m,
            finger_width_m=self.finger_width_m,
            finger_spacing_m=self.finger_spacing_m,
            fingers=self.fingers,
        )
        sample.update(geometry=geo, electrode=Electrode(kind=self.electrode))  # type: ignore[arg-type]
        return sample


class SimBench:
    """Start with `SimBench(...)`; `resources` maps role → VISA resource of its twin."""

    def __init__(
        self,
        twins: dict[str, TwinSpec],
        sample: SampleSpec | None = None,
        time_scale: float = 1000.0,
        seed: int = 0,
        noise_relative: float | None = None,
        control: bool = True,
        control_token: str | None = None,
        port_base: int | None = None,
    ) -> None:
        """port_base: twins listen on port_base, port_base + 1, ... in bench order, the control
        channel on the next port; None: any free ports."""
        self.clock = SimClock(time_scale)
        spec = sample or SampleSpec()
        self.sample = spec.build()
        self.sample.thermal = ThermalStage(start_K=spec.start_temperature_K, t0_s=self.clock.now(), seed=seed)
        self.env = SimEnvironment(self.clock, self.sample)
        self.twins: dict[str, Any] = {}
        self.servers: dict[str, TwinServer] = {}
        self.roles: dict[str, str] = {}  # role -> twin key
        by_driver: dict[str, str] = {}
        for i, (role, tspec) in enumerate(twins.items()):
            if tspec.driver in by_driver:  # one physical instrument serving two roles (EmStat4: EIS and CA)
                self.roles[role] = by_driver[tspec.driver]
                self.twins[by_driver[tspec.driver]].faults.rules.extend(FaultPlan.from_config(tspec.faults).rules)
                continue
            twin_cls = entry(tspec.driver).twin_class()
            faults = FaultPlan.from_config(tspec.faults, seed=seed + 101 * (i + 1))
            twin = twin_cls(self.env, faults=faults, seed=seed + i, noise=noise_relative, **tspec.options)
            self.twins[role] = twin
            port = 0 if port_base is None else port_base + len(self.servers)
            self.servers[role] = TwinServer(twin, port=port).start()
            self.roles[role] = role
            by_driver[tspec.driver] = role
        self.control_token = control_token  # when set, every control request must carry it
        port = 0 if port_base is None else port_base + len(self.servers)
        self.control = ControlServer(self.handle_control, port=port) if control else None

    @property
    def resources(self) -> dict[str, str]:
        return {role: self.servers[key].resource for role, key in self.roles.items()}

    def twin(self, role: str) -> Any:
        return self.twins[self.roles[role]]

    def server(self, role: str) -> TwinServer:
        return self.servers[self.roles[role]]

    def handle_control(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Control ops (schema in `sim_instruments.control`): state, set_sample, set_stage, add_fault,
        clear_faults, drop_connections. A refused request raises ControlError; nothing is changed."""
        req = parse_request(raw, self.control_token)
        t = self.clock.now()
        if isinstance(req, State):
            T = self.sample.temperature_K(t)
            return {
                "time_s": t,
                "sample_temperature_K": T,
                "truth": self.sample.truth(T).to_dict(),
                "resources": self.resources,
                "faults_fired": {r: list(self.twin(r).faults.log) for r in self.roles},
            }
        if isinstance(req, SetSample):
            self.sample.update(**req.changes)
            return {}
        if isinstance(req, SetStage):
            for key, value in req.changes.model_dump(exclude_none=True).items():
                setattr(self.sample.thermal, key, value)
            return {}
        if req.role not in self.roles:
            raise ControlError(f"{req.op}: unknown role {req.role!r}; this bench has {', '.join(self.roles)}")
        if isinstance(req, AddFault):
            self.twin(req.role).faults.add(req.fault.rule())
        elif isinstance(req, ClearFaults):
            self.twin(req.role).faults.clear()
        else:
            self.server(req.role).drop_connections()
        return {}

    def add_fault(self, role: str, rule: FaultRule) -> None:
        self.twin(role).faults.add(rule)

    def close(self) -> None:
        for s in self.servers.values():
            s.close()
        if self.control is not None:
            self.control.close()
