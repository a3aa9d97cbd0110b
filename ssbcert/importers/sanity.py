"""Row sanity on entry: what a reader found becomes spectra the analysis can trust, or a clear error.

Rules, in order, for every block a vendor reader returns (ssbcert's own lossless CSVs are exempt):
1. Rows with frequency <= 0 Hz (a DC part of the experiment, a 0 Hz placeholder) are dropped, and
   the drop is recorded as a flag (warning in the provenance, `meta["import_flags"]`).
2. Frequencies must run one way. Where the order breaks, the file holds several sweeps only if every
   part restarts within half a decade of the first sweep's start frequency and has at least
   `MIN_SWEEP_POINTS` points: then each part becomes its own spectrum. Any other break (a duplicate
   row, a point out of order) is an error naming its line.
3. Each spectrum has between `limits.min_points` and `limits.max_points` points (configurable:
   `ssbcert import --max-points`), so a single point or a 100 MB file is never one silent spectrum.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ssbcert.errors import InputError
from ssbcert.importers.base import Block

MIN_SWEEP_POINTS = 3
RESTART_DECADES = 0.5


@dataclass(frozen=True)
class Limits:
    """Size limits for one spectrum."""

    min_points: int = 2
    max_points: int = 20_000


DEFAULT_LIMITS = Limits()


def _where(block: Block, k: int) -> tuple[int | None, str]:
    """(file line or None, words) for point k of the block."""
    rows = block.rows
    if rows is None:
        return None, f"point {k + 1}"
    if block.row_label == "line":
        return rows[k], f"line {rows[k]}"
    return None, f"{block.row_label} {rows[k]}"


def _span(block: Block, ks: list[int]) -> str:
    if block.rows is None:
        return f"points {ks[0] + 1}-{ks[-1] + 1}"
    label = "lines" if block.row_label == "line" else f"{block.row_label}s"
    return f"{label} {block.rows[ks[0]]}-{block.rows[ks[-1]]}"


def _subset(block: Block, keep: list[int], extra: dict | None = None) -> Block:
    s = block.spectrum
    idx = np.asarray(keep, dtype=int)
    meta = {**s.meta, **(extra or {})}
    spectrum = replace(s, frequency_Hz=s.frequency_Hz[idx], z_real_ohm=s.z_real_ohm[idx], z_imag_ohm=s.z_imag_ohm[idx],
                       time_s=None if s.time_s is None else s.time_s[idx], meta=meta)
    rows = None if block.rows is None else [block.rows[k] for k in keep]
    first, last = (rows[0], rows[-1]) if rows and block.row_label == "line" else (block.first_line, block.last_line)
    return replace(block, spectrum=spectrum, rows=rows, first_line=first, last_line=last,
                   warnings=list(block.warnings), settings=dict(block.settings))


def _flag(block: Block, text: str) -> None:
    block.warnings.insert(0, text)
    flags = list(block.spectrum.meta.get("import_flags", []))
    block.spectrum.meta["import_flags"] = [*flags, text]


def _drop_nonpositive(path: str, block: Block) -> Block:
    f = block.spectrum.frequency_Hz
    bad = [k for k in range(len(f)) if not f[k] > 0]
    if not bad:
        return block
    keep = [k for k in range(len(f)) if f[k] > 0]
    if not keep:
        line, words = _where(block, 0)
        raise InputError("no impedance point: every row has frequency 0 or below", file=path, line=line,
                         field="frequency", expected="rows with frequency > 0 Hz", found=f"{len(f)} rows, from {words}")
    out = _subset(block, keep)
    _flag(out, f"dropped {len(bad)} rows with frequency 0 or negative ({_span(block, bad)}): not impedance points")
    return out


def _sweep_starts(path: str, block: Block) -> list[int]:
    """Indices where a sweep starts (always [0, ...]); an order break that is no restart raises."""
    f = block.spectrum.frequency_Hz
    if len(f) < 2:
        return [0]
    step = np.sign(np.diff(f))
    direction = -1.0 if np.sum(step < 0) >= np.sum(step > 0) else 1.0
    breaks = [i + 1 for i in range(len(step)) if step[i] != direction]
    starts = [0, *breaks]
    top = math.log10(f[0])
    for n, b in enumerate(breaks, start=1):
        before, after = b - starts[n - 1], (starts[n + 1] if n + 1 < len(starts) else len(f)) - b
        restart = abs(math.log10(f[b]) - top) <= RESTART_DECADES
        if not (restart and before >= MIN_SWEEP_POINTS and after >= MIN_SWEEP_POINTS):
            line, words = _where(block, b)
            kind = "duplicate frequency" if f[b] == f[b - 1] else "frequency out of order"
            raise InputError(f"{kind}: {f[b]:.6g} Hz after {f[b - 1]:.6g} Hz ({words})", file=path, line=line,
                             field="frequency", expected=f"frequencies {'falling' if direction < 0 else 'rising'} "
                             f"through one sweep, or repeated sweeps of >= {MIN_SWEEP_POINTS} points each "
                             "restarting at the first sweep's start", found=f"{f[b]:.6g} Hz")
    return starts


def _check_size(path: str, block: Block, limits: Limits) -> None:
    n = len(block.spectrum)
    if n < limits.min_points:
        line, words = _where(block, 0)
        raise InputError("too few points for a spectrum" + (" (single point)" if n == 1 else ""), file=path, line=line,
                         field="spectrum", expected=f"at least {limits.min_points} points", found=f"{n} at {words}")
    if n > limits.max_points:
        line, _ = _where(block, 0)
        raise InputError("spectrum longer than the size limit", file=path, line=line, field="spectrum",
                         expected=f"at most {limits.max_points} points (raise with --max-points)", found=f"{n} points")


def sanitize(path: str, blocks: list[Block], limits: Limits = DEFAULT_LIMITS) -> list[Block]:
    """Apply the row rules to every block; a block may become several sweeps. Raises InputError."""
    out: list[Block] = []
    for block in blocks:
        block = _drop_nonpositive(path, block)
        starts = _sweep_starts(path, block)
        n = len(block.spectrum)
        if len(starts) == 1:
            parts = [block]
        else:
            ends = [*starts[1:], n]
            parts = []
            for k, (a, b) in enumerate(zip(starts, ends), start=1):
                part = _subset(block, list(range(a, b)), {"sweep": k})
                part.warnings.append(f"sweep {k} of {len(starts)} in one block: the frequency order restarts at "
                                     f"{_where(block, a)[1]}; split into separate spectra")
                parts.append(part)
        for part in parts:
            _check_size(path, part, limits)
        out.extend(parts)
    return out
