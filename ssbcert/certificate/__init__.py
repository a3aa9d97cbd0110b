"""Certificates: model, canonical JSON, Ed25519 signing, verification, amendments, rendering.

Typical use (rendering lives in render_pdf / render_html, imported on demand because of matplotlib)::

    from ssbcert.certificate import Certificate, result_from_measured, evaluate_conformity, sign, write_certificate, verify
"""
from ssbcert.lazy import make_lazy

__all__ = [
    "Certificate", "certificate_json_schema", "result_from_measured", "evaluate_conformity", "literature_comparison",
    "overall_outcome", "raw_data_ref", "sign", "load_or_create_key", "write_certificate", "read_certificate",
    "verify", "VerifyReport", "amend",
]
make_lazy(__name__, {
    "amend": "ssbcert.certificate.amend",
    "evaluate_conformity": "ssbcert.certificate.build",
    "literature_comparison": "ssbcert.certificate.build",
    "overall_outcome": "ssbcert.certificate.build",
    "raw_data_ref": "ssbcert.certificate.build",
    "result_from_measured": "ssbcert.certificate.build",
    "Certificate": "ssbcert.certificate.model",
    "certificate_json_schema": "ssbcert.certificate.model",
    "load_or_create_key": "ssbcert.certificate.signing",
    "read_certificate": "ssbcert.certificate.signing",
    "sign": "ssbcert.certificate.signing",
    "write_certificate": "ssbcert.certificate.signing",
    "VerifyReport": "ssbcert.certificate.verify",
    "verify": "ssbcert.certificate.verify",
})
