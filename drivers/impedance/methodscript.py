"""MethodSCRIPT (PalmSens) as data: number literals, script templates, data packages, error lines.

Shared by the EmStat4 driver (builds scripts, parses the stream) and its twin (parses scripts,
encodes packages), so both read and write the same formats:

* literals: integer mantissa + SI prefix (`10m`, `100k`, `0`, `-500m`), `i` suffix for integers;
* a script is the line `e`, statements, then an empty line; templates below are plain text with
  `{name}` fields and one repeated block, filled by `build_script`;
* a data package is `P<var>;<var>...`, each var `<2-char type><7 hex digits><prefix>[,meta...]`
  with value = (int(hex7, 16) − 2^27) × prefix, metadata `1<h>` status, `2<hh>` current range;
* an error is a line `!XXXX` (4 hex digits) optionally followed by `: Line n, Col m`.

Facts: instruments.md §5 [C: S-PS]. Error *codes* other than 0006 are this project's own
numbering [I] (the firmware table was not available).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

PREFIXES: dict[str, float] = {
    "a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, " ": 1.0,
    "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
}  # fmt: skip
OFFSET = 1 << 27  # packet values are stored as unsigned 28-bit with this offset

# status bits in the `1<h>` metadata token
STATUS_TIMING = 0x1
STATUS_OVERLOAD = 0x2
STATUS_UNDERLOAD = 0x4
STATUS_OVERLOAD_WARNING = 0x8

# variable type codes used here (S-PS mscript.py)
VAR_TYPES: dict[str, str] = {
    "aa": "unknown",
    "ab": "WE potential (V)",
    "ba": "WE current (A)",
    "ca": "phase (deg)",
    "cb": "|Z| (ohm)",
    "cc": "Z' (ohm)",
    "cd": "Z'' (ohm)",
    "da": "applied potential (V)",
    "dc": "applied frequency (Hz)",
    "eb": "time (s)",
}

ERRORS: dict[int, str] = {
    0x0006: "invalid in this state (no script running)",
    0x4001: "unknown command",
    0x4002: "wrong number of arguments",
    0x4003: "invalid literal",
    0x4004: "argument out of range",
    0x4005: "variable not declared",
    0x4006: "unbalanced loop (endloop without loop, or loop not closed)",
    0x4007: "script too long",
    0x2002: "measurement: current overload",
    0x2010: "internal error",
}

ERROR_LINE = re.compile(r".*!([0-9A-Fa-f]{4})(?::\s*Line\s+(\d+),\s*Col\s+(\d+))?\s*$")


# ------------------------------------------------------------------ number literals


def format_literal(value: float, digits: int = 7) -> str:
    """Driver side: `0.01` → `10m`, `1e5` → `100k`, `1258.925` → `1258925m` (integer mantissa)."""
    if value == 0 or not math.isfinite(value):
        if not math.isfinite(value):
            raise ValueError(f"MethodSCRIPT literal: expected a finite number, found {value!r}")
        return "0"
    rounded = float(f"{value:.{digits - 1}e}")
    for prefix, mult in sorted(PREFIXES.items(), key=lambda kv: -kv[1]):
        if prefix == " ":
            prefix = ""
        mant = rounded / mult
        if abs(mant) >= 1 and abs(mant - round(mant)) <= 1e-9 * abs(mant):
            return f"{int(round(mant))}{prefix}"
    raise ValueError(f"MethodSCRIPT literal: {value!r} is below the smallest prefix")


_LITERAL = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([afpnumkMGTPEi]?)$")


def parse_literal(text: str) -> float:
    """Twin side: `10m` → 0.01, `31` / `31i` → 31; ValueError for anything else."""
    m = _LITERAL.match(text.strip())
    if not m:
        raise ValueError(f"invalid MethodSCRIPT literal {text!r}")
    mant, prefix = m.groups()
    if prefix == "i":
        if "." in mant:
            raise ValueError(f"integer literal with a fraction: {text!r}")
        return float(int(mant))
    return float(mant) * (PREFIXES[prefix] if prefix else 1.0)


# ------------------------------------------------------------------ scripts

EIS_TEMPLATE = """\
e
var f
var r
var j
set_pgstat_chan 0
set_pgstat_mode 3
set_max_bandwidth {bandwidth}
set_range_minmax da {e_dc} {e_dc}
set_range ba {i_range}
set_autoranging ba {i_min} {i_max}
cell_on
{{repeat}}
meas_loop_eis f r j {amplitude} {f_start} {f_end} {n_points} {e_dc}
  pck_start
  pck_add f
  pck_add r
  pck_add j
  pck_end
