"""Where the upload is decided: a release must be media the site accepts (a readable video
track, unless the profile opts out); the site's fails always stop it; warnings stop it unless
accepted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uploader.mediainfo import VideoProbe


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


def media_problem(release: str, probe: VideoProbe, *, require_video: bool) -> str | None:
    """Why nobody could use this release (no readable video track anywhere in it), or None.

    `require_video`: the profile's upload.require_video (default true)."""
    if not require_video or probe.video is not None:
        return None
    how = ("— not a video file? (a profile may allow this with upload.require_video: false)")
    if not probe.examined:
        return f"{release}: no video file in it (by extension: .mkv, .mp4, ...) {how}"
    name, reads_as = probe.examined[0]
    if len(probe.examined) == 1:
        if reads_as.startswith("unreadable"):
            return f"{name}: no video track (libmediainfo cannot read it: " \
                   f"{reads_as.removeprefix('unreadable: ')}) {how}"
        return f"{name}: no video track (libmediainfo reads it as: {reads_as}) {how}"
    return (f"{release}: no video track in any of its {len(probe.examined)} video files "
            f"({name}: {reads_as}, ...) {how}")
