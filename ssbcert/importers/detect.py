"""Pick a reader from the file's content first and its extension second.

Content wins because vendors' extensions lie (.txt for everything, .DTA exported as text by others);
the extension only decides between readers whose content checks are both plausible.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ssbcert.errors import InputError
from ssbcert.importers import csv_table, gamry, mpr, mpt, novocontrol, text_tables, zview
from ssbcert.importers.base import Block, decode_text

Reader = Callable[[Path, bytes], list[Block]]
LOSSLESS = frozenset({csv_table.RECORDS, csv_table.SESSION_CSV})  # ssbcert's own files: records as written

# (name, content test on the decoded head, reader); first match wins, most specific first.
_BY_CONTENT: list[tuple[str, Callable[[str], bool], Reader]] = [
    (mpt.NAME, mpt.sniff, mpt.read),
    (gamry.NAME, gamry.sniff, gamry.read),
    (zview.NAME, zview.sniff, zview.read),
    (zview.NAME_CSV, zview.sniff_csv, zview.read_csv),
    (text_tables.VERSASTUDIO, text_tables.sniff_versastudio, text_tables.read_versastudio),
    (text_tables.CHI, text_tables.sniff_chi, text_tables.read_chi),
    (text_tables.PARSTAT, text_tables.sniff_parstat, text_tables.read_parstat),
    (text_tables.POWERSUITE, text_tables.sniff_powersuite, text_tables.read_powersuite),
    (novocontrol.NAME, novocontrol.sniff, novocontrol.read),
    (csv_table.RECORDS, csv_table.sniff_records, csv_table.read_records),
    (csv_table.SESSION_CSV, csv_table.sniff_session_csv, csv_table.read_session_csv),
]
_BY_EXTENSION: dict[str, tuple[str, Reader]] = {
    ".mpt": (mpt.NAME, mpt.read),
    ".dta": (gamry.NAME, gamry.read),
    ".z": (zview.NAME, zview.read),
    ".par": (text_tables.VERSASTUDIO, text_tables.read_versastudio),
}


def reader_for(path: Path, data: bytes) -> tuple[str, Reader]:
    """The reader's name and function for this file."""
    if data.startswith(mpr.MAGIC[:22]):
        return mpr.NAME, mpr.read
    if path.suffix.lower() == ".mpr":
        raise InputError("not a BioLogic .mpr file", file=str(path), expected=repr(mpr.MAGIC[:22].decode()),
                         found=repr(data[:22]))
    head = decode_text(data[:8192])
    for name, test, reader in _BY_CONTENT:
        if test(head):
            return name, reader
    if path.suffix.lower() in _BY_EXTENSION:
        return _BY_EXTENSION[path.suffix.lower()]
    return csv_table.GENERIC, csv_table.read_generic
