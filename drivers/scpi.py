"""SCPI as data: header patterns, settings, message syntax and number/block formats.

One source of truth for a command set: a driver declares its `Setting`s here (header pattern,
type, range, unit); the driver turns them into properties that write/query the instrument, and the
instrument's twin installs the same table as handlers that validate with the same range and answer
with the instrument's own error. Header patterns use the manuals' notation:

    ":SENSe#:FREQuency:STARt"   upper case = short form, '#' = optional numeric suffix
    "[:SOURce#]:VOLTage[:LEVel]" square brackets = optional node
"""
from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

# ------------------------------------------------------------------ header patterns


def _node_regex(node: str) -> str:
    suffix = node.endswith("#")
    name = node[:-1] if suffix else node
    short = "".join(ch for ch in name if ch.isupper() or ch.isdigit() or ch in "*?")
    long = name.upper()
    alts = sorted({re.escape(short), re.escape(long)} - {""}, key=len, reverse=True)
    body = "(?:" + "|".join(alts) + ")"
    return body + (r"(\d*)" if suffix else "")


@lru_cache(maxsize=None)
def compile_header(pattern: str) -> re.Pattern[str]:
    """Regex matching every accepted spelling of a header pattern (without the '?').

    Matched against the header with a leading ':' (see `match_header`), so every node is ':'-prefixed.
    """
    out = "^"
    for raw in re.findall(r"\[[^\]]*\]|[^:\[]+", pattern):
        if raw.startswith("["):
            out += "(?::" + _node_regex(raw[1:-1].lstrip(":")) + ")?"
        else:
            out += ":" + _node_regex(raw)
    return re.compile(out + "$", re.IGNORECASE)


def match_header(pattern: str, header: str) -> tuple[int | None, ...] | None:
    """Numeric suffixes captured by '#' nodes (None where omitted), or None when it does not match."""
    m = compile_header(pattern).match(header if header.startswith(":") else ":" + header)
    if m is None:
        return None
    return tuple(int(g) if g else None for g in m.groups())


def short_form(pattern: str, *suffixes: int) -> str:
    """The short spelling a driver sends: ':SENSe#:FREQuency:STARt' with 1 → ':SENS1:FREQ:STAR'."""
    sfx = list(suffixes)
    parts: list[str] = []
    for raw in re.findall(r"\[[^\]]*\]|[^:\[]+", pattern):
        if raw.startswith("["):
            inner = raw[1:-1].lstrip(":")
            if not (inner.endswith("#") and sfx):
                continue
            raw = inner
        if raw.endswith("#"):
            name = raw[:-1]
            parts.append("".join(c for c in name if c.isupper() or c.isdigit() or c == "*") + str(sfx.pop(0) if sfx else 1))
        else:
            parts.append("".join(c for c in raw if c.isupper() or c.isdigit() or c == "*"))
    text = ":".join(parts)
    return text if text.startswith("*") or not pattern.startswith((":", "[:")) else ":" + text


# ------------------------------------------------------------------ message syntax


def split_outside_quotes(text: str, sep: str) -> list[str]:
    out, cur, quote = [], [], ""
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            cur.append(ch)
        elif ch == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


@dataclass(frozen=True)
class ParsedCommand:
    header: str  # absolute header, without '?', e.g. ':SENS1:FREQ:STAR' (or '*IDN')
    query: bool
    args: tuple[str, ...]
    text: str  # the unit as received


def parse_message(message: str) -> list[ParsedCommand]:
    """Split a program message into commands, resolving `;` relative headers (IEEE 488.2 §7.6.1).

    After `;`, a header without a leading ':' continues from the previous command's path
    (all nodes but the last); `;:` resets to the root; common commands (`*XXX`) keep the path.
    """
    cmds: list[ParsedCommand] = []
    path: list[str] = []
    for unit in split_outside_quotes(message.strip(), ";"):
        unit = unit.strip()
        if not unit:
            continue  # trailing ';' tolerated
        head, _, rest = unit.partition(" ")
        if "\t" in head:
            head, _, more = head.partition("\t")
            rest = more + " " + rest
        query = head.endswith("?")
        head = head.rstrip("?")
        common = head.lstrip(":").startswith("*")
        if common:
            header = head.lstrip(":")
        elif head.startswith(":") or not path:
            header = head if head.startswith(":") else ":" + head
            path = header.strip(":").split(":")[:-1]
        else:
            header = ":" + ":".join(path + head.split(":"))
            path = header.strip(":").split(":")[:-1]
        args = tuple(a.strip() for a in split_outside_quotes(rest, ",")) if rest.strip() else ()
        cmds.append(ParsedCommand(header, query, args, unit))
    return cmds


# ------------------------------------------------------------------ values


