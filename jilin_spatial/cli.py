"""Command line: ``jilin-spatial SUBCOMMAND``.  Parses arguments and calls the library.

Exit status: 0 on success, 2 for a bad argument or bad input (one line on
stderr, no traceback), 1 for an unexpected error.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from ._errors import InputError, InputTypeError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2
        sys.stderr.write(f"{self.prog}: error: {' '.join(str(message).split())}\n")
        sys.exit(2)

    def _check_value(self, action, value):
        """A value outside ``choices``: the four-part message (argparse's reads 'invalid choice: ...')."""
        if action.choices is None or value in action.choices:
            return
        choices = list(action.choices)
        if action.option_strings:
            name = max(action.option_strings, key=len)
            fix = f"pass one of them, e.g. {name} {choices[0]}"
        else:  # the subcommand
            name = action.metavar or action.dest
            fix = f"run one of them, e.g. {self.prog} {choices[0]} (see {self.prog} --help)"
        raise argparse.ArgumentError(None, f"{name}: expected one of {choices}, got {value!r}. Fix: {fix}")


def _number(option: str, *, lo: float, hi: float, example: str, integer: bool = False, lo_open: bool = True):
    """An argparse type: a finite number in ``(lo, hi]`` (``[lo, hi]`` if not ``lo_open``); errors name ``option``."""
    left = "(" if lo_open else "["
    what = f"{'a whole' if integer else 'a finite'} number in {left}{lo:g}, {hi:g}]"

    def parse(text: str):
        try:
            v = int(text) if integer else float(text)
        except ValueError:
            v = None
        if v is None or not math.isfinite(v) or v > hi or (v <= lo if lo_open else v < lo):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}. Fix: e.g. {option} {example}")
        return v

    parse.__name__ = option
    return parse


_MINUTES = _number("--minutes", lo=0, hi=1440, example="30 60")  # a circle threshold of at most a day


def _arguments(args) -> dict:
    """The parsed arguments, for provenance.json."""
    return {k: v for k, v in sorted(vars(args).items()) if k != "func"}


def _progress(name, i, n):
    done = int(20 * (i - 1) / n)
    sys.stderr.write(f"[{'#' * done}{'.' * (20 - done)}] {i}/{n} {name} ...\n")
    sys.stderr.flush()


def _cmd_datasets(args):
    from . import datasets

    av = datasets.available()
    for r in av.itertuples():
        flag = " (derived)" if r.derived else ""
        print(f"{r.name:<36} {r.kind:<8} {r.description}{flag}\n{'':<45}source: {r.source}; licence: {r.licence}")
    return 0


def _user_region(args, *, level="unit"):
    """Region.from_files from the common file options (report and lq)."""
    from .regions import Region

    return Region.from_files(args.polygons, id_col=args.id_col, poly_id_col=args.poly_id_col, table=args.table,
                             name_col=args.name_col, form=args.form, year=args.year, letters=args.letters,
                             population=getattr(args, "population", None),
                             indicators=getattr(args, "indicators", None),
                             indicator_system=getattr(args, "indicator_system", None),
                             seats=getattr(args, "seats", None), rail=getattr(args, "rail", None),
                             centres=getattr(args, "centre", None) or (), parent_col=getattr(args, "parent_col", None),
                             level=level, name=getattr(args, "name", None), encoding=args.encoding, sep=args.sep,
                             invalid=args.invalid, on_mismatch=args.on_mismatch, sector_names=args.sector_names)


