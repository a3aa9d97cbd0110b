"""Vendor impedance files -> ImpedanceSpectrum records with provenance (issue #6).

Public API: `import_files`, `read_file`, `ImportResult`, `Provenance`, `FilesRejected`,
`write_records_csv`, `write_session`; the CLI hook is `ssbcert.importers.cli.register`.
"""
from ssbcert.importers.api import FilesRejected, ImportResult, Provenance, import_files, read_file
from ssbcert.importers.csv_table import write_records_csv
from ssbcert.importers.session import write_session

__all__ = ["FilesRejected", "ImportResult", "Provenance", "import_files", "read_file", "write_records_csv",
           "write_session"]
