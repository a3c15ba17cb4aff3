"""A published address never dies (DESIGN, "The site"; issue 8, "Permanent links").

- A renamed note lists its old ids under `former_ids:`; each old address becomes a small
  redirect page (canonical link, meta refresh, a visible link) that also works from
  file:// in an offline (relative) build, and the note's feed entry keeps its first id.
- A State or organization renamed in the catalog lists its old names under
  `former_names:`; notes may still use them, and the old page address redirects.
- The build lists every address it publishes in /data/urls.txt; `check` compares the
  archive with the published site's list and refuses to lose an address.
"""
from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infonotes.commands.build import build_site
from infonotes.config import load_config
from infonotes.pages.urls import Links

from conftest import ROOT, cli_main, note_text, read_page, write_project

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/"
RENAMED = "2020-05-04-regional-workshop-export-control"
OLDEST, OLDER = "2020-05-04-workshop", "2020-05-04-regional-workshop"

NOTES = {
    f"2020/{RENAMED}.md": note_text(
        "Regional Workshop on Export Control", "2020-05-04", country="Swaziland",
        organizations="[OAU, UNODA]", paragraphs="[2663 OP17]",
        former_ids=f"[{OLDEST}, {OLDER}]", summary="Renamed twice."),
    "2021/2021-06-01-national-round-table.md": note_text(
        "National Round-Table", "2021-06-01", country="Turkey", states="[Eswatini, Japan]",
        organizations="[AU]", summary="Uses a former name of a State."),
}


def _build(root: Path, out: str, relative: bool = False) -> Path:
    config = load_config(root / "site.toml")
    links = Links(config.base_url, config.base_path, relative=relative)
    build_site(config, output_dir=root / out, workers=1, links=links)
    return root / out


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return write_project(tmp_path_factory.mktemp("permalinks"), NOTES)


@pytest.fixture(scope="module")
def site(project) -> Path:
    return _build(project, "public")


@pytest.fixture(scope="module")
def offline_site(project) -> Path:
    return _build(project, "offline", relative=True)


def redirect_of(page_file: Path) -> dict:
    """The canonical link, the meta refresh target and the visible links of a redirect page."""
    page = read_page(page_file)
    refresh = [m["content"] for m in page.find_all("meta") if m.get("http-equiv", "").lower() == "refresh"]
    assert len(refresh) == 1, f"{page_file}: one meta refresh expected"
    delay, _, target = refresh[0].partition(";")
    assert delay.strip() == "0"
    target = target.strip()
    assert target.lower().startswith("url=")
    return {"canonical": [l["href"] for l in page.find_all("link", rel="canonical")],
            "refresh": target[4:], "links": page.links, "robots": page.find_all("meta", name="robots"),
            "page": page}


# --- Notes renamed with former_ids ------------------------------------------------------------

@pytest.mark.parametrize("former", [OLDEST, OLDER])
def test_each_former_id_redirects_to_the_note(site, former):
    found = redirect_of(site / "notes" / former / "index.html")
    assert found["canonical"] == [f"{BASE}notes/{RENAMED}/"]
    assert found["refresh"] == f"/notes/{RENAMED}/"
    assert f"/notes/{RENAMED}/" in found["links"], "a visible link for readers the refresh does not move"
    assert found["robots"] and "noindex" in found["robots"][0]["content"]
    assert "Regional Workshop on Export Control" in found["page"].text
    assert (site / "notes" / RENAMED / "index.html").is_file()


def _follow(from_file: Path, href: str) -> Path:
    assert not urlsplit(href).scheme and not href.startswith("/"), f"not relative: {href}"
    return (from_file.parent / href).resolve()


def test_redirects_work_from_file_urls_in_an_offline_build(offline_site):
    for former in (OLDEST, OLDER):
        page_file = offline_site / "notes" / former / "index.html"
        found = redirect_of(page_file)
        target = _follow(page_file, found["refresh"])
        assert target == (offline_site / "notes" / RENAMED / "index.html").resolve()
        links = [link for link in found["links"] if not link.startswith("#")]
        assert target in {_follow(page_file, link) for link in links}, "the visible link is relative too"
    state = offline_site / "states" / "swaziland" / "index.html"
    assert _follow(state, redirect_of(state)["refresh"]) == (offline_site / "states/eswatini/index.html").resolve()


def test_a_browser_opening_a_former_address_from_file_lands_on_the_note(offline_site, chromium):
    page = chromium.new_page()
    try:
        page.goto((offline_site / "notes" / OLDEST / "index.html").as_uri())
        page.wait_for_url(re.compile(re.escape(RENAMED) + r"/index\.html$"), timeout=10_000)
        assert page.locator("h1").inner_text() == "Regional Workshop on Export Control"
    finally:
        page.close()


