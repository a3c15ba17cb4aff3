"""The command line: parse the arguments, run one command of `infonotes.commands`, and
turn the problems it raises into a report and exit status 1."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infonotes.problems import InputError
from infonotes.report import print_report


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "published", None) and getattr(args, "paths", None):
        # Which addresses the site keeps is known only from the whole archive.
        parser.error("--published compares the whole archive with the published site: "
                     "give it without note paths")
    try:
        return args.command(args)
    except InputError as error:
        print_report(error.problems)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read the output left early (`check | head`): stop quietly, as other command
        # line tools do, and keep Python from failing again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description=(
        "Build the 1540 information notes archive: check the notes, then write the site."))
    parser.add_argument("--config", type=Path, default=Path("site.toml"),
                        help="the site's settings (default: site.toml)")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="check, then build the site")
    build.add_argument("--notes", type=Path, help="notes folder (default from site.toml: notes/)")
    build.add_argument("--out", type=Path, help="output folder (default from site.toml: public/)")
    build.add_argument("--drafts", action="store_true", help="also publish notes marked draft: true")
    build.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    build.add_argument("--no-search", dest="search", action="store_false",
                       help="skip the search index: a quicker build when only the pages matter "
                            "(the search page then says that search is not available)")
    build.set_defaults(command=_build)

    build.add_argument("--base-url", help="the site's address, instead of base_url in site.toml "
                                          "(e.g. a GitHub Pages address)")

    check = commands.add_parser("check", help="check notes and catalogs; every problem as path:line: message")
    check.add_argument("paths", nargs="*", type=Path, help="note files or folders (default: the notes folder)")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check.add_argument("--fix", action="store_true",
                       help="rewrite aliases as canonical names and paragraph references in their "
                            "canonical form, in place; then check")
    check.add_argument("--published", metavar="FILE|URL",
                       help="the published site's list of addresses (its /data/urls.txt, a file or "
                            "a URL) that the whole archive must keep (default: published-urls.txt beside "
                            "site.toml, when it exists)")
    check.set_defaults(command=_check)

    serve = commands.add_parser("serve", help="build into a folder of its own, serve it locally, rebuild "
                                              "what changed and reload the browser")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, "
                                                           "this machine only)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--notes", type=Path)
    serve.add_argument("--drafts", action="store_true")
    serve.add_argument("--open", action="store_true", help="open the preview in a web browser")
    serve.set_defaults(command=_serve)

    bundle = commands.add_parser("bundle", help="the offline bundle: the whole archive, search included, "
                                                "in one zip that opens from the file system")
    bundle.add_argument("--out", metavar="FILE.zip", help="where to write the zip, or a folder to put it "
                                                          "in (default: TITLE-NEWEST-NOTE-DATE.zip here)")
    bundle.add_argument("--notes", type=Path, metavar="DIR", help="notes folder (default from site.toml: notes/)")
    bundle.set_defaults(command=_bundle)

    new = commands.add_parser("new", help="write a new note from the template, in the right folder")
    new.add_argument("title")
    new.add_argument("--date", required=True, help="the first day, YYYY-MM-DD")
    new.add_argument("--end", help="the last day, YYYY-MM-DD, if the event lasted more than one day")
    new.add_argument("--country", help="the host State: a name, alias or ISO alpha-3 code")
    new.add_argument("--notes", type=Path)
    new.set_defaults(command=_new)

    schema = commands.add_parser("schema", help="write the JSON Schema of the front matter, made "
                                                "from the catalogs (data/note.schema.json)")
    schema.add_argument("--out", type=Path, help="where to write it (default: note.schema.json in "
                                                 "the data folder)")
    schema.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the file is not up to date")
    schema.set_defaults(command=_schema)
    return parser


# Each command imports its module when it runs, as MkDocs' command line does: `check` on
# one file should not wait for the templates, the search index or the server to load.

def _config(args):
    from infonotes.config import load_config
    return load_config(args.config)


def _build(args) -> int:
    from infonotes.commands.build import build_site
    from infonotes.config import with_base_url
    config = _config(args)
    if args.base_url:
        config = with_base_url(config, args.base_url, "--base-url")
    result = build_site(config, notes_dir=args.notes, output_dir=args.out, drafts=args.drafts,
                        workers=args.jobs, search=args.search)
    out = args.out or config.output_dir
    print(f"built {result.files:,} files ({result.bytes / 1e6:.1f} MB) from "
          f"{result.notes:,} notes into {out} [{result.timings}]")
    return 0


def _check(args) -> int:
    from infonotes.commands.check import check_archive
    from infonotes.report import fixed, fixed_summary, print_report
    result = check_archive(_config(args), args.paths or None, fix=args.fix, published=args.published)
    for fix in result.fixes:
        print(fixed(fix))
    if args.fix:
        print(fixed_summary(result.fixes))
    print_report(result.problems, result.checked, strict=args.strict,
                 notes_checked=result.notes_checked)
    return 1 if result.failed(args.strict) else 0


def _serve(args) -> int:
    from infonotes.preview.serve import serve
    return serve(args.config, host=args.host, port=args.port, notes_dir=args.notes, drafts=args.drafts,
                 open_browser=args.open)


def _bundle(args) -> int:
    from infonotes.commands.bundle import make_bundle
    result = make_bundle(_config(args), out=args.out, notes_dir=args.notes)
    print(f"bundled {result.notes:,} notes ({result.files:,} files) [{result.timings}]")
    print(f"{result.path}: {result.size / 1e6:.1f} MB ({result.size:,} bytes)")
    print(f"sha256 {result.sha256}")
    return 0


def _new(args) -> int:
    from infonotes.archive.load import display_path
    from infonotes.commands.new import new_note_for_site
    path = new_note_for_site(_config(args), args.title, args.date, end=args.end, country=args.country,
                             notes_dir=args.notes)
    print(display_path(path))
    return 0


def _schema(args) -> int:
    from infonotes.archive.load import display_path
    from infonotes.commands.schema import update_schema
    schema = update_schema(_config(args), args.out, check=args.check)
    shown = display_path(schema.path)
    if schema.current:
        print(f"{shown} is up to date")
        return 0
    if args.check:
        print(f"{shown}:1: the schema is not up to date with the catalogs; "
              "run `python build.py schema` and commit the file", file=sys.stderr)
        return 1
    print(f"wrote {shown}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
