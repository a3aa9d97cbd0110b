"""Command-conformance runner: replay a table of real command strings against a twin.

Why a raw socket and not the project's drivers: the table plays the part of a third-party client
written against the real instrument, so nothing of ours (terminator handling, block parsing)
may paper over a twin that answers in the wrong shape.

A table is YAML (or the same structure as a python dict):

    instrument: Keysight E4990A
    twin: ssbcert.sim_instruments.twins.keysight_e4990a:E4990ATwin   # "module:Class"
    twin_options: {frequency_option: 120}   # keyword arguments for the twin (optional)
    write_termination: "\\n"                 # what the client appends (default "\\n")
    read_termination: "\\n"                  # what the instrument ends replies with (default "\\n")
    error_query: ":SYST:ERR?"                # sent for rows with `error_after` (optional)
    quiet_s: 0.05                            # how long `expect_none` listens for a stray reply
    pace_s: 0.05                             # the gap the instrument needs between messages (optional)
    rows:
      - send: "*IDN?"
        expect_regex: '^Keysight Technologies,E4990A,[^,]+,[^,]+$'
      - send: ":SENS1:SWE:POIN 5000"
        expect_none: true
        error_after: '^-222,"Data out of range"$'
      - send: ":CALC1:DATA:RDAT?"
        expect_block: {fmt: d, count: 402, big_endian: true}

Per row: `expect_regex` (re.fullmatch on the reply without its terminator), `expect_lines` (a list
of regexes, one per reply line, for instruments that answer with several lines), `expect_none`
(no reply may arrive within quiet_s), `expect_block` (an IEEE 488.2 definite-length block; optional
value `count`), and optionally `error_after` (regex the error query's reply must fullmatch).
`run_table` returns the failures as readable strings; an empty list means the twin conforms.
`pace_s` is instrument time, as a real client leaves it (a Lake Shore ignores a message that comes
sooner); give `run_table` the twin clock's `time_scale` and the runner waits that long in its time,
counted from the last byte it sent or received.

From a test (tests/ has no __init__.py, so put this folder on the path first):

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
    from runner import load_table, run_table
    table = load_table(Path(...) / "my_instrument.yaml")
    server = serve(MyTwin(sim_env, **table.twin_options))
    assert not run_table(table, server.host, server.port)
"""
from __future__ import annotations

import re
import socket
import struct
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Callable

import yaml


@dataclass
class Row:
    send: str
    expect_regex: str | None = None
    expect_none: bool = False
    expect_block: dict[str, Any] | None = None
    expect_lines: list[str] | None = None  # several reply lines in order (streamed output)
    error_after: str | None = None
    note: str = ""


@dataclass
class Table:
    instrument: str
    twin: str
    rows: list[Row]
    twin_options: dict[str, Any] = field(default_factory=dict)
    write_termination: str = "\n"
    read_termination: str = "\n"
    error_query: str | None = None
    quiet_s: float = 0.05
    pace_s: float = 0.0
    source: str = "<table>"


def load_table(source: str | Path | dict[str, Any]) -> Table:
    """Read a YAML file (or an already-loaded dict) into a Table, naming the row that is malformed."""
    if isinstance(source, dict):
        data, name = source, "<dict>"
    else:
        name = str(source)
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    rows: list[Row] = []
    for i, item in enumerate(data.get("rows") or []):
        unknown = set(item) - set(Row.__dataclass_fields__)
        if unknown or "send" not in item:
            raise ValueError(f"{name}: rows[{i}]: expected keys send/expect_*/error_after/note, found {sorted(item)}")
        row = Row(**item)
        if sum((row.expect_regex is not None, row.expect_none, row.expect_block is not None, row.expect_lines is not None)) != 1:
            raise ValueError(f"{name}: rows[{i}] ({row.send!r}): give exactly one of expect_regex, expect_none, expect_block, expect_lines")
        rows.append(row)
    keys = {k: data[k] for k in ("twin_options", "write_termination", "read_termination", "error_query", "quiet_s",
                                 "pace_s") if k in data}
    return Table(data["instrument"], data["twin"], rows, source=name, **keys)


def twin_factory(table: Table) -> Callable[..., Any]:
    module, _, cls = table.twin.partition(":")
    return getattr(import_module(module), cls)


