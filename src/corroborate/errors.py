"""One exception hierarchy for the whole library (httpx-style).

Every message says what went wrong and what to do next. The CLI maps these to one-line messages
and the exit codes documented in the README.
"""

from __future__ import annotations


class CorroborateError(Exception):
    """Base class of every error Corroborate raises on purpose."""

    exit_code = 1


class InputError(CorroborateError):
    """An input cannot be read as an article. ``input`` names it; ``reason`` says why."""

    exit_code = 1

    def __init__(self, input_name: str, reason: str) -> None:
        super().__init__(f"{input_name}: {reason}")
        self.input = input_name
        self.reason = reason


class UsageError(CorroborateError):
    """A setting or option with a value that cannot be used."""

    exit_code = 2


class NotFoundError(CorroborateError):
    """An article id (or prefix) that is not in the database."""

    exit_code = 3


class StoreError(CorroborateError):
    """The database cannot be opened, migrated or written."""

    exit_code = 4


class SchemaVersionError(StoreError):
    """The database was written by a newer Corroborate than this one."""


class ModelUnavailableError(CorroborateError):
    """A model or optional dependency is not installed."""

    exit_code = 5


class EngineUnavailableError(ModelUnavailableError):
    """An optional engine (``--engine ray``) is not installed; the message says what to install."""


class ListenError(CorroborateError):
    """The web server cannot listen on the address asked for (port in use, no such host)."""

    exit_code = 6
