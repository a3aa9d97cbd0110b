"""Canonical JSON for signing: the RFC 8785 (JSON Canonicalization Scheme) rules, implemented here.

Why JCS: a signature must cover bytes, and two serialisers (or two Python versions) must produce
the same bytes for the same document. The rules applied:

* objects: keys sorted by their UTF-16 code units, no insignificant whitespace, ``,`` and ``:``;
* strings: UTF-8, only ``"``, ``\\`` and control characters escaped (short forms where JSON has them);
* numbers: IEEE-754 doubles written like ECMAScript ``Number.prototype.toString`` — the shortest
  digit string that round-trips (Python's ``repr`` gives the same digits), ``1e-7`` not ``1e-07``,
  integral values without ``.0``; NaN and ±Infinity are rejected (JSON cannot carry them).

This is "JCS-like" only in one corner: integers above 2**53 are refused rather than rounded.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

CANONICALIZATION_ID = "RFC8785-JCS (ssbcert implementation v1)"
_MAX_SAFE_INT = 2**53


class CanonicalizationError(ValueError):
    """A value that has no canonical JSON form (NaN, infinity, huge int, unsupported type)."""


def format_number(x: float | int) -> str:
    """ECMAScript-style shortest round-trip number text."""
    if isinstance(x, bool):
        raise CanonicalizationError("bool is not a number")
    if isinstance(x, int):
        if abs(x) > _MAX_SAFE_INT:
            raise CanonicalizationError(f"integer {x} exceeds 2**53; store it as a string")
        return str(x)
    if math.isnan(x) or math.isinf(x):
        raise CanonicalizationError(f"{x!r} has no JSON form")
    if x == 0:
        return "0"
    text = repr(x)
    if "e" not in text:  # 1e-4 <= |x| < 1e16: repr already matches ECMAScript except a trailing ".0"
        return text[:-2] if text.endswith(".0") else text
    sign = "-" if x < 0 else ""
    mantissa, _, exp_text = repr(abs(x)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = (int_part + frac_part).lstrip("0")
    # position of the decimal point relative to the first significant digit
    lead_zeros = len(int_part + frac_part) - len((int_part + frac_part).lstrip("0"))
    n = len(int_part) - lead_zeros + (int(exp_text) if exp_text else 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        body = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e > 0 else "-") + str(abs(e))
    return sign + body


def _utf16_key(s: str) -> bytes:
    return s.encode("utf-16-be", "surrogatepass")


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')


def _string(s: str) -> str:
    """JSON string text; the common case (nothing to escape) skips json.dumps."""
    return json.dumps(s, ensure_ascii=False) if _NEEDS_ESCAPE.search(s) else f'"{s}"'


def _sorted_keys(d: dict[str, Any]) -> list[str]:
    """UTF-16 code-unit order; equals code-point order unless a key has characters beyond U+FFFF."""
    try:
        keys = sorted(d)
    except TypeError:  # mixed key types; _emit reports them
        return list(d)
    if not all(type(k) is str for k in keys) or all(k.isascii() for k in keys):
        return keys
    return sorted(keys, key=_utf16_key)


def _emit(value: Any, out: list[str]) -> None:
    kind = type(value)  # exact-type dispatch first: this runs once per node of every document
    if kind is str:
        out.append(_string(value))
    elif kind is float or kind is int:
        out.append(format_number(value))
    elif kind is dict:
        keys = _sorted_keys(value)
        if keys and not all(type(k) is str for k in keys):
            raise CanonicalizationError(f"object keys must be strings: {keys[:5]!r}")
        out.append("{")
        first = True
        for key in keys:
            if not first:
                out.append(",")
            first = False
            out.append(_string(key))
            out.append(":")
            _emit(value[key], out)
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _emit(item, out)
        out.append("]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, (int, float)):
        out.append(format_number(value))
    elif isinstance(value, str):
        out.append(_string(str(value)))
    else:
        raise CanonicalizationError(f"type {type(value).__name__} has no JSON form")


def canonical_text(value: Any) -> str:
    """Canonical JSON text of plain JSON data (dict/list/str/number/bool/None)."""
    out: list[str] = []
    _emit(value, out)
    return "".join(out)


def canonical_members(obj: dict[str, Any]) -> dict[str, str]:
    """Canonical ``"key":value`` text per member of an object, for assembling several objects
    that share members (payload and full document) without serialising twice."""
    return {key: f"{_string(key)}:{canonical_text(item)}" for key, item in obj.items()}


def assemble(members: dict[str, str]) -> str:
    """Canonical object text from :func:`canonical_members` output."""
    return "{" + ",".join(members[k] for k in _sorted_keys(members)) + "}"


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 bytes of :func:`canonical_text` — what gets hashed and signed."""
    return canonical_text(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 of the canonical form of any JSON value."""
    return sha256_hex(canonical_bytes(value))


def leaf_paths(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten a JSON document to ``path -> leaf``; lists of scalars count as one leaf.

    Used for the signed per-field digest list, so verification can name the field that changed
    while keeping big numeric arrays (figure data) to one entry each.
    """
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        if not value and prefix:
            found[prefix] = value
        for key, item in value.items():
            found.update(leaf_paths(item, f"{prefix}.{key}" if prefix else key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value):
            found.update(leaf_paths(item, f"{prefix}[{i}]"))
    else:
        found[prefix] = value
    return found