def _cmd_report(args):
    from .report import ReportOptions, build_report, jilin_regions

    own = [args.table, args.polygons, args.id_col]
    if any(own) and not all(own):
        raise InputError("--table", "--table, --id-col and --polygons together for your own data",
                         "only some of them", "pass all three, or none for the embedded Jilin data")
    if all(own):
        region = _user_region(args, level=args.unit_level)
        regions = [region] + ([region.aggregate(args.parent_level)] if args.parent_col else [])
        opts = ReportOptions(years=tuple(args.years) if args.years else None, minutes=tuple(args.minutes),
                             lang=args.lang, tiles=args.tiles, figures=args.figures)
    elif args.region and args.region.lower() not in ("jilin", "吉林", "220000"):
        from .regions import Region

        provinces = None if args.region.lower() in ("china", "national", "全国") else [args.region]
        regions = [Region.china(lv, provinces=provinces) for lv in ("prefecture", "county") if lv in args.level]
        opts = ReportOptions(years=tuple(args.years) if args.years else None,
                             centres=tuple(args.centre) if args.centre else None, minutes=tuple(args.minutes),
                             lang=args.lang, tiles=args.tiles, figures=args.figures)
    else:
        regions = jilin_regions(tuple(args.level))
        opts = ReportOptions(years=tuple(args.years) if args.years else None,
                             centres=tuple(args.centre) if args.centre else None, minutes=tuple(args.minutes),
                             lang=args.lang, tiles=args.tiles, figures=args.figures)
    t0 = time.perf_counter()
    res = build_report(args.out, regions=regions, force=args.force, options=opts, progress=_progress,
                       arguments=_arguments(args))
    print(f"wrote {res.out}/ in {time.perf_counter() - t0:.1f} s")
    for line in res.console:
        print(f"  {line}")
    print(f"  layers.gpkg: {', '.join(f'{k} ({v})' for k, v in res.layers.items())}")
    print(f"  tables/: {len(res.tables)} CSV files; summary.md")
    for step, what in res.skipped:
        print(f"  skipped {step}: needs {what}")
    return 0


def _cmd_lq(args):
    from .lq_job import run_lq

    res = run_lq(_user_region(args), args.out, reference=args.reference, denominator=args.denominator,
                 sectors=args.sectors, force=args.force, arguments=_arguments(args))
    print(f"wrote {res.out}/")
    for n in res.notes:
        print(f"  {n}")
    return 0


def _file_options(s, *, required: bool):
    """The options that describe a user's region files (report and lq)."""
    s.add_argument("--table", required=required, nargs="+" if not required else None,
                   help="employment by unit and sector, CSV or Excel (wide: one column per sector, census headers "
                        "in Chinese or English or sector keys; or long: id, sector, year, value)")
    s.add_argument("--id-col", required=required, help="unit id column of the table (and the polygons)")
    s.add_argument("--polygons", required=required, help="GeoPackage, GeoJSON or Shapefile")
    s.add_argument("--poly-id-col", help="id column of the polygons (default: --id-col)")
    s.add_argument("--name-col", help="unit name column (polygons or table), for labels and --centre")
    s.add_argument("--form", choices=["long", "wide"], default="wide" if not required else "long")
    s.add_argument("--year", type=_number("--year", lo=1900, hi=2100, integer=True, lo_open=False, example="2020"),
                   nargs="+" if not required else None,
                   help="year of a wide table without a year column (one per --table)")
    s.add_argument("--letters", choices=["2002", "2017"], help="GB/T 4754 vintage of bare section letters")
    s.add_argument("--sector-names", choices=["auto", "census", "as_is"], default="auto",
                   help="census: every header must be a GB/T 4754 section (unrecognised ones are listed); as_is: "
                        "keep your own classification; auto (default): census when any header is recognised")
    s.add_argument("--encoding", help="text encoding (default: UTF-8, then GBK/GB18030)")
    s.add_argument("--sep", help="delimiter (default: sniffed)")
    s.add_argument("--invalid", choices=["raise", "repair"], default="raise", help="invalid geometries")
    s.add_argument("--on-mismatch", choices=["raise", "warn"], default="raise",
                   help="ids in the table without a polygon: raise, or warn and keep them (counted, not drawn)")


def _register_lq(sub):
    s = sub.add_parser("lq", help="location quotients (and stages, similarity, co-agglomeration) for your own data")
    _file_options(s, required=True)
    s.add_argument("--reference", choices=["panel", "rest"], default="panel")
    s.add_argument("--denominator", choices=["all", "non_agricultural"], default="all")
    s.add_argument("--sectors", nargs="+", help="sectors or groups (default: all sections + complete groups)")
    s.add_argument("--out", required=True)
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=_cmd_lq)


