"""Reading the profiles folder: every `*.yaml`, each checked, tags unique across files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from uploader.exceptions import ConfigError, ProfileError
from uploader.languages import Languages
from uploader.profiles.model import Profile
from uploader.profiles.schema import check_profile
from uploader.profiles.yamlread import parse_yaml, read_profile_text

log = logging.getLogger(__name__)


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
    return report


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
                   languages: Languages | None = None) -> list[ProfileReport]:
    """Check every profile in `directory` (or only `names`, still comparing tags with all)."""
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
    return reports


def _check_unique_tags(reports: list[ProfileReport]) -> None:
    """Two profiles with one tag would make selection ambiguous: an error in each of them."""
    by_tag: dict[str, list[ProfileReport]] = {}
    for report in reports:
        if report.profile is not None:
            by_tag.setdefault(report.profile.group.tag.casefold(), []).append(report)
    for same in by_tag.values():
        if len(same) < 2:
            continue
        for report in same:
            profile = report.profile
            assert profile is not None
            others = ", ".join(str(r.path) for r in same if r is not report)
            report.errors.append(profile.error(
                "group.tag", f"{profile.group.tag!r} is also the tag of {others} — keep one "
                "profile per group tag"))
            report.profile = None


def load_profiles(directory: Path, *, languages: Languages | None = None) -> dict[str, Profile]:
    """Every profile in `directory` by name (file stem); ProfileError(s) when any is wrong."""
    reports = check_profiles(directory, languages=languages)
    errors = [error for report in reports for error in report.errors]
    if errors:
        raise errors[0] if len(errors) == 1 else ProfileErrors(errors)
    for report in reports:
        for warning in report.warnings:
            log.warning("%s", warning)
    return {report.name: report.profile for report in reports if report.profile is not None}
