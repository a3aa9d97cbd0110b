"""What the monitor page shows, read from a session directory as it grows.

`SessionView.poll()` returns what changed since the last call as plain JSON-able data: the first
call holds everything (that is the replay view of a finished session), later calls only the new
spectra, traces, temperature readings and messages, plus the small parts that are replaced whole
(status, progress, current step, I/O tail). It reads the session store's files and the runner's
documents in the journal; it never talks to the engine or the instruments.
"""
from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from ssbcert.records import ImpedanceSpectrum
from ssbcert.session.files import Tail
from ssbcert.session.store import BENCH, IO, JOURNAL, PLAN, PROTOCOL_JSON, RECORDS, SESSION

IO_TAIL_LINES = 40
IO_TAIL_BYTES = 64 * 1024
MESSAGE_KINDS = ("note", "suspend", "resume", "error")


def io_tail(path: Path, n: int = IO_TAIL_LINES) -> list[dict[str, Any]]:
    """The last n instrument exchanges, read from the end of the (largest) file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return []
    with open(path, "rb") as fh:
        fh.seek(max(0, size - IO_TAIL_BYTES))
        block = fh.read()
    lines = block.split(b"\n")[1:-1] if size > IO_TAIL_BYTES else block.split(b"\n")[:-1]
    out = []
    for raw in lines[-n:]:
        try:
            e = json.loads(raw)
        except ValueError:
            continue
        if e.get("dir") != "clock":
            out.append({"n": e.get("n"), "step": e.get("step"), "res": e.get("res"), "dir": e.get("dir"), "data": _visible(str(e.get("data", "")))})
    return out


def _visible(text: str, limit: int = 160) -> str:
    """Terminators and control bytes shown as escapes (a bench user debugging framing needs them)."""
    shown = text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in shown)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _alive(pid: Any, host: Any) -> bool | None:
    """Whether the runner process still runs (None: another machine, cannot tell)."""
    if not isinstance(pid, int):
        return None
    if host and host != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def step_text(session: Path, where: str, protocol: dict[str, Any]) -> str:
    """The protocol lines of the step that starts at `where` (source:line), from the stored copy."""
    source, _, line = where.rpartition(":")
    if not line.isdigit():
        return ""
    stored = next((f["file"] for f in protocol.get("files", []) if f.get("source") == source), None)
    if stored is None:
        return ""
    try:
        lines = (session / stored).read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    i = int(line) - 1
    if not 0 <= i < len(lines):
        return ""
    first = lines[i]
    indent = len(first) - len(first.lstrip(" -"))
    out = [first]
    for nxt in lines[i + 1 :]:
        body = nxt.lstrip(" ")
        if nxt.strip() and (len(nxt) - len(body) < indent or body.startswith("- ")) and len(nxt) - len(body) <= indent:
            break
        out.append(nxt)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


class SessionView:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.journal = Tail(self.path / JOURNAL)
        self.records = Tail(self.path / RECORDS)
        self.steps: list[dict[str, Any]] = []
        self.where: dict[str, str] = {}
        self.expected: dict[str, int] = {}
        self.recorded: dict[str, int] = {}
        self.done: set[str] = set()
        self.estimate: dict[str, float] = {}
        self.current: str | None = None
        self.exit: dict[str, Any] | None = None
        self.start: dict[str, Any] | None = None
        self.paused = False
        self.seg_wall0: float | None = None
        self.seg_done0 = 0.0
        self.protocol: dict[str, Any] = {}
        self._sent_info = False
        self._io_mtime = -1.0
        self._last: dict[str, Any] = {}
        self._texts: dict[str, str] = {}
        self._last_sweep: dict[str, tuple[str, ImpedanceSpectrum, Any]] = {}  # step -> (point, sweep, its lin-KK)

    # ---- static part -----------------------------------------------------------------------
    def _info(self) -> dict[str, Any] | None:
        info = _json(self.path / SESSION)
        if not info:
            return None
        plan = _json(self.path / PLAN)
        bench = _json(self.path / BENCH)
        self.protocol = _json(self.path / PROTOCOL_JSON)
        for s in plan.get("steps", []):
            self.steps.append({"id": s["id"], "kind": s["kind"], "label": s["params"].get("label"), "setpoint_K": s.get("setpoint_K")})
            self.where[s["id"]] = s.get("where", "")
            if s["kind"] in ("eis", "dc_polarization"):
                self.expected[s["id"]] = int(s["params"].get("repeats") or 1)
        return {
            "name": self.path.name,
            "path": str(self.path),
            "session": info,
            "protocol": plan.get("name", ""),
            "bench": {"name": bench.get("name", ""), "sim": bool(bench.get("sim")), "time_scale": bench.get("time_scale", 1.0)},
            "steps": self.steps,
        }

    # ---- documents ---------------------------------------------------------------------------
    def _document(self, d: dict[str, Any], out: dict[str, list[Any]]) -> None:
        kind = d.get("doc")
        if kind == "start":
            self.start, self.exit, self.paused = d, None, False
            self.estimate = {k: float(v) for k, v in d.get("estimate_s", [])}
            self.seg_wall0 = float(d.get("time") or time.time())
            self.seg_done0 = self._done_estimate()
        elif kind == "stop":
            self.exit = {k: d.get(k) for k in ("exit_status", "reason", "points_recorded")}
            self.current = None
        elif kind == "step_begin":
            self.current = d["step"]
        elif kind == "step_done":
            self.done.add(d["step"])
        elif kind == "event" and d.get("stream") == "temperature":
            data = d.get("data", {})
            t = data.get("time_s", d.get("time_s"))
            out["temperature"].append([t, data.get("temperature_K"), data.get("setpoint_K"), data.get("band_K")])
        elif kind == "event" and d.get("stream") == "polarization_live":
            out["dc_live"].append([d.get("step"), d["data"].get("n"), d["data"].get("current_A")])
        elif kind in MESSAGE_KINDS:
            text = d.get("text") or d.get("reason") or d.get("error") or (f"back in band at {d['temperature_K']:.2f} K" if d.get("temperature_K") else "")
            out["messages"].append({"kind": kind, "step": d.get("step", ""), "text": text, "wall_utc": d.get("wall_utc", "")})
            if kind == "note" and text.startswith("paused by operator"):
                self.paused = True
            elif kind == "note" and text.startswith("resumed by operator"):
                self.paused = False

    def _record(self, line: dict[str, Any], out: dict[str, list[Any]]) -> None:
        rec = line["record"]
        self.recorded[line["step"]] = self.recorded.get(line["step"], 0) + 1
        base = {"point": line["point"], "step": line["step"], "temperature_K": rec.get("temperature_K")}
        if rec.get("kind") == "impedance_spectrum":
            out["spectra"].append({**base, "f": rec["frequency_Hz"], "zr": rec["z_real_ohm"], "zi": rec["z_imag_ohm"]})
            message = self._against_previous_sweep(line)
            if message:
                out["messages"].append(message)
        else:
            out["traces"].append({**base, "t": rec["time_s"], "i": rec["current_A"], "v": rec.get("voltage_V")})

    def _against_previous_sweep(self, line: dict[str, Any]) -> dict[str, Any] | None:
        """A sweep that repeats the step's previous one is compared with it as the certificate will
        (analysis/stationarity.py), so the bench user sees at once that the sample is still changing
        and can wait longer, instead of learning it from an inconclusive certificate."""
        from ssbcert.analysis.kk import lin_kk
        from ssbcert.analysis.stationarity import compare_checked, is_repeat

        rec, step = line["record"], line["step"]
        try:
            sweep = ImpedanceSpectrum(rec["frequency_Hz"], rec["z_real_ohm"], rec["z_imag_ohm"], rec.get("temperature_K"),
                                      meta={"step": step})
            kk = lin_kk(sweep.frequency_Hz, sweep.z)
        except (ValueError, KeyError, TypeError, ZeroDivisionError, FloatingPointError):
            return None  # a record the page can draw but not test: the analysis will say why
        previous = self._last_sweep.get(step)
        self._last_sweep[step] = (line["point"], sweep, kk)
        if previous is None or not is_repeat(previous[1], sweep):
            return None
        c = compare_checked(previous[1], sweep, previous[2], kk)
        if c is None:
            return None
        text = c.sentence(previous[0], line["point"])
        if not c.stationary:
            text += ("; the sample is still changing: no σ from these sweeps will be certified "
                     "(a longer stability window before sweeping lets it settle)")
        return {"kind": "steady" if c.stationary else "unsteady", "step": step, "text": text, "wall_utc": ""}

    # ---- derived -------------------------------------------------------------------------------
    def _is_done(self, step: str) -> bool:
        if step in self.expected:
            return self.recorded.get(step, 0) >= self.expected[step]
        return step in self.done

    def _done_estimate(self) -> float:
        return sum(v for k, v in self.estimate.items() if self._is_done(k))

    def status(self) -> dict[str, Any]:
        if self.start is None and self.exit is None:
            # records without a run: an imported session; nothing at all: a run about to start
            return {"state": "recorded" if self.recorded else "waiting", "live": False}
        if self.exit is not None:
            return {"state": self.exit["exit_status"], "reason": self.exit.get("reason") or "", "live": False}
        alive = _alive(self.start.get("pid"), self.start.get("host")) if self.start else None
        if alive is False:
            return {"state": "stopped", "reason": "the runner process ended without a stop document (killed?); `ssbcert resume` continues it", "live": False}
        return {"state": "paused" if self.paused else "running", "reason": "", "live": True}

    def progress(self) -> dict[str, Any]:
        ids = [s["id"] for s in self.steps]
        done = [i for i in ids if self._is_done(i)]
        total = sum(self.estimate.values())
        done_s = self._done_estimate()
        left = max(total - done_s, 0.0)
        eta_wall = None
        if self.start is not None and self.exit is None and self.seg_wall0 is not None:
            gained = done_s - self.seg_done0
            elapsed = time.time() - self.seg_wall0
            if gained > 0 and elapsed > 0:
                eta_wall = left * elapsed / gained
        current = self.current
        where = self.where.get(current or "", "")
        return {
            "steps_done": len(done),
            "steps_total": len(ids),
            "done": done,
            "fraction": (done_s / total) if total else (len(done) / len(ids) if ids else 0.0),
            "instrument_left_s": left if total else None,
            "eta_wall_s": eta_wall,
            "current": {"id": current, "where": where, "text": self._text(current, where)} if current else None,
        }

    def _text(self, step: str, where: str) -> str:
        if step not in self._texts:
            self._texts[step] = step_text(self.path, where, self.protocol)
        return self._texts[step]

    def poll(self) -> dict[str, Any]:
        """What changed since the last poll (everything on the first)."""
        out: dict[str, Any] = {}
        if not self._sent_info:
            info = self._info()
            if info is None:
                return {"status": {"state": "waiting", "live": False}} if not self._last else {}
            out["info"] = info
            self._sent_info = True
        lists: dict[str, list[Any]] = {"spectra": [], "traces": [], "temperature": [], "dc_live": [], "messages": []}
        for line in self.records.read():
            self._record(line, lists)
        for d in self.journal.read():
            self._document(d, lists)
        out.update({k: v for k, v in lists.items() if v})
        for key, value in (("status", self.status()), ("progress", self.progress())):
            if self._last.get(key) != value:
                out[key] = self._last[key] = value
        try:
            mtime = (self.path / IO).stat().st_mtime
        except FileNotFoundError:
            mtime = -1.0
        if mtime != self._io_mtime:
            self._io_mtime = mtime
            out["io"] = io_tail(self.path / IO)
        return out