def _cmd_circle(args):
    from .circle_job import run_circle
    from .regions import Region

    scenario = getattr(args, "scenario", None)
    if scenario is not None and not scenario.lower().endswith(".csv"):
        from .jilin import scenario as builtin  # a built-in scenario of the Jilin recipe, by name

        scenario = builtin(scenario, speed_kph=args.scenario_speed, detour=args.scenario_detour)
    gp = {k: v for k, v in (("road_speed_kph", args.road_speed), ("urban_speed_kph", args.urban_speed),
                            ("boarding_min", args.boarding_min), ("transfer_min", args.transfer_min),
                            ("detour", args.detour)) if v is not None}
    if args.seats or args.rail or args.polygons:
        region = _user_region(args)
        masses = None
    else:
        region, masses = Region.jilin("county"), Region.jilin("prefecture")
    res = run_circle(region, args.out, centres=args.centre, minutes=args.minutes,
                     links=args.add_link, links_path=args.links, scenario=scenario,
                     speeds_kph={"high-speed": args.speed_hsr, "conventional": args.speed_conventional},
                     access_min=args.access_min, graph_params=gp, road_times=args.road_times,
                     inclusive=not args.exclusive, masses_region=masses, force=args.force,
                     arguments=_arguments(args))
    print(f"wrote {res.out}/ (map.html, layers.gpkg, tables/; door-to-door minutes are modelled)")
    cov = res.coverage
    for r in cov.itertuples():
        if "n_counties_after" in cov:
            print(f"  {r.centre} {r.minutes:.0f} min: {r.n_counties_before:.0f} -> {r.n_counties_after:.0f} counties, "
                  f"population share {r.population_share_before:.1%} -> {r.population_share_after:.1%}")
        else:
            print(f"  {r.centre} {r.minutes:.0f} min: {r.n_counties} counties ({r.n_borderline} borderline): "
                  f"{r.county_names}")
    for r in res.entered.itertuples():
        print(f"  {r.status} {r.centre} {r.minutes:.0f}-min circle: {r.name_en} "
              f"({r.travel_min_before:.0f} -> {r.travel_min_after:.0f} min)")
    return 0


def _circle_options(s, *, scenario: bool):
    s.add_argument("--from", dest="centre", nargs="+", default=None,
                   help="centres: names or ids (a seat), or station:NAME (default Changchun, Jilin City)")
    s.add_argument("--minutes", nargs="+", type=_MINUTES, default=[30, 60, 90])
    if scenario:
        s.add_argument("--scenario", help="built-in scenario (proposed-loop) or a CSV of stops: line,seq,stop"
                       "[,speed_kph,leg_km,leg_min,mode,detour]")
        s.add_argument("--scenario-speed", type=_number("--scenario-speed", lo=0, hi=1000, example="200"),
                       help="speed of the built-in scenario line, km/h (default: its documented design speed)")
        s.add_argument("--scenario-detour", type=_number("--scenario-detour", lo=0, hi=5, example="1.2"),
                       help="rail km over great-circle km for the built-in scenario's modelled legs")
    s.add_argument("--add-link", action="append", metavar="FROM,TO,RAIL_KM,MODE[,SPEED_KPH]",
                   help="scenario link (repeatable); FROM/TO are place names, ids or station:NAME")
    s.add_argument("--links", help="CSV with columns from,to,rail_km,mode[,speed_kph]")
    s.add_argument("--speed-hsr", type=_number("--speed-hsr", lo=0, hi=1000, example="220"), default=220.0,
                   help="high-speed commercial speed, km/h")
    s.add_argument("--speed-conventional", type=_number("--speed-conventional", lo=0, hi=1000, example="90"),
                   default=90.0, help="conventional commercial speed, km/h")
    s.add_argument("--access-min", type=_number("--access-min", lo=0, hi=1440, example="15"), default=15.0,
                   help="minutes between a seat and a station that has no point (the stated default)")
    s.add_argument("--road-speed", type=_number("--road-speed", lo=0, hi=200, example="80"),
                   help="inter-county road speed, km/h (default 80)")
    s.add_argument("--urban-speed", type=_number("--urban-speed", lo=0, hi=200, example="25"),
                   help="in-town speed, km/h (default 25)")
    s.add_argument("--boarding-min", type=_number("--boarding-min", lo=0, hi=240, example="10", lo_open=False),
                   help="minutes at the boarding station, once per rail trip (default 10)")
    s.add_argument("--transfer-min", type=_number("--transfer-min", lo=0, hi=240, example="10", lo_open=False),
                   help="minutes per change of service (default 10)")
    s.add_argument("--detour", type=_number("--detour", lo=0, hi=5, example="1.3"),
                   help="road km over great-circle km (default 1.3)")
    s.add_argument("--road-times", help="CSV of measured drive minutes between seats: from,to,road_min "
                   "(replace the modelled road for those pairs)")
    s.add_argument("--seats", help="CSV of seat points (id column, lon, lat) for your own region (with --polygons)")
    s.add_argument("--rail", help="CSV of rail edges (from, to, rail_km, mode[, travel_min]) for your own region")
    _file_options(s, required=False)
    s.add_argument("--exclusive", action="store_true", help="a seat exactly at the threshold is outside")
    s.add_argument("--out", required=True)
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=_cmd_circle)


