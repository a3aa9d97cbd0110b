"""Shared fixtures: a simulated environment (clock + virtual sample + stage) and loopback serving."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest

from ssbcert.sim_instruments.clock import SimClock
from ssbcert.sim_instruments.sample import VirtualSample
from ssbcert.sim_instruments.server import TwinServer
from ssbcert.sim_instruments.thermal import ThermalStage
from ssbcert.sim_instruments.twin import SimEnvironment


@pytest.fixture
def sim_env() -> SimEnvironment:
    """LLZO film at 25 °C on a cooled stage; time 2000× faster than real."""
    clock = SimClock(time_scale=2000.0)
    sample = VirtualSample.preset("LLZO")
    sample.thermal = ThermalStage(start_K=298.15, t0_s=clock.now())
    return SimEnvironment(clock, sample)


@pytest.fixture
def serve() -> Iterator[Callable[[Any], TwinServer]]:
    """serve(twin) → a started TwinServer on 127.0.0.1; all are closed at teardown."""
    servers: list[TwinServer] = []

    def _serve(device: Any) -> TwinServer:
        server = TwinServer(device).start()
        servers.append(server)
        return server

    yield _serve
    for s in servers:
        s.close()
