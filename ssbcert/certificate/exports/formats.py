"""The export formats of the one certificate model and the function that picks one."""
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

