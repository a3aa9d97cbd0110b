"""`import_files`: vendor files -> spectra in order, each with its provenance.

All or nothing: if any file is rejected, nothing is returned and every rejection is reported, so a
session never holds half of a data set.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ssbcert.errors import InputError
from ssbcert.importers.base import Block
from ssbcert.importers.detect import LOSSLESS, reader_for
from ssbcert.importers.sanity import DEFAULT_LIMITS, Limits, sanitize
from ssbcert.records import ImpedanceSpectrum


@dataclass
class Provenance:
    """Where one spectrum came from: file, hash, reader, line range and what the file states."""

    source_path: str
    sha256: str
    reader: str
    block_index: int  # position of the spectrum within its file
    first_line: int | None
    last_line: int | None
    instrument: str | None
    settings: dict[str, Any]
    temperature_K: float | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    """Spectra and their provenance (same order), plus warnings about the whole import."""

    spectra: list[ImpedanceSpectrum]
    provenance: list[Provenance]
    warnings: list[str] = field(default_factory=list)

    def temperature_groups(self) -> dict[float | None, list[int]]:
        """Indices of spectra per stated temperature (None: not stated), in temperature order."""
        groups: dict[float | None, list[int]] = {}
        for i, s in enumerate(self.spectra):
            groups.setdefault(s.temperature_K, []).append(i)
        return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or 0.0)))

    @property
    def is_temperature_series(self) -> bool:
        temps = {s.temperature_K for s in self.spectra}
        return None not in temps and len(temps) > 1


def with_stated_temperature(result: ImportResult, temperature_K: float) -> ImportResult:
    """Give spectra whose file states no temperature the operator's value, and say so in their provenance.

    A temperature the file states is never overwritten: the file is the better witness.
    """
    from ssbcert.importers import series

    series.check_K(temperature_K, "--temperature-C")
    return series.assign(result, {p.source_path: temperature_K for p in result.provenance}, series.OPERATOR)


class FilesRejected(InputError):
    """One or more files could not be imported; `errors` holds each file's own InputError."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        text = f"{len(self.errors)} file(s) rejected, nothing imported"
        super().__init__(text, file=first.file, line=first.line, column=first.column, field=first.field,
                         expected=first.expected, found=first.found)

    def __str__(self) -> str:
        return f"{len(self.errors)} file(s) rejected, nothing imported:\n" + "\n".join(
            f"  {e}" for e in self.errors
        )


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_blocks(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[str, list[Block]]:
    """The reader's name and the blocks it finds in `data` (the content of `path`), after the row-sanity
    rules (sanity.py; ssbcert's own lossless CSVs are taken as written), or InputError."""
    name, reader = reader_for(path, data)
    blocks = reader(path, data)
    return name, blocks if name in LOSSLESS else sanitize(str(path), blocks, limits)


def read_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[list[ImpedanceSpectrum], list[Provenance]]:
    """One file -> its spectra and provenance, or InputError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError("cannot read file", file=str(path), found=exc.strerror or str(exc)) from None
    name, blocks = read_blocks(path, data, limits)
    if not blocks:
        raise InputError("no impedance spectrum found", file=str(path), expected=f"a {name} spectrum", found="none")
    digest = sha256_of(data)
    spectra, prov = [], []
    for i, b in enumerate(blocks):
        spectra.append(b.spectrum)
        prov.append(Provenance(str(path), digest, name, i, b.first_line, b.last_line, b.instrument,
                               dict(b.settings), b.spectrum.temperature_K, list(b.warnings)))
    return spectra, prov


def import_files(paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Import every file; order spectra by stated temperature (stable: file order within a temperature).

    Spectra without a stated temperature keep file order after those with one. A temperature series
    spread over many files therefore comes out as one ordered Arrhenius set.
    """
    items: list[tuple[ImpedanceSpectrum, Provenance]] = []
    errors: list[InputError] = []
    for p in paths:
        try:
            spectra, prov = read_file(Path(p), limits)
        except InputError as exc:
            errors.append(exc)
            continue
        items.extend(zip(spectra, prov))
    if errors:
        raise FilesRejected(errors)
    items.sort(key=lambda sp: (sp[0].temperature_K is None, sp[0].temperature_K or 0.0))
    result = ImportResult([s for s, _ in items], [p for _, p in items])
    temps = sorted({s.temperature_K for s in result.spectra if s.temperature_K is not None})
    if temps and any(s.temperature_K is None for s in result.spectra):
        result.warnings.append("some spectra state a temperature and some do not; those without come last")
    if len(temps) > 1:
        result.warnings.append(f"temperature series: {len(temps)} temperatures from {temps[0]:.6g} K to {temps[-1]:.6g} K")
    return result
