"""Canonical JSON: deterministic bytes, ECMAScript number text, exact float round trip."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssbcert.certificate.canonical import CanonicalizationError, canonical_text, format_number, leaf_paths


@pytest.mark.parametrize(
    ("x", "text"),
    [(1.0, "1"), (0.0, "0"), (-0.0, "0"), (1e-7, "1e-7"), (1e-6, "0.000001"), (1.273e-3, "0.001273"),
     (1e21, "1e+21"), (1e20, "100000000000000000000"), (-2.5, "-2.5"), (5e-324, "5e-324"),
     (1.7976931348623157e308, "1.7976931348623157e+308"), (123.456, "123.456"), (7, "7")],
)
def test_numbers_follow_ecmascript(x: float, text: str) -> None:
    assert format_number(x) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips(x: float) -> None:
    assert float(format_number(x)) == x or (x == 0 and float(format_number(x)) == 0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 2**60])
def test_values_without_json_form_are_refused(bad: float) -> None:
    with pytest.raises(CanonicalizationError):
        canonical_text({"x": bad})


def test_non_string_keys_and_objects_are_refused() -> None:
    for bad in ({1: "a"}, {"a": 1, 2: "b"}, {"x": object()}):
        with pytest.raises(CanonicalizationError):
            canonical_text(bad)


def test_key_order_and_whitespace_do_not_matter() -> None:
    a = {"b": [1, 2.5, {"z": None, "a": True}], "a": "σ ≥ 1e-4 \"q\"\n", "\ufb01": 1, "\U0001F600": 2}
    b = json.loads(json.dumps(dict(reversed(list(a.items()))), indent=3))
    assert canonical_text(a) == canonical_text(b)
    # RFC 8785: sort by UTF-16 code units (U+1F600 = D83D DE00 sorts before U+FB01, unlike code points)
    assert canonical_text(a) == '{"a":"σ ≥ 1e-4 \\"q\\"\\n","b":[1,2.5,{"a":true,"z":null}],"\U0001F600":2,"\ufb01":1}'


def test_leaf_paths_name_fields_and_keep_numeric_arrays_whole() -> None:
    doc = {"results": [{"value": 1.0, "budget": [{"input": "h"}]}], "figures": {"f": [1.0, 2.0]}}
    assert set(leaf_paths(doc)) == {"results[0].value", "results[0].budget[0].input", "figures.f"}
