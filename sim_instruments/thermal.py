"""Thermal model of a temperature stage with a PID heater loop, integrated lazily in instrument time.

Plant: C·dT_stage/dt = P_heater − G·(T_stage − T_bath) (a cooled stage, so sub-ambient setpoints
work). The sample follows the stage with its own lag and a small gradient offset, so the sample
temperature is not the setpoint. Controller: Lake Shore style PID on the sensor reading with a
setpoint ramp, heater ranges (off/low/medium/high = 0, 1 %, 10 %, 100 % of full power).
A fault can make the stage oscillate forever (temperature that never stabilises).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

HEATER_RANGE_FRACTION = {0: 0.0, 1: 0.01, 2: 0.1, 3: 1.0}


@dataclass
class StageParams:
    heat_capacity_J_per_K: float = 60.0
    conductance_W_per_K: float = 0.6
    bath_K: float = 200.0
    heater_full_power_W: float = 150.0
    sample_lag_s: float = 25.0
    sample_gradient: float = 0.004  # sample sits 0.4 % of (T_stage - 293 K) closer to ambient
    sensor_noise_K: float = 0.004
    step_s: float = 0.5


class ThermalStage:
    """Stage + controller state. All methods take the instrument time `t_s` and integrate up to it."""

    def __init__(self, params: StageParams | None = None, start_K: float = 295.0, t0_s: float = 0.0, seed: int = 0,
                 hold: bool = True):
        self.p = params or StageParams()
        self._lock = threading.Lock()
        self._t = t0_s
        self.stage_K = start_K
        self.sample_K = start_K
        # controller state (Lake Shore output 1)
        self.setpoint_K = start_K  # target the user set
        self.ramp_enabled = False
        self.ramp_rate_K_per_min = 10.0
        self.working_setpoint_K = start_K  # follows the ramp
        self.heater_range = 0
        self.pid = (50.0, 20.0, 0.0)  # P (gain), I (repeats/min), D (%)
        self._integral = 0.0
        self.heater_percent = 0.0
        self.oscillation_K = 0.0  # fault: never stabilises
        if hold:  # the stage sits in closed loop at its start temperature (integral pre-loaded at equilibrium)
            self.heater_range = 3
            kp, ki, _ = self.pid
            power_fraction = self.p.conductance_W_per_K * (start_K - self.p.bath_K) / self.p.heater_full_power_W
            self._integral = max(power_fraction, 0.0) * 100.0 * 60.0 / (kp * ki)
        self.oscillation_period_s = 90.0
        self._rng = np.random.default_rng(seed)

    # ---- controller commands -------------------------------------------------------------
    def set_setpoint(self, t_s: float, value_K: float) -> None:
        with self._lock:
            self._advance(t_s)
            self.setpoint_K = value_K
            if not self.ramp_enabled:
                self.working_setpoint_K = value_K

    def set_ramp(self, t_s: float, enabled: bool, rate_K_per_min: float) -> None:
        with self._lock:
            self._advance(t_s)
            self.ramp_enabled = enabled
            self.ramp_rate_K_per_min = rate_K_per_min

    def set_heater_range(self, t_s: float, rng: int) -> None:
        with self._lock:
            self._advance(t_s)
            self.heater_range = rng
            if rng == 0:
                self._integral = 0.0

    def set_pid(self, t_s: float, p: float, i: float, d: float) -> None:
        with self._lock:
            self._advance(t_s)
            self.pid = (p, i, d)

    def ramping(self, t_s: float) -> bool:
        with self._lock:
            self._advance(t_s)
            return self.ramp_enabled and abs(self.working_setpoint_K - self.setpoint_K) > 1e-9

    # ---- readings --------------------------------------------------------------------------
    def sensor_K(self, t_s: float) -> float:
        with self._lock:
            self._advance(t_s)
            return self._reading() + float(self._rng.normal(0.0, self.p.sensor_noise_K))

    def sample_temperature_K(self, t_s: float) -> float:
        with self._lock:
            self._advance(t_s)
            return self.sample_K

    def heater_output_percent(self, t_s: float) -> float:
        with self._lock:
            self._advance(t_s)
            return self.heater_percent

    # ---- integration -----------------------------------------------------------------------
    def _reading(self) -> float:
        osc = self.oscillation_K * math.sin(2 * math.pi * self._t / self.oscillation_period_s)
        return self.stage_K + osc

    def _advance(self, t_s: float) -> None:
        p = self.p
        while self._t + p.step_s <= t_s:
            dt = p.step_s
            if self.ramp_enabled and self.working_setpoint_K != self.setpoint_K:
                step = self.ramp_rate_K_per_min / 60.0 * dt
                diff = self.setpoint_K - self.working_setpoint_K
                self.working_setpoint_K += max(-step, min(step, diff))
            # the loop acts on the stage itself: the oscillation fault must show in the reading (a
            # loop acting on the oscillating reading would cancel it there and hide the fault)
            err = self.working_setpoint_K - self.stage_K
            kp, ki, _kd = self.pid
            frac = HEATER_RANGE_FRACTION.get(self.heater_range, 0.0)
            if frac > 0:
                out = kp * (err + ki / 60.0 * self._integral)
                if 0.0 < out < 100.0 or (out >= 100.0 and err < 0) or (out <= 0.0 and err > 0):
                    self._integral += err * dt  # anti-windup: integrate only while not saturated
                self.heater_percent = min(100.0, max(0.0, out))
            else:
                self.heater_percent = 0.0
            power = frac * p.heater_full_power_W * self.heater_percent / 100.0
            self.stage_K += dt * (power - p.conductance_W_per_K * (self.stage_K - p.bath_K)) / p.heat_capacity_J_per_K
            target = self.stage_K - p.sample_gradient * (self.stage_K - 293.15)
            self.sample_K += (target - self.sample_K) * (1.0 - math.exp(-dt / p.sample_lag_s))
            self._t += dt
