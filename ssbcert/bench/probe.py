"""`ssbcert check --probe`: open every resource of a bench and read what it says it is.

Nothing is configured or measured: each driver is opened, asked for its identity and options
(`*IDN?`, `*OPT?` or the vendor's equivalent) and closed, outputs left safe. A resource that does
not open or does not answer is an error naming it and its bench-file line.
"""
from __future__ import annotations

from dataclasses import dataclass

from ssbcert.bench.bench import open_bench, unreachable
from ssbcert.bench.config import BenchConfig
from ssbcert.drivers.transport import ConnectionLost, TransportTimeout
from ssbcert.errors import InputError, InstrumentError
from ssbcert.yamlio import InputErrors


@dataclass(frozen=True)
class ProbeRow:
    role: str
    driver: str
    resource: str
    idn: str
    options: str


def probe(config: BenchConfig) -> list[ProbeRow]:
    """One row per role; raises InputError(s) naming every resource that failed."""
    rows: list[ProbeRow] = []
    errors: list[InputError] = []
    with open_bench(config) as bench:
        for role, drv in bench.roles.items():
            try:
                snap = drv.identify()
            except (ConnectionLost, TransportTimeout, InstrumentError) as exc:
                errors.append(unreachable(config, role, drv.resource, InstrumentError(drv.resource, f"no identification: {exc}")))
                continue
            rows.append(ProbeRow(role, config.instruments[role].driver, drv.resource, snap.idn.strip(), snap.options.strip()))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return rows
