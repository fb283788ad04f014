"""Reading the profiles folder: every `*.yaml`, each checked, tags unique across files.

Two ways to load a folder:
- strict (`load_profiles(dir)`, and `profiles validate` through `check_profiles`): any broken
  file or shared tag is an error, and nothing is loaded;
- lenient (`load_profiles(dir, strict=False)`, for uploads): one group's broken file does not
  stop another group's release. The usable profiles come back as a `LoadedProfiles` (a dict by
  name) that remembers the files it set aside; `select_profile` fails with a set-aside file's
  own error when that file is the one a release selects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uploader.exceptions import ConfigError, ProfileError
from uploader.languages import Languages
from uploader.profiles import selection
from uploader.profiles.model import Profile
from uploader.profiles.schema import check_profile
from uploader.profiles.yamlread import parse_yaml, read_profile_text
from uploader.seed.watchfolder import seed_folder_problem

log = logging.getLogger(__name__)

# Never a watch folder: the kernel's and the devices' own trees.


class ProfileErrors(ProfileError):
    """Several profile mistakes at once; `str()` is one `file:line:col: key: problem` a line."""

    def __init__(self, errors: Sequence[ProfileError]) -> None:
        first = errors[0]
        super().__init__(first.problem, file=first.file, line=first.line, column=first.column,
                         key=first.key)
        self.errors = list(errors)
        self.message = "\n".join(str(error) for error in self.errors)
        self.args = (self.message,)


def errors_of(exc: ProfileError) -> list[ProfileError]:
    """The individual mistakes an error stands for (itself, when it is a single one)."""
    return list(exc.errors) if isinstance(exc, ProfileErrors) else [exc]


@dataclass
class ProfileReport:
    """What checking one profile file found."""

    name: str
    path: Path
    profile: Profile | None = None
    errors: list[ProfileError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # `group.tag` as written, when the YAML could be read (also for a broken file).
    tag: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_file(path: Path, *, languages: Languages | None = None) -> ProfileReport:
    """Parse and validate one file; never raises for a bad profile (see `.errors`)."""
    report = ProfileReport(name=path.stem, path=path)
    try:
        text = read_profile_text(path)
        return check_text(text, path, languages=languages)
    except ProfileError as exc:
        report.errors = errors_of(exc)
    return report


def check_text(text: str, path: Path, *, languages: Languages | None = None) -> ProfileReport:
    """Validate profile text as if read from `path` (the file name gives the profile name)."""
    report = ProfileReport(name=path.stem, path=path)
    try:
        doc = parse_yaml(text, path)
    except ProfileError as exc:
        report.errors = errors_of(exc)
        return report
    profile, checker = check_profile(doc, path.stem, languages or Languages.bundled())
    report.profile, report.errors, report.warnings = profile, checker.errors, checker.warnings
    report.tag = profile.group.tag if profile is not None else _declared_tag(doc.data)
    return report


def _declared_tag(data: object) -> str | None:
    """`group.tag` of a profile that did not validate, if it is still a usable text."""
    group = data.get("group") if isinstance(data, dict) else None
    tag = group.get("tag") if isinstance(group, dict) else None
    return tag.strip() if isinstance(tag, str) and tag.strip() else None


def load_profile_text(text: str, path: Path, *, languages: Languages | None = None) -> Profile:
    """The Profile in `text`, or ProfileError (ProfileErrors when there are several)."""
    report = check_text(text, path, languages=languages)
    return _profile_or_raise(report)


def load_profile(path: Path, *, languages: Languages | None = None) -> Profile:
    """The Profile in one file, or ProfileError (ProfileErrors when there are several)."""
    return _profile_or_raise(check_file(path, languages=languages))


def _profile_or_raise(report: ProfileReport) -> Profile:
    if report.errors:
        raise report.errors[0] if len(report.errors) == 1 else ProfileErrors(report.errors)
    assert report.profile is not None
    for warning in report.warnings:
        log.warning("%s", warning)
    return report.profile


def profile_files(directory: Path) -> list[Path]:
    """The profile files of a folder, by name; ConfigError when the folder is missing."""
    if not directory.is_dir():
        raise ConfigError(f"profiles folder {str(directory)!r}: not found — create it, or pass "
                          "--profiles DIR (env NEKOBT_PROFILES)")
    return sorted((p for p in directory.glob("*.yaml")
                   if p.is_file() and not p.name.startswith(".")), key=lambda p: p.stem)


def check_profiles(directory: Path, names: Sequence[str] = (), *,
                   languages: Languages | None = None,
                   folders: bool = False) -> list[ProfileReport]:
    """Check every profile in `directory` (or only `names`, still comparing tags with all).

    `folders`: also check that the local folders a profile names exist and can be written
    (`profiles validate` does; loading for an upload leaves that to the seeding step).
    """
    files = profile_files(directory)
    by_name = {path.stem: path for path in files}
    wanted = []
    for name in names:
        stem = name.removesuffix(".yaml")
        if stem not in by_name:
            raise ConfigError(f"profile {name!r}: no {stem}.yaml in {directory} — available: "
                              + (", ".join(sorted(by_name)) or "none"))
        wanted.append(stem)
    reports = [check_file(path, languages=languages) for path in files]
    _check_unique_tags(reports)
    if wanted:
        reports = [r for r in reports if r.name in wanted]
    if folders:
        for report in reports:
            if report.profile is not None:
                report.errors.extend(folder_errors(report.profile))
    return reports


def folder_errors(profile: Profile) -> list[ProfileError]:
    """The local folders `profile` names that cannot be used (`seed.copy_torrent_to`)."""
    folder = profile.seed.copy_torrent_to
    problem = seed_folder_problem(folder) if folder is not None else None
    return [profile.error("seed.copy_torrent_to", problem)] if problem else []


def _shared_tags(reports: Sequence[ProfileReport]) -> list[list[ProfileReport]]:
    """Groups of (valid) profiles that have the same tag, in file order."""
    by_tag: dict[str, list[ProfileReport]] = {}
    for report in reports:
        if report.profile is not None:
            by_tag.setdefault(report.profile.group.tag.casefold(), []).append(report)
    return [same for same in by_tag.values() if len(same) > 1]


def _shared_tag_error(report: ProfileReport, same: Sequence[ProfileReport]) -> ProfileError:
    profile = report.profile
    assert profile is not None
    others = ", ".join(str(r.path) for r in same if r is not report)
    return profile.error("group.tag", f"{profile.group.tag!r} is also the tag of {others} — "
                         "keep one profile per group tag")


def _check_unique_tags(reports: list[ProfileReport]) -> None:
    """Two profiles with one tag would make selection ambiguous: an error in each of them."""
    for same in _shared_tags(reports):
        for report in same:
            report.errors.append(_shared_tag_error(report, same))
        for report in same:
            report.profile = None


# --- lenient loading -----------------------------------------------------------------------


def _copy(error: ProfileError) -> ProfileError:
    """A fresh exception with the same text: each selection raises its own."""
    return ProfileError(error.problem, file=error.file, line=error.line, column=error.column,
                        key=error.key)


@dataclass(frozen=True)
class UnusableProfile:
    """A profile file lenient loading set aside; selecting it fails with `error()`."""

    name: str
    path: Path
    tag: str | None  # its `group.tag`, when the file could still be read that far
    errors: tuple[ProfileError, ...]

    def error(self) -> ProfileError:
        if len(self.errors) == 1:
            return _copy(self.errors[0])
        return ProfileErrors([_copy(e) for e in self.errors])


class LoadedProfiles(dict[str, Profile]):
    """The usable profiles by name, as a plain dict for every caller, plus what was set aside.

    `unusable`: broken files by name. `problems`: every mistake found, in file order — the
    broken files' errors and each shared tag (those profiles stay usable by --profile NAME,
    never by their tag).
    """

    def __init__(self, profiles: Mapping[str, Profile] | None = None, *,
                 unusable: Sequence[UnusableProfile] = (),
                 problems: Sequence[ProfileError] = ()) -> None:
        super().__init__(profiles or {})
        self.unusable = {u.name: u for u in unusable}
        self.problems = list(problems)

    def __eq__(self, other: object) -> bool:
        # The watch daemon swaps profiles only when they differ: a file that broke differently
        # (or was added broken) is a difference too.
        if not isinstance(other, dict) or not super().__eq__(other):
            return False
        mine = [str(p) for p in self.problems]
        return mine == ([str(p) for p in other.problems]
                        if isinstance(other, LoadedProfiles) else [])

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # a dict: unhashable, as before

    def select(self, release_name: str, name: str | None = None) -> Profile:
        """The profile for a release; a set-aside file's own error when it is the one meant."""
        if name is not None:
            broken = self.unusable.get(name.removesuffix(".yaml"))
            if broken is not None:
                raise broken.error()
            return selection.select_profile(self, release_name, name)
        tag = selection.release_tag(release_name)
        if tag is not None:
            meant = sorted((u for u in self.unusable.values()
                            if u.tag is not None and u.tag.casefold() == tag.casefold()),
                           key=lambda u: u.name)
            if meant:
                raise meant[0].error()
        try:
            return selection.select_profile(self, release_name, name)
        except ConfigError as exc:
            unread = sorted(str(u.path) for u in self.unusable.values() if u.tag is None)
            if tag is None or not unread or any(
                    p.group.tag.casefold() == tag.casefold() for p in self.values()):
                raise
            raise ConfigError(
                f"{exc.message.split(' — ')[0]} — and {', '.join(unread)} could not be read "
                "far enough to know its tag; fix it (`nekobt-upload profiles validate`), or "
                "pass --profile NAME") from None

    def log_problems(self) -> None:
        """One warning per set-aside file and per shared tag (see `load_profiles`)."""
        for broken in self.unusable.values():
            first, more = broken.errors[0], len(broken.errors) - 1
            extra = f", and {more} more" if more else ""
            log.warning("profile %s: cannot be used (%s%s) — releases that select it fail "
                        "until it is fixed; `nekobt-upload profiles validate %s` lists every "
                        "problem", broken.name, first, extra, broken.name)
        shared: dict[str, list[str]] = {}
        for profile in sorted(self.values(), key=lambda p: p.name):
            shared.setdefault(profile.group.tag.casefold(), []).append(profile.name)
        for names in shared.values():
            if len(names) > 1:
                tag = self[names[0]].group.tag
                options = " or ".join(f"--profile {n}" for n in names)
                log.warning("profiles %s: all have the tag [%s] — a release named [%s] ... "
                            "fails until only one does; %s still works", ", ".join(names), tag,
                            tag, options)


