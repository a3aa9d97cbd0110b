"""Every malformed specification file gets a specific error naming file:line and field."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.spec import load_spec

# the corpus conventions (# expect / # field / # <--) are shared with the sample corpus
_spec = importlib.util.spec_from_file_location("badcorpus", Path(__file__).parents[1] / "sample" / "badcorpus.py")
badcorpus = sys.modules.setdefault("badcorpus", importlib.util.module_from_spec(_spec))
if not hasattr(badcorpus, "check"):
    _spec.loader.exec_module(badcorpus)  # type: ignore[union-attr]
check, expectation = badcorpus.check, badcorpus.expectation

BAD = sorted((Path(__file__).parents[1] / "fixtures" / "specs" / "bad").glob("*.yaml"))


def test_corpus_is_large_enough() -> None:
    assert len(BAD) >= 15


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_spec_is_reported(path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_spec(path)
    check(info.value, path, expectation(path))
