"""Options shared by commands, and the one place that reads the environment."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from uploader.secret import Secret
from uploader.settings import Settings, read_api_key, read_secret
from uploader.urls import DEFAULT_API_URL

F = TypeVar("F", bound=Callable[..., Any])


# The shared options by the name a command asks for them with (`settings_command_using`),
# in the order `--help` lists them, and the parameters each passes to the callback.
SHARED_OPTIONS: dict[str, tuple[str, ...]] = {
    "api_url": ("api_url",),
    "profiles": ("profiles_dir",),
    "state_dir": ("state_dir",),
    "json": ("json_",),
    "sandbox": ("sandbox",),
    "verbosity": ("verbose", "quiet"),
}
# What a command that does not offer an option gets in its place.
_UNOFFERED: dict[str, Any] = {"api_url": DEFAULT_API_URL, "profiles_dir": Path("profiles"),
                              "state_dir": None, "json_": False, "sandbox": False,
                              "verbose": 0, "quiet": 0}


def _shared_option(name: str) -> list[Callable[[Any], Any]]:
    """The click decorators of one shared option (made afresh for each command)."""
    if name == "api_url":
        return [click.option("--api-url", envvar="NEKOBT_API_URL", default=DEFAULT_API_URL,
                             show_default=True, help="nekoBT API base URL (env NEKOBT_API_URL).")]
    if name == "profiles":
        return [click.option("--profiles", "profiles_dir", envvar="NEKOBT_PROFILES",
                             default="profiles", show_default=True,
                             type=click.Path(file_okay=False, path_type=Path),
                             help="Folder of group profiles (env NEKOBT_PROFILES).")]
    if name == "state_dir":
        return [click.option("--state-dir", envvar="NEKOBT_STATE_DIR", default=None,
                             type=click.Path(file_okay=False, path_type=Path),
                             help="Journal and caches (env NEKOBT_STATE_DIR; default: user "
                                  "state dir).")]
    if name == "json":
        return [click.option("--json", "json_", is_flag=True,
                             help="One JSON object per release on stdout; logs on stderr.")]
    if name == "sandbox":
        return [click.option("--sandbox", is_flag=True,
                             help="Run against an embedded sandbox API (no account needed).")]
    if name == "verbosity":
        return [click.option("-v", "--verbose", count=True, help="More log detail on stderr."),
                click.option("-q", "--quiet", count=True, help="Less log detail on stderr.")]
    raise ValueError(f"shared option {name!r}: unknown — one of {', '.join(SHARED_OPTIONS)}")


def common_options(func: F, uses: tuple[str, ...] = tuple(SHARED_OPTIONS)) -> F:
    """Add the shared options named in `uses` (default all: --api-url, --profiles,
    --state-dir, --json, --sandbox, -v/-q), each also read from the environment."""
    unknown = set(uses) - set(SHARED_OPTIONS)
    if unknown:
        raise ValueError(f"shared options {sorted(unknown)}: unknown — use names of "
                         f"{', '.join(SHARED_OPTIONS)}")
    options = [option for name in SHARED_OPTIONS if name in uses
               for option in _shared_option(name)]
    for option in reversed(options):
        func = option(func)
    return func


def build_settings(
    *,
    api_url: str,
    profiles_dir: Path,
    state_dir: Path | None,
    json_: bool,
    sandbox: bool,
    verbose: int,
    quiet: int,
    read_key: bool = True,
    **extra: Any,
) -> Settings:
    """Settings from the parsed options plus the API key from the environment (unless
    `read_key` is false: a command that never talks to the site does not read it)."""
    key = (read_api_key(os.environ.get("NEKOBT_API_KEY"), os.environ.get("NEKOBT_API_KEY_FILE"))
           if read_key else None)
    kwargs: dict[str, Any] = {
        "api_url": api_url,
        "api_key": key,
        "profiles_dir": profiles_dir,
        "json": json_,
        "sandbox": sandbox,
        "verbosity": verbose - quiet,
        **extra,
    }
    if state_dir is not None:
        kwargs["state_dir"] = state_dir
    deadline = os.environ.get("NEKOBT_API_DEADLINE")
    if deadline:
        kwargs["api_deadline"] = _seconds("NEKOBT_API_DEADLINE", deadline)
    settings = Settings(**kwargs)
    setup_logging(settings.verbosity, json_mode=settings.json)
    return settings


def _seconds(name: str, raw: str) -> float:
    from uploader.exceptions import ConfigError

    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ConfigError(f"{name} {raw!r}: not a number of seconds — e.g. 30")
    return value


def read_seed_password() -> Secret | None:
    """The seeding client's password: NEKOBT_SEED_PASSWORD, else NEKOBT_SEED_PASSWORD_FILE."""
    return read_secret(os.environ.get("NEKOBT_SEED_PASSWORD"),
                       os.environ.get("NEKOBT_SEED_PASSWORD_FILE"),
                       "NEKOBT_SEED_PASSWORD_FILE", "the password")


def setup_logging(verbosity: int, *, json_mode: bool = False) -> None:
    """Logs on stderr: warnings and errors by default (`warning: ...`), -v info, -vv debug
    with times and logger names; -q errors only. Coloured on a terminal (not with --json)."""
    from uploader.output import log_handlers

    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.CRITICAL
    )
    logging.basicConfig(level=level, handlers=log_handlers(verbosity, json_mode=json_mode),
                        force=True)
    if verbosity == 0:
        # A wait must say why, or a run looks hung: "waiting for X: still being written".
        logging.getLogger("uploader.watch.settle").setLevel(logging.INFO)
    if verbosity < 2:
        # httpx logs every request URL at INFO; keep that for -vv.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("httpcore").setLevel(logging.WARNING)


def refuse_sandbox_with_api_url(ctx: click.Context) -> None:
    """`--sandbox` serves its own API: an explicit --api-url (or NEKOBT_API_URL) beside it would
    be silently ignored, so a run meant for one site could talk to another. Usage error."""
    from click.core import ParameterSource

    source = ctx.get_parameter_source("api_url")
    if source is ParameterSource.COMMANDLINE:
        given = "--api-url"
    elif source is ParameterSource.ENVIRONMENT:
        given = "NEKOBT_API_URL"
    else:
        return
    raise click.UsageError(
        f"--sandbox and {given}: both name the site to use — drop {given} to try the "
        f"embedded sandbox, or drop --sandbox to use {ctx.params.get('api_url')}", ctx)


def settings_command(func: F) -> F:
    """Decorator: add every shared option and pass a built `Settings` as the first argument."""
    return settings_command_using(*SHARED_OPTIONS)(func)


def settings_command_using(*uses: str) -> Callable[[F], F]:
    """Decorator: add only the shared options named in `uses` (keys of `SHARED_OPTIONS`) and
    pass a built `Settings` as the first argument. An option a command does not offer takes
    its default, so `--help` lists only what changes what the command does. The API key is
    read only by commands that talk to a site (those offering --api-url)."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            shared = dict(_UNOFFERED)
            shared.update((param, kwargs.pop(param)) for name in uses
                          for param in SHARED_OPTIONS[name])
            if shared["sandbox"]:
                refuse_sandbox_with_api_url(click.get_current_context())
            settings = build_settings(**shared, read_key="api_url" in uses)
            return func(settings, **kwargs)

        return common_options(wrapper, uses)  # type: ignore[return-value]

    return decorate