class ScpiValueError(ValueError):
    """An argument could not be parsed or is out of range; carries the SCPI error code to raise."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_SI = {"T": 1e12, "G": 1e9, "MA": 1e6, "K": 1e3, "M": 1e-3, "U": 1e-6, "N": 1e-9, "P": 1e-12}


def parse_number(text: str) -> float:
    t = text.strip().upper()
    if t in ("MIN", "MINIMUM", "MAX", "MAXIMUM", "DEF", "DEFAULT"):
        raise ScpiValueError(-224, f"{text} not supported here")
    m = re.fullmatch(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?)\s*([A-Z]*)", t)
    if not m:
        raise ScpiValueError(-104, "Data type error")
    value = float(m.group(1))
    unit = m.group(2)
    if unit:
        for prefix, mult in _SI.items():
            if unit.startswith(prefix) and len(unit) > len(prefix):
                return value * mult
        if unit in ("HZ", "V", "A", "S", "OHM", "K", "C"):
            return value
        raise ScpiValueError(-131, "Invalid suffix")
    return value


def parse_bool(text: str) -> bool:
    t = text.strip().upper()
    if t in ("ON", "1", "+1"):
        return True
    if t in ("OFF", "0", "+0"):
        return False
    raise ScpiValueError(-224, "Illegal parameter value")


def fmt_nr3(value: float, digits: int = 11) -> str:
    """Keysight NR3: '+1.00000000000E+004' (sign, mantissa, three-digit exponent)."""
    if value != value:
        return "+9.91000000000E+037"
    mant, exp = f"{value:+.{digits}E}".split("E")
    return f"{mant}E{int(exp):+04d}"


def fmt_nr1(value: int) -> str:
    return f"{int(value):+d}"


def encode_block(values: Sequence[float], big_endian: bool = True, fmt: str = "d") -> bytes:
    """IEEE 488.2 definite-length block: #<n><len><bytes>."""
    payload = struct.pack(("> " if big_endian else "< ").strip() + fmt * len(values), *values)
    length = str(len(payload))
    return b"#" + str(len(length)).encode() + length.encode() + payload


def decode_block(data: bytes, big_endian: bool = True, fmt: str = "d") -> list[float]:
    if not data.startswith(b"#"):
        raise ValueError(f"binary block must start with '#', found {data[:10]!r}")
    n = int(data[1:2])
    if n == 0:
        raise ValueError("indefinite-length blocks are not supported")
    length = int(data[2 : 2 + n])
    payload = data[2 + n : 2 + n + length]
    if len(payload) != length:
        raise ValueError(f"binary block truncated: header says {length} bytes, found {len(payload)}")
    size = struct.calcsize(fmt)
    if length % size:
        raise ValueError(f"binary block of {length} bytes is not a whole number of {size}-byte values")
    return list(struct.unpack((">" if big_endian else "<") + fmt * (length // size), payload))


# ------------------------------------------------------------------ settings as data


@dataclass(frozen=True)
class Setting:
    """One instrument setting: how it is spelled, its type and the range the instrument enforces.

    kind: 'float' | 'int' | 'bool' | 'enum' | 'str'. For 'enum', `choices` lists accepted
    (short-or-long) mnemonics as patterns, e.g. ('LINear', 'LOGarithmic', 'SEGMent').
    """

    name: str
    header: str
    kind: str = "float"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    unit: str = ""
    default: Any = None
    writable: bool = True
    readable: bool = True
    doc: str = ""
    reply_format: Callable[[Any], str] | None = field(default=None, compare=False)

    def parse(self, text: str) -> Any:
        """Instrument side: parse and validate an argument exactly as the instrument does."""
        if self.kind == "bool":
            return parse_bool(text)
        if self.kind == "enum":
            for choice in self.choices:
                if match_header(choice, text.strip()) is not None:
                    return short_form(choice).lstrip(":")
            raise ScpiValueError(-224, "Illegal parameter value")
        if self.kind == "str":
            return text.strip().strip("'\"")
        value = parse_number(text)
        if self.kind == "int":
            value = int(round(value))
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise ScpiValueError(-222, "Data out of range")
        return value

    def format_reply(self, value: Any) -> str:
        """Instrument side: the reply to '<header>?'."""
        if self.reply_format is not None:
            return self.reply_format(value)
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "int":
            return fmt_nr1(value)
        if self.kind == "float":
            return fmt_nr3(float(value))
        if self.kind == "str":
            return f'"{value}"'
        return str(value)

    def format_arg(self, value: Any) -> str:
        """Driver side: the argument text sent to the instrument."""
        if self.kind == "bool":
            return "ON" if value else "OFF"
        if self.kind == "int":
            return str(int(value))
        if self.kind == "float":
            return f"{float(value):.10G}"
        if self.kind == "str":
            return f'"{value}"'
        return str(value)

    def parse_reply(self, text: str) -> Any:
        """Driver side: decode the instrument's reply."""
        t = text.strip()
        if self.kind == "bool":
            return t in ("1", "+1", "ON")
        if self.kind == "int":
            return int(float(t))
        if self.kind == "float":
            return float(t)
        if self.kind == "str":
            return t.strip('"')
        return t

    def check(self, value: Any) -> None:
        """Driver side: refuse out-of-range values before anything is sent."""
        if self.kind in ("float", "int"):
            v = float(value)
            if (self.minimum is not None and v < self.minimum) or (self.maximum is not None and v > self.maximum):
                raise ValueError(
                    f"{self.name}: expected {self.minimum}..{self.maximum} {self.unit}".rstrip() + f", found {value}"
                )
        elif self.kind == "enum" and not any(match_header(c, str(value)) is not None for c in self.choices):
            raise ValueError(f"{self.name}: expected one of {', '.join(self.choices)}, found {value!r}")


class CommandSet:
    """The settings of one instrument model, by name. Shared by its driver and its twin."""

    def __init__(self, model: str, settings: Iterable[Setting]) -> None:
        self.model = model
        self.settings: dict[str, Setting] = {}
        for s in settings:
            if s.name in self.settings:
                raise ValueError(f"{model}: setting {s.name!r} declared twice")
            self.settings[s.name] = s

    def __getitem__(self, name: str) -> Setting:
        return self.settings[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.settings.values())
