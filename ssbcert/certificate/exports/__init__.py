"""Exports of the one certificate model: PTB DCC XML, BattINFO-style JSON-LD, and CSV of results.

    export_certificate(cert, "dcc" | "jsonld" | "csv") -> str

Each exporter reads only the :class:`~ssbcert.certificate.model.Certificate`, so every format says
exactly what the signed JSON says.
"""
from __future__ import annotations

from ssbcert.lazy import make_lazy

__all__ = ["EXPORTERS", "dcc_xml", "export_certificate", "jsonld_text", "results_csv"]
# loaded on first use, so `ssbcert --help` does not import the certificate model (#10)
make_lazy(__name__, {name: "ssbcert.certificate.exports.formats" for name in __all__})
