"""Command line: ``jilin-spatial SUBCOMMAND``.  Parses arguments and calls the library.

Exit status: 0 on success, 2 for a bad argument or bad input (one line on
stderr, no traceback), 1 for an unexpected error.
"""

from __future__ import annotations

import argparse
import sys
import time

from ._errors import InputError, InputTypeError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _progress(name, i, n):
    sys.stderr.write(f"[{i}/{n}] {name} ...\n")
    sys.stderr.flush()


def _cmd_datasets(args):
    from . import datasets

    av = datasets.available()
    for r in av.itertuples():
        flag = " (derived)" if r.derived else ""
        print(f"{r.name:<36} {r.kind:<8} {r.description}{flag}\n{'':<45}source: {r.source}; licence: {r.licence}")
    return 0


def _cmd_report(args):
    from .report import ReportOptions, build_report

    opts = ReportOptions(levels=tuple(args.level), years=tuple(args.years))
    t0 = time.perf_counter()
    res = build_report(args.out, force=args.force, options=opts, progress=_progress)
    print(f"wrote {res.out}/ in {time.perf_counter() - t0:.1f} s")
    for line in res.console:
        print(f"  {line}")
    print(f"  layers.gpkg: {', '.join(f'{k} ({v})' for k, v in res.layers.items())}")
    print(f"  tables/: {len(res.tables)} CSV files; summary.md")
    return 0


def _cmd_versions(args):
    from ._versions import show_versions

    print(show_versions())
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jilin-spatial", description="Spatial analysis of regional economies (Jilin Province by default).")
    p.add_argument("--version", action="store_true", help="print versions and exit")
    sub = p.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)

    s = sub.add_parser("datasets", help="list the embedded data with sources and licences")
    s.set_defaults(func=_cmd_datasets)

    s = sub.add_parser("report", help="main job: compute everything and write map, layers, tables, summary")
    s.add_argument("--out", required=True, help="output folder (must be empty or new)")
    s.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    s.add_argument("--level", nargs="+", default=["prefecture", "county"], choices=["prefecture", "county"])
    s.add_argument("--years", nargs="+", type=int, default=[2010, 2020])
    s.set_defaults(func=_cmd_report)

    s = sub.add_parser("versions", help="print dependency versions for bug reports")
    s.set_defaults(func=_cmd_versions)
    for register in _EXTRA:
        register(sub)
    return p


#: Later capabilities register their subcommands here: fn(subparsers).
_EXTRA: list = []


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        return _cmd_versions(args)
    if not args.command:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except (InputError, InputTypeError, FileNotFoundError) as exc:
        sys.stderr.write(f"jilin-spatial {args.command}: error: {exc}\n")
        return 2
    except ImportError as exc:
        sys.stderr.write(f"jilin-spatial {args.command}: error: {exc}\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
