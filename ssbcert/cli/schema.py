"""`ssbcert schema protocol|bench|sample|spec|certificate`: the published JSON Schemas, generated
from the pydantic models (the models are the source of truth)."""
from __future__ import annotations

import json
from typing import Any, Callable

import typer

from ssbcert.cli.failure import fail


def _protocol() -> dict[str, Any]:
    from ssbcert.protocol.model import protocol_json_schema

    return protocol_json_schema()


def _bench() -> dict[str, Any]:
    from ssbcert.bench import BenchConfig

    return BenchConfig.model_json_schema()


def _sample() -> dict[str, Any]:
    from ssbcert.sample import SampleRecord

    return SampleRecord.model_json_schema()


def _spec() -> dict[str, Any]:
    from ssbcert.spec import Spec

    return Spec.model_json_schema()


def _certificate() -> dict[str, Any]:
    from ssbcert.certificate import certificate_json_schema

    return certificate_json_schema()


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "protocol": _protocol, "bench": _bench, "sample": _sample, "spec": _spec, "certificate": _certificate,
}


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema_command(kind: str = typer.Argument(..., help="protocol | bench | sample | spec | certificate")) -> None:
        """Print a JSON Schema."""
        if kind not in SCHEMAS:
            fail(f"schema: expected one of {', '.join(SCHEMAS)}, found {kind!r}")
        typer.echo(json.dumps(SCHEMAS[kind](), indent=2, sort_keys=True))
