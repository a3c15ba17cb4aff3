"""The files the pages load from assets/: the theme's, and lunr.js for the search page.

lunr.js comes from the npm registry (pinned in package.json, installed by `make setup`
into node_modules/ at the project root), never from the repository.
"""
from __future__ import annotations

from pathlib import Path

from infonotes.problems import InputError, Problem

ASSETS = "assets/"
LUNR_ASSET = ASSETS + "lunr.min.js"
_LUNR_IN_PACKAGE = Path("node_modules") / "lunr" / "lunr.min.js"
PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]
"""The folder that holds this package: where `make setup` installed node_modules/."""


def theme_files(theme_dir: Path) -> dict[str, Path]:
    """{site path: source} of the theme: every file of the theme folder but hidden ones,
    published under assets/."""
    if not theme_dir.is_dir():
        return {}
    return {ASSETS + path.relative_to(theme_dir).as_posix(): path for path in sorted(theme_dir.rglob("*"))
            if path.is_file() and not path.name.startswith(".")}


def asset_files(theme_dir: Path) -> list[tuple[str, Path]]:
    """(site path, source) of everything under assets/: the theme's files and lunr.js. A
    list, not a dict: a theme file named like lunr.js must reach the writer, which refuses
    the second file on one path.

    lunr.js is looked for in the project root, the folder that holds the theme (the
    site.toml folder in the usual layout), then in the package's own checkout, for
    settings files kept elsewhere (the tests').
    """
    candidates = dict.fromkeys([theme_dir.resolve().parent, PACKAGE_CHECKOUT])
    for root in candidates:
        if (root / _LUNR_IN_PACKAGE).is_file():
            return [*theme_files(theme_dir).items(), (LUNR_ASSET, root / _LUNR_IN_PACKAGE)]
    first = next(iter(candidates))
    raise InputError([Problem(str(first / _LUNR_IN_PACKAGE), 1,
                              "lunr.js is not installed, and the search page needs it: run `make setup` "
                              "(or `npm ci`) in the project folder")])
