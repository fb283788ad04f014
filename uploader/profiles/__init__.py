"""Group profiles: one YAML file per group, validated with file:line:col errors.

    load_profiles(dir) -> {name: Profile}      every *.yaml; ProfileError(s) when any is wrong
    load_profiles(dir, strict=False)           the usable ones; broken files set aside, logged
    select_profile(profiles, release_name, name) -> Profile   (a set-aside file: its error)
    release_fields(profile, release, size=...) -> template fields
    render_title(profile, fields) / render_description(profile, fields)
"""

from uploader.profiles.loading import (
    LoadedProfiles,
    ProfileErrors,
    ProfileReport,
    UnusableProfile,
    check_profiles,
    errors_of,
    load_profile,
    load_profile_text,
    load_profiles,
    select_profile,
)
from uploader.profiles.model import (
    Group,
    LanguageDefaults,
    Member,
    Profile,
    SecondaryGroup,
    SeedOptions,
    TorrentOptions,
    UploadOptions,
)
from uploader.profiles.selection import release_tag
from uploader.profiles.templates import release_fields, render_description, render_title

__all__ = [
    "Group",
    "LanguageDefaults",
    "LoadedProfiles",
    "Member",
    "Profile",
    "ProfileErrors",
    "ProfileReport",
    "SecondaryGroup",
    "SeedOptions",
    "TorrentOptions",
    "UnusableProfile",
    "UploadOptions",
    "check_profiles",
    "errors_of",
    "load_profile",
    "load_profile_text",
    "load_profiles",
    "release_fields",
    "release_tag",
    "render_description",
    "render_title",
    "select_profile",
]
