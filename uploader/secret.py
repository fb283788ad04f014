"""A wrapper that keeps the API key out of every repr, str, log line and traceback."""

from __future__ import annotations

from typing import Final

_HIDDEN: Final = "<hidden>"


class Secret:
    """Holds a secret string; `str()` and `repr()` show `<hidden>`, never the value.

    Only `reveal()` gives the value, and only the API client calls it, to set the cookie.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_HIDDEN})"

    def __str__(self) -> str:
        return _HIDDEN

    def __format__(self, spec: str) -> str:
        return _HIDDEN

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the value somewhere; refuse.
        raise TypeError("Secret values cannot be pickled")


def redact(text: str, *secrets: Secret | None) -> str:
    """Replace every occurrence of each secret's value in `text` by `<hidden>`."""
    for secret in secrets:
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), _HIDDEN)
    return text
