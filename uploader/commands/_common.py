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


def common_options(func: F) -> F:
    """--api-url, --profiles, --state-dir, --json, --sandbox, -v/-q (each also from env)."""
    options = [
        click.option("--api-url", envvar="NEKOBT_API_URL", default=DEFAULT_API_URL,
                     show_default=True, help="nekoBT API base URL (env NEKOBT_API_URL)."),
        click.option("--profiles", "profiles_dir", envvar="NEKOBT_PROFILES", default="profiles",
                     type=click.Path(file_okay=False, path_type=Path), show_default=True,
                     help="Folder of group profiles (env NEKOBT_PROFILES)."),
        click.option("--state-dir", envvar="NEKOBT_STATE_DIR", default=None,
                     type=click.Path(file_okay=False, path_type=Path),
                     help="Journal and caches (env NEKOBT_STATE_DIR; default: user state dir)."),
        click.option("--json", "json_", is_flag=True,
                     help="One JSON object per release on stdout; logs on stderr."),
        click.option("--sandbox", is_flag=True,
                     help="Run against an embedded sandbox API (no account needed)."),
        click.option("-v", "--verbose", count=True, help="More log detail on stderr."),
        click.option("-q", "--quiet", count=True, help="Less log detail on stderr."),
    ]
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
    **extra: Any,
) -> Settings:
    """Settings from the parsed options plus the API key from the environment."""
    key = read_api_key(os.environ.get("NEKOBT_API_KEY"), os.environ.get("NEKOBT_API_KEY_FILE"))
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
    settings = Settings(**kwargs)
    setup_logging(settings.verbosity)
    return settings


def read_seed_password() -> Secret | None:
    """The seeding client's password: NEKOBT_SEED_PASSWORD, else NEKOBT_SEED_PASSWORD_FILE."""
    return read_secret(os.environ.get("NEKOBT_SEED_PASSWORD"),
                       os.environ.get("NEKOBT_SEED_PASSWORD_FILE"),
                       "NEKOBT_SEED_PASSWORD_FILE", "the password")


def setup_logging(verbosity: int) -> None:
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(
        verbosity, logging.DEBUG if verbosity > 0 else logging.CRITICAL
    )
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
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
    """Decorator: add common options and pass a built `Settings` as the first argument."""

    @common_options
    @functools.wraps(func)
    def wrapper(api_url: str, profiles_dir: Path, state_dir: Path | None, json_: bool,
                sandbox: bool, verbose: int, quiet: int, **kwargs: Any) -> Any:
        if sandbox:
            refuse_sandbox_with_api_url(click.get_current_context())
        settings = build_settings(api_url=api_url, profiles_dir=profiles_dir,
                                  state_dir=state_dir, json_=json_, sandbox=sandbox,
                                  verbose=verbose, quiet=quiet)
        return func(settings, **kwargs)

    return wrapper  # type: ignore[return-value]
