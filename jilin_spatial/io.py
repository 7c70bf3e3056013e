"""Read and validate a user's own polygons and tables (bring your own data).

Polygons: GeoPackage, GeoJSON or Shapefile, with an id column the user names.
Tables: CSV or Excel, long (region, sector, year, value) or wide (one column
per sector), UTF-8 or GBK/GB18030 (common in yearbook exports).

Everything is validated here, before any computation: CRS (and whether the
coordinates fit it: degrees declared as metres and the reverse), geometry
validity, duplicate ids, id pairing between table and polygons, negative or
non-numeric values, empty files, wrong delimiters and encodings.  The user's
id column is renamed to the package's key ``adcode`` (kept as a string); the
original name is stored in ``.attrs["id_column"]``.  Input files are never
modified.

Ids: every row or feature needs one (a blank, NaN or None id is an error, never
a region called "nan").  An id stored as a number keeps its integer text: an
id column that a reader returns as floats (an Excel or GeoPackage column of
whole numbers with a blank cell becomes float) gives ``"1"`` and ``"220100"``,
not ``"1.0"``; a non-integral number keeps its text (``"1.5"``).  Text ids are
kept as written (``"01"`` stays ``"01"``): CSV and Excel tables are read as
text (an Excel number cell 220100 gives ``"220100"``) and converted to numbers
column by column where numbers are expected.
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
    InputTypeError,
    check_choice,
)

__all__ = ["read_polygons", "read_table", "validate_table", "check_pairing", "validate_polygons", "check_crs_fit"]

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


_MISSING_ID_TEXT = ("", "nan", "none", "<na>")


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as text (object Series); missing ids (NaN, None, pd.NA, blank, 'nan'/'None' text) are None.

    A float id that is a whole number loses its '.0' (1.0 -> '1'): readers turn an integer id column with a
    blank cell into floats, and the same unit must keep the same id whatever the file stores.
    """

    def one(x):
        if x is None or x is pd.NA or x is pd.NaT:
            return None
        if isinstance(x, (float, np.floating)):
            if np.isnan(x):
                return None
            if np.isfinite(x) and float(x).is_integer():
                return str(int(x))
        text = str(x)
        return None if text.strip().lower() in _MISSING_ID_TEXT else text

    return pd.Series([one(x) for x in values.tolist()], index=values.index, dtype=object)


def _fmt_bounds(b) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in b) + ")"


