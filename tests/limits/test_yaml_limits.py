"""YAML input limits: every file the project reads is bounded in size, depth and alias expansion,
and a duplicate key is an error naming both lines (never "last one wins")."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from ssbcert.bench import load_bench
from ssbcert.errors import InputError
from ssbcert.protocol.loader import load_protocol
from ssbcert.sample import load_sample
from ssbcert.spec.loader import load_spec
from ssbcert.yamlio import YamlLimits, load_yaml_file, load_yaml_text

BILLION_LAUGHS = "name: lol\nsteps: &l0 [{step: identify}]\n" + "".join(
    f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10)
)


@pytest.mark.parametrize("loader", [load_protocol, load_bench, load_sample, load_spec])
def test_billion_laughs_rejected_fast_by_every_loader(tmp_path: Path, loader) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(BILLION_LAUGHS)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        loader(path)
    assert time.perf_counter() - t0 < 1.0
    msg = str(info.value)
    assert "expands to more than" in msg and f"{path}:" in msg


@pytest.mark.parametrize("loader", [load_protocol, load_bench, load_sample, load_spec])
def test_100_MB_file_rejected_before_reading(tmp_path: Path, loader) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:  # sparse: 100 MB on paper, nothing to read
        fh.truncate(100 * 1024 * 1024)
    t0 = time.perf_counter()
    with pytest.raises(InputError) as info:
        loader(path)
    assert time.perf_counter() - t0 < 1.0
    assert "too large" in str(info.value) and "100.0 MiB" in str(info.value)


def test_large_text_rejected_fast() -> None:
    text = "a: [" + "1, " * 5_000_000 + "1]\n"
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="too large"):
        load_yaml_text(text, "big.yaml")
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{a: ", "}"), ("- ", "")])
def test_deep_nesting_is_a_clean_error(opener: str, closer: str) -> None:
    depth = 5000
    if opener == "- ":
        depth = 500
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
    else:
        text = opener * depth + "1" + closer * depth + "\n"
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "deep.yaml")
    assert "nesting deeper than 64 levels" in str(info.value)
    assert str(info.value).startswith("deep.yaml:")


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: dup\nsteps:\n  - step: eis\n    amplitude: 10 mV\n    f_start: 1 MHz\n    amplitude: 45 mV\n")
    with pytest.raises(InputError) as info:
        load_protocol(path)
    msg = str(info.value)
    assert f"{path}:6:" in msg and "duplicate key 'amplitude'" in msg
    assert "first at line 4, again at line 6" in msg and "steps[0].amplitude" in msg


def test_merge_keys_are_not_duplicates() -> None:
    data, _ = load_yaml_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "m.yaml")
    assert data["other"] == {"x": 1, "y": 3}


def test_limits_are_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = "a: " + "[" * 10 + "1" + "]" * 10 + "\n"
    assert load_yaml_text(text, "ok.yaml")[0]["a"]
    with pytest.raises(InputError, match="deeper than 5"):
        load_yaml_text(text, "x.yaml", YamlLimits(max_depth=5))
    monkeypatch.setenv("SSBCERT_YAML_MAX_DEPTH", "5")
    with pytest.raises(InputError, match="deeper than 5"):
        load_yaml_text(text, "x.yaml")
    monkeypatch.setenv("SSBCERT_YAML_MAX_BYTES", "10")
    (tmp_path / "f.yaml").write_text("a: 12345678901\n")
    with pytest.raises(InputError, match="too large"):
        load_yaml_file(tmp_path / "f.yaml")


def test_alias_count_capped() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 20) + "]\n"
    assert len(load_yaml_text(text, "ok.yaml")[0]["b"]) == 20
    with pytest.raises(InputError, match="more than 10 aliases"):
        load_yaml_text(text, "x.yaml", YamlLimits(max_aliases=10))
