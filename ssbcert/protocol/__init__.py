"""Protocols: YAML → validated model → flat plan → pre-flight against a bench."""
from ssbcert.protocol.loader import LoadedProtocol, load_protocol, load_protocol_text, shipped_protocols
from ssbcert.protocol.model import Protocol, protocol_json_schema
from ssbcert.protocol.plan import Plan, StepInstance, expand
from ssbcert.protocol.preflight import Estimate, effective_limits, estimate, format_duration, preflight

__all__ = [
    "Estimate",
    "LoadedProtocol",
    "Plan",
    "Protocol",
    "StepInstance",
    "effective_limits",
    "estimate",
    "expand",
    "format_duration",
    "load_protocol",
    "load_protocol_text",
    "preflight",
    "protocol_json_schema",
    "shipped_protocols",
]
