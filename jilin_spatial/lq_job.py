"""The ``lq`` job: location quotients and what goes with them, on any region.

``run_lq(region, out, ...)`` opens the output folder (atomic, manifest,
provenance), runs :func:`run_lq_job` into it and returns an :class:`LqJobResult`.
The CLI's ``lq`` subcommand only parses its arguments and calls it.

Computes what the data allows and says what it skipped and why:
location quotients always; agglomeration stages when the table has two or
more years; co-agglomeration when manufacturing and every producer-service
section are present; similarity always.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .concentration import (agglomeration_index, coagglomeration_table, location_quotient, similarity_coefficient,
                            stage_table)
from .export import safe_filename, write_csv, write_gpkg_layers
from .layers import attach
from .sectors import GROUPS

__all__ = ["run_lq", "run_lq_job", "LqJobResult"]


@dataclass
class LqJobResult:
    """Where the job wrote and its notes (one line per output)."""

    out: Path
    notes: list


def run_lq(region, out, *, reference: str = "panel", denominator: str = "all", sectors=None, force: bool = False,
           arguments: dict | None = None) -> LqJobResult:
    """Run the LQ job on ``region`` (a :class:`~jilin_spatial.regions.Region`) and write ``out``.

    Writes ``layers.gpkg`` (layer ``lq``), ``tables/*.csv``, ``map.html``,
    ``figures/``, ``summary.md`` and ``provenance.json``.
    """
    from .export import OutputDir

    inputs = [Path(s["path"]) for s in region.sources if s.get("path")]
    od = OutputDir(out, force=force, job="lq", inputs=inputs, arguments=arguments or {
        "reference": reference, "denominator": denominator, "sectors": sectors, "region": region.describe()})
    polygons = region.units[["adcode", "name_zh", "name_en", "geometry"]]
    with od as staging:
        notes = run_lq_job(region.employment, polygons, staging, reference=reference, denominator=denominator,
                           sectors=sectors, timestamp=od.timestamp)
    return LqJobResult(out=od.target, notes=notes)


def run_lq_job(table: pd.DataFrame, polygons, out: Path, *, reference="panel", denominator="all",
               sectors=None, with_map: bool = True, timestamp=None) -> list[str]:
    """Write ``layers.gpkg`` and ``tables/*.csv`` for a user's data; return notes.

    Any sector name works: file names are made safe with
    :func:`~jilin_spatial.export.safe_filename`.  ``timestamp`` is the
    GeoPackage timestamp (default :func:`~jilin_spatial.export.output_timestamp`).
    """
    out = Path(out)
    notes = []
    names = polygons[["adcode", "name_zh", "name_en"]]
    table = table.drop(columns=[c for c in ("name_zh", "name_en") if c in table]).merge(names, on="adcode", how="left")
    if sectors is None:
        present = set(table["sector"])
        sectors = sorted(present - {"TOTAL"}) + [g for g, m in GROUPS.items()
                                                  if g != "non_agricultural" and set(m) <= present]
    lq = location_quotient(table, sectors=sectors, reference=reference, denominator=denominator)
    lq["level"] = "user"
    tables = {"location_quotients": lq[["adcode", "name_zh", "name_en", "level", "year", "sector", "denominator", "lq",
                                        "mask_reason", "reference"]]}
    layer = attach(polygons, lq, value="lq")
    notes.append(f"location_quotients: {len(lq)} values, {int((lq.mask_reason != '').sum())} masked")
    years = sorted(table["year"].unique())
    if len(years) >= 2:
        tables["agglomeration_stages"] = stage_table(
            agglomeration_index(table, start=years[0], end=years[-1], sectors=sectors), lq)
        layer = attach(layer, tables["agglomeration_stages"], value="stage_en", metric="stage", by=["sector"])
        notes.append(f"agglomeration_stages: {years[0]} -> {years[-1]}")
    else:
        notes.append("agglomeration_stages: skipped (the table has one year; two are needed)")
    tables["similarity"] = similarity_coefficient(table)
    secs = set(table["sector"])
    need = set(GROUPS["manufacturing"]) | set(GROUPS["producer_services"])
    if need <= secs:
        pair = ["manufacturing", "producer_services"]
        full = lq if set(pair) <= set(lq.sector) else location_quotient(table, sectors=pair, reference=reference,
                                                                         denominator=denominator)
        co = coagglomeration_table(full)
        tables["coagglomeration"] = co
        layer = attach(layer, co, value="CA", by=["year"])
        notes.append("coagglomeration: computed")
    else:
        notes.append(f"coagglomeration: skipped (needs sectors {sorted(need - secs)})")
    write_gpkg_layers({"lq": layer}, out / "layers.gpkg", timestamp=timestamp)
    for k, v in tables.items():
        write_csv(v, out / "tables" / f"{k}.csv")
    if with_map:
        order = [g for g in GROUPS if g in set(lq.sector)] + [x for x in lq.sector.unique() if x not in GROUPS]
        notes += _map_and_summary(layer, lq, out, sectors_for_map=order[:8])
    return notes


def _map_and_summary(layer, lq, out: Path, *, sectors_for_map):
    """map.html (one layer per sector and year), one figure per mapped sector (latest year), summary.md."""
    from .figures import choropleth_png
    from .webmap import STAGE_COLORS, MapLayer, build_map, save_map

    years = sorted(lq.year.unique(), reverse=True)
    layers = []
    for sec in sectors_for_map:
        for y in years:
            col = f"lq_{sec}_{y}"
            if col in layer:
                layers.append(MapLayer(f"LQ {sec}", layer, col, unit="LQ", year=int(y), show=not layers))
    for c in [c for c in layer.columns if c.startswith("stage_")][:4]:
        layers.append(MapLayer(c.replace("_", " "), layer, c, kind="categorical", colors=STAGE_COLORS))
    save_map(build_map(layers, title="jilin_spatial (your data)"), out / "map.html")
    (out / "figures").mkdir(exist_ok=True)
    for sec in sectors_for_map[:4]:
        col = f"lq_{sec}_{years[0]}"
        if col in layer:
            choropleth_png(layer, col, out / "figures" / f"{safe_filename(f'lq_{sec}_{years[0]}')}.png",
                           title=f"LQ {sec}, {years[0]}",
                           unit="LQ", source="user data")
    masked = lq[lq.mask_reason != ""]
    md = ["# jilin_spatial report (your data)", "",
          f"- {lq.adcode.nunique()} units, years {sorted(int(y) for y in lq.year.unique())}, "
          f"{lq.sector.nunique()} sectors/groups; reference {lq.reference.iloc[0]}, denominator {lq.denominator.iloc[0]}.",
          f"- {len(masked)} LQ values masked" + (f" ({', '.join(sorted(masked.mask_reason.unique()))})." if len(masked) else "."),
          f"- map.html: {len(layers)} layers (offline). For coupling, autocorrelation, gravity ties and circles on "
          "the same data, run `jilin-spatial report` with the same files.",
          "- provenance.json: package and dependency versions, the input files with their SHA-256, the arguments, "
          "and the start and end times of this run.", ""]
    (out / "summary.md").write_text("\n".join(md), encoding="utf-8")
    return [f"map.html: {len(layers)} layers; figures/; summary.md"]
