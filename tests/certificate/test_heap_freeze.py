"""heap.long_lived_frozen: what exists at entry is skipped by collections, garbage made inside is
still collected, nesting and somebody else's freeze are respected."""
from __future__ import annotations

import gc
from ssbcert.heap import long_lived_frozen


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _nodes() -> int:
    return sum(isinstance(o, _Node) for o in gc.get_objects())


def test_frees_what_is_allocated_inside_and_unfreezes_at_exit() -> None:
    assert gc.get_freeze_count() == 0
    before = [_Node() for _ in range(100)]
    with long_lived_frozen():
        assert gc.get_freeze_count() >= 100  # the objects alive at entry are out of the collections
        ref = _Node()
        n = _nodes()
        del ref
        assert gc.collect() >= 1  # the cycle made inside was found and freed
        assert _nodes() == n - 1
    assert gc.get_freeze_count() == 0
    assert len(before) == 100


def test_nested_blocks_share_one_freeze() -> None:
    with long_lived_frozen():
        frozen = gc.get_freeze_count()
        with long_lived_frozen():
            assert gc.get_freeze_count() == frozen  # the inner block freezes nothing more
        assert gc.get_freeze_count() == frozen  # ... and does not undo the outer one
    assert gc.get_freeze_count() == 0


def test_a_freeze_made_by_somebody_else_is_left_alone() -> None:
    gc.freeze()
    try:
        theirs = gc.get_freeze_count()
        with long_lived_frozen():
            pass
        assert gc.get_freeze_count() == theirs
    finally:
        gc.unfreeze()


def test_nothing_is_frozen_when_the_collector_is_off() -> None:
    gc.disable()
    try:
        with long_lived_frozen():
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()
