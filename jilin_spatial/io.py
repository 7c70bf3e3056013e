"""Read and validate a user's own polygons and tables (bring your own data).

Polygons: GeoPackage, GeoJSON or Shapefile, with an id column the user names.
Tables: CSV or Excel, long (region, sector, year, value) or wide (one column
per sector), UTF-8 or GBK/GB18030 (common in yearbook exports).

Everything is validated here, before any computation: CRS, geometry
validity, duplicate ids, id pairing between table and polygons, negative or
non-numeric values, empty files, wrong delimiters and encodings.  The user's
id column is renamed to the package's key ``adcode`` (kept as a string); the
original name is stored in ``.attrs["id_column"]``.  Input files are never
modified.
"""

from __future__ import annotations

import csv
import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import (
    CRSError,
    DataNoteWarning,
    EmptyInputError,
    FileFormatError,
    GeometryError,
    IdMismatchError,
    InputError,
    check_choice,
)

__all__ = ["read_polygons", "read_table", "validate_table", "check_pairing", "validate_polygons"]

log = logging.getLogger(__name__)

_POLY_EXT = (".gpkg", ".geojson", ".json", ".shp")
_TABLE_EXT = (".csv", ".txt", ".tsv", ".xlsx", ".xls")
_INVALID = ("raise", "repair")
_FORMS = ("long", "wide")


def _existing(path, argument):
    p = Path(path)
    if not p.exists():
        raise InputError(argument, "an existing file", f"{str(p)!r} (not found)", "check the path")
    if p.is_file() and p.stat().st_size == 0:
        raise EmptyInputError(argument, "a non-empty file", f"{str(p)!r} (0 bytes)", "re-export the data")
    return p


def validate_polygons(gdf, *, id_col: str = "adcode", invalid: str = "raise", crs=None, argument: str = "polygons"):
    """Validate a GeoDataFrame and return a cleaned copy in EPSG:4326.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
    id_col : str
        Column holding the unit id; renamed to ``adcode``.
    invalid : {"raise", "repair"}
        What to do with invalid geometries.  ``"repair"`` applies
        ``shapely.make_valid`` and warns with the ids repaired.
    crs : str or pyproj.CRS, optional
        The CRS to assume when the data has none.  Never guessed.

    Raises
    ------
    CRSError, GeometryError, IdMismatchError, EmptyInputError, InputError
    """
    import shapely
    from pyproj import CRS
    from pyproj.exceptions import CRSError as _PyprojCRSError

    check_choice("invalid", invalid, _INVALID, fix="pass invalid='raise' or 'repair'")
    if len(gdf) == 0:
        raise EmptyInputError(argument, "at least one feature", "0 features", "check the file or layer name")
    if id_col not in gdf.columns:
        raise InputError("id_col", f"a column of {argument}", repr(id_col),
                         f"choose one of {[c for c in gdf.columns if c != gdf.geometry.name]}")
    gdf = gdf.copy()
    if crs is not None:
        try:
            crs_obj = CRS.from_user_input(crs)
        except _PyprojCRSError as exc:
            raise CRSError("crs", "a CRS pyproj understands (e.g. 'EPSG:4326')", repr(crs),
                           "pass an EPSG code or WKT") from exc
        if gdf.crs is None:
            gdf = gdf.set_crs(crs_obj)
        elif not gdf.crs.equals(crs_obj):
            gdf = gdf.to_crs(crs_obj)
    if gdf.crs is None:
        raise CRSError(argument, "a defined CRS", "no CRS (missing .prj or crs member)",
                       "pass crs='EPSG:4326' (or the data's true CRS); it is never guessed")
    try:
        epsg = gdf.crs.to_epsg()
        gdf.crs.to_wkt()
    except Exception as exc:  # pragma: no cover - pyproj-level failure
        raise CRSError(argument, "a known CRS", repr(gdf.crs), "set a valid CRS") from exc
    if epsg is None and gdf.crs.name in ("unknown", "undefined", ""):
        raise CRSError(argument, "a known CRS", f"an unidentified CRS {gdf.crs.name!r}",
                       "reproject to EPSG:4326 in GIS, or pass crs=")
    ids = gdf[id_col].astype(str)
    if ids.isin(["nan", "None", ""]).any():
        raise IdMismatchError(id_col, "an id on every feature", f"{int(ids.isin(['nan', 'None', '']).sum())} empty ids",
                              "fill in the ids")
    dup = sorted(ids[ids.duplicated()].unique())
    if dup:
        raise IdMismatchError(id_col, "unique ids", f"duplicates {dup[:10]}", "dissolve or rename duplicated units")
    gdf[id_col] = ids
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise GeometryError(argument, "a geometry on every feature", f"empty geometry for ids {sorted(ids[empty])[:10]}",
                            "remove those features or fix their geometry")
    bad = ~gdf.geometry.is_valid
    if bad.any():
        bad_ids = sorted(ids[bad])
        if invalid == "raise":
            reasons = shapely.is_valid_reason(gdf.geometry[bad].values)
            raise GeometryError(argument, "valid geometries", f"{int(bad.sum())} invalid ({bad_ids[:10]}: {list(reasons)[:3]})",
                                "pass invalid='repair' to apply shapely.make_valid, or fix them in GIS")
        gdf.loc[bad, gdf.geometry.name] = shapely.make_valid(gdf.geometry[bad].values)
        warnings.warn(f"repaired {int(bad.sum())} invalid geometries with shapely.make_valid: {bad_ids[:10]}",
                      DataNoteWarning, stacklevel=3)
    if gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    gdf = gdf.rename(columns={id_col: "adcode"}) if id_col != "adcode" else gdf
    gdf.attrs["id_column"] = id_col
    return gdf


