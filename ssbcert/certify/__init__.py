"""From a recorded session (live, replayed or imported) to a signed certificate."""
from ssbcert.certify.assemble import IssuerInfo, build_certificate
from ssbcert.certify.findings import Finding, Findings, analyse
from ssbcert.certify.inputs import CertificateInputs, cell_geometry, gather
from ssbcert.certify.issue import Issued, certify

__all__ = ["CertificateInputs", "Finding", "Findings", "IssuerInfo", "Issued", "analyse", "build_certificate",
           "cell_geometry", "certify", "gather"]
