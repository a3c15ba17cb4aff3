"""The site's settings, read from site.toml; paths resolve against the file's folder."""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from infonotes.problems import InputError, Problem


@dataclass(frozen=True)
class Config:
    title: str
    description: str
    base_url: str
    """Absolute, ending in '/': feeds, sitemap and canonical links need it."""
    language: str
    notes_dir: Path
    data_dir: Path
    templates_dir: Path
    theme_dir: Path
    output_dir: Path
    latest_count: int = 10
    feed_size: int = 20
    published_urls: Path = Path("published-urls.txt")
    """The addresses of the last published site (its /data/urls.txt), which `check`
    refuses to lose; nothing is compared while the file does not exist."""
    retired_urls: Path = Path("retired-urls.txt")
    """Published addresses that were removed on purpose: `check` lets them go."""
    author: str = ""
    """Who wrote the notes, as citations name it (one corporate name); default: the title."""
    publisher: str = ""
    """Who publishes them, for citations; default: the title."""

    @property
    def base_path(self) -> str:
        """The path part of base_url ('/' or '/archive/'), which every internal link starts with."""
        return urlsplit(self.base_url).path or "/"


def load_config(path: Path) -> Config:
    shown = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem(shown, 1, "the settings file does not exist (see site.toml in the repository)")]) from None
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_of(str(error))
        raise InputError([Problem(shown, line, f"cannot read site.toml: {error}")]) from None
    root = path.parent
    paths = raw.get("paths", {})
    base_url = checked_base_url(str(raw.get("base_url", "http://localhost:8000/")), shown, 1, "base_url")
    return Config(
        title=str(raw.get("title", "Information notes")),
        description=str(raw.get("description", "")),
        base_url=base_url,
        language=str(raw.get("language", "en")),
        notes_dir=root / paths.get("notes", "notes"),
        data_dir=root / paths.get("data", "data"),
        templates_dir=root / paths.get("templates", "templates"),
        theme_dir=root / paths.get("theme", "theme"),
        output_dir=root / paths.get("output", "public"),
        latest_count=int(raw.get("latest_count", 10)),
        feed_size=int(raw.get("feed_size", 20)),
        published_urls=root / paths.get("published", "published-urls.txt"),
        retired_urls=root / paths.get("retired", "retired-urls.txt"),
        author=str(raw.get("author") or raw.get("title", "Information notes")),
        publisher=str(raw.get("publisher") or raw.get("title", "Information notes")),
    )


def _line_of(message: str) -> int:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else 1


def checked_base_url(text: str, where: str, line: int, label: str = "the address") -> str:
    """The site's address with a final '/'; an InputError unless it is an http(s) address
    with a host (every feed, sitemap and canonical link starts with it)."""
    base_url = text if text.endswith("/") else text + "/"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError([Problem(where, line, f"{label} must be absolute, with http or https and a "
                                               f"host (https://example.org/archive/), not '{text}'")])
    return base_url


def with_base_url(config: Config, base_url: str, where: str) -> Config:
    """The same settings published at another address (`build --base-url`)."""
    return dataclasses.replace(config, base_url=checked_base_url(base_url, where, 0))
