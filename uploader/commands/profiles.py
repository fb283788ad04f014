"""`nekobt-upload profiles validate [NAME...] [--online]`.

One line per profile: `OK name (file)`, or one `file:line:col: key: problem` line per mistake.
Warnings go to stderr. Exit 2 when any profile has an error (a configuration error): broken
YAML or values, shared tags, a `seed.copy_torrent_to` folder that cannot be used, and online
anything the site's checks would fail. `--online` first confirms the API key with one request
(exit 3 when refused, 2 when --api-url is not a nekoBT API).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from uploader.commands._common import settings_command
from uploader.settings import Settings

if TYPE_CHECKING:
    from uploader.profiles import ProfileReport
    from uploader.profiles.online import SiteClient

ClientFactory = Callable[[Settings], AbstractContextManager["SiteClient"]]


def open_client(settings: Settings) -> AbstractContextManager[SiteClient]:
    """The site client: the real site with the key, or the embedded sandbox."""
    from uploader.api import NekoClient

    if settings.sandbox:
        from uploader.sandbox import Site
        from uploader.secret import Secret

        site = Site.demo()
        # In-process: no network to be polite to, so no pause between calls.
        return NekoClient(settings.api_url, Secret(site.api_key), transport=site.transport(),
                          min_interval=0.0)
    return NekoClient(settings.api_url, settings.require_key())


def validate(settings: Settings, names: Sequence[str], *, online: bool = False,
             client_factory: ClientFactory = open_client) -> list[ProfileReport]:
    """Check the profiles (and, online, against the site); one report per profile."""
    from uploader.languages import load_languages
    from uploader.profiles import check_profiles

    cache = settings.state_dir / "cache" / "langs.json"
    if not online:
        # Offline: the cached /langs table when there is one, else the bundled snapshot.
        return check_profiles(settings.profiles_dir, names, languages=load_languages(None, cache),
                              folders=True)
    from uploader.profiles.online import OnlineChecker

    with client_factory(settings) as client:
        # Before anything else: one request that the key is taken (AuthError, exit 3) and
        # that --api-url is the API (ConfigError, exit 2), or that the site is unreachable.
        me = client.check_key()
        # Fetched now (ttl=0) and cached for later offline runs.
        languages = load_languages(client, cache, ttl=0)
        reports = check_profiles(settings.profiles_dir, names, languages=languages,
                                 folders=True)
        checker = OnlineChecker(client, languages=languages if languages.origin == "the site"
                                else None, me=me)
        for report in reports:
            if report.profile is not None:
                errors, warnings = checker.check(report.profile)
                report.errors.extend(errors)
                report.warnings.extend(warnings)
    return reports


def _print(reports: list[ProfileReport], as_json: bool) -> None:
    for report in reports:
        if as_json:
            click.echo(json.dumps({
                "profile": report.name, "path": str(report.path), "ok": report.ok,
                "errors": [str(e) for e in report.errors], "warnings": report.warnings,
            }))
        elif report.ok:
            click.echo(f"OK {report.name} ({report.path})")
        else:
            for error in report.errors:
                click.echo(str(error))
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)


@click.group()
def command() -> None:
    """Check group profiles."""


@command.command("validate")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--online", is_flag=True,
              help="Also check the key, the group and its tag, your upload rights, member ids, "
                   "roles, secondary groups and language codes against the site (needs the "
                   "API key, or --sandbox).")
@settings_command
def validate_command(settings: Settings, names: tuple[str, ...], online: bool,
                     **_: Any) -> None:
    """Validate profile files (all in --profiles DIR, or only NAME...)."""
    reports = validate(settings, names, online=online)
    _print(reports, settings.json)
    if not reports:
        click.echo(f"no profiles in {settings.profiles_dir}", err=True)
    if any(not r.ok for r in reports):
        raise click.exceptions.Exit(2)