def check_crs_fit(gdf, *, argument: str = "polygons", assumed: bool = False) -> None:
    """Raise :class:`CRSError` when a layer's coordinates cannot be in its declared CRS.

    Catches the common mistakes of a CRS that was *assigned* wrongly rather
    than reprojected: degrees declared as a projected CRS (EPSG:3857, a UTM
    zone ...), projected metres declared as EPSG:4326, and latitude/longitude
    swapped.  The layer's bounds are compared with the CRS's area of use
    (``pyproj.CRS.area_of_use``, transformed into the CRS's own units and
    widened by its own width or height, whichever is larger, on each side so
    that a province projected into a neighbouring zone still passes) and, for
    a geographic CRS, with longitude -180..360 and latitude -90..90.  A
    projected layer whose every coordinate lies within +-180 x +-90 units of
    the projection origin is taken for degrees: no real layer in metres is
    that small and that close to the false origin.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        With a CRS (a layer without one is left to the caller).
    argument : str
        Name used in the error message.
    assumed : bool
        True when the CRS came from the caller's ``crs=`` (the file had
        none): the fix then names ``crs=`` instead of ``set_crs``.

    Raises
    ------
    CRSError

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> g = gpd.GeoDataFrame(geometry=[box(125.0, 43.5, 125.5, 44.0)], crs="EPSG:3857")
    >>> check_crs_fit(g)
    Traceback (most recent call last):
    ...
    jilin_spatial.errors.CRSError: polygons: expected coordinates in the units of EPSG:3857 (metre), got bounds (125, 43.5, 125.5, 44), which look like degrees (EPSG:4326) declared as EPSG:3857. Fix: set_crs(4326, allow_override=True) (in GIS: assign, not reproject, EPSG:4326)
    """
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    crs = gdf.crs
    if crs is None or len(gdf) == 0:
        return
    b = np.asarray(gdf.total_bounds, float)
    if not np.isfinite(b).all():
        return
    epsg = crs.to_epsg()
    name = f"EPSG:{epsg}" if epsg else repr(crs.name)
    unit = crs.axis_info[0].unit_name if crs.axis_info else "unknown"
    got = f"bounds {_fmt_bounds(b)}"
    as_degrees = bool(b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90)

    def fix_for(code: str | None) -> str:
        if code is None:
            if assumed:
                return "pass the crs= the coordinates are really in (the file has none; crs= assigns, not reprojects)"
            return ("assign the CRS the coordinates are really in: set_crs(<EPSG code>, allow_override=True) "
                    "(in GIS: assign, not reproject)")
        if assumed:
            return f"pass crs='{code}' (the file has no CRS; crs= says what its coordinates are)"
        return f"set_crs({code.split(':')[-1]}, allow_override=True) (in GIS: assign, not reproject, {code})"

    if crs.is_projected and as_degrees:
        raise CRSError(argument, f"coordinates in the units of {name} ({unit})",
                       f"{got}, which look like degrees (EPSG:4326) declared as {name}", fix_for("EPSG:4326"))
    if crs.is_geographic and unit in ("degree", "degree minute second hemisphere"):
        if not (b[0] >= -180 and b[2] <= 360 and b[1] >= -90 and b[3] <= 90):
            if -90 <= b[0] and b[2] <= 90 and -180 <= b[1] and b[3] <= 360:
                raise CRSError(argument, f"longitude, latitude in {name}",
                               f"{got}, with y beyond +-90: latitude and longitude look swapped",
                               "swap x and y (geopandas: gdf.geometry.map(lambda g: shapely.ops.transform("
                               "lambda x, y: (y, x), g))) or re-export with x = longitude")
            raise CRSError(argument, f"degrees in {name} (longitude -180..360, latitude -90..90)",
                           f"{got}, which look like projected coordinates (metres) declared as {name}",
                           fix_for(None))
    aou = crs.area_of_use
    if aou is None:
        return
    try:
        t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x0, y0, x1, y1 = t.transform_bounds(*aou.bounds, densify_pts=21)
    except (ProjError, ValueError):  # pragma: no cover - exotic CRS: nothing to compare with
        return
    if not np.isfinite([x0, y0, x1, y1]).all() or x1 <= x0 or y1 <= y0:
        return
    margin = max(x1 - x0, y1 - y0)
    if b[0] < x0 - margin or b[2] > x1 + margin or b[1] < y0 - margin or b[3] > y1 + margin:
        raise CRSError(argument, f"coordinates within the area of use of {name} ({aou.name.split('.')[0]}: "
                                 f"{_fmt_bounds((x0, y0, x1, y1))} {unit}, with a margin of {margin:.3g})",
                       f"{got}", fix_for(None))


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
        raise InputError("id_col", "a column of the polygons", repr(id_col),
                         f"choose one of {[c for c in gdf.columns if c != gdf.geometry.name]}")
    gdf = gdf.copy()
    assumed = False
    if crs is not None:
        try:
            crs_obj = CRS.from_user_input(crs)
        except _PyprojCRSError as exc:
            raise CRSError("crs", "a CRS pyproj understands (e.g. 'EPSG:4326')", repr(crs),
                           "pass an EPSG code or WKT") from exc
        if gdf.crs is None:
            gdf = gdf.set_crs(crs_obj)
            assumed = True
        elif not gdf.crs.equals(crs_obj):
            check_crs_fit(gdf, argument=argument)
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
    check_crs_fit(gdf, argument=argument, assumed=assumed)
    ids = _id_strings(gdf[id_col])
    if ids.isna().any():
        raise IdMismatchError(id_col, "an id on every feature", f"{int(ids.isna().sum())} empty ids "
                              f"(features {np.flatnonzero(ids.isna().to_numpy())[:10].tolist()}, counted from 0)",
                              "fill in the ids")
    ids = ids.astype(str)
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


def _read_excel(p: Path, sheet) -> pd.DataFrame:
    """One sheet of a workbook (``sheet``: name or 0-based index, default the first), errors in four parts."""
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, (str, int, np.integer))):
        raise InputTypeError("sheet", "a sheet name (str) or a 0-based sheet index (int)", type(sheet).__name__,
                             "pass sheet='data' or sheet=0; one sheet per call")
    try:
        book = pd.ExcelFile(p)
    except (ImportError, Warning):  # a missing engine is reported by import_optional; warnings are not ours
        raise
    except Exception as exc:  # zipfile.BadZipFile, ValueError, openpyxl's InvalidFileException ...
        raise FileFormatError("path", f"an Excel workbook ({p.suffix.lower()})",
                              f"a file Excel readers cannot open ({type(exc).__name__}: {str(exc).rstrip('.')})",
                              "open it in Excel or LibreOffice and save it as .xlsx, or export the sheet as CSV"
                              ) from exc
    with book:
        names = list(book.sheet_names)
        if sheet is not None:
            known = sheet in names if isinstance(sheet, str) else 0 <= int(sheet) < len(names)
            if not known:
                raise InputError("sheet", f"a sheet of the workbook: a name in {names} or an index in "
                                 f"[0, {len(names) - 1}]", repr(sheet),
                                 f"pass sheet={names[0]!r} (sheet names are case- and space-sensitive)")
        which = 0 if sheet is None else (sheet if isinstance(sheet, str) else int(sheet))
        try:
            # as text, like CSV: pandas would otherwise turn the text id '01' into the number 1
            return pd.read_excel(book, sheet_name=which, dtype=str)
        except (ImportError, Warning):
            raise
        except Exception as exc:
            raise FileFormatError("path", f"a readable sheet {which!r}", f"{type(exc).__name__}: {exc}",
                                  "open the workbook in Excel or LibreOffice and save it again, or export as CSV"
                                  ) from exc


