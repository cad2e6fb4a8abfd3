"""Domain errors that the views, the API and the CLI turn into Chinese messages."""
from __future__ import annotations


class DomainError(Exception):
    """A rule refused the operation; nothing was changed."""


class ValidationFailed(DomainError):
    """One or more fields broke a rule: `errors` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items() if messages}
        super().__init__("; ".join(f"{f}: {', '.join(m)}" for f, m in self.errors.items()))


class ErrorCollector:
    """Gather every failing rule before raising once, so the user sees all problems together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
