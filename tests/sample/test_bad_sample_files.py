"""Every malformed sample record gets a specific error naming file:line and field."""
from __future__ import annotations

from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.sample import load_sample
from badcorpus import check, expectation

BAD = sorted((Path(__file__).parents[1] / "fixtures" / "samples" / "bad").glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(BAD) >= 30


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_sample_is_reported(path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_sample(path)
    check(info.value, path, expectation(path))