def _read_any_table(path, *, encoding=None, sep=None, sheet=None) -> pd.DataFrame:
    import io as _io

    p = _existing(path, "path")
    ext = p.suffix.lower()
    if ext not in _TABLE_EXT:
        raise FileFormatError("path", f"a table file {list(_TABLE_EXT)}", repr(ext), "save the table as CSV or .xlsx")
    if ext in (".xlsx", ".xls"):
        from ._versions import import_optional

        if ext == ".xlsx":
            import_optional("openpyxl", purpose="reading .xlsx", install="pip install 'jilin_spatial[excel]'")
        else:
            import_optional("xlrd", purpose="reading old .xls", install="pip install xlrd (or save the sheet as .xlsx)")
        df = _read_excel(p, sheet)
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


def _finite(df: pd.DataFrame, col: str, expected: str) -> None:
    """Raise when ``df[col]`` holds inf/-inf (NaN is left to the caller: missing, not wrong)."""
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
    bad = np.isinf(v)
    if bad.any():
        ids = df.loc[bad, "adcode"].astype(str).unique().tolist()
        raise InputError(col, expected, f"{int(bad.sum())} rows with inf/-inf or a number beyond float range "
                         f"(|x| > 1.8e308), ids {ids[:5]}",
                         "fix those cells in the source (a division by zero or an overflow upstream); "
                         "leave a missing value blank")


def _require_ids(values: pd.Series, argument: str) -> pd.Series:
    """Ids as text (see the module notes); raise :class:`InputError` naming ``argument`` when any is missing."""
    ids = _id_strings(values)
    if ids.isna().any():
        rows = np.flatnonzero(ids.isna().to_numpy())
        raise InputError(argument, "an id on every row", f"{len(rows)} rows without one (data rows "
                         f"{rows[:10].tolist()}, counted from 0 below the header)",
                         "fill in the ids, or delete those rows from the table (nothing is dropped for you)")
    return ids.astype(str)


def validate_table(df: pd.DataFrame, *, argument: str = "table") -> pd.DataFrame:
    """Validate a tidy table ``adcode, sector, year, value`` and return a clean copy.

    Checks: required columns, an id on every row (ids become text; a whole
    float id such as 1.0 becomes "1"), non-numeric, infinite (inf, -inf, or
    beyond float range) or negative values, duplicated (adcode, sector,
    year) rows.  Missing values are kept as NaN (never filled) and reported
    by the metrics that meet them.

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
    out["adcode"] = _require_ids(out["adcode"], "adcode")
    out["sector"] = out["sector"].astype(str)
    if not pd.api.types.is_numeric_dtype(out["year"]):
        out["year"] = _numeric(out["year"], "year")
    if out["year"].isna().any():
        raise InputError("year", "a year on every row", f"{int(out['year'].isna().sum())} rows without one",
                         "fill the year column")
    _finite(out, "year", "a finite year on every row")
    out["year"] = out["year"].astype(int)
    if not pd.api.types.is_numeric_dtype(out["value"]):
        out["value"] = _numeric(out["value"], "value")
    _finite(out, "value", "finite values (a blank cell for a missing one)")
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
        Region id column (renamed to ``adcode``, kept as string; every row
        needs an id; a whole number stored as float, 1.0, becomes "1").
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
    sheet : str or int, optional
        Excel only: the sheet name or 0-based index (default: the first sheet).

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
    df[id_col] = _require_ids(df[id_col], id_col)  # named as in the file (validate_table knows only 'adcode')
    if form == "long":
        for arg, col in (("sector_col", sector_col), ("year_col", year_col), ("value_col", value_col)):
            if col not in df.columns:
                raise InputError(arg, "a column of the table", repr(col),
                                 f"choose one of {list(df.columns)}, or pass form='wide'")
        mapping = {id_col: "adcode", sector_col: "sector", year_col: "year", value_col: "value"}
        clash = [t for src, t in mapping.items() if src != t and t in df.columns and t not in mapping]
        if clash:
            raise InputError("path", f"no other column named like the tidy keys {clash}",
                             f"columns {clash} besides {[s for s, t in mapping.items() if t in clash]}",
                             f"drop or rename the extra column(s) {clash}, or pass them as the *_col arguments")
        out = df.rename(columns=mapping)
    else:
        id_vars = [id_col] + ([year_col] if year_col in df.columns else [])
        if year_col not in df.columns and year is None:
            raise InputError("year", f"a {year_col!r} column or year=", "neither",
                             "pass year=2020 for a single-year wide table")
        value_vars = list(sectors) if sectors is not None else [c for c in df.columns if c not in id_vars]
        unknown = [c for c in value_vars if c not in df.columns]
        if unknown:
            raise InputError("sectors", "columns of the table", repr(unknown), f"choose from {list(df.columns)}")
        # temporary names: a sector column may itself be called "value" or "sector" (pandas refuses
        # value_name equal to a column name)
        out = df.melt(id_vars=id_vars, value_vars=value_vars, var_name="\0sector", value_name="\0value")
        out = out.rename(columns={id_col: "adcode", year_col: "year", "\0sector": "sector", "\0value": "value"})
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
