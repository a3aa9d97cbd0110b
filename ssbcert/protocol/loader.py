"""Protocol files → validated models: named parameters, `$name` substitution, includes.

Each included file is loaded with its own line map, so an error inside it names that file. An
include cycle is reported at the include step that closes it.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from ssbcert.errors import InputError
from ssbcert.protocol.model import Include, Loop, Protocol
from ssbcert.yamlio import Loc, format_loc, line_of, load_yaml_text, read_text_limited, validate

_REF = re.compile(r"^\$([A-Za-z_]\w*)$")
Scalar = str | int | float


@dataclass
class LoadedProtocol:
    """A validated protocol with where it came from (for errors, the session copy and the hash)."""

    protocol: Protocol
    source: str
    text: str
    lines: dict[Loc, int]
    parameters: dict[str, Scalar]
    includes: list["LoadedProtocol"] = field(default_factory=list)

    def line(self, loc: Loc) -> int | None:
        return line_of(self.lines, loc)

    def canonical(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol.model_dump(mode="json"),
            "parameters": self.parameters,
            "includes": [c.canonical() for c in self.includes],
        }

    @property
    def sha256(self) -> str:
        blob = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    def all_sources(self) -> Iterator["LoadedProtocol"]:
        yield self
        for c in self.includes:
            yield from c.all_sources()


def shipped_protocols() -> list[str]:
    """Names of the protocols shipped in ssbcert.protocols."""
    root = resources.files("ssbcert.protocols")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def resolve_protocol(ref: str, base_dir: Path | None = None) -> tuple[str, str]:
    """A path (relative to the including file) or a shipped name → (source label, text)."""
    candidates: list[Path] = []
    p = Path(ref)
    if base_dir is not None and not p.is_absolute():
        candidates.append(base_dir / p)
    candidates.append(p)
    if p.suffix not in (".yaml", ".yml") and base_dir is not None:
        candidates.append(base_dir / f"{ref}.yaml")
    for c in candidates:
        if c.is_file():
            return str(c), _read(c)
    if "/" not in ref and "\\" not in ref:
        shipped = resources.files("ssbcert.protocols") / (ref if ref.endswith(".yaml") else f"{ref}.yaml")
        if shipped.is_file():
            return f"<shipped>/{shipped.name}", shipped.read_text(encoding="utf-8")
    raise InputError(
        "protocol not found",
        file=ref,
        expected=f"a file path or one of: {', '.join(shipped_protocols())}",
        found=repr(ref),
    )


def _read(path: Path) -> str:
    return read_text_limited(path, "protocol")


class UnknownOverride(InputError):
    """A parameter value given for a name the protocol does not declare."""


def _parameters(data: dict[str, Any], lines: dict[Loc, int], source: str, overrides: dict[str, Scalar]) -> dict[str, Scalar]:
    raw = data.get("parameters")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise InputError("expected a mapping of name: default", file=source, line=line_of(lines, ("parameters",)), field="parameters")
    values: dict[str, Scalar] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):  # shorthand `name: 20 mV`
            spec = {"default": spec}
            raw[name] = spec
        if "default" in spec:
            values[str(name)] = spec["default"]
    for name, value in overrides.items():
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise UnknownOverride(f"unknown parameter {name!r} (protocol parameters: {known})", file=source, field=f"parameters.{name}")
        values[name] = value
    return values


def _substitute(node: Any, values: dict[str, Scalar], loc: Loc, lines: dict[Loc, int], source: str) -> Any:
    if isinstance(node, dict):
        return {k: _substitute(v, values, loc + (k,), lines, source) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, values, loc + (i,), lines, source) for i, v in enumerate(node)]
    if isinstance(node, str):
        m = _REF.match(node.strip())
        if m:
            if m.group(1) not in values:
                known = ", ".join(sorted(values)) or "none declared"
                raise InputError(
                    f"unknown parameter ${m.group(1)} (declared: {known})",
                    file=source,
                    line=line_of(lines, loc),
                    field=format_loc(loc),
                )
            return values[m.group(1)]
    return node


def load_protocol(
    ref: str | Path,
    overrides: dict[str, Scalar] | None = None,
    base_dir: Path | None = None,
    _stack: tuple[str, ...] = (),
) -> LoadedProtocol:
    """Load, substitute parameters, validate and resolve includes. Raises InputError(s) with file:line."""
    source, text = resolve_protocol(str(ref), base_dir)
    loaded = _validated(text, source, dict(overrides or {}))
    protocol, lines = loaded.protocol, loaded.lines
    key = str(Path(source).resolve()) if not source.startswith("<shipped>") else source
    here = Path(source).parent if not source.startswith("<shipped>") else None
    for step, loc in walk_steps(protocol.steps, ("steps",)):
        if isinstance(step, Include):
            try:
                child_source, _ = resolve_protocol(step.protocol, here)
            except InputError:
                raise InputError(
                    f"included protocol {step.protocol!r} not found",
                    file=source,
                    line=line_of(lines, loc + ("protocol",)),
                    field=format_loc(loc + ("protocol",)),
                ) from None
            child_key = str(Path(child_source).resolve()) if not child_source.startswith("<shipped>") else child_source
            if child_key in _stack + (key,):
                raise InputError(
                    f"include cycle: {' -> '.join(Path(s).name for s in _stack + (key, child_key))}",
                    file=source,
                    line=line_of(lines, loc + ("protocol",)),
                    field=format_loc(loc + ("protocol",)),
                )
            try:
                child = load_protocol(step.protocol, step.parameters, here, _stack + (key,))
            except UnknownOverride as exc:
                raise InputError(
                    exc.message, file=source, line=line_of(lines, loc + ("parameters",)), field=format_loc(loc + ("parameters",))
                ) from None
            step._loaded = child
            loaded.includes.append(child)
    return loaded


def walk_steps(steps: list[Any], loc: Loc) -> Iterator[tuple[Any, Loc]]:
    """Every step with its data location, descending into loop bodies (not into includes)."""
    for i, step in enumerate(steps):
        yield step, loc + (i,)
        if isinstance(step, Loop):
            yield from walk_steps(step.steps, loc + (i, "steps"))


def _validated(text: str, source: str, overrides: dict[str, Scalar]) -> LoadedProtocol:
    data, lines = load_yaml_text(text, source)
    if not isinstance(data, dict):
        found = "empty file" if data is None else type(data).__name__
        raise InputError("a protocol must be a mapping with name and steps", file=source, line=lines.get((), 1), found=found)
    data = copy.deepcopy(data)
    values = _parameters(data, lines, source, overrides)
    body = {k: (_substitute(v, values, (k,), lines, source) if k in ("steps", "limits") else v) for k, v in data.items()}
    return LoadedProtocol(validate(Protocol, body, lines, source), source, text, lines, values)


def load_protocol_text(text: str, source: str = "<text>") -> LoadedProtocol:
    """For tests and tools: validate protocol YAML given as text (no includes)."""
    return _validated(text, source, {})


__all__ = ["LoadedProtocol", "load_protocol", "load_protocol_text", "resolve_protocol", "shipped_protocols", "walk_steps"]
