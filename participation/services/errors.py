"""Errors that services raise and routes turn into pages, messages or status codes."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the person can act on, with a message already translated."""


class ValidationFailed(ServiceError):
    """Input that breaks a rule; `errors` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    """The item changed under the caller, e.g. another moderator handled it first."""
