"""`nekobt-upload sandbox`: serve the local nekoBT model on loopback until stopped."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from uploader.exceptions import ConfigError
from uploader.urls import is_loopback_host

DEFAULT_PORT = 8765
# The names of `uploader.sandbox.faults.QUIRK_NAMES`, spelt out so `--help` imports no httpx.
QUIRKS = ("lang-aliases", "no-lang-aliases", "text-langs-as-sub", "waiting-approve",
          "waiting-visible", "newer-site")


@click.command(help="""Serve a local nekoBT-compatible API on loopback (no account needed).

Prints the base URL and the demo API key (a public test key), then serves until
SIGINT/SIGTERM. With --data DIR the site's state survives restarts.

\b
Examples:
  nekobt-upload sandbox --data ./sandbox-state      # http://127.0.0.1:8765/api/v1
  nekobt-upload sandbox --port 0 --fault rate-limit-json=2:3 --quirk waiting-approve
  NEKOBT_API_URL=http://127.0.0.1:8765/api/v1 NEKOBT_API_KEY=... nekobt-upload check PATH

It hosts your groups: the group of every valid profile in --profiles DIR (default
./profiles) that the sandbox does not have is created with its members, the demo user as its
leader, so your own profile and releases work with no account. A profile whose group id or
tag is another of the sandbox's groups is an error.

Faults for testing clients: --fault KIND[=VALUE][:COUNT[:METHOD[:PATH]]] where KIND is
rate-limit-json, rate-limit-html, server-error, server-error-json, slow or drop;
e.g. --fault rate-limit-json=2:3 or --fault drop:1:POST:/upload.

By default the site is as strict as the API reference. Quirks (--quirk, repeatable):
newer-site (accept `batch`; checks take the base64 `torrent`), waiting-approve (uploads wait
for staff approval and are hidden until then; waiting-visible shows them to their uploader),
no-lang-aliases (mediainfo answers "ja", not the reference's "jp"), text-langs-as-sub.

Reads NEKOBT_PROFILES (the --profiles folder). No API key: the sandbox has its own.""")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Loopback address to listen on (127.0.0.1, ::1 or localhost).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0 picks a free one).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Keep the site's state in DIR across restarts.")
@click.option("--profiles", "profiles_dir", envvar="NEKOBT_PROFILES", default="profiles",
              type=click.Path(file_okay=False, path_type=Path), show_default=True,
              help="Host the groups of the profiles in DIR (env NEKOBT_PROFILES).")
@click.option("--fault", "faults", multiple=True, metavar="SPEC",
              help="Inject a fault (repeatable); see above.")
@click.option("--quirk", "quirks", multiple=True, type=click.Choice(QUIRKS),
              help="Turn on a behaviour of the real site (repeatable); see above.")
def command(host: str, port: int, data_dir: Path | None, profiles_dir: Path,
            faults: tuple[str, ...], quirks: tuple[str, ...]) -> None:
    if not is_loopback_host(host):
        raise ConfigError(
            f"sandbox --host {host!r}: not a loopback address — the sandbox is a test site "
            "with a public demo key; use 127.0.0.1, ::1 or localhost")
    from uploader.sandbox import (  # heavy (httpx): only when serving
        SandboxServer,
        Site,
        host_profiles,
        hostable_profiles,
    )

    if not profiles_dir.is_dir() and _given(click.get_current_context(), "profiles_dir"):
        raise ConfigError(f"sandbox --profiles {str(profiles_dir)!r}: not found — create it, "
                          "or leave --profiles out to host none")

    try:
        site = Site.demo(data_dir)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"sandbox --data {str(data_dir)!r}: {exc} — use an empty "
                          "folder or the one a previous sandbox wrote") from None
    for spec in faults:
        try:
            site.faults.add_spec(spec)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fault") from None
    site.faults.quirks.apply(quirks)
    hosted = host_profiles(site, hostable_profiles(profiles_dir))
    for name in _not_hosted(profiles_dir, {group.profile for group in hosted}):
        click.echo(f"not hosting profile {name}: it has errors — see `nekobt-upload profiles "
                   f"validate {name}`", err=True)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = SandboxServer(site, host, port).start()
    try:
        click.echo(f"nekoBT sandbox: {server.url}")
        click.echo(f"demo API key:   {site.api_key}   (public test key, not a real account)")
        for group in (g for g in hosted if g.created):
            click.echo(f"hosting [{group.tag}] (group {group.group_id}) from profile "
                       f"{group.profile}; the demo key may upload for it")
        where = f"state in {data_dir}" if data_dir is not None else "state in memory"
        click.echo(f"{where}; stop with Ctrl-C. Try:")
        click.echo(f"  NEKOBT_API_URL={server.url} NEKOBT_API_KEY={site.api_key} "
                   "nekobt-upload upload PATH")
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("sandbox stopped.", err=True)


def _not_hosted(profiles_dir: Path, hosted: set[str]) -> list[str]:
    from uploader.profiles.loading import profile_files

    if not profiles_dir.is_dir():
        return []
    return [path.stem for path in profile_files(profiles_dir) if path.stem not in hosted]


def _given(ctx: click.Context, name: str) -> bool:
    """Whether the option was set on the command line or in the environment."""
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                              ParameterSource.ENVIRONMENT)