def read_polygons(path, *, id_col: str, layer: str | None = None, invalid: str = "raise", crs=None,
                  name_col: str | None = None):
    """Read a user's polygons from GeoPackage, GeoJSON or Shapefile.

    Parameters
    ----------
    path : str or Path
    id_col : str
        The column that identifies each unit (renamed to ``adcode``).
    layer : str, optional
        Layer name for multi-layer GeoPackages.
    invalid : {"raise", "repair"}
        Invalid geometries raise (default) or are repaired with a warning.
    crs : optional
        CRS to assume if the file declares none; never guessed.
    name_col : str, optional
        A name column copied to ``name_en`` and ``name_zh`` when those are absent.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, with ``adcode``.

    Examples
    --------
    >>> from jilin_spatial import datasets, io
    >>> gdf = io.read_polygons(datasets.get_path("prefectures"), id_col="adcode")
    >>> len(gdf)
    9
    """
    import geopandas as gpd

    p = _existing(path, "path")
    if p.suffix.lower() not in _POLY_EXT:
        raise FileFormatError("path", f"a polygon file {list(_POLY_EXT)}", repr(p.suffix),
                              "export as GeoPackage or GeoJSON")
    try:
        gdf = gpd.read_file(p, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise FileFormatError("path", "a readable vector file", f"{type(exc).__name__}: {exc}",
                              "open it in QGIS to check it") from exc
    gdf = validate_polygons(gdf, id_col=id_col, invalid=invalid, crs=crs, argument="path")
    if name_col is not None:
        if name_col not in gdf:
            raise InputError("name_col", "a column of the polygons", repr(name_col), f"choose from {list(gdf.columns)}")
        for c in ("name_en", "name_zh"):
            if c not in gdf:
                gdf[c] = gdf[name_col].astype(str)
    for c in ("name_en", "name_zh"):
        if c not in gdf:
            gdf[c] = gdf["adcode"]
    return gdf


def _sniff_text(p: Path, encoding: str | None, sep: str | None):
    """Return (text, encoding used, delimiter)."""
    data = p.read_bytes()
    if not data.strip():
        raise EmptyInputError("path", "a non-empty table", "an empty file", "re-export the data")
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    text = None
    for enc in tried:
        try:
            text = data.decode(enc)
            used = enc
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        raise FileFormatError("encoding", "the file's text encoding", f"{encoding!r} cannot decode it",
                              "yearbook exports are often GBK: pass encoding='gbk' (or 'gb18030')")
    if sep is None:
        first = text.splitlines()[0]
        try:
            sep = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
    return text, used, sep


def _read_any_table(path, *, encoding=None, sep=None, sheet=None) -> pd.DataFrame:
    import io as _io

    p = _existing(path, "path")
    ext = p.suffix.lower()
    if ext not in _TABLE_EXT:
        raise FileFormatError("path", f"a table file {list(_TABLE_EXT)}", repr(ext), "save the table as CSV or .xlsx")
    if ext in (".xlsx", ".xls"):
        try:
            df = pd.read_excel(p, sheet_name=sheet or 0)
        except ImportError as exc:
            raise ImportError("reading Excel needs openpyxl: pip install 'jilin_spatial[excel]'") from exc
        df.attrs["encoding"] = "xlsx"
    else:
        text, used, sep = _sniff_text(p, encoding, sep)
        df = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str)
        df.attrs["encoding"] = used
        df.attrs["sep"] = sep
        if used != "utf-8-sig" and encoding is None:
            log.info("read %s as %s", p, used)
    if df.empty:
        raise EmptyInputError("path", "at least one data row", "a header only", "check the export")
    if df.shape[1] == 1 and any(ch in str(df.columns[0]) for ch in ",;\t|"):
        raise FileFormatError("sep", "the file's delimiter", f"a single column {df.columns[0]!r}",
                              "pass sep=';' or sep='\\t' to match the file")
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _numeric(series: pd.Series, argument: str) -> pd.Series:
    s = series.astype(str).str.replace(",", "", regex=False).str.strip()
    s = s.replace({"": np.nan, "nan": np.nan, "None": np.nan, "-": np.nan})
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna()
    if bad.any():
        raise InputError(argument, "numeric values", f"non-numeric {sorted(set(s[bad]))[:5]}",
                         "clean the cells (footnote marks, text) or leave them blank")
    return num.astype(float)


