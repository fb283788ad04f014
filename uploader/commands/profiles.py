"""`nekobt-upload profiles validate [NAME...] [--online]`, `profiles init [TAG|ID]`,
`profiles show NAME`.

One line per profile: `OK name (file)`, or one `file:line:col: key: problem` line per mistake.
Warnings go to stderr. Exit 2 when any profile has an error (a configuration error): broken
YAML or values, shared tags, a `seed.copy_torrent_to` folder that cannot be used, and online
anything the site's checks would fail. `--online` first confirms the API key with one request
(exit 3 when refused, 2 when --api-url is not a nekoBT API).

`init` writes `<profiles>/<tag>.yaml` for one of the key's groups (`uploader.profiles.init`);
`show` prints a profile with every default filled in (`uploader.profiles.show`). With
`--sandbox` the embedded site hosts the groups of the profiles folder, as `sandbox` does.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from uploader.commands._common import settings_command, settings_command_using
from uploader.settings import Settings

if TYPE_CHECKING:
    from uploader.api import NekoClient
    from uploader.profiles import ProfileReport
    from uploader.profiles.init import GroupChoice
    from uploader.profiles.online import SiteClient

ClientFactory = Callable[[Settings], AbstractContextManager["SiteClient"]]


def open_client(settings: Settings) -> NekoClient:
    """The site client: the real site with the key, or the embedded sandbox hosting the
    groups of the profiles folder."""
    from uploader.api import NekoClient

    if settings.sandbox:
        from uploader.sandbox import Site, host_profiles, hostable_profiles
        from uploader.secret import Secret

        site = Site.demo()
        # New groups only; a profile at odds with a demo group is left to the checks.
        host_profiles(site, hostable_profiles(settings.profiles_dir), skip_clashes=True)
        # In-process: no network to be polite to, so no pause between calls.
        return NekoClient(settings.api_url, Secret(site.api_key), transport=site.transport(),
                          min_interval=0.0)
    return NekoClient(settings.api_url, settings.require_key(),
                      limits=settings.client_limits())


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
    """Check, create and show group profiles (one YAML file per group in --profiles DIR).

    \b
    Examples:
      nekobt-upload profiles init MyGroup        # write profiles/mygroup.yaml from the site
      nekobt-upload profiles validate --online
      nekobt-upload profiles show mygroup
    """


@command.command("validate")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--online", is_flag=True,
              help="Also check the key, the group and its tag, your upload rights, member ids, "
                   "roles, secondary groups and language codes against the site (needs the "
                   "API key, or --sandbox).")
@settings_command
def validate_command(settings: Settings, names: tuple[str, ...], online: bool,
                     **_: Any) -> None:
    """Validate profile files (all in --profiles DIR, or only NAME...).

    \b
    Examples:
      nekobt-upload profiles validate                    # every profile, offline
      nekobt-upload profiles validate examplesubs --online
      nekobt-upload profiles validate --online --sandbox --json

    One line per profile: `OK name (file)`, or `file:line:col: key: problem` per mistake.

    Reads NEKOBT_PROFILES and NEKOBT_STATE_DIR (its cached language table); with --online
    also NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE) and NEKOBT_API_URL. Exit codes: 0 all
    valid, 2 any profile has an error, 3 API key missing or refused (--online).
    """
    reports = validate(settings, names, online=online)
    _print(reports, settings.json)
    if not reports:
        click.echo(f"no profiles in {settings.profiles_dir}", err=True)
    if any(not r.ok for r in reports):
        raise click.exceptions.Exit(2)


# --- init ----------------------------------------------------------------------------------


def init(settings: Settings, wanted: str | None, *, force: bool = False,
         ask: Callable[[Sequence[GroupChoice]], GroupChoice] | None = None,
         client_factory: Callable[[Settings], NekoClient] = open_client
         ) -> tuple[Path, ProfileReport]:
    """Write the profile of one of the key's groups; (its path, its `validate` report)."""
    from uploader.languages import load_languages
    from uploader.profiles import check_profiles
    from uploader.profiles.init import choose_group, draft_profile, my_groups, write_draft

    cache = settings.state_dir / "cache" / "langs.json"
    with client_factory(settings) as client:
        client.check_key()  # a refused key: exit 3 before anything else
        group = choose_group(my_groups(client), wanted, ask)
        languages = load_languages(client, cache, ttl=0)
        site = "the sandbox" if settings.sandbox else settings.api_url.removesuffix("/api/v1")
        draft = draft_profile(client, group, languages, site=site)
    path = write_draft(settings.profiles_dir, draft, force=force, languages=languages)
    # As `profiles validate NAME` sees it (the folder's other profiles included).
    [report] = check_profiles(settings.profiles_dir, [draft.name], languages=languages,
                              folders=True)
    return path, report


