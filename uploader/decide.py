"""Where the upload is decided: fails always stop it; warnings stop it unless accepted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    ok: bool
    blocking_fails: tuple[str, ...]
    blocking_warns: tuple[str, ...]
    accepted_warns: tuple[str, ...]

    @property
    def ignore_warnings(self) -> bool:
        """Send `ignore_warnings: true` only when there were warnings and all were accepted."""
        return self.ok and bool(self.accepted_warns)

    def reason(self) -> str:
        if self.blocking_fails:
            return "site checks failed: " + " | ".join(self.blocking_fails)
        if self.blocking_warns:
            return (
                "site checks warned: " + " | ".join(self.blocking_warns)
                + " — fix it, pass --ignore-warnings, or accept it in the profile "
                "(upload.ignore_warnings: true, or a list of substrings)"
            )
        return ""


def decide(
    fails: Sequence[str],
    warns: Sequence[str],
    *,
    ignore_all: bool,
    accepted: bool | Sequence[str],
) -> Decision:
    """`ignore_all`: --ignore-warnings. `accepted`: the profile's upload.ignore_warnings."""
    if fails:
        return Decision(False, tuple(fails), tuple(warns), ())
    if ignore_all or accepted is True:
        return Decision(True, (), (), tuple(warns))
    patterns = [] if accepted is False else [p.casefold() for p in accepted]
    ok_warns = tuple(w for w in warns if any(p in w.casefold() for p in patterns))
    blocking = tuple(w for w in warns if w not in ok_warns)
    return Decision(not blocking, (), blocking, ok_warns)
