"""Errors that reach users. Bad input names where it is, what was expected and what was found."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class InputError(Exception):
    """A problem in a user-supplied file or value (protocol, bench, sample, spec, data file, reply).

    Rendered as ``file:line: field: expected X, found Y`` with whatever parts are known.
    """

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    expected: str | None = None
    found: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        parts = [self.message]
        if self.field:
            parts.insert(0, f"{self.field}:")
        if self.expected is not None:
            parts.append(f"(expected {self.expected}")
            parts[-1] += f", found {self.found})" if self.found is not None else ")"
        elif self.found is not None:
            parts.append(f"(found {self.found})")
        return where + " ".join(parts)


class RegistryConflict(InputError, ValueError):
    """The registry already holds what a certificate contradicts: other content under its id, or
    another successor of the certificate it supersedes (a fork in the chain). Nothing is overwritten.
    Also a ValueError, for callers that catch the registry's refusals as such."""


class InstrumentError(Exception):
    """An instrument reported an error, or answered something a driver cannot trust."""

    def __init__(self, resource: str, message: str, command: str | None = None) -> None:
        self.resource = resource
        self.command = command
        text = f"{resource}: {message}"
        if command:
            text += f" (after {command!r})"
        super().__init__(text)


class ResourceError(Exception):
    """The machine could not finish the work (a worker process was killed, e.g. out of memory, or a
    cluster's scheduler went away): neither the input nor the code is at fault, and what finished
    is kept. The message says what to do (fewer workers, run again to resume)."""
