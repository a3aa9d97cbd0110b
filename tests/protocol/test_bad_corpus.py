"""Every broken protocol in tests/fixtures/protocols/bad gets a specific error naming file:line.

Each file states what it expects in its header: `# expect-line: N`, `# expect: fragment`, and
optionally `# expect-file: other.yaml` when the error belongs in an included file. Files starting
with `_` are helpers that other cases include.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from ssbcert.errors import InputError
from ssbcert.protocol import expand, load_protocol, preflight

sys.path.insert(0, str(Path(__file__).parents[1] / "runner"))
from fakebench import CLASSES  # noqa: E402

BAD = Path(__file__).parents[1] / "fixtures" / "protocols" / "bad"
CASES = sorted(p for p in BAD.glob("*.yaml") if not p.name.startswith("_"))


def expectations(path: Path) -> dict[str, str]:
    return {k or "message": v for k, v in re.findall(r"^# expect(?:-(\w+))?: (.*)$", path.read_text(), re.M)}


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_bad_protocol_reports_file_line_and_cause(path: Path) -> None:
    exp = expectations(path)
    with pytest.raises(InputError) as info:
        loaded = load_protocol(path)
        preflight(expand(loaded), dict(CLASSES), loaded.protocol.limits)
    where = f"{exp.get('file', path.name)}:{exp['line']}:"
    lines = str(info.value).splitlines()  # several problems are listed one per line
    assert any(where in line and exp["message"] in line for line in lines), str(info.value)


BAD_BENCHES = sorted((Path(__file__).parents[1] / "fixtures" / "benches" / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD_BENCHES, ids=lambda p: p.stem)
def test_bad_bench_reports_file_line_and_cause(path: Path) -> None:
    import ssbcert.bench as bench
    exp = expectations(path)
    with pytest.raises(InputError) as info:
        bench.load_bench(path)
    where = f"{path.name}:{exp['line']}:"
    assert any(where in line and exp["message"] in line for line in str(info.value).splitlines()), str(info.value)
