"""The command line: parse arguments, call one command, turn problems into exit status 1."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import InputError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except InputError as error:
        report_problems(error.problems)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130


def report_problems(problems) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    files = len({p.path for p in problems})
    noun = "problem" if len(problems) == 1 else "problems"
    where = "file" if files == 1 else "files"
    print(f"{len(problems)} {noun} in {files} {where}", file=sys.stderr)


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
    build.set_defaults(command=_build)

    check = commands.add_parser("check", help="check notes and catalogs; every problem as path:line: message")
    check.add_argument("paths", nargs="*", type=Path, help="note files or folders (default: the notes folder)")
    check.set_defaults(command=_check)

    serve = commands.add_parser("serve", help="build into a folder of its own and serve it locally")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--notes", type=Path)
    serve.add_argument("--drafts", action="store_true")
    serve.set_defaults(command=_serve)

    new = commands.add_parser("new", help="write a new note from the template, in the right folder")
    new.add_argument("title")
    new.add_argument("--date", required=True, help="the first day, YYYY-MM-DD")
    new.add_argument("--notes", type=Path)
    new.set_defaults(command=_new)
    return parser


def _config(args):
    from .config import load_config
    return load_config(args.config)


def _build(args) -> int:
    from .build import build_site
    config = _config(args)
    result = build_site(config, notes_dir=args.notes, output_dir=args.out, drafts=args.drafts,
                        workers=args.jobs)
    out = args.out or config.output_dir
    print(f"built {result.files:,} files ({result.bytes / 1e6:.1f} MB) from "
          f"{result.notes:,} notes into {out} [{result.timings}]")
    return 0


def _check(args) -> int:
    from .build import check_paths
    count = check_paths(_config(args), args.paths or None)
    print(f"{count:,} notes checked: no problems")
    return 0


def _serve(args) -> int:
    from .serve import serve
    return serve(_config(args), host=args.host, port=args.port, notes_dir=args.notes, drafts=args.drafts)


def _new(args) -> int:
    from .new import new_note
    config = _config(args)
    path = new_note(args.notes or config.notes_dir, args.title, args.date)
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
