"""Certificates: model, canonical JSON, Ed25519 signing, verification, amendments, rendering.

Typical use (rendering lives in render_pdf / render_html, imported on demand because of matplotlib)::

    from ssbcert.certificate import Certificate, result_from_measured, evaluate_conformity, sign, write_certificate, verify
"""
from ssbcert.certificate.amend import amend
from ssbcert.certificate.build import (
    evaluate_conformity, literature_comparison, overall_outcome, raw_data_ref, result_from_measured,
)
from ssbcert.certificate.model import Certificate, certificate_json_schema
from ssbcert.certificate.signing import load_or_create_key, read_certificate, sign, write_certificate
from ssbcert.certificate.verify import VerifyReport, verify

__all__ = [
    "Certificate", "certificate_json_schema", "result_from_measured", "evaluate_conformity", "literature_comparison",
    "overall_outcome", "raw_data_ref", "sign", "load_or_create_key", "write_certificate", "read_certificate",
    "verify", "VerifyReport", "amend",
]
