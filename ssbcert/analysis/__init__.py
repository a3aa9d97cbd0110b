"""Impedance analysis for solid-electrolyte films (API described at the end of the build)."""
