"""Specification files and conformity decisions (pass / fail / inconclusive) against certified results."""
from ssbcert.spec.decision import Decision, decide, evaluate
from ssbcert.spec.loader import default_spec_path, load_default_spec, load_spec, load_spec_text
from ssbcert.spec.model import Requirement, Spec

__all__ = ["Decision", "Requirement", "Spec", "decide", "evaluate", "default_spec_path", "load_default_spec",
           "load_spec", "load_spec_text"]
