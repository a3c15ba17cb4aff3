"""The command line: parse arguments, call one command, turn problems into exit status 1."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infonotes.problems import InputError


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
        report_problems(error.problems)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read the output left early (`check | head`): stop quietly, as other command
        # line tools do, and keep Python from failing again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def report_problems(problems) -> None:
    """Every problem, grouped by file, and a summary line (report.py formats them)."""
    from infonotes.report import print_report
    print_report(list(problems))


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


def _config(args):
    from infonotes.config import load_config
    return load_config(args.config)


def _build(args) -> int:
    from infonotes.commands.build import build_site
    config = _config(args)
    if args.base_url:
        config = _with_base_url(config, args.base_url)
    result = build_site(config, notes_dir=args.notes, output_dir=args.out, drafts=args.drafts,
                        workers=args.jobs, search=args.search)
    out = args.out or config.output_dir
    print(f"built {result.files:,} files ({result.bytes / 1e6:.1f} MB) from "
          f"{result.notes:,} notes into {out} [{result.timings}]")
    return 0


def _with_base_url(config, base_url: str):
    import dataclasses

    from infonotes.config import checked_base_url
    return dataclasses.replace(config, base_url=checked_base_url(base_url, "--base-url", 0))


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
    from infonotes.preview.server import serve
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
    from infonotes.archive.catalog import load_catalog
    from infonotes.archive.load import display_path
    from infonotes.commands.new import new_note
    from infonotes.commands.schema import FILE_NAME
    config = _config(args)
    catalog = load_catalog(config.data_dir, display_path(config.data_dir)) if args.country else None
    path = new_note(args.notes or config.notes_dir, args.title, args.date, end=args.end,
                    country=args.country, catalog=catalog, schema=config.data_dir / FILE_NAME)
    print(display_path(path))
    return 0


def _schema(args) -> int:
    from infonotes.archive.catalog import load_catalog
    from infonotes.archive.load import display_path
    from infonotes.commands.fix import write_atomically
    from infonotes.commands.schema import FILE_NAME, schema_text
    config = _config(args)
    text = schema_text(load_catalog(config.data_dir, display_path(config.data_dir)))
    target = args.out or config.data_dir / FILE_NAME
    if target.is_dir():
        target = target / FILE_NAME
    if not args.check and not target.parent.is_dir():
        from infonotes.problems import Problem
        raise InputError([Problem(str(target.parent), 0, "no such folder: create it first, or choose "
                                                         "another --out")])
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if args.check:
        if current != text:
            print(f"{display_path(target)}:1: the schema is not up to date with the catalogs; "
                  "run `python build.py schema` and commit the file", file=sys.stderr)
            return 1
        print(f"{display_path(target)} is up to date")
        return 0
    if current != text:
        write_atomically(target, text.encode("utf-8"))
    print(f"wrote {display_path(target)}" if current != text else f"{display_path(target)} is up to date")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
