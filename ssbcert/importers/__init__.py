"""Vendor impedance files -> ImpedanceSpectrum records with provenance (issues #6, #13).

Public API: `import_files(paths) -> ImportResult` (spectra + one `Provenance` each, ordered by
stated temperature, file order within a temperature), `read_file`, `FilesRejected` (an InputError
listing every rejected file; nothing is imported then), `write_records_csv` (bit-exact CSV that
the CSV reader reads back), `write_session` (the single call point that writes a session through
the session store). CLI: `ssbcert.importers.cli.register(app)` adds `import`.

Readers (detect.py picks by content, then extension): EC-Lab .mpt and .mpr, Gamry .DTA, ZPlot/ZView
.z (both layouts, incl. Z60W/ZPlotW comma files such as the Autolab example), Parstat, PowerSuite,
CH Instruments, VersaStudio .par, Novocontrol-style text, plain CSV/TSV, records CSV, session CSV.

Policies: complete rows before a stop (Gamry EXPERIMENTABORTED, ZPlot fewer rows than announced)
are imported with a warning; a cut or malformed row, a missing frequency column, or a Gamry table
that ends short of its planned final frequency without an abort marker rejects the file. Column
names decide units and the sign of Z'' (-Im(Z), -Z''); data that look sign-inverted only warn.
Decimal commas are read where the delimiter is not a comma. Columns are found by name, from the
header vocabulary (vocabulary.py: data, not code; columns.py reads it). A file of another technique
(CV, CA, GCPL, ...) is refused naming the technique its header states. Every vendor block then goes
through the row-sanity rules (sanity.py): 0 Hz rows dropped with a flag, repeated sweeps split,
other order breaks located errors, size limits. Series temperatures: series.py.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

# name -> module; imported on first use so `ssbcert --help` and the CLI module stay light
_EXPORTS = {"FilesRejected": "api", "ImportResult": "api", "Provenance": "api", "import_files": "api",
            "read_file": "api", "write_records_csv": "csv_table", "write_session": "session"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ssbcert.importers' has no attribute {name!r}")
    value = getattr(import_module(f"ssbcert.importers.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value
