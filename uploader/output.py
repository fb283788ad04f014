"""What people and scripts read: result lines, the check preview, the summary, log lines.

    stdout  --json: one JSON record per release, nothing else
            else:   one result line per release (`uploaded: <title> → <link>`), its details
                    indented below (a checked release: the preview of its POST /upload), and
                    on a terminal a last line counting the outcomes
    stderr  log lines: `warning: ...`, `error: ...` (-v adds info, -vv debug with times and
            logger names), and on a terminal the hashing progress

Colour (through rich) only where the stream is a terminal and not with --json; rich itself
honours NO_COLOR. Off a terminal every line is plain text with no carriage returns, so a
daemon's output reads well in journald. rich is imported only when a terminal is there.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from uploader import journal as J

if TYPE_CHECKING:
    from rich.console import Console

    from uploader.runner import Summary

# Status colours; `uploaded, but not seeding` gets the failure colour on its detail line.
STYLES = {J.UPLOADED: "bold green", J.EXISTS: "cyan", J.CHECKED: "bold green",
          J.REJECTED: "bold yellow", J.FAILED: "bold red"}
# Summary order (PRODUCT.md statuses).
ORDER = (J.UPLOADED, J.EXISTS, J.CHECKED, J.REJECTED, J.FAILED)

Segments = list[tuple[str, str | None]]  # (text, rich style) pieces of one line


def site_of(api_url: str) -> str:
    return api_url.removesuffix("/api/v1")


def _when(epoch: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def result_line(record: J.ReleaseRecord, api_url: str) -> Segments:
    """`uploaded: <title> → <link>`: status, title (the file name before there is one), link."""
    name = Path(record.path).name
    title = record.title or name
    status = record.state
    parts: Segments = [(f"{status}:", STYLES.get(status)), (f" {title}", "bold")]
    if status in J.DONE:
        parts.append((" → ", None))
        parts.append((f"{site_of(api_url)}/torrents/{record.torrent_id}", "blue underline"))
        if status == J.EXISTS and record.uploaded_at is not None:
            parts.append((f" (uploaded {_when(record.uploaded_at)})", None))
        if record.waiting_approve:
            parts.append((" (waiting for staff approval)", "yellow"))
    elif status == J.CHECKED:
        parts.append((" — the site's checks passed; nothing uploaded", None))
    return parts


def details(record: J.ReleaseRecord) -> list[tuple[str, str | None]]:
    """The lines under a result: (text, style)."""
    name = Path(record.path).name
    out: list[tuple[str, str | None]] = []
    if record.title and record.title not in (name, Path(name).stem):
        out.append((f"file: {name}", "dim"))
    if record.state in J.DONE:
        if record.upgraded:
            out.append((f"marked upgraded: {', '.join(record.upgraded)}", None))
        if record.bad_torrents:
            out.append((f"not allowed to mark as upgraded: {', '.join(record.bad_torrents)}",
                        "yellow"))
        if record.torrent_file:
            out.append((f"torrent file: {record.torrent_file}", "dim"))
        seeding = describe_seeding(record)
        if seeding:
            out.append((seeding, "bold red" if record.seeding_state == J.SEED_FAILED
                        else None))
        only_seeding = record.seeding_state == J.SEED_FAILED and (
            record.error or "").startswith("uploaded, but seeding:")
        if record.error and not only_seeding:
            out.append((record.error, "red"))
        return out
    if record.state == J.CHECKED:
        out += [(f"warning (accepted): {w}", "yellow") for w in record.warns]
        if record.upgraded:
            out.append((f"would mark upgraded: {', '.join(record.upgraded)}", None))
        return out
    out += [(f"fail: {f}", "red") for f in record.fails]
    out += [(f"warning: {w}", "yellow") for w in record.warns]
    if record.error and not record.fails:
        out.append((record.error, "red"))
    return out


def describe_seeding(record: J.ReleaseRecord) -> str | None:
    """The seeding follow-up in plain words (None when no client or watch folder is set)."""
    where = record.seeding_client or "the client"
    if record.seeding_state == J.SEEDING:
        return f"seeding: confirmed by {where}"
    if record.seeding_state == J.SEED_PENDING:
        return f"seeding: handed to {where}, not confirmed"
    if record.seeding_state == J.SEED_FAILED:
        return (f"NOT SEEDING: {record.seeding_error} — the next run retries the handoff "
                "(never the upload)")
    return None


def preview_lines(record: J.ReleaseRecord) -> list[tuple[str, str | None]]:
    """A checked release's preview: what `upload` would POST, a row per field."""
    from uploader.preview import render_preview

    if record.state != J.CHECKED or not record.preview:
        return []
    rows = render_preview(record.preview)
    width = max(len(label) for label, _ in rows if label != "|")
    out: list[tuple[str, str | None]] = [("would POST /upload:", "bold")]
    for label, value in rows:
        if label == "|":  # the description's own lines, as written
            out.append((f"    | {value}".rstrip(), "dim"))
        else:
            out.append((f"  {label:<{width}}  {value}".rstrip(), None))
    return out


def block(record: J.ReleaseRecord, api_url: str) -> list[Segments]:
    """Every line of a release's human output: the result line, then indented details."""
    lines = [result_line(record, api_url)]
    lines += [[("  " + text, style)] for text, style in details(record) + preview_lines(record)]
    return lines


