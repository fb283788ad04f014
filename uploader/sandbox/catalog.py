"""The media the sandbox knows (the real site mirrors TheTVDB/TMDB; this is a fixed stand-in)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Media:
    id: str
    title: str
    year: int
    genres: tuple[str, ...]
    overview: str
    status: str
    tvdb_id: int | None
    tmdb_id: int | None
    imdb_id: str | None
    alternate_titles: tuple[str, ...] = ()
    episode_count: int = 0
    runtime: int = 24
    first_episode_id: int = 0
    banner_url: str = ""
    movie: bool = False
    episodes: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def episode(self, number: int) -> dict[str, Any] | None:
        return next((e for e in self.episodes if e["episode"] == number), None)

    def summary(self) -> dict[str, Any]:
        """The fields a search result or `GET /media/<id>` share."""
        return {
            "id": self.id,
            "title": self.title,
            "year": self.year,
            "genres": list(self.genres),
            "overview": self.overview,
            "status": self.status,
            "banner_url": self.banner_url,
            "runtime": self.runtime,
            "tvdbId": self.tvdb_id,
            "tmdbId": self.tmdb_id,
            "imdbId": self.imdb_id,
            "alternate_titles": list(self.alternate_titles),
        }


def _series(media_id: str, title: str, count: int, first_episode_id: int, tvdb: int,
            **kw: Any) -> Media:
    episodes = tuple(
        {
            "id": first_episode_id + n,
            "title": f"{title} Episode {n}",
            "season": 1,
            "episode": n,
            "absolute": n,
            "overview": f"Episode {n} of {title}.",
            "runtime": 24,
            "airDateUtc": f"2025-{1 + (n - 1) // 4:02d}-{1 + ((n - 1) % 4) * 7:02d}T15:30:00Z",
            "tvdbId": tvdb * 100 + n,
        }
        for n in range(1, count + 1)
    )
    return Media(id=media_id, title=title, episode_count=count,
                 first_episode_id=first_episode_id, tvdb_id=tvdb, episodes=episodes,
                 banner_url=f"https://artworks.thetvdb.com/banners/v4/series/{tvdb}/poster.jpg",
                 **kw)


MEDIA: dict[str, Media] = {
    m.id: m
    for m in (
        _series("s1001", "Sample Show", 12, 48000, 465001, year=2025,
                genres=("Animation", "Anime", "Comedy"), overview="A sample series.",
                status="continuing", tmdb_id=294001, imdb_id="tt3700001",
                alternate_titles=("Sample Show Season 1", "Sanpuru Shou")),
        _series("s1002", "Another Example", 24, 49000, 465002, year=2024,
                genres=("Animation", "Anime", "Drama"), overview="Another sample series.",
                status="ended", tmdb_id=294002, imdb_id="tt3700002",
                alternate_titles=("Mou Hitotsu no Rei",)),
        _series("s1003", "Dusk Beyond the End of the World", 12, 48680, 465214, year=2025,
                genres=("Animation", "Anime", "Romance", "Science Fiction"),
                overview="When tensions around...", status="continuing", tmdb_id=294867,
                imdb_id="tt37532634", alternate_titles=("Towa no Yuugure", "Towa no Yugure")),
        Media(id="m2001", title="Example Movie", year=2023, genres=("Animation", "Anime"),
              overview="A sample film.", status="released", tvdb_id=None, tmdb_id=800001,
              imdb_id="tt3800001", alternate_titles=("Eiga no Rei",), runtime=110,
              movie=True,
              banner_url="https://image.tmdb.org/t/p/original/example-movie.jpg"),
    )
}


def _key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", title.lower())


def find_media(show: str, *, movie: bool | None = None) -> Media | None:
    """The media whose title or alternate title matches `show` (ignoring case/punctuation)."""
    key = _key(show)
    if not key:
        return None
    for media in MEDIA.values():
        if movie is not None and media.movie != movie:
            continue
        if key in {_key(t) for t in (media.title, *media.alternate_titles)}:
            return media
    return None


def search_media(query: str) -> list[tuple[Media, float]]:
    """Media whose titles contain every word of `query`, with a crude similarity score."""
    words = [w for w in re.split(r"\W+", query.lower()) if w]
    found = []
    for media in MEDIA.values():
        titles = [t.lower() for t in (media.title, *media.alternate_titles)]
        if words and any(all(w in t for w in words) for t in titles):
            best = max(len(" ".join(words)) / max(len(t), 1) for t in titles)
            found.append((media, round(min(best, 1.0), 2)))
    return found