def validate_table(df: pd.DataFrame, *, argument: str = "table") -> pd.DataFrame:
    """Validate a tidy table ``adcode, sector, year, value`` and return a clean copy.

    Checks: required columns, non-numeric or negative values, duplicated
    (adcode, sector, year) rows.  Missing values are kept as NaN (never
    filled) and reported by the metrics that meet them.

    Raises
    ------
    InputError, IdMismatchError, EmptyInputError
    """
    need = ["adcode", "sector", "year", "value"]
    miss = [c for c in need if c not in df.columns]
    if miss:
        raise InputError(argument, f"columns {need}", f"missing {miss} (have {list(df.columns)})",
                         "rename the columns or pass the *_col arguments")
    if len(df) == 0:
        raise EmptyInputError(argument, "at least one row", "0 rows", "check the filter")
    out = df.copy()
    out["adcode"] = out["adcode"].astype(str)
    out["sector"] = out["sector"].astype(str)
    if not pd.api.types.is_numeric_dtype(out["year"]):
        out["year"] = _numeric(out["year"], "year")
    if out["year"].isna().any():
        raise InputError("year", "a year on every row", f"{int(out['year'].isna().sum())} rows without one",
                         "fill the year column")
    out["year"] = out["year"].astype(int)
    if not pd.api.types.is_numeric_dtype(out["value"]):
        out["value"] = _numeric(out["value"], "value")
    neg = out["value"] < 0
    if neg.any():
        ex = out.loc[neg, ["adcode", "sector", "year", "value"]].head(3).to_dict("records")
        raise InputError("value", "non-negative values", f"{int(neg.sum())} negative, e.g. {ex}",
                         "check the sign convention; employment and output cannot be negative")
    dup = out.duplicated(["adcode", "sector", "year"])
    if dup.any():
        ex = out.loc[dup, ["adcode", "sector", "year"]].head(3).to_dict("records")
        raise IdMismatchError(argument, "one row per (region, sector, year)", f"{int(dup.sum())} duplicates, e.g. {ex}",
                              "aggregate duplicates before passing the table")
    return out