def plain(segments: Segments) -> str:
    return "".join(text for text, _ in segments)


def describe(record: J.ReleaseRecord, api_url: str) -> str:
    """The human output of one release as plain text."""
    return "\n".join(plain(line) for line in block(record, api_url))


def one_line(record: J.ReleaseRecord, api_url: str) -> str:
    """The daemon's line off a terminal: one event, one line (details after ` — `)."""
    extra = [text for text, _ in details(record)]
    return plain(result_line(record, api_url)) + (" — " + "; ".join(extra) if extra else "")


def summary_line(summary: Summary, elapsed: float) -> Segments:
    """`3 uploaded, 1 exists, 1 failed in 12.4 s`."""
    counts = {state: 0 for state in ORDER}
    for record in summary.records:
        counts[record.state if record.state in counts else J.FAILED] += 1
    parts: Segments = []
    for state in ORDER:
        if counts[state]:
            parts += [(", " if parts else "", None),
                      (f"{counts[state]} {state}", STYLES[state])]
    followups = sum(1 for r in summary.records if r.followups_failed)
    if followups:
        parts.append((f" ({followups} with follow-ups to retry)", "red"))
    parts.append((f" in {elapsed:.1f} s", None))
    return parts


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real file
        return False


def console_for(stream: IO[str]) -> Console:
    """A rich console on a terminal stream (the logs' own console when it is stderr, so the
    progress bar and log lines take turns instead of overwriting each other)."""
    if _stderr_console is not None and _stderr_console.file is stream:
        return _stderr_console
    from rich.console import Console

    return Console(file=stream, force_terminal=True, soft_wrap=True, highlight=False,
                   emoji=False, markup=False)


def _print(console: Console, segments: Segments) -> None:
    from rich.text import Text

    line = Text()
    for text, style in segments:
        line.append(text, style=style or "")
    console.print(line, soft_wrap=True)


class Output:
    """Where a command's results go (stdout): JSON lines, or human lines on a terminal or not.

    `pause` (the progress bar's) clears the bar while a result is printed, when both share a
    terminal. Safe to call from one thread at a time (the runner's and the daemon's loops).
    """

    def __init__(self, out: TextIO, *, json_mode: bool, api_url: str, compact: bool = False,
                 pause: Callable[[], AbstractContextManager[Any]] | None = None) -> None:
        self.out = out
        self.json_mode = json_mode
        self.api_url = api_url
        self.terminal = not json_mode and is_terminal(out)
        self.compact = compact and not self.terminal
        self._console = console_for(out) if self.terminal else None
        self._pause = pause or nullcontext
        self._lock = threading.Lock()

    def record(self, record: J.ReleaseRecord) -> None:
        import json

        with self._lock, self._pause():
            if self.json_mode:
                self.out.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            elif self._console is not None:
                for line in block(record, self.api_url):
                    _print(self._console, line)
            elif self.compact:
                self.out.write(one_line(record, self.api_url) + "\n")
            else:
                self.out.write(describe(record, self.api_url) + "\n")
            self.out.flush()

    def summary(self, summary: Summary, elapsed: float) -> None:
        """The end-of-run line: on a terminal only (scripts count the records themselves)."""
        if self._console is None or not summary.records:
            return
        with self._lock, self._pause():
            _print(self._console, summary_line(summary, elapsed))


# -- log lines --------------------------------------------------------------------------------

_stderr_console: Console | None = None
_PREFIX = ((logging.ERROR, "error: ", "bold red"), (logging.WARNING, "warning: ", "yellow"))


class LogFormatter(logging.Formatter):
    """`warning: ...` / `error: ...` / info as is; with -vv, times, levels and logger names."""

    def __init__(self, verbosity: int) -> None:
        detailed = verbosity >= 2
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s" if detailed
                         else "%(message)s", datefmt="%H:%M:%S")
        self.detailed = detailed

    def prefix(self, record: logging.LogRecord) -> tuple[str, str | None]:
        if self.detailed:
            return "", None
        for level, text, style in _PREFIX:
            if record.levelno >= level:
                return text, style
        return "", None

    def format(self, record: logging.LogRecord) -> str:
        return self.prefix(record)[0] + super().format(record)


class ConsoleLogHandler(logging.Handler):
    """Log lines on a terminal through rich: coloured prefixes, above a live progress bar."""

    def __init__(self, console: Console, formatter: LogFormatter) -> None:
        super().__init__()
        self.console = console
        self.line_formatter = formatter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            prefix, style = self.line_formatter.prefix(record)
            body = logging.Formatter.format(self.line_formatter, record)
            _print(self.console, [(prefix, style), (body, None)])
        except Exception:  # noqa: BLE001 - logging must never raise (logging's own rule)
            self.handleError(record)


def log_handlers(verbosity: int, *, json_mode: bool, stream: IO[str] | None = None
                 ) -> Sequence[logging.Handler]:
    """The stderr handler for this run: rich on a terminal (not with --json), else plain."""
    global _stderr_console
    stream = stream if stream is not None else sys.stderr
    formatter = LogFormatter(verbosity)
    if not json_mode and is_terminal(stream):
        _stderr_console = None
        _stderr_console = console_for(stream)
        return [ConsoleLogHandler(_stderr_console, formatter)]
    _stderr_console = None
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    return [handler]
