"""Sample records: what was tested (identity, material, form, fabrication, electrodes) and the raw lab data
(thickness points, weighings, lattice, indentation curves, Vickers diagonals, fracture loads)."""
from ssbcert.sample.compute import PropertyResults, compute_sample_properties
from ssbcert.sample.loader import load_default_sample, load_sample, load_sample_text
from ssbcert.sample.model import SampleRecord

__all__ = ["PropertyResults", "SampleRecord", "compute_sample_properties", "load_default_sample", "load_sample",
           "load_sample_text"]
