"""Pre-flight: check a plan against the bench's roles, capabilities and safety limits before any
command is sent, and estimate the duration from the drivers' timing models.

Nothing is opened: capabilities and timing models are class-level data of the driver classes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ssbcert.errors import InputError
from ssbcert.plausibility import OVERRIDE_KEY, outside, override_for
from ssbcert.protocol.model import DcPolarization, Eis, Hold, Identify, Limits, SetTemperature
from ssbcert.protocol.plan import Plan, StepInstance
from ssbcert.yamlio import InputErrors, format_loc

ROLE_OF = {"eis": "impedance", "set_temperature": "temperature", "dc_polarization": "dc"}
LIMIT_FIELDS = (
    "max_ac_amplitude_V",
    "min_temperature_K",
    "max_temperature_K",
    "max_ramp_K_per_min",
    "max_dc_voltage_V",
    "max_compliance_A",
)
ASSUMED_START_K = 295.0


@dataclass
class Estimate:
    total_s: float
    per_step_s: dict[str, float] = field(default_factory=dict)

    def remaining_s(self, done: set[str]) -> float:
        return sum(v for k, v in self.per_step_s.items() if k not in done)


def effective_limits(protocol: Limits, bench: Any | None) -> dict[str, tuple[float, str]]:
    """The stricter of protocol and bench limits, with which file imposed each."""
    out: dict[str, tuple[float, str]] = {}
    for name in LIMIT_FIELDS:
        candidates = []
        pv = getattr(protocol, name, None)
        if pv is not None:
            candidates.append((pv, "protocol"))
        bv = _bench_limit(bench, name)
        if bv is not None:
            candidates.append((bv, "bench"))
        if candidates:
            pick = max if name.startswith("min_") else min
            out[name] = pick(candidates, key=lambda c: c[0])
    return out


def _bench_limit(bench: Any | None, name: str) -> float | None:
    if bench is None:
        return None
    if isinstance(bench, dict):
        return bench.get(name)
    return getattr(bench, name, None)


class _Problems:
    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def add(self, inst: StepInstance, field_name: str, message: str, expected: str | None = None, found: str | None = None) -> None:
        self.errors.append(
            InputError(
                f"{message} [step {inst.id}]",
                file=inst.source,
                line=inst.line_of(field_name),
                field=format_loc(inst.loc + (field_name,)),
                expected=expected,
                found=found,
            )
        )

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else InputErrors(self.errors)


def check_limits(plan: Plan, limits: dict[str, tuple[float, str]], problems: _Problems) -> None:
    def over(inst: StepInstance, field_name: str, value: float, key: str, unit: str, absolute: bool = False) -> None:
        if key not in limits:
            return
        lim, who = limits[key]
        v = abs(value) if absolute else value
        bad = v < lim if key.startswith("min_") else v > lim
        if bad:
            word = "at least" if key.startswith("min_") else "at most"
            problems.add(inst, field_name, f"safety limit ({who} {key})", f"{word} {lim:g} {unit}", f"{value:g} {unit}")

    for inst in plan:
        s = inst.step
        if isinstance(s, Eis):
            over(inst, "amplitude", s.amplitude_V, "max_ac_amplitude_V", "V")
            over(inst, "dc_bias", s.dc_bias_V, "max_dc_voltage_V", "V", absolute=True)
        elif isinstance(s, SetTemperature):
            assert inst.setpoint_K is not None
            over(inst, "setpoint", inst.setpoint_K, "min_temperature_K", "K")
            over(inst, "setpoint", inst.setpoint_K, "max_temperature_K", "K")
            over(inst, "ramp", s.ramp_K_per_min, "max_ramp_K_per_min", "K/min")
        elif isinstance(s, DcPolarization):
            over(inst, "voltage", s.voltage_V, "max_dc_voltage_V", "V", absolute=True)
            over(inst, "compliance", s.compliance_A, "max_compliance_A", "A")


def _banded(inst: StepInstance) -> list[tuple[str, str, float, bool]]:
    """(field, band, SI value, compare |value|) for every banded field of one step instance."""
    s = inst.step
    if isinstance(s, Eis):
        freqs = [("frequencies", f) for f in s.frequencies_Hz] if s.frequencies_Hz else [("f_start", s.f_start_Hz), ("f_stop", s.f_stop_Hz)]
        return [(n, "frequency", f, False) for n, f in freqs] + [
            ("amplitude", "ac_amplitude", s.amplitude_V, False), ("dc_bias", "dc_voltage", s.dc_bias_V, True)]
    if isinstance(s, SetTemperature):
        assert inst.setpoint_K is not None
        return [("setpoint", "temperature", inst.setpoint_K, False), ("ramp", "ramp", s.ramp_K_per_min, False),
                ("band", "temperature_band", s.band_K, False), ("window", "duration", s.window_s, False),
                ("timeout", "duration", s.timeout_s, False), ("poll", "interval", s.poll_s, False)]
    if isinstance(s, DcPolarization):
        return [("voltage", "dc_voltage", s.voltage_V, True), ("duration", "duration", s.duration_s, False),
                ("interval", "interval", s.interval_s, False), ("compliance", "current", s.compliance_A, False)]
    if isinstance(s, Hold):
        return [("duration", "duration", s.duration_s, False)]
    return []


def check_plausibility(plan: Plan, problems: _Problems) -> None:
    """Values no film or bench step can have (a unit slip) are errors unless the step overrides them."""
    for inst in plan:
        overrides = getattr(inst.step, OVERRIDE_KEY, None)
        for field_name, band, value, absolute in _banded(inst):
            bad = outside(band, value, absolute)
            if bad is not None and override_for(field_name, overrides) is None:
                message, expected, found = bad
                problems.add(inst, field_name, f"{message}; if the value is right, add {OVERRIDE_KEY}: {{{field_name}: <reason>}} to the step",
                             expected, found)


def check_compensation(plan: Plan, problems: _Problems) -> None:
    """A compensated sweep needs open and short fixture sweeps at the same frequencies before it."""
    seen: dict[str, list[float]] = {}
    for inst in plan:
        s = inst.step
        if not isinstance(s, Eis):
            continue
        if s.compensation == "open_short":
            for fixture in ("open", "short"):
                if fixture not in seen:
                    problems.add(inst, "compensation", f"no '{fixture}' fixture sweep before this one", f"an eis step with fixture: {fixture} earlier", "none")
                elif seen[fixture] != s.frequency_list_Hz():
                    problems.add(inst, "compensation", f"the '{fixture}' fixture sweep used other frequencies")
        elif s.fixture != "sample":
            seen[s.fixture] = s.frequency_list_Hz()


def _span(problems: _Problems, inst: StepInstance, field_name: str, span: Any, value: float, what: str) -> None:
    if span is not None and not span.contains(value):
        problems.add(inst, field_name, f"{what} outside the instrument's range", str(span), f"{value:g} {span.unit}")


def check_capabilities(plan: Plan, drivers: dict[str, type], problems: _Problems) -> None:
    missing_reported: set[str] = set()
    for inst in plan:
        s = inst.step
        role = ROLE_OF.get(inst.kind)
        if role is None:
            continue
        cls = drivers.get(role)
        if cls is None:
            if role not in missing_reported:
                problems.add(inst, "step", f"the bench has no '{role}' instrument", f"a '{role}' role in the bench", ", ".join(sorted(drivers)) or "none")
                missing_reported.add(role)
            continue
        cap = getattr(cls, "capabilities", None)
        if cap is None:
            continue
        name = getattr(cls, "model", "") or cls.__name__
        if isinstance(s, Eis):
            freqs = s.frequency_list_Hz()
            fname = "frequencies" if s.frequencies_Hz is not None else "f_start"
            lo, hi = min(freqs), max(freqs)
            if hi > cap.frequency_Hz.maximum:
                problems.add(inst, fname if s.frequencies_Hz else ("f_start" if s.f_start_Hz == hi else "f_stop"),
                             f"frequency above the {name} maximum", f"<= {cap.frequency_Hz.maximum:g} Hz", f"{hi:g} Hz")
            if lo < cap.frequency_Hz.minimum:
                problems.add(inst, fname if s.frequencies_Hz else ("f_start" if s.f_start_Hz == lo else "f_stop"),
                             f"frequency below the {name} minimum", f">= {cap.frequency_Hz.minimum:g} Hz", f"{lo:g} Hz")
            if len(freqs) > cap.max_points:
                problems.add(inst, "points_per_decade" if s.points_per_decade else "frequencies",
                             f"too many points for one {name} sweep", f"<= {cap.max_points}", str(len(freqs)))
            _span(problems, inst, "amplitude", cap.ac_amplitude_V, s.amplitude_V, f"{name} AC amplitude")
            if s.dc_bias_V:
                if cap.dc_bias_V is None:
                    problems.add(inst, "dc_bias", f"the {name} has no DC bias", "0 V", f"{s.dc_bias_V:g} V")
                else:
                    _span(problems, inst, "dc_bias", cap.dc_bias_V, s.dc_bias_V, f"{name} DC bias")
            if s.averaging > cap.max_averaging:
                problems.add(inst, "averaging", f"averaging beyond the {name}", f"<= {cap.max_averaging}", str(s.averaging))
            if s.bandwidth is not None and cap.bandwidth_levels and s.bandwidth not in cap.bandwidth_levels:
                problems.add(inst, "bandwidth", f"unknown {name} bandwidth", " | ".join(cap.bandwidth_levels), repr(s.bandwidth))
        elif isinstance(s, SetTemperature):
            assert inst.setpoint_K is not None
            _span(problems, inst, "setpoint", cap.temperature_K, inst.setpoint_K, f"{name} temperature")
            _span(problems, inst, "ramp", cap.ramp_K_per_min, s.ramp_K_per_min, f"{name} ramp")
        elif isinstance(s, DcPolarization):
            _span(problems, inst, "voltage", cap.voltage_V, s.voltage_V, f"{name} voltage")
            _span(problems, inst, "compliance", cap.current_limit_A, s.compliance_A, f"{name} current limit")
            if s.interval_s < cap.min_interval_s:
                problems.add(inst, "interval", f"sampling faster than the {name} allows", f">= {cap.min_interval_s:g} s", f"{s.interval_s:g} s")
            n = int(s.duration_s / s.interval_s) + 1
            if n > cap.max_points:
                problems.add(inst, "interval", f"too many points for the {name} buffer", f"<= {cap.max_points}", str(n))


def estimate(plan: Plan, drivers: dict[str, type]) -> Estimate:
    """Instrument seconds per step instance, from the drivers' timing models where they have one."""
    est = Estimate(0.0)
    T = ASSUMED_START_K
    for inst in plan:
        s = inst.step
        if isinstance(s, Eis):
            freqs = s.frequency_list_Hz()
            generic = sum(max(2.0 / f, 0.02) for f in freqs) * s.averaging  # two periods a point
            sec = s.repeats * _timing(drivers.get("impedance"), "estimate_sweep_s", (freqs, s.bandwidth, s.averaging), generic)
        elif isinstance(s, SetTemperature):
            assert inst.setpoint_K is not None
            generic = abs(inst.setpoint_K - T) / s.ramp_K_per_min * 60.0 + s.window_s
            sec = _timing(drivers.get("temperature"), "estimate_settle_s", (T, inst.setpoint_K, s.ramp_K_per_min, s.window_s), generic)
            T = inst.setpoint_K
        elif isinstance(s, DcPolarization):
            sec = _timing(drivers.get("dc"), "estimate_polarize_s", (s.duration_s, s.interval_s), s.duration_s + 1.0)
        elif isinstance(s, Identify):
            sec = 1.0
        else:
            sec = float(getattr(s, "duration_s", 0.0))
        est.per_step_s[inst.id] = sec
        est.total_s += sec
    return est


def _timing(cls: type | None, method: str, args: tuple[Any, ...], fallback: float) -> float:
    """Ask a driver class's timing model without opening it (timing models are class data)."""
    fn: Callable[..., float] | None = getattr(cls, method, None) if cls else None
    if fn is None:
        return fallback
    try:
        return float(getattr(cls.__new__(cls), method)(*args))  # type: ignore[union-attr]
    except Exception:  # a driver without a model for this case: the generic estimate
        return fallback


def preflight(plan: Plan, drivers: dict[str, type], protocol_limits: Limits, bench_limits: Any | None = None) -> Estimate:
    """Raise InputError(s) naming file:line and field for everything the bench cannot or may not do."""
    problems = _Problems()
    check_limits(plan, effective_limits(protocol_limits, bench_limits), problems)
    check_capabilities(plan, drivers, problems)
    check_compensation(plan, problems)
    check_plausibility(plan, problems)
    problems.raise_if_any()
    return estimate(plan, drivers)


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    h, rem = divmod(int(round(seconds)), 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"
