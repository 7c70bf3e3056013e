"""The ``jilin-spatial lq`` job on a user's own table and polygons.

Computes what the data allows and says what it skipped and why:
location quotients always; agglomeration stages when the table has two or
more years; co-agglomeration when manufacturing and every producer-service
section are present; similarity always.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .concentration import (advantage_stage, agglomeration_index, coagglomeration, location_quotient,
                            similarity_coefficient)
from .export import write_csv, write_gpkg_layers
from .layers import attach
from .sectors import GROUPS

__all__ = ["run_lq_job"]


def run_lq_job(table: pd.DataFrame, polygons, out: Path, *, reference="panel", denominator="all",
               sectors=None) -> list[str]:
    """Write ``layers.gpkg`` and ``tables/*.csv`` for a user's data; return notes."""
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
        a = agglomeration_index(table, start=years[0], end=years[-1], sectors=sectors)
        end = lq[lq.year == years[-1]].set_index(["adcode", "sector"])["lq"]
        a["lq_end"] = end.reindex(pd.MultiIndex.from_frame(a[["adcode", "sector"]])).to_numpy()
        st = advantage_stage(a["lq_end"], a["A"])
        tables["agglomeration_stages"] = pd.concat([a, st[["stage_zh", "stage_en"]]], axis=1)
        layer = attach(layer, tables["agglomeration_stages"], value="stage_en", metric="stage", by=["sector"])
        notes.append(f"agglomeration_stages: {years[0]} -> {years[-1]}")
    else:
        notes.append("agglomeration_stages: skipped (the table has one year; two are needed)")
    tables["similarity"] = similarity_coefficient(table)
    secs = set(table["sector"])
    need = set(GROUPS["manufacturing"]) | set(GROUPS["producer_services"])
    if need <= secs:
        full = location_quotient(table, sectors=["manufacturing", "producer_services"], reference=reference,
                                 denominator=denominator)
        m = full[full.sector == "manufacturing"].set_index(["adcode", "year"])["lq"]
        s = full[full.sector == "producer_services"].set_index(["adcode", "year"])["lq"].reindex(m.index)
        co = coagglomeration(m, s).reset_index()
        tables["coagglomeration"] = co
        layer = attach(layer, co, value="CA", by=["year"])
        notes.append("coagglomeration: computed")
    else:
        notes.append(f"coagglomeration: skipped (needs sectors {sorted(need - secs)})")
    write_gpkg_layers({"lq": layer}, out / "layers.gpkg")
    for k, v in tables.items():
        write_csv(v, out / "tables" / f"{k}.csv")
    return notes