def _prompt(groups: Sequence[GroupChoice]) -> GroupChoice:
    click.echo("You may upload for these groups:", err=True)
    for number, group in enumerate(groups, 1):
        click.echo(f"  {number}. {group.label()}", err=True)
    number = click.prompt("Write the profile of group number", type=click.IntRange(
        1, len(groups)), err=True)
    return groups[number - 1]


@command.command("init")
@click.argument("wanted", required=False, metavar="[TAG|ID]")
@click.option("--force", is_flag=True, help="Overwrite the profile file if it exists.")
@settings_command
def init_command(settings: Settings, wanted: str | None, force: bool, **_: Any) -> None:
    """Write <profiles>/<tag>.yaml for one of your groups.

    The key's groups are listed; TAG or ID picks one (with one group it is picked; with
    several, a prompt on a terminal, else exit 2 listing them). Members, their credited
    roles, languages and level come from the group and its latest torrents.

    \b
    Examples:
      nekobt-upload profiles init                  # your only group
      nekobt-upload profiles init MyGroup --force  # rewrite profiles/mygroup.yaml
      nekobt-upload profiles init --sandbox ExampleSubs --profiles /tmp/try

    Reads NEKOBT_API_KEY (or NEKOBT_API_KEY_FILE), NEKOBT_API_URL, NEKOBT_PROFILES and
    NEKOBT_STATE_DIR. Exit codes: 0 written and valid, 2 no such group, the file exists
    (use --force) or the draft has errors, 3 API key missing or refused.
    """
    ask = _prompt if sys.stdin.isatty() else None
    path, report = init(settings, wanted, force=force, ask=ask)
    if settings.json:
        click.echo(json.dumps({"profile": report.name, "path": str(path), "ok": report.ok,
                               "errors": [str(e) for e in report.errors],
                               "warnings": report.warnings}))
    else:
        click.echo(f"wrote {path}")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not report.ok:
        if not settings.json:
            for error in report.errors:
                click.echo(str(error))
        raise click.exceptions.Exit(2)
    if not settings.json:
        sandbox = " --sandbox" if settings.sandbox else ""
        click.echo(f"next: nekobt-upload check{sandbox} --profile {report.name} <release>")


# --- show ----------------------------------------------------------------------------------


@command.command("show")
@click.argument("name")
@settings_command_using("profiles", "state_dir", "verbosity")
def show_command(settings: Settings, name: str, **_: Any) -> None:
    """Print profile NAME as YAML with every default filled in.

    \b
    Examples:
      nekobt-upload profiles show examplesubs
      nekobt-upload profiles show mygroup --profiles ~/groups/profiles

    Reads NEKOBT_PROFILES and NEKOBT_STATE_DIR (its cached language table). Exit codes:
    0 shown, 2 the profile has errors (listed on stderr).
    """
    from uploader.languages import load_languages
    from uploader.profiles import check_profiles
    from uploader.profiles.show import show_text

    cache = settings.state_dir / "cache" / "langs.json"
    [report] = check_profiles(settings.profiles_dir, [name],
                              languages=load_languages(None, cache))
    if report.profile is None:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.exceptions.Exit(2)
    click.echo(show_text(report.profile), nl=False)
