"""Temperatures for a series spread over files: from a list, from the file names, or as each file states.

The three ways end in one ordered set (by temperature, file order within a temperature), so an
import of a temperature series is one session and one Arrhenius set. A temperature the file itself
states is never overwritten (the file is the better witness); a differing operator value is noted.
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from ssbcert.errors import InputError
from ssbcert.importers.api import ImportResult

_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
_LOW_K, _HIGH_K = 0.0, 2000.0


def check_K(value_K: float, where: str) -> float:
    if not _LOW_K < value_K < _HIGH_K:
        raise InputError("temperature out of range", field=where, expected="-273..1700 °C",
                         found=f"{value_K - 273.15:g} °C")
    return value_K


def parse_celsius_list(text: str) -> list[float]:
    """'140,150, 160.5' -> kelvin values; a bad entry is named."""
    out = []
    for k, part in enumerate(text.split(","), start=1):
        try:
            value = float(part.strip())
        except ValueError:
            raise InputError("not a temperature", field="--temperature-C", expected="numbers in °C separated by commas",
                             found=f"entry {k}: {part.strip()!r}") from None
        out.append(check_K(value + 273.15, "--temperature-C"))
    return out


def from_list(paths: Sequence[Path], values_K: Sequence[float]) -> dict[str, float]:
    """One value for every file, or one per file in the order given (a count mismatch is an error)."""
    if len(values_K) == 1:
        return {str(p): values_K[0] for p in paths}
    if len(values_K) != len(paths):
        raise InputError("temperature count does not match the file count", field="--temperature-C",
                         expected=f"1 or {len(paths)} values (one per file, in order)", found=f"{len(values_K)} values")
    return {str(p): v for p, v in zip(paths, values_K)}


def name_pattern(pattern: str) -> re.Pattern[str]:
    """`{T}` stands for the temperature in °C (e.g. '140', '-20', '37.5' or '37,5'), `*` for any text;
    everything else is literal. The pattern may match anywhere in the file name."""
    if pattern.count("{T}") != 1:
        raise InputError("temperature name pattern needs exactly one {T}", field="--temperature-from-name",
                         expected="e.g. '{T}deg' or 'LLZO_*_{T}C'", found=repr(pattern))
    literal = [re.escape(piece).replace(r"\*", ".*?") for piece in pattern.split("{T}")]
    return re.compile(literal[0] + f"(?P<T>{_NUMBER})" + literal[1])


def from_names(paths: Sequence[Path], pattern: str) -> dict[str, float]:
    """Temperature of each file read from its name; a file whose name does not match is named."""
    rx = name_pattern(pattern)
    out: dict[str, float] = {}
    for p in paths:
        m = rx.search(Path(p).name)
        if m is None:
            raise InputError("file name does not match the temperature pattern", file=str(p),
                             field="--temperature-from-name", expected=repr(pattern), found=repr(Path(p).name))
        out[str(p)] = check_K(float(m.group("T").replace(",", ".")) + 273.15, "--temperature-from-name")
    return out


OPERATOR, FILE_NAME = "operator-stated", "file-name"
_PHRASE = {OPERATOR: "stated by the operator, not by the file", FILE_NAME: "read from the file name, not stated in the file"}


def assign(result: ImportResult, by_file: dict[str, float], source: str) -> ImportResult:
    """Give spectra whose file states no temperature the value for their file, recorded as `source`
    (OPERATOR or FILE_NAME); then order the whole set by temperature."""
    spectra, prov = [], []
    for s, p in zip(result.spectra, result.provenance):
        value = by_file.get(p.source_path)
        if value is not None and s.temperature_K is None:
            s = replace(s, temperature_K=value, meta={**s.meta, "temperature_source": source})
            p = replace(p, temperature_K=value,
                        warnings=[*p.warnings, f"temperature {value:.2f} K {_PHRASE[source]}"])
        elif value is not None and abs(s.temperature_K - value) > 0.5:  # type: ignore[operator]
            p = replace(p, warnings=[*p.warnings, f"the file states {s.temperature_K:.2f} K; the {source} value "
                                                  f"{value:.2f} K is not used (the file is the better witness)"])
        spectra.append(s)
        prov.append(p)
    order = sorted(range(len(spectra)), key=lambda i: (spectra[i].temperature_K is None, spectra[i].temperature_K or 0.0))
    return ImportResult([spectra[i] for i in order], [prov[i] for i in order], list(result.warnings))


def flag_missing(result: ImportResult) -> ImportResult:
    """Warn, and record in each provenance, when a spectrum has no temperature: certify will refuse it."""
    missing = [i for i, s in enumerate(result.spectra) if s.temperature_K is None]
    if not missing:
        return result
    text = ("no temperature: neither the file nor the command states one; certify will refuse this spectrum "
            "(give --temperature-C or --temperature-from-name)")
    prov = [replace(p, warnings=[*p.warnings, text]) if i in set(missing) else p for i, p in enumerate(result.provenance)]
    files = sorted({result.provenance[i].source_path for i in missing})
    warnings = [*result.warnings, f"{len(missing)} spectra from {len(files)} file(s) have no temperature: "
                                  + ", ".join(Path(f).name for f in files[:5]) + (" ..." if len(files) > 5 else "")]
    return ImportResult(list(result.spectra), prov, warnings)
