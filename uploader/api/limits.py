"""How long one request may take, and how much of an answer is read: `ClientLimits`.

Every request has a total deadline: connecting, sending, waiting and reading together. httpx's
timeouts are per operation, so a server that drips one byte a second never trips them;
`session` enforces the total (`stream.Watchdog`). The deadline is sized to the request:
`deadline` seconds, plus the request body at `send_rate` (an upload carries a base64 torrent),
plus, for file answers, the largest allowed file at `receive_rate`.

Answers are read as a stream and refused past a cap fitted to what the reference's answers can
be. JSON answers are small (a search page of at most 100 results, a torrent with its file list
and a 64 KiB mediainfo: well under 1 MiB), so `json_cap` (4 MiB) is generous while keeping the
decoded objects of a hostile answer far from the process's memory budget; `json_values` bounds
the number of arrays and objects in one answer for the same reason. A .torrent gets
`file_cap`, the bulk ZIP `archive_cap`. Error answers (4xx, 5xx) are read up to `error_cap` and
the rest is dropped: their status decides what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB


@dataclass(frozen=True)
class ClientLimits:
    """Deadlines (seconds), rates (bytes per second) and answer caps (bytes) of one client."""

    deadline: float = 30.0  # any request, before its body and answer size are added
    connect: float = 10.0  # connecting (TCP and TLS) never takes longer than this
    send_rate: float = 64 * KiB  # a slow uplink: a 2 MiB upload body adds 32 s
    receive_rate: float = 256 * KiB  # a slow downlink, for file answers only
    json_cap: int = 4 * MiB
    json_values: int = 200_000  # arrays and objects in one JSON answer
    file_cap: int = 16 * MiB  # GET /torrents/<id>/download
    archive_cap: int = 64 * MiB  # the bulk download ZIP (up to 500 .torrent files)
    error_cap: int = 256 * KiB  # what is read of a 4xx / 5xx answer

    def __post_init__(self) -> None:
        for name in ("deadline", "connect", "send_rate", "receive_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ClientLimits.{name} must be positive")
        for name in ("json_cap", "json_values", "file_cap", "archive_cap", "error_cap"):
            if getattr(self, name) < 1:
                raise ValueError(f"ClientLimits.{name} must be at least 1")

    def deadline_for(self, sent: int, *, file_cap: int = 0, at_least: float = 0.0) -> float:
        """Seconds for a request sending `sent` body bytes; `file_cap`: the answer is a file
        of at most that size; `at_least`: an endpoint known to take that long (AnimeTosho)."""
        total = self.deadline + sent / self.send_rate + file_cap / self.receive_rate
        return max(total, at_least)

    @classmethod
    def scaled(cls, deadline: float) -> ClientLimits:
        """Every deadline derived from one number (`NEKOBT_API_DEADLINE`, tests): the base is
        `deadline`, connecting gets at most a third of it."""
        return cls(deadline=deadline, connect=min(cls.connect, max(deadline / 3, 0.1)))


DEFAULT_LIMITS = ClientLimits()
