"""Mutated specification files give a Spec or an InputError with a line, never another exception;
a valid Spec always evaluates."""
from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from badcorpus import set_at

from ssbcert.errors import InputError
from ssbcert.spec import default_spec_path, evaluate, load_spec_text
from ssbcert.uncertainty import Measured

BASE = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["S/cm", "%", "MPa", "log", "simple", "relative_density", "", "1"]),
                 st.just({}), st.just([]))


def _slots(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = [(k,) for k in doc]
    for i, req in enumerate(doc["requirements"]):
        out += [("requirements", i, k) for k in req]
    return out


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_mutated_spec(data: st.DataObject) -> None:
    doc = yaml.safe_load(yaml.safe_dump(BASE))
    slot = data.draw(st.sampled_from(_slots(doc)))
    set_at(doc, slot, data.draw(JUNK))
    try:
        spec = load_spec_text(yaml.safe_dump(doc, allow_unicode=True), "spec.yaml")
    except InputError as exc:
        assert exc.file == "spec.yaml" and exc.line is not None
        return
    results = {r.quantity: Measured(1.0, 0.1, "1") for r in spec.requirements}
    assert len(evaluate(spec, results)) == len(spec.requirements)