def _register_circle(sub):
    s = sub.add_parser("circle", help="economic circles from centres (door-to-door minutes), map and tables")
    _circle_options(s, scenario=False)
    s = sub.add_parser("scenario", help="circles before and after a scenario line (e.g. --scenario proposed-loop)")
    _circle_options(s, scenario=True)


def _cmd_tfp(args):
    from .tfp_job import run_tfp

    res = run_tfp(args.panel, args.out, dmu=args.dmu, period=args.period, inputs=args.inputs, outputs=args.outputs,
                  orientation=args.orientation, rts=args.rts, frontier=args.frontier, force=args.force,
                  encoding=args.encoding, arguments=_arguments(args))
    print(f"wrote {res.out}/tables/ (malmquist, by_period, by_dmu, tfp_cumulative); "
          f"{res.n_flagged} flagged DMU-periods")
    for m in res.by_period:
        print(f"  {m.period}: tfpch {m.tfpch:.4f} (effch {m.effch:.4f}, techch {m.techch:.4f}; "
              f"mean of {m.n_used} DMUs, {m.n_flagged} flagged left out)")
    return 0


def _register_tfp(sub):
    s = sub.add_parser("tfp", help="DEA-Malmquist TFP index for a panel")
    s.add_argument("--panel", required=True, help="CSV or Excel, one row per DMU and period")
    s.add_argument("--dmu", required=True)
    s.add_argument("--period", required=True)
    s.add_argument("--inputs", nargs="+", required=True)
    s.add_argument("--outputs", nargs="+", required=True)
    s.add_argument("--orientation", choices=["output", "input"], default="output")
    s.add_argument("--rts", choices=["crs", "vrs"], default="crs")
    s.add_argument("--frontier", choices=["contemporaneous", "sequential", "global"], default="contemporaneous")
    s.add_argument("--encoding")
    s.add_argument("--out", required=True)
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=_cmd_tfp)


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
    s.add_argument("--level", nargs="+", default=["prefecture", "county"], choices=["prefecture", "county"],
                   help="embedded Jilin levels (without --table/--polygons)")
    s.add_argument("--region", help="embedded region: 'china' (national pack) or a province name or code "
                                    "(e.g. liaoning, 辽宁, 210000); default Jilin")
    s.add_argument("--years", nargs="+", type=_number("--years", lo=1900, hi=2100, integer=True, lo_open=False,
                                                     example="2010 2020"),
                   help="census years to use (default: every year of the data)")
    s.add_argument("--centre", nargs="+", help="economic-circle centres: ids or unit names "
                                               "(default for Jilin: Changchun, Jilin City)")
    s.add_argument("--minutes", nargs="+", type=_MINUTES, default=[30, 60, 90], help="circle thresholds")
    _file_options(s, required=False)
    s.add_argument("--population", help="CSV with the id column, population (and optionally year)")
    s.add_argument("--indicators", help="CSV of coupling indicators: id column, year, one column per indicator")
    s.add_argument("--indicator-system", help="CSV subsystem, indicator, direction (default: the package's system)")
    s.add_argument("--seats", help="CSV of seat points: id column, lon, lat (default: representative points)")
    s.add_argument("--rail", help="CSV of rail edges: from, to, rail_km, mode[, travel_min]")
    s.add_argument("--parent-col", help="parent id column of the polygons: also report the parent level (summed)")
    s.add_argument("--parent-level", default="parent", help="name of the parent level (e.g. prefecture)")
    s.add_argument("--unit-level", default="unit", help="name of the level of your units (e.g. county)")
    s.add_argument("--name", help="name of your region, for titles")
    s.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the map's place names and "
                   "controls and of the figures' labels (default: en)")
    s.add_argument("--tiles", default="none", choices=["none", "osm"], help="online basemap under the map "
                   "(default none: offline, unit outlines only); osm is WGS84 (Chinese GCJ-02 tiles would not line up)")
    s.add_argument("--figures", default="key", choices=["key", "all", "none"],
                   help="PNG figures: key (default: producer-service LQ per level), all, or none")
    s.set_defaults(func=_cmd_report)

    s = sub.add_parser("versions", help="print dependency versions for bug reports")
    s.set_defaults(func=_cmd_versions)
    for register in _EXTRA:
        register(sub)
    return p


