"""Simulation time. Twins and the runner share one clock so that an Arrhenius series of hours of
instrument time runs in seconds of wall time, while every record carries the instrument time."""
from __future__ import annotations

import threading
import time


class SimClock:
    """Instrument time = start + (wall time elapsed) × time_scale.

    time_scale = 1 is real time (used by the overhead benchmark); 1000 makes a 10-minute thermal
    soak take 0.6 s. `sleep` takes instrument seconds.
    """

    def __init__(self, time_scale: float = 1.0, start_s: float = 0.0) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, found {time_scale}")
        self.time_scale = float(time_scale)
        self._start_s = float(start_s)
        self._wall0 = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._start_s + (time.monotonic() - self._wall0) * self.time_scale

    def sleep(self, instrument_seconds: float) -> None:
        if instrument_seconds > 0:
            time.sleep(instrument_seconds / self.time_scale)

    def wall_seconds(self, instrument_seconds: float) -> float:
        return instrument_seconds / self.time_scale


class WallClock(SimClock):
    """The real bench: instrument time is wall time."""

    def __init__(self) -> None:
        super().__init__(1.0, 0.0)
