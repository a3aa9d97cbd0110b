"""Open a bench: role → driver → VISA resource (a real instrument, a twin on loopback, or a
recorded transcript for replay). Outputs are made safe when the bench closes, whatever happened."""
from __future__ import annotations

import logging
from typing import Any, Callable

from ssbcert.bench.config import BenchConfig, driver_classes
from ssbcert.drivers.base import Driver
from ssbcert.drivers.catalog import CATALOG
from ssbcert.drivers.transport import ConnectionLost, Transport
from ssbcert.errors import InputError
from ssbcert.sim_instruments.clock import SimClock, WallClock

log = logging.getLogger(__name__)

TransportFactory = Callable[[str, type, str], Transport]


class RecordingClock(SimClock):
    """Wraps a clock and records every reading, so replay can serve the same time stamps back."""

    def __init__(self, inner: SimClock, recorder: Any) -> None:
        self._inner = inner
        self._recorder = recorder
        self.time_scale = inner.time_scale

    def now(self) -> float:
        t = self._inner.now()
        self._recorder.record("clock", "clock", repr(t).encode())
        return t

    def sleep(self, instrument_seconds: float) -> None:
        self._inner.sleep(instrument_seconds)

    def wall_seconds(self, instrument_seconds: float) -> float:
        return self._inner.wall_seconds(instrument_seconds)


class BenchUnreachable(InputError):
    """An instrument of the bench could not be opened; names the resource and its bench-file line."""


def unreachable(config: BenchConfig, role: str, resource: str, exc: Exception, field: str = "resource") -> BenchUnreachable:
    source, line, where = config.where(role, field)
    driver = config.instruments[role].driver
    why = str(exc).replace(f"{resource}: ", "")
    return BenchUnreachable(f"cannot open the {role} instrument ({driver}) at {resource or '?'}: {why}",
                            file=source or f"bench {config.name!r}", line=line, field=where)


def sim_bench_for(config: BenchConfig, port_base: int | None = None) -> Any:
    """Start the twins a `sim: true` bench describes (on consecutive ports from port_base if given;
    a twin refusing its options names that line)."""
    try:
        return _sim_bench_for(config, port_base)
    except (TypeError, ValueError) as exc:
        role = next((r for r, i in config.instruments.items() if i.twin_options), next(iter(config.instruments)))
        source, line, where = config.where(role, "twin_options")
        raise InputError(f"the simulated {role} instrument refused its options: {exc}", file=source or f"bench {config.name!r}",
                         line=line, field=where) from None


def _sim_bench_for(config: BenchConfig, port_base: int | None = None) -> Any:
    from ssbcert.sim_instruments.bench import SampleSpec, SimBench, TwinSpec

    s = config.sample
    spec = SampleSpec(
        preset=s.preset,
        geometry=s.geometry,
        thickness_m=s.thickness_um * 1e-6,
        electrode_diameter_m=s.electrode_diameter_mm * 1e-3,
        gap_m=s.gap_um * 1e-6,
        length_m=s.length_mm * 1e-3,
        finger_width_m=s.finger_width_um * 1e-6,
        finger_spacing_m=s.finger_spacing_um * 1e-6,
        fingers=s.fingers,
        electrode=s.electrode,
        start_temperature_K=s.start_temperature_K,
    )
    twins = {
        role: TwinSpec(inst.driver, dict(inst.twin_options), [f.as_plan_item() for f in inst.faults])
        for role, inst in config.instruments.items()
    }
    return SimBench(twins, spec, time_scale=config.time_scale, seed=config.seed, noise_relative=s.noise_relative, port_base=port_base)


class Bench:
    def __init__(self, config: BenchConfig, roles: dict[str, Driver], clock: SimClock, sim: Any = None) -> None:
        self.config = config
        self.roles = roles
        self.clock = clock
        self.sim = sim

    def __getitem__(self, role: str) -> Driver:
        try:
            return self.roles[role]
        except KeyError:
            raise KeyError(f"bench {self.config.name!r} has no {role!r} instrument; it has {', '.join(self.roles)}") from None

    def snapshot(self, guard: Callable[[Callable[[], Any]], Any] = lambda fn: fn()) -> dict[str, Any]:
        """Every instrument's identity and settings; `guard` wraps each instrument's call (the engine
        retries one instrument after a recovery, never the ones that already answered)."""
        seen: dict[int, dict[str, Any]] = {}
        out: dict[str, Any] = {}
        for role, drv in self.roles.items():
            if id(drv) not in seen:
                seen[id(drv)] = guard(lambda d=drv: d.identify().to_dict())
            out[role] = {**seen[id(drv)], "role": role}
        return out

    def close(self) -> None:
        closed: set[int] = set()
        for role, drv in self.roles.items():
            if id(drv) in closed:
                continue
            closed.add(id(drv))
            try:
                drv.close()
            except Exception as exc:
                log.warning("closing %s (%s) failed: %s", role, drv.resource, exc)
        if self.sim is not None:
            self.sim.close()

    def __enter__(self) -> "Bench":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_bench(
    config: BenchConfig,
    recorder: Any = None,
    transport_factory: TransportFactory | None = None,
    clock: SimClock | None = None,
) -> Bench:
    """Open every instrument of `config`. On a sim bench the twins start first (unless a replay
    transport factory is given: then nothing is started and nothing live is touched)."""
    sim = None
    resources = {role: inst.resource or "" for role, inst in config.instruments.items()}
    if clock is None:
        if config.sim and transport_factory is None:
            sim = sim_bench_for(config)
            clock = sim.clock
            resources.update(sim.resources)
        elif config.sim:
            clock = SimClock(config.time_scale)
        else:
            clock = WallClock()
    elif config.sim and transport_factory is None:
        sim = sim_bench_for(config)
        resources.update(sim.resources)
    run_clock: SimClock = RecordingClock(clock, recorder) if recorder is not None else clock
    classes = driver_classes(config)
    roles: dict[str, Driver] = {}
    by_resource: dict[str, Driver] = {}
    try:
        for role, inst in config.instruments.items():
            res = resources[role]
            if res in by_resource and type(by_resource[res]) is classes[role]:
                roles[role] = by_resource[res]  # one instrument, two roles
                continue
            cls = classes[role]
            if transport_factory is not None:
                drv = cls(transport_factory(role, cls, res), clock=run_clock, **inst.options)
            else:
                try:
                    drv = cls.open(res, clock=run_clock, recorder=recorder, timeout_s=inst.timeout_s, visa_library=inst.visa_library, **inst.options)
                except ConnectionLost as exc:
                    raise unreachable(config, role, res, exc) from None
            roles[role] = drv
            by_resource[res] = drv
    except Exception:
        for drv in roles.values():
            try:
                drv.close()
            except Exception:
                pass
        if sim is not None:
            sim.close()
        raise
    return Bench(config, roles, run_clock, sim)


def describe_catalog() -> list[tuple[str, str, str]]:
    return [(name, e.role, e.description) for name, e in CATALOG.items()]