def test_a_renamed_note_keeps_its_feed_entry_id(site):
    for feed in (site / "feed.xml", site / "states" / "eswatini" / "feed.xml"):
        entries = {e.find(f"{ATOM}title").text: e for e in ET.parse(feed).getroot().iter(f"{ATOM}entry")}
        entry = entries["Regional Workshop on Export Control"]
        assert entry.find(f"{ATOM}id").text == f"{BASE}notes/{OLDEST}/", "the id of its first address"
        assert entry.find(f"{ATOM}link").get("href") == f"{BASE}notes/{RENAMED}/"
        other = entries["National Round-Table"]
        assert other.find(f"{ATOM}id").text == f"{BASE}notes/2021-06-01-national-round-table/"


def test_the_sitemap_lists_no_redirect(site):
    urls = {loc.text for loc in ET.parse(site / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")}
    assert f"{BASE}notes/{RENAMED}/" in urls and f"{BASE}states/eswatini/" in urls
    for gone in (f"notes/{OLDEST}/", f"notes/{OLDER}/", "states/swaziland/", "states/turkey/",
                 "organizations/oau/"):
        assert BASE + gone not in urls


# --- States and organizations renamed with former_names ----------------------------------------

def test_a_note_naming_swaziland_lands_on_eswatinis_page(site):
    page = read_page(site / "states" / "eswatini" / "index.html")
    assert f"/notes/{RENAMED}/" in page.links
    assert "/notes/2021-06-01-national-round-table/" in page.links
    note = read_page(site / "notes" / RENAMED / "index.html")
    assert "/states/eswatini/" in note.links and "/states/swaziland/" not in note.links
    assert "Swaziland" not in note.text.replace("Eswatini", "")  # the page shows the current name


@pytest.mark.parametrize("old, new", [("states/swaziland/", "states/eswatini/"),
                                      ("states/turkey/", "states/turkiye/"),
                                      ("organizations/oau/", "organizations/au/"),
                                      ("organizations/organization-of-african-unity/", "organizations/au/"),
                                      ("organizations/dda/", "organizations/unoda/")])
def test_a_former_name_address_redirects_to_the_current_page(site, old, new):
    found = redirect_of(site / old / "index.html")
    assert found["canonical"] == [BASE + new]
    assert found["refresh"] == "/" + new and "/" + new in found["links"]
    assert (site / new / "index.html").is_file()
    # Feed readers follow no redirect page: the old feed address carries the current feed.
    assert (site / old / "feed.xml").read_bytes() != b""
    old_feed = ET.parse(site / old / "feed.xml").getroot()
    new_feed = ET.parse(site / new / "feed.xml").getroot()
    assert [e.find(f"{ATOM}id").text for e in old_feed.iter(f"{ATOM}entry")] == \
        [e.find(f"{ATOM}id").text for e in new_feed.iter(f"{ATOM}entry")]


def test_former_names_resolve_and_check_fix_writes_the_current_name(tmp_path, capsys):
    root = write_project(tmp_path, {"2020/2020-01-02-visit.md": note_text(
        "Visit", "2020-01-02", country="Swaziland", organizers="[OAU]", summary="S.")})
    assert cli_main(["--config", str(root / "site.toml"), "check", "--strict"]) == 0, capsys.readouterr()
    assert cli_main(["--config", str(root / "site.toml"), "check", "--fix"]) == 0
    text = (root / "notes/2020/2020-01-02-visit.md").read_text(encoding="utf-8")
    assert "country: Eswatini" in text and "organizers: [AU]" in text


# --- /data/urls.txt ---------------------------------------------------------------------------

def test_urls_txt_lists_every_published_address_sorted(site):
    lines = (site / "data" / "urls.txt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines))
    assert all(line.startswith("/") and "://" not in line for line in lines)
    for line in lines:
        target = site / line.lstrip("/")
        assert (target / "index.html" if line.endswith("/") else target).is_file(), line
    for must in ("/", f"/notes/{RENAMED}/", f"/notes/{OLDEST}/", "/states/swaziland/",
                 "/states/eswatini/feed.xml", "/data/urls.txt", "/sitemap.xml"):
        assert must in lines
    pages = {"/" + p.relative_to(site).as_posix().removesuffix("index.html")
             for p in site.rglob("index.html")}
    assert pages <= set(lines), f"pages not listed: {sorted(pages - set(lines))[:5]}"


# --- check: former ids, and the addresses of the published site --------------------------------

def _check(root: Path, capsys, *args) -> tuple[int, str]:
    code = cli_main(["--config", str(root / "site.toml"), "check", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_former_ids_are_checked_with_lines_and_hints(tmp_path, capsys):
    root = write_project(tmp_path, {
        "2020/2020-01-02-a.md": note_text("A", "2020-01-02", former_ids="[Old Name, 2020-01-02-a]"),
        "2020/2020-01-05-d.md": note_text("D", "2020-01-05", former_ids="[2020-01-03-b]"),
        "2020/2020-01-03-b.md": note_text("B", "2020-01-03", former_ids="[2020-01-01-gone]"),
        "2020/2020-01-04-c.md": note_text("C", "2020-01-04", former_ids="2020-01-01-gone"),
    })
    code, out = _check(root, capsys)
    assert code == 1
    a, b, c, d = (f"notes/2020/2020-01-0{n}.md" for n in ("2-a", "3-b", "4-c", "5-d"))
    assert re.search(rf"{a}:4: 'Old Name' in 'former_ids' is not a note id; write the old file name", out)
    assert f"{a}:4: '2020-01-02-a' in 'former_ids' is this note's own id" in out
    assert re.search(rf"{d}:4: '2020-01-03-b' in 'former_ids' is the id of a current note \(\S*{b}\)", out)
    assert re.search(rf"{c}:4: '2020-01-01-gone' is also a former id of \S*{b};", out)
    assert "Traceback" not in out


def test_former_ids_one_per_line_report_the_line_of_the_item(tmp_path, capsys):
    text = "---\ntitle: A\ndate: 2020-01-02\nformer_ids:\n  - 2020-01-01-fine\n  - NOT AN ID\n---\n\n## A\n\nx\n"
    root = write_project(tmp_path, {"2020/2020-01-02-a.md": text})
    code, out = _check(root, capsys)
    assert code == 1 and "notes/2020/2020-01-02-a.md:6: 'NOT AN ID' in 'former_ids' is not a note id" in out


@pytest.fixture(scope="module")
def published_project(tmp_path_factory) -> Path:
    """A built archive whose /data/urls.txt was kept as the published list."""
    root = write_project(tmp_path_factory.mktemp("published"), NOTES)
    shutil.copyfile(_build(root, "public") / "data" / "urls.txt", root / "published-urls.txt")
    return root


def _copy(project: Path, tmp_path: Path) -> Path:
    shutil.copytree(project, tmp_path / "p", ignore=shutil.ignore_patterns("public"))
    return tmp_path / "p"


def test_check_accepts_the_archive_that_was_published(published_project, tmp_path, capsys):
    code, out = _check(_copy(published_project, tmp_path), capsys)
    assert code == 0, out


def test_check_refuses_a_rename_without_former_ids_and_names_the_old_address(published_project, tmp_path, capsys):
    root = _copy(published_project, tmp_path)
    old = root / "notes/2021/2021-06-01-national-round-table.md"
    new = old.with_name("2021-06-01-national-round-table-ankara.md")
    old.rename(new)
    code, out = _check(root, capsys)
    assert code == 1
    assert ("notes/2021/2021-06-01-national-round-table-ankara.md:1: the published address "
            "/notes/2021-06-01-national-round-table/ would disappear") in out
    assert "add 'former_ids: [2021-06-01-national-round-table]'" in out
    # With former_ids, the old address stays (as a redirect): accepted.
    new.write_text(new.read_text(encoding="utf-8").replace(
        "title:", "former_ids: [2021-06-01-national-round-table]\ntitle:", 1), encoding="utf-8")
    code, out = _check(root, capsys)
    assert code == 0, out


def test_check_refuses_dropping_a_former_id_or_a_note(published_project, tmp_path, capsys):
    root = _copy(published_project, tmp_path)
    renamed = root / "notes/2020" / f"{RENAMED}.md"
    renamed.write_text(renamed.read_text(encoding="utf-8").replace(f", {OLDER}]", "]"), encoding="utf-8")
    (root / "notes/2021/2021-06-01-national-round-table.md").unlink()
    code, out = _check(root, capsys)
    assert code == 1
    lines = (root / "published-urls.txt").read_text(encoding="utf-8").splitlines()
    for gone in (f"/notes/{OLDER}/", "/notes/2021-06-01-national-round-table/", "/states/turkiye/"):
        line = lines.index(gone) + 1
        assert re.search(rf"published-urls\.txt:{line}: the published address {re.escape(gone)} would disappear", out)
    assert "/states/turkiye/feed.xml would disappear" not in out, "a page's files go with the page"
    assert "'former_ids: [2021-06-01-national-round-table]'" in out
    assert "if it was removed on purpose, add the address as a line of retired-urls.txt" in out
    # Addresses retired on purpose may go: every other one is still refused.
    (root / "retired-urls.txt").write_text("/notes/2021-06-01-national-round-table/\n", encoding="utf-8")
    code, out = _check(root, capsys)
    assert code == 1 and "/notes/2021-06-01-national-round-table/ would" not in out
    assert f"/notes/{OLDER}/ would disappear" in out


def test_check_of_some_files_or_another_list(published_project, tmp_path, capsys):
    root = _copy(published_project, tmp_path)
    (root / "notes/2021/2021-06-01-national-round-table.md").unlink()
    # Some files only: which addresses the archive has cannot be told, so none is compared.
    code, out = _check(root, capsys, str(root / "notes/2020"))
    assert code == 0, out
    # --published names the list; a list that cannot be read is an error with its path.
    (root / "published-urls.txt").rename(root / "elsewhere.txt")
    assert _check(root, capsys)[0] == 0
    code, out = _check(root, capsys, "--published", str(root / "elsewhere.txt"))
    assert code == 1 and "/notes/2021-06-01-national-round-table/ would disappear" in out
    code, out = _check(root, capsys, "--published", str(root / "missing.txt"))
    assert code == 1 and "missing.txt:1: the list of published addresses does not exist" in out


def test_an_unreachable_published_site_is_a_warning(published_project, tmp_path, capsys):
    root = _copy(published_project, tmp_path)
    code, out = _check(root, capsys, "--published", "http://127.0.0.1:9/data/urls.txt")
    assert code == 0 and "warning: cannot read the list of published addresses" in out
    assert _check(root, capsys, "--strict", "--published", "http://127.0.0.1:9/data/urls.txt")[0] == 1


# --- the catalogs -----------------------------------------------------------------------------

def test_a_former_name_may_not_take_another_entrys_address(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    states = data / "states.yaml"
    text = states.read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("- {name: Japan,"))
    states.write_text(text.replace("- {name: Japan, iso3: JPN,", "- {name: Japan, former_names: [Jordan], iso3: JPN,"),
                      encoding="utf-8")
    root = write_project(tmp_path / "p", {"2020/2020-01-02-a.md": note_text("A", "2020-01-02")})
    toml = root / "site.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(str(ROOT / "data"), str(data)), encoding="utf-8")
    code, out = _check(root, capsys)
    assert code == 1
    assert re.search(rf"states\.yaml:{line}: .*'Jordan'", out) or \
        re.search(rf"states\.yaml:{line}: .*'jordan'", out), out


def test_redirect_pages_are_valid_html(site):
    """The Nu Html Checker on the small site, redirect pages included."""
    import json
    import subprocess
    java = shutil.which("java")
    vnu = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not java or not vnu.is_file():
        pytest.fail("Java and node_modules/vnu-jar are needed (run `make test` set-up)")
    redirects = [site / "notes" / OLDEST / "index.html", site / "states" / "swaziland" / "index.html"]
    run = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json",
                          *map(str, redirects), str(site / "index.html"), str(site / "states/eswatini/index.html")],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    assert not messages, "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages)


def test_the_schema_accepts_former_ids_as_the_checker_does():
    import json

    import jsonschema
    schema = json.loads((ROOT / "data" / "note.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    good = {"title": "A", "date": "2020-01-02"}
    for former in (["2019-12-01-old-title"], "2019-12-01-old-title", ["2019-12-01-old-title.md"], None):
        assert validator.is_valid({**good, "former_ids": former}), former
    for former in (["Old Title"], ["2019-12-01-Old"], [1]):
        assert not validator.is_valid({**good, "former_ids": former}), former


def test_published_with_note_paths_is_refused_rather_than_ignored(tmp_path, capsys):
    root = write_project(tmp_path, {"2020/2020-01-02-a.md": note_text("A", "2020-01-02")})
    urls = tmp_path / "urls.txt"
    urls.write_text("/notes/2020-01-02-gone/\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        cli_main(["--config", str(root / "site.toml"), "check", str(root / "notes" / "2020"),
                  "--published", str(urls)])
    assert exited.value.code == 2
    assert "--published compares the whole archive" in capsys.readouterr().err
    # Without paths, the same list is compared, and the lost address is an error.
    code, out = _check(root, capsys, "--published", str(urls))
    assert code == 1 and "/notes/2020-01-02-gone/" in out
