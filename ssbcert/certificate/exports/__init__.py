"""Exports of the one certificate model: PTB DCC XML, BattINFO-style JSON-LD, and CSV of results.

    export_certificate(cert, "dcc" | "jsonld" | "csv") -> str

Each exporter reads only the :class:`~ssbcert.certificate.model.Certificate`, so every format says
exactly what the signed JSON says.
"""
from __future__ import annotations

from typing import Callable

from ssbcert.certificate.exports.csv_results import results_csv
from ssbcert.certificate.exports.dcc import dcc_xml
from ssbcert.certificate.exports.jsonld import jsonld_text
from ssbcert.certificate.model import Certificate

EXPORTERS: dict[str, tuple[Callable[[Certificate], str], str]] = {
    "dcc": (dcc_xml, ".dcc.xml"),
    "jsonld": (jsonld_text, ".jsonld"),
    "csv": (results_csv, ".results.csv"),
}


def export_certificate(cert: Certificate, fmt: str) -> str:
    """The certificate in ``fmt`` (one of :data:`EXPORTERS`)."""
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORTERS)}")
    return EXPORTERS[fmt][0](cert)


__all__ = ["EXPORTERS", "dcc_xml", "export_certificate", "jsonld_text", "results_csv"]