class RawClient:
    """A bare TCP client: write a line, read a terminated line or one definite-length block."""

    def __init__(self, host: str, port: int, write_term: str, read_term: str, timeout_s: float = 5.0,
                 gap_s: float = 0.0) -> None:
        self.gap_s = gap_s  # wall seconds left between the last traffic and the next message
        self.last_traffic = 0.0
        self.sock = socket.create_connection((host, port), timeout=timeout_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.write_term = write_term.encode()
        self.read_term = read_term.encode()
        self.timeout_s = timeout_s
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, text: str) -> None:
        wait = self.last_traffic + self.gap_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.last_traffic = time.monotonic()
        self.sock.sendall(text.encode("latin-1") + self.write_term)

    def _fill(self, timeout_s: float) -> bool:
        self.sock.settimeout(timeout_s)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        if not chunk:
            raise ConnectionError("instrument closed the connection")
        self.last_traffic = time.monotonic()
        self.buf += chunk
        return True

    def _need(self, n: int) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        while len(self.buf) < n:
            if not self._fill(max(0.01, deadline - time.monotonic())) and time.monotonic() >= deadline:
                raise TimeoutError(f"expected {n} bytes, got {len(self.buf)}")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_line(self) -> str:
        deadline = time.monotonic() + self.timeout_s
        while self.read_term not in self.buf:
            if not self._fill(max(0.01, deadline - time.monotonic())) and time.monotonic() >= deadline:
                raise TimeoutError(f"no terminated reply (have {self.buf[:60]!r})")
        line, _, self.buf = self.buf.partition(self.read_term)
        return line.decode("latin-1")

    def read_block(self) -> bytes:
        head = self._need(2)
        if head[:1] != b"#":
            raise ValueError(f"expected a '#' block, found {head + self.buf[:30]!r}")
        n = int(head[1:2])
        length = int(self._need(n))
        payload = self._need(length)
        if self._need(len(self.read_term)) != self.read_term:
            raise ValueError("block not followed by the reply terminator")
        return payload

    def quiet(self, seconds: float) -> bytes:
        """Whatever arrives within `seconds` (should be nothing)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._fill(max(0.005, end - time.monotonic()))
        got, self.buf = self.buf, b""
        return got


def check_block(payload: bytes, spec: dict[str, Any]) -> str | None:
    fmt = str(spec.get("fmt", "d"))
    size = struct.calcsize(fmt)
    if len(payload) % size:
        return f"block of {len(payload)} bytes is not a whole number of '{fmt}' values"
    count = len(payload) // size
    if "count" in spec and count != int(spec["count"]):
        return f"block holds {count} values, expected {spec['count']}"
    values = struct.unpack((">" if spec.get("big_endian", True) else "<") + fmt * count, payload)
    lo, hi = spec.get("min"), spec.get("max")
    if lo is not None and min(values) < float(lo):
        return f"block value {min(values)!r} below {lo}"
    if hi is not None and max(values) > float(hi):
        return f"block value {max(values)!r} above {hi}"
    return None


def run_table(table: Table, host: str, port: int, timeout_s: float = 5.0, time_scale: float = 1.0) -> list[str]:
    """Replay every row against host:port; return one message per failing row. `time_scale`: the
    twin clock's instrument seconds per wall second (the table's `pace_s` is instrument time)."""
    failures: list[str] = []
    client = RawClient(host, port, table.write_termination, table.read_termination, timeout_s,
                       gap_s=table.pace_s / time_scale)
    try:
        for i, row in enumerate(table.rows):
            where = f"{table.source} rows[{i}] {row.send!r}"
            client.send(row.send)
            try:
                if row.expect_regex is not None:
                    reply = client.read_line()
                    if re.fullmatch(row.expect_regex, reply) is None:
                        failures.append(f"{where}: reply {reply[:120]!r} does not match {row.expect_regex!r}")
                elif row.expect_lines is not None:
                    for k, rx in enumerate(row.expect_lines):
                        reply = client.read_line()
                        if re.fullmatch(rx, reply) is None:
                            failures.append(f"{where}: reply line {k} {reply[:120]!r} does not match {rx!r}")
                            break
                elif row.expect_block is not None:
                    problem = check_block(client.read_block(), row.expect_block)
                    if problem:
                        failures.append(f"{where}: {problem}")
                else:
                    stray = client.quiet(table.quiet_s)
                    if stray:
                        failures.append(f"{where}: expected no reply, got {stray[:80]!r}")
                if row.error_after is not None:
                    if not table.error_query:
                        raise ValueError(f"{where}: error_after given but the table has no error_query")
                    client.send(table.error_query)
                    err = client.read_line()
                    if re.fullmatch(row.error_after, err) is None:
                        failures.append(f"{where}: error query answered {err!r}, expected {row.error_after!r}")
            except (TimeoutError, ValueError) as exc:
                failures.append(f"{where}: {exc}")
                client.quiet(table.quiet_s)
    finally:
        client.close()
    return failures
