"""Mutated fixtures (byte flips, truncation, line deletion, junk insertion): a reader either returns
valid spectra or raises its own InputError; nothing else escapes and nothing hangs."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ssbcert.errors import InputError
from ssbcert.importers.api import read_blocks
from importer_paths import PROJECT_FIXTURES, VENDOR

# SSBCERT_FUZZ=N runs N random examples per group for a deeper local search; CI uses a fixed, fast set.
FUZZ_EXAMPLES = int(os.environ.get("SSBCERT_FUZZ", "100"))
DERANDOMIZE = "SSBCERT_FUZZ" not in os.environ
FIXTURES = PROJECT_FIXTURES
FILES = {p.name: p.read_bytes() for p in sorted(VENDOR.iterdir()) if not p.name.startswith(("LICENSE", "README"))}
for extra in ("novocontrol_style.txt", "records_example.csv", "session_export_example.csv"):
    FILES[extra] = (FIXTURES / extra).read_bytes()

JUNK = st.sampled_from([b"\x00", b"\xff\xfe", b"nan", b"-inf", b"1e999", b"\t", b",", b";", b"\r", b"\n", b"\n\n",
                        b"EXPERIMENTABORTED\tTOGGLE\tT\n", b"End Comments\n", b"freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\n",
                        b"</Segment1>\n", b"MODULE", b"Temperature: x K\n", b"0", b"-", b"e", b"\xc3", b"\"", b"#"])


@st.composite
def mutations(draw):
    ops = draw(st.lists(st.tuples(st.sampled_from(["flip", "truncate", "delete_line", "insert"]),
                                  st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=4))
    return ops, [draw(JUNK) for _ in ops]


def mutate(data: bytes, ops, junk) -> bytes:
    b = bytearray(data)
    for (kind, where, value), insert in zip(ops, junk):
        pos = int(where * len(b)) if b else 0
        if kind == "flip" and b:
            b[min(pos, len(b) - 1)] ^= value or 1
        elif kind == "truncate":
            del b[pos:]
        elif kind == "delete_line":
            start = b.rfind(b"\n", 0, pos) + 1
            end = b.find(b"\n", pos)
            del b[start:(len(b) if end < 0 else end + 1)]
        else:
            b[pos:pos] = insert
    return bytes(b)


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang("reader did not return within 10 s on a mutated file")


def _check(name: str, data: bytes) -> None:
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(10)  # a hang fails the test instead of blocking the suite
    try:
        _, blocks = read_blocks(Path(name), data)
    except InputError as exc:
        assert str(exc)
    else:
        for blk in blocks:
            s = blk.spectrum
            assert len(s) > 0 and len(s.frequency_Hz) == len(s.z_real_ohm) == len(s.z_imag_ohm)
            assert np.all(np.isfinite(s.frequency_Hz)) and np.all(s.frequency_Hz > 0)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


GROUPS = {
    "biologic": ["exampleDataBioLogic.mpt", "exampleDataBioLogic.mpr"],
    "gamry": ["exampleDataGamry.DTA", "exampleDataGamryABORT.DTA"],
    "zplot": ["exampleDataZPlot.z", "exampleDataZPlot_noComments.z", "exampleDataAutolab.txt"],
    "tables": ["exampleDataParstat.txt", "exampleDataPowersuite.txt", "exampleDataCHInstruments.txt",
               "exampleDataVersaStudio.par", "exampleData.csv", "novocontrol_style.txt", "records_example.csv",
               "session_export_example.csv"],
}


@pytest.mark.parametrize("group", list(GROUPS))
def test_mutated_fixtures_fail_only_with_input_error(group):
    names = GROUPS[group]

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
    @given(which=st.sampled_from(names), m=mutations())
    def run(which, m):
        _check(which, mutate(FILES[which], *m))

    run()


def test_every_truncation_point_of_the_mpr():
    data = FILES["exampleDataBioLogic.mpr"]
    for cut in range(0, len(data), 7):
        _check("exampleDataBioLogic.mpr", data[:cut])


# ---------------------------------------------------------------- .mpr reader: headers and modules
from importer_paths import ECLAB  # noqa: E402
from ssbcert.importers.mpr import modules as mpr_modules  # noqa: E402

MPR = {name: (ECLAB / name).read_bytes() for name in ("peis.mpr", "geis.mpr", "cv.mpr", "vsp_peis_with.mpr")}
MPR["exampleDataBioLogic.mpr"] = FILES["exampleDataBioLogic.mpr"]


def _structure(data: bytes) -> tuple[list[int], list[int]]:
    """Byte positions of module headers and of the data module's point count and column ids; and the
    module boundaries (where a cut leaves a complete, shorter file)."""
    spots, bounds = list(range(0, 0x34)), [0x34]
    for m in mpr_modules(Path("x.mpr"), data):
        head = 57 if m.layout == "EC-Lab < 11.50" else 65
        spots += range(m.offset - head, m.offset)
        if m.name == "VMP data":
            spots += range(m.offset, m.offset + 5 + 2 * m.payload[4])
        bounds.append(m.offset + len(m.payload))
    return spots, bounds


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=DERANDOMIZE)
@given(which=st.sampled_from(sorted(MPR)), picks=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)),
                                                          min_size=1, max_size=4))
def test_mpr_with_mutated_headers_gives_input_error_or_valid_spectra(which, picks):
    data = bytearray(MPR[which])
    spots, _ = _structure(bytes(data))
    for where, value in picks:
        data[spots[int(where * (len(spots) - 1))]] ^= value
    _check(which, bytes(data))


@pytest.mark.parametrize("which", sorted(MPR))
def test_mpr_truncated_anywhere_but_a_module_boundary_is_an_input_error(which):
    data = MPR[which]
    spots, bounds = _structure(data)
    step = max(1, len(data) // 600)
    cuts = sorted({*range(0, len(data), step), *(b + d for b in bounds for d in (-7, -1, 1, 6, 30)), *spots[::3]})
    for cut in cuts:
        if cut in bounds or not 0 <= cut < len(data):
            continue
        with pytest.raises(InputError):
            read_blocks(Path(which), data[:cut])
