"""The issuing laboratory: its identity, authorised signatories and policies (a lab profile YAML)."""
from ssbcert.lab.profile import LabProfile, LabSignatory, demo_lab_profile, load_lab_profile

__all__ = ["LabProfile", "LabSignatory", "demo_lab_profile", "load_lab_profile"]
