"""Mutated records never crash: loading gives a record or an InputError, computing gives results or
listed failures, whatever value lands in whatever field."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badcorpus import set_at

from ssbcert.errors import InputError
from ssbcert.sample import compute_sample_properties, load_sample_text

FIX = Path(__file__).parents[1] / "fixtures" / "samples"
BASE = {name: yaml.safe_load((FIX / name).read_text()) for name in ("ta_llzo_film.yaml", "latp_pellet.yaml")}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in [prefix + (k,)] + _paths(v, prefix + (k,))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in [prefix + (i,)] + _paths(v, prefix + (i,))]
    return []


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=12), st.lists(st.floats(-1e3, 1e3), max_size=4), st.just({}), st.just([]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(BASE)), st.data())
def test_mutations_give_input_errors_or_results(name: str, data: st.DataObject) -> None:
    doc = yaml.safe_load(yaml.safe_dump(BASE[name]))
    path = data.draw(st.sampled_from(_paths(doc)))
    set_at(doc, path, data.draw(JUNK))
    try:
        record = load_sample_text(yaml.safe_dump(doc, allow_unicode=True), name, FIX)
    except InputError as exc:
        assert exc.file == name and exc.line is not None
        return
    out = compute_sample_properties(record)
    assert all(isinstance(reason, str) for reason in out.failures.values())
