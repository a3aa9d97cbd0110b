"""Every malformed specification file gets a specific error naming file:line and field."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.spec import load_spec

from badcorpus import check, expectation  # registered by tests/spec/conftest.py

BAD = sorted((Path(__file__).parents[1] / "fixtures" / "specs" / "bad").glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_is_reported(path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_spec(path)
    check(info.value, path, expectation(path))
