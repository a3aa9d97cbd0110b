"""ssbcert: bench automation, impedance analysis and signed certificates for solid-electrolyte films."""

__version__ = "0.1.0"