def read_table(path, *, id_col: str, form: str = "long", sector_col: str = "sector", year_col: str = "year",
               value_col: str = "value", sectors=None, year=None, encoding: str | None = None,
               sep: str | None = None, sheet=None) -> pd.DataFrame:
    """Read a user's industry table from CSV or Excel into the tidy long form.

    Parameters
    ----------
    path : str or Path
    id_col : str
        Region id column (renamed to ``adcode``, kept as string).
    form : {"long", "wide"}
        ``"long"``: one row per region, sector, year with ``sector_col``,
        ``year_col`` and ``value_col``.  ``"wide"``: one row per region (and
        year), one column per sector.
    sectors : list of str, optional
        Wide form only: the sector columns; default all columns other than
        the id and year columns.
    year : int, optional
        Wide form without a year column: the year of every row.
    encoding : str, optional
        Text encoding.  Default: UTF-8, then GB18030 (a superset of GBK).
    sep : str, optional
        Delimiter; sniffed when not given.

    Returns
    -------
    pandas.DataFrame
        ``adcode, sector, year, value`` (plus any other columns of a long table).

    Raises
    ------
    EmptyInputError, FileFormatError, InputError, IdMismatchError
    """
    check_choice("form", form, _FORMS, fix="pass form='long' or form='wide'")
    df = _read_any_table(path, encoding=encoding, sep=sep, sheet=sheet)
    if id_col not in df.columns:
        raise InputError("id_col", "a column of the table", repr(id_col), f"choose one of {list(df.columns)}")
    if form == "long":
        for arg, col in (("sector_col", sector_col), ("year_col", year_col), ("value_col", value_col)):
            if col not in df.columns:
                raise InputError(arg, "a column of the table", repr(col),
                                 f"choose one of {list(df.columns)}, or pass form='wide'")
        out = df.rename(columns={id_col: "adcode", sector_col: "sector", year_col: "year", value_col: "value"})
    else:
        id_vars = [id_col] + ([year_col] if year_col in df.columns else [])
        if year_col not in df.columns and year is None:
            raise InputError("year", f"a {year_col!r} column or year=", "neither",
                             "pass year=2020 for a single-year wide table")
        value_vars = list(sectors) if sectors is not None else [c for c in df.columns if c not in id_vars]
        unknown = [c for c in value_vars if c not in df.columns]
        if unknown:
            raise InputError("sectors", "columns of the table", repr(unknown), f"choose from {list(df.columns)}")
        out = df.melt(id_vars=id_vars, value_vars=value_vars, var_name="sector", value_name="value")
        out = out.rename(columns={id_col: "adcode", year_col: "year"})
        if "year" not in out:
            out["year"] = int(year)
    out = validate_table(out, argument="path")
    out.attrs.update(df.attrs)
    out.attrs["id_column"] = id_col
    return out


def check_pairing(table: pd.DataFrame, polygons, *, on_mismatch: str = "raise") -> None:
    """Check that every table id has a polygon and every polygon has data.

    Parameters
    ----------
    on_mismatch : {"raise", "warn"}
        ``"warn"`` reports both lists in a :class:`DataNoteWarning` instead of
        raising; the rows are still not dropped by this function.

    Raises
    ------
    IdMismatchError
    """
    t = set(table["adcode"].astype(str))
    p = set(polygons["adcode"].astype(str))
    no_poly = sorted(t - p)
    no_data = sorted(p - t)
    if not no_poly and not no_data:
        return
    msg_got = f"{len(no_poly)} table ids without a polygon {no_poly[:10]}; {len(no_data)} polygons without data {no_data[:10]}"
    if on_mismatch == "raise":
        raise IdMismatchError("table", "the same ids in the table and the polygons", msg_got,
                              "fix the ids (leading zeros, text vs number) or pass on_mismatch='warn'")
    warnings.warn(msg_got, DataNoteWarning, stacklevel=2)
