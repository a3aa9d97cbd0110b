"""Read specification YAML files; the default film spec ships as package data."""
from __future__ import annotations

from pathlib import Path

from ssbcert.sample.validation import validate_with_hints
from ssbcert.spec.model import Spec
from ssbcert.yamlio import load_yaml_file, load_yaml_text


def load_spec(path: str | Path) -> Spec:
    data, lines = load_yaml_file(path)
    return validate_with_hints(Spec, data, lines, str(path))


def load_spec_text(text: str, source: str = "<spec>") -> Spec:
    data, lines = load_yaml_text(text, source)
    return validate_with_hints(Spec, data, lines, source)


def default_spec_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "default_spec_film.yaml"


def load_default_spec() -> Spec:
    return load_spec(default_spec_path())