def select_profile(profiles: Mapping[str, Profile], release_name: str,
                   name: str | None = None) -> Profile:
    """`selection.select_profile`, aware of the files lenient loading set aside."""
    if isinstance(profiles, LoadedProfiles):
        return profiles.select(release_name, name)
    return selection.select_profile(profiles, release_name, name)


def load_profiles(directory: Path, *, strict: bool = True,
                  languages: Languages | None = None) -> LoadedProfiles:
    """Every profile in `directory` by name (file stem).

    strict: ProfileError(s) when any file is wrong or two share a tag. Lenient
    (`strict=False`): the usable profiles, with the broken files set aside and every problem
    logged as one warning each (`LoadedProfiles.problems` keeps them).
    """
    if strict:
        reports = check_profiles(directory, languages=languages)
        errors = [error for report in reports for error in report.errors]
        if errors:
            raise errors[0] if len(errors) == 1 else ProfileErrors(errors)
        _log_warnings(reports)
        return LoadedProfiles({r.name: r.profile for r in reports if r.profile is not None})
    reports = [check_file(path, languages=languages) for path in profile_files(directory)]
    problems = [error for report in reports for error in report.errors]
    for same in _shared_tags(reports):
        problems += [_shared_tag_error(report, same) for report in same]
    problems.sort(key=lambda e: (str(e.file), e.line or 0, e.column or 0))
    loaded = LoadedProfiles(
        {r.name: r.profile for r in reports if r.profile is not None},
        unusable=[UnusableProfile(r.name, r.path, r.tag, tuple(r.errors))
                  for r in reports if r.errors],
        problems=problems)
    _log_warnings(reports)
    loaded.log_problems()
    return loaded


def _log_warnings(reports: Sequence[ProfileReport]) -> None:
    for report in reports:
        if report.profile is not None:
            for warning in report.warnings:
                log.warning("%s", warning)