def _cmd_qgis_plugin(args):
    from .qgis_zip import ALGORITHM_IDS, build_plugin_zip, plugin_metadata

    path = build_plugin_zip(args.out, force=args.force)
    meta = plugin_metadata()
    print(f"wrote {path} ({path.stat().st_size} bytes): QGIS plugin {meta['name']!r} {meta['version']}, "
          f"QGIS >= {meta['qgisminimumversion']}")
    print(f"  install: QGIS > Plugins > Manage and Install Plugins > Install from ZIP; algorithms: "
          f"{', '.join(ALGORITHM_IDS)}")
    print("  QGIS's Python must import jilin_spatial: see docs/qgis.md")
    return 0


def _register_qgis_plugin(sub):
    s = sub.add_parser("qgis-plugin", help="write the installable QGIS Processing plugin zip")
    s.add_argument("--out", required=True, help="folder for jilin_spatial_qgis-<version>.zip")
    s.add_argument("--force", action="store_true", help="replace an existing zip")
    s.set_defaults(func=_cmd_qgis_plugin)


#: Later capabilities register their subcommands here: fn(subparsers).
_EXTRA: list = [_register_lq, _register_circle, _register_tfp, _register_qgis_plugin]



def _cmd_tfp_study(args):
    from .tfp_study import run_tfp_study

    res = run_tfp_study(args.panel, args.out, delta=args.delta, form=args.form, log_controls=args.log_controls or (),
                        cov=args.cov, compare_paper=args.compare_paper, force=args.force, encoding=args.encoding,
                        arguments=_arguments(args))
    print(f"wrote {res.out}/tables/ (table1_2sls_ivgmm_national, table2_ivgmm_by_region, table3_path_tc_ec, "
          "estimates_long, study_variables, iv_diagnostics, fixed_effects)")
    print(res.table1.to_string(index=False))
    return 0


def _register_tfp_study(sub):
    s = sub.add_parser("tfp-study", help="the 261-city TFP study end to end on a city-year panel (docs/papers.md)")
    s.add_argument("--panel", required=True, help="CSV or Excel in the template's layout "
                                                  "(jilin_spatial/data/templates/tfp_study_template.csv)")
    s.add_argument("--out", required=True)
    s.add_argument("--delta", type=_number("--delta", lo=0, hi=0.999, lo_open=False, example="0.096"),
                   default=0.096, help="depreciation rate of the perpetual inventory (default 0.096)")
    s.add_argument("--form", choices=["log", "levels"], default="log")
    s.add_argument("--log-controls", nargs="+", help="controls to enter in logs, e.g. PGDP POP")
    s.add_argument("--cov", choices=["robust", "clustered"], default="robust")
    s.add_argument("--compare-paper", action="store_true", help="set the published coefficients beside them")
    s.add_argument("--encoding")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=_cmd_tfp_study)


_EXTRA.append(_register_tfp_study)

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