endloop
{{end}}
on_finished:
cell_off
"""

CA_TEMPLATE = """\
e
var p
var c
var t
set_pgstat_chan 0
set_pgstat_mode 2
set_max_bandwidth {bandwidth}
set_range_minmax da {e_dc} {e_dc}
set_range ba {i_range}
set_autoranging ba {i_min} {i_max}
cell_on
timer_start
meas_loop_ca p c {e_dc} {t_interval} {t_run}
  timer_get t
  pck_start
  pck_add t
  pck_add p
  pck_add c
  pck_end
endloop
on_finished:
cell_off
"""

CELL_OFF_TEMPLATE = """\
e
cell_off
"""


def build_script(template: str, values: Mapping[str, float | int | str], repeats: Sequence[Mapping[str, float | int | str]] = ()) -> list[str]:
    """Fill a template: numbers become literals; the `{{repeat}}..{{end}}` block is emitted once per
    entry of `repeats` (each merged over `values`). Returns the lines, ending with the empty line."""

    def fill(text: str, vals: Mapping[str, float | int | str]) -> str:
        return text.format(**{k: (format_literal(v) if isinstance(v, (int, float)) else v) for k, v in vals.items()})

    head, sep, rest = template.partition("{{repeat}}\n")
    if sep:
        block, _, tail = rest.partition("{{end}}\n")
        text = fill(head, values) + "".join(fill(block, {**values, **r}) for r in repeats) + fill(tail, values)
    else:
        text = fill(template, values)
    return text.rstrip("\n").split("\n") + [""]


# ------------------------------------------------------------------ packages


@dataclass(frozen=True)
class PackageVar:
    type: str  # two-char type code, e.g. 'cc'
    value: float  # SI value; nan when the device sent "nan"
    status: int = 0  # `1<h>` metadata (STATUS_* bits)
    current_range: int | None = None  # `2<hh>` metadata
    extra: tuple[str, ...] = field(default=())  # other metadata tokens, verbatim


_VAR = re.compile(r"^([a-z]{2})([0-9A-Fa-f]{7}|\s{5}nan)([afpnumkMGTPE ])((?:,[0-9A-Fa-f]+)*)$")


def encode_value(value: float) -> str:
    """7 hex digits + prefix: the finest prefix that still fits in 27 bits of magnitude."""
    if not math.isfinite(value):
        return "     nan"
    for prefix, mult in sorted(PREFIXES.items(), key=lambda kv: kv[1]):
        n = round(value / mult)
        if abs(n) < OFFSET:
            return f"{n + OFFSET:07X}{prefix}"
    raise ValueError(f"value {value!r} too large for a MethodSCRIPT package")


def encode_var(var: PackageVar) -> str:
    meta = ""
    if var.type in MEASURED_TYPES:
        meta = f",1{var.status:X}"
        if var.current_range is not None:
            meta += f",2{var.current_range:02X}"
    meta += "".join("," + t for t in var.extra)
    return var.type + encode_value(var.value) + meta


MEASURED_TYPES = frozenset({"ab", "ba", "ca", "cb", "cc", "cd"})


def encode_package(variables: Sequence[PackageVar]) -> str:
    return "P" + ";".join(encode_var(v) for v in variables)


def parse_package(line: str) -> list[PackageVar]:
    """Driver side: `Pdc...u;cc...m,10,287` → variables. ValueError on anything malformed."""
    if not line.startswith("P") or len(line) < 11:
        raise ValueError(f"not a MethodSCRIPT data package: {line!r}")
    out: list[PackageVar] = []
    for part in line[1:].split(";"):
        m = _VAR.match(part)
        if m is None:
            raise ValueError(f"malformed package variable {part!r} in {line!r}")
        vtype, digits, prefix, meta = m.groups()
        value = math.nan if digits.strip() == "nan" else (int(digits, 16) - OFFSET) * PREFIXES[prefix]
        status, rng, extra = 0, None, []
        for tok in meta.split(",")[1:]:
            if tok[0] == "1":
                status = int(tok[1:] or "0", 16)
            elif tok[0] == "2":
                rng = int(tok[1:] or "0", 16)
            else:
                extra.append(tok)
        out.append(PackageVar(vtype, value, status, rng, tuple(extra)))
    return out


def error_line(code: int, line: int | None = None, col: int | None = None) -> str:
    text = f"!{code:04X}"
    if line is not None:
        text += f": Line {line}, Col {col or 1}"
    return text


def parse_error(line: str) -> tuple[int, int | None, int | None] | None:
    """`!4004: Line 12, Col 5` → (0x4004, 12, 5); None if the line is not an error line."""
    m = ERROR_LINE.match(line)
    if m is None:
        return None
    code, ln, col = m.groups()
    return int(code, 16), (int(ln) if ln else None), (int(col) if col else None)


def describe_error(code: int) -> str:
    return ERRORS.get(code, "device error")
