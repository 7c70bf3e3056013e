"""Catalogue of bad inputs: lose nothing, claim nothing impossible.

Every row is one bad input to the Python API or to the CLI: an id, a callable that builds the input in
``tmp_path`` and calls the function (API rows) or returns the argv (CLI rows), the expected outcome (the
exception class, exactly, for API rows; the exit status 2 for CLI rows) and a phrase the message must
contain.  A CLI row may carry a check run afterwards (a foreign file still there, no output folder).

One parametrised test runs them all and asserts, beyond the class and the phrase, the house rule for every
message: ONE line, in the four parts ``argument: expected ..., got .... Fix: ...``.

Rows marked ``xfail(strict=True)`` are real defects found while writing this catalogue; each states the
behaviour the house rules require, so it starts to pass (and must lose its mark) once the code is fixed.
"""

from __future__ import annotations

import functools
import json
import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from jilin_spatial import autocorrelation as ac
from jilin_spatial import circles, cli, coupling, datasets, econometrics, gravity, io, jilin, network, productivity, weights
from jilin_spatial import concentration as conc
from jilin_spatial._errors import (CRSError, EmptyInputError, FileFormatError, GeometryError, IdMismatchError,
                                   InputError, InputTypeError)
from jilin_spatial.export import MANIFEST_NAME

CLI = 2  # expected outcome of a CLI row: exit status 2, one line on stderr
INF, NAN = float("inf"), float("nan")
FOUR_PARTS = re.compile(r"(?P<argument>[^\s:][^:]*): expected (?P<expected>.+), got (?P<got>.+)\. Fix: (?P<fix>.+)$")


# =========================================================================== small inputs


def _write(p, name, text, encoding="utf-8"):
    f = p / name
    f.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return f


_LONG = "code,sector,year,value\n01,C_manuf,2020,5\n02,C_manuf,2020,7\n"


def _tidy():
    """3 regions x 3 sectors x 2 years, all positive."""
    sectors = ("A_agri", "C_manuf", "J_finance")
    rows = [{"adcode": a, "sector": s, "year": y, "value": float(10 + 3 * i + 5 * j + (y - 2010))}
            for y in (2010, 2020) for i, a in enumerate("abc") for j, s in enumerate(sectors)]
    return pd.DataFrame(rows)


def _tidy_with(col, value, row=4):
    t = _tidy()
    t[col] = t[col].astype(object) if isinstance(value, str) else t[col]
    t.loc[row, col] = value
    return t


def _boxes(ids=("a", "b", "c"), *, crs="EPSG:4326", x0=125.0, y0=43.0, size=0.1, gap=0.0, col="rid"):
    """Squares in a row (adjacent when gap=0) near Changchun, in degrees."""
    geoms = [box(x0 + i * (size + gap), y0, x0 + i * (size + gap) + size, y0 + size) for i in range(len(ids))]
    return gpd.GeoDataFrame({col: list(ids)}, geometry=geoms, crs=crs)


def _gpkg(p, gdf, name="poly.gpkg"):
    f = p / name
    gdf.to_file(f, engine="pyogrio")
    return f


W4 = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}  # a chain a-b-c-d


def _v4(*values):
    return pd.Series(values or (1.0, 2.0, 3.0, 5.0), index=list("abcd"))


def _matrix(values=None, ids=("a", "b", "c")):
    D = np.array(values if values is not None else [[0, 10.0, 20.0], [10.0, 0, 15.0], [20.0, 15.0, 0]], float)
    return pd.DataFrame(D, index=list(ids), columns=list(ids))


def _edges(**over):
    e = {"from": ["A", "B"], "to": ["B", "C"], "rail_km": [90.0, 60.0], "mode": ["conventional", "high-speed"]}
    e.update(over)
    return pd.DataFrame(e)


def _masses(P=(1.0, 4.0, 2.0), G=(1.0, 1.0, 3.0)):
    return pd.DataFrame({"P": list(P), "G": list(G)}, index=["a", "b", "c"])


def _ties(R=(2.0, 1.0, 0.5)):
    return pd.DataFrame({"from": ["a", "a", "b"], "to": ["b", "c", "c"], "R": list(R), "F": [0.5, 0.5, 1.0],
                         "asymmetric": False})


@functools.lru_cache(maxsize=1)
def _jilin_graph():
    return jilin.rail_graph()


@functools.lru_cache(maxsize=1)
def _jilin_units():
    return jilin.circle_units()[0]


def _panel(dmus="ABCD", periods=(2001, 2002, 2003), **cols):
    """A DEA panel: one row per DMU and period, positive x and y."""
    rng = np.random.default_rng(7)
    p = pd.DataFrame([{"dmu": d, "t": t, "x": rng.uniform(1, 5), "y": rng.uniform(1, 5)}
                      for d in dmus for t in periods])
    for k, v in cols.items():
        p[k] = v
    return p


def _mixed_periods(p):
    """Periods 2001, 2002 as numbers and 2003 as text."""
    p = p.copy()
    p["t"] = p["t"].astype(object).where(p["t"] != 2003, "2003")
    return p


def _panel_with(col, value, row=5):
    p = _panel()
    p[col] = p[col].astype(object)
    p.loc[row, col] = value
    return p


def _econ(n_ent=12, n_t=6, **cols):
    """A long panel for the regressions: entity, year, tfp, lq, c (all varying)."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame([{"city": i, "year": 2000 + t, "lq": rng.normal(1, 0.2), "c": rng.normal(),
                       "tfp": rng.normal()} for i in range(n_ent) for t in range(n_t)])
    for k, v in cols.items():
        d[k] = v(d) if callable(v) else v
    return d


def _regress(d, **kw):
    args = dict(entity="city", time="year", y="tfp", x="lq", controls=["c"])
    args.update(kw)
    return econometrics.panel_regressions(d, **args)


def _entropy(X, **kw):
    return coupling.entropy_weights(X, directions=kw.pop("directions", {c: "positive" for c in X.columns}), **kw)


_X2 = pd.DataFrame({"a": [1.0, 2.0, 4.0], "b": [3.0, 1.0, 2.0]})


def _excel_two_sheets(p):
    f = p / "t.xlsx"
    with pd.ExcelWriter(f) as w:
        pd.DataFrame({"note": ["data on the next sheet"]}).to_excel(w, index=False, sheet_name="README")
        pd.DataFrame({"code": ["01", "02"], "sector": "C_manuf", "year": 2020, "value": [5, 7]}).to_excel(
            w, index=False, sheet_name="data")
    return f


def _excel(p, **cols):
    """A one-sheet workbook: long table with the given columns (e.g. a numeric id column with a blank)."""
    f = p / "one.xlsx"
    n = len(next(iter(cols.values())))
    t = pd.DataFrame({"code": [f"{i:02d}" for i in range(n)], "sector": "C_manuf", "year": 2020, "value": 5.0})
    for k, v in cols.items():
        t[k] = v
    t.to_excel(f, index=False)
    return f


def _libpysal_W4(c_d=1.0):
    """The chain a-b-c-d as a libpysal W with weight ``c_d`` on the link c-d."""
    from libpysal.weights import W

    return W(W4, {"a": [1.0], "b": [1.0, 1.0], "c": [1.0, c_d], "d": [c_d]}, silence_warnings=True)


# --------------------------------------------------------------------------- CLI inputs

def _tfp_csv(p, name="p.csv", periods=(2001, 2002, 2003)):
    f = p / name
    _panel(periods=periods).to_csv(f, index=False)
    return f


def _tfp_argv(panel, out, *extra, inputs="x"):
    return ["tfp", "--panel", str(panel), "--dmu", "dmu", "--period", "t", "--inputs", inputs, "--outputs", "y",
            "--out", str(out), *extra]


def _lq_files(p, table_text=None):
    """A user table (long form, regions a, b) and matching polygons; returns (table, polygons)."""
    text = table_text or ("code,sector,year,value\na,C_manuf,2020,5\na,J_finance,2020,3\n"
                          "b,C_manuf,2020,2\nb,J_finance,2020,8\n")
    return _write(p, "mine.csv", text), _gpkg(p, _boxes(("a", "b"), col="code"), "mine.gpkg")


def _lq_argv(table, polygons, out, *extra):
    return ["lq", "--table", str(table), "--id-col", "code", "--polygons", str(polygons), "--out", str(out), *extra]


def _foreign_with_force(p):
    proj = p / "proj"
    proj.mkdir()
    (proj / "thesis.docx").write_bytes(b"chapter 1")
    return _tfp_argv(_tfp_csv(p), proj, "--force")


def _own_output_plus_foreign(p):
    out = p / "out"
    panel = _tfp_csv(p)
    assert cli.main(_tfp_argv(panel, out)) == 0  # a folder this package wrote, with its manifest
    assert (out / MANIFEST_NAME).is_file()
    (out / "tables" / "my_notes.txt").write_text("keep me")
    return _tfp_argv(panel, out, "--force")


def _input_inside_out(p):
    proj = p / "proj"
    proj.mkdir()
    return _tfp_argv(_tfp_csv(proj), proj, "--force")


def _tfp_mixed_periods(p):
    f = _write(p, "p.csv", "dmu,t,x,y\nA,2001,1,2\nB,2001,2,2\nA,2002b,1,3\nB,2002b,2,2\n")
    return _tfp_argv(f, p / "out")


def _no_output(name):
    def check(p):
        assert not (p / name).exists()
        assert not [q.name for q in p.iterdir() if q.name.startswith(f".{name}.partial")]  # no staging left
    return check


def _foreign_kept(p):
    assert (p / "proj" / "thesis.docx").read_bytes() == b"chapter 1"
    assert sorted(q.name for q in (p / "proj").iterdir()) == ["thesis.docx"]


def _notes_kept(p):
    assert (p / "out" / "tables" / "my_notes.txt").read_text() == "keep me"
    listed = json.loads((p / "out" / MANIFEST_NAME).read_text())["files"]
    assert "tables/malmquist.csv" in listed and "tables/my_notes.txt" not in listed
    assert (p / "out" / "tables" / "malmquist.csv").is_file()  # the earlier output is not replaced either


def _input_kept(p):
    assert sorted(q.name for q in (p / "proj").iterdir()) == ["p.csv"]
    assert (p / "proj" / "p.csv").read_text().startswith("dmu,t,x,y")


def xfail(reason):
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


# =========================================================================== the catalogue
# (id, build-and-call, expected class or CLI, phrase[, check afterwards][, marks])

CASES = [
    # ----------------------------------------------------------------- io.read_table
    ("read_table-missing-file", lambda p: io.read_table(p / "nope.csv", id_col="code"),
     InputError, "path: expected an existing file"),
    ("read_table-zero-bytes", lambda p: io.read_table(_write(p, "t.csv", ""), id_col="code"),
     EmptyInputError, "(0 bytes)"),
    ("read_table-blank-lines-only", lambda p: io.read_table(_write(p, "t.csv", "\n \n"), id_col="code"),
     EmptyInputError, "expected a non-empty table"),
    ("read_table-header-only",
     lambda p: io.read_table(_write(p, "t.csv", "code,sector,year,value\n"), id_col="code"),
     EmptyInputError, "expected at least one data row"),
    ("read_table-wrong-extension", lambda p: io.read_table(_write(p, "t.dat", _LONG), id_col="code"),
     FileFormatError, "got '.dat'"),
    ("read_table-gbk-read-as-utf8",
     lambda p: io.read_table(_write(p, "t.csv", "代码,行业,年份,值\n220100,制造业,2020,5\n", "gbk"), id_col="代码",
                             encoding="utf-8"),
     FileFormatError, "encoding: expected the file's text encoding"),
    ("read_table-wrong-delimiter",
     lambda p: io.read_table(_write(p, "t.csv", _LONG.replace(",", ";")), id_col="code", sep=","),
     FileFormatError, "sep: expected the file's delimiter"),
    ("read_table-missing-id-col", lambda p: io.read_table(_write(p, "t.csv", _LONG), id_col="adcode"),
     InputError, "id_col: expected a column of the table, got 'adcode'"),
    ("read_table-long-missing-year-col",
     lambda p: io.read_table(_write(p, "t.csv", _LONG.replace("year", "yr")), id_col="code"),
     InputError, "year_col: expected a column of the table, got 'year'"),
    ("read_table-extra-column-named-value",
     lambda p: io.read_table(_write(p, "t.csv", "code,sector,year,persons,value\n01,C,2020,5,x\n"), id_col="code",
                             value_col="persons"),
     InputError, "no other column named like the tidy keys ['value']"),
    ("read_table-bad-form", lambda p: io.read_table(_write(p, "t.csv", _LONG), id_col="code", form="tall"),
     InputError, "form: expected one of ['long', 'wide'], got 'tall'"),
    ("read_table-wide-without-year",
     lambda p: io.read_table(_write(p, "t.csv", "code,C_manuf,J_finance\n01,5,3\n"), id_col="code", form="wide"),
     InputError, "year: expected a 'year' column or year="),
    ("read_table-wide-unknown-sector-column",
     lambda p: io.read_table(_write(p, "t.csv", "code,C_manuf\n01,5\n"), id_col="code", form="wide", year=2020,
                             sectors=["C_manuf", "K_realestate"]),
     InputError, "sectors: expected columns of the table, got ['K_realestate']"),
    ("read_table-wide-column-named-value-negative",  # 'value' is a sector here, and still validated
     lambda p: io.read_table(_write(p, "t.csv", "code,value,C_manuf\n01,-4,3\n"), id_col="code", form="wide",
                             year=2020),
     InputError, "value: expected non-negative values, got 1 negative"),
    ("read_table-inf-cell", lambda p: io.read_table(_write(p, "t.csv", _LONG.replace(",7", ",inf")), id_col="code"),
     InputError, "value: expected finite values"),
    ("read_table-nan-year", lambda p: io.read_table(_write(p, "t.csv", _LONG.replace("2020,7", ",7")), id_col="code"),
     InputError, "year: expected a year on every row, got 1 rows without one"),
    ("read_table-negative-value",
     lambda p: io.read_table(_write(p, "t.csv", _LONG.replace(",7", ",-7")), id_col="code"),
     InputError, "value: expected non-negative values"),
    ("read_table-non-numeric-value",
     lambda p: io.read_table(_write(p, "t.csv", _LONG.replace(",7", ",7a")), id_col="code"),
     InputError, "value: expected numeric values, got non-numeric ['7a']"),
    ("read_table-row-without-id",
     lambda p: io.read_table(_write(p, "t.csv", _LONG.replace("02,C_manuf", ",C_manuf")), id_col="code"),
     InputError, "code: expected an id on every row, got 1 rows without one (data rows [1]"),
    ("read_table-wide-row-without-id",
     lambda p: io.read_table(_write(p, "t.csv", "code,C_manuf,J_finance\n01,5,3\n ,2,8\n"), id_col="code",
                             form="wide", year=2020),
     InputError, "code: expected an id on every row, got 1 rows without one (data rows [1]"),
    ("read_table-excel-row-without-id",  # a blank cell in a numeric id column: floats with NaN
     lambda p: io.read_table(_excel(p, code=[220100, None]), id_col="code"),
     InputError, "code: expected an id on every row, got 1 rows without one"),
    ("validate_table-missing-adcode", lambda p: io.validate_table(_tidy_with("adcode", None)),
     InputError, "adcode: expected an id on every row, got 1 rows without one (data rows [4]"),
    ("read_table-duplicate-rows",
     lambda p: io.read_table(_write(p, "t.csv", _LONG + "02,C_manuf,2020,9\n"), id_col="code"),
     IdMismatchError, "one row per (region, sector, year)"),
    ("read_table-excel-data-not-on-first-sheet", lambda p: io.read_table(_excel_two_sheets(p), id_col="code"),
     InputError, "id_col: expected a column of the table, got 'code'. Fix: choose one of ['note']"),
    ("read_table-excel-unknown-sheet", lambda p: io.read_table(_excel_two_sheets(p), id_col="code", sheet="Sheet1"),
     InputError, "sheet: expected a sheet of the workbook: a name in ['README', 'data'] or an index in [0, 1], "
                 "got 'Sheet1'. Fix: pass sheet='README'"),
    ("read_table-excel-sheet-index-out-of-range",
     lambda p: io.read_table(_excel_two_sheets(p), id_col="code", sheet=2),
     InputError, "or an index in [0, 1], got 2"),
    ("read_table-excel-sheet-list", lambda p: io.read_table(_excel_two_sheets(p), id_col="code", sheet=[0, 1]),
     InputTypeError, "sheet: expected a sheet name (str) or a 0-based sheet index (int), got list"),
    ("read_table-xlsx-that-is-csv", lambda p: io.read_table(_write(p, "t.xlsx", _LONG), id_col="code"),
     FileFormatError, "path: expected an Excel workbook (.xlsx), got a file Excel readers cannot open"),
    ("read_table-xlsx-truncated", lambda p: io.read_table(_write(p, "t.xlsx", b"PK\x03\x04 cut"), id_col="code"),
     FileFormatError, "(BadZipFile: File is not a zip file)"),
    # ----------------------------------------------------------------- io.validate_table / check_pairing
    ("validate_table-missing-columns", lambda p: io.validate_table(pd.DataFrame({"adcode": ["a"], "value": [1.0]})),
     InputError, "table: expected columns ['adcode', 'sector', 'year', 'value'], got missing ['sector', 'year']"),
    ("validate_table-empty", lambda p: io.validate_table(_tidy().iloc[:0]),
     EmptyInputError, "table: expected at least one row, got 0 rows"),
    ("validate_table-inf-value", lambda p: io.validate_table(_tidy_with("value", -INF)),
     InputError, "value: expected finite values"),
    ("validate_table-negative", lambda p: io.validate_table(_tidy_with("value", -1.0)),
     InputError, "value: expected non-negative values"),
    ("validate_table-duplicates", lambda p: io.validate_table(pd.concat([_tidy(), _tidy().iloc[[0]]])),
     IdMismatchError, "got 1 duplicates"),
    ("check_pairing-ids-differ",
     lambda p: io.check_pairing(_tidy(), _boxes(("a", "b", "x"), col="adcode")),
     IdMismatchError, "1 table ids without a polygon ['c']; 1 polygons without data ['x']"),
    # ----------------------------------------------------------------- io.read_polygons / validate_polygons
    ("read_polygons-missing-file", lambda p: io.read_polygons(p / "nope.gpkg", id_col="rid"),
     InputError, "path: expected an existing file"),
    ("read_polygons-csv-extension", lambda p: io.read_polygons(_write(p, "t.csv", _LONG), id_col="rid"),
     FileFormatError, "path: expected a polygon file"),
    ("read_polygons-corrupt-file", lambda p: io.read_polygons(_write(p, "t.gpkg", "not a geopackage"), id_col="rid"),
     FileFormatError, "path: expected a readable vector file"),
    ("read_polygons-missing-id-col", lambda p: io.read_polygons(_gpkg(p, _boxes()), id_col="adcode"),
     InputError, "id_col: expected a column of the polygons, got 'adcode'"),
    ("read_polygons-duplicate-ids", lambda p: io.read_polygons(_gpkg(p, _boxes(("a", "b", "a"))), id_col="rid"),
     IdMismatchError, "rid: expected unique ids, got duplicates ['a']"),
    ("read_polygons-degrees-declared-3857",
     lambda p: io.read_polygons(_gpkg(p, _boxes(crs="EPSG:3857")), id_col="rid"),
     CRSError, "look like degrees (EPSG:4326) declared as EPSG:3857"),
    ("read_polygons-400-400-in-4326",
     lambda p: io.read_polygons(_gpkg(p, _boxes(x0=400.0, y0=400.0)), id_col="rid"),
     CRSError, "look like projected coordinates (metres) declared as EPSG:4326"),
    ("read_polygons-no-crs", lambda p: io.read_polygons(_gpkg(p, _boxes(crs=None), "poly.shp"), id_col="rid"),
     CRSError, "path: expected a defined CRS"),
    ("read_polygons-bad-crs-argument", lambda p: io.read_polygons(_gpkg(p, _boxes()), id_col="rid", crs="EPSG:0"),
     CRSError, "crs: expected a CRS pyproj understands"),
    ("read_polygons-invalid-geometry",
     lambda p: io.read_polygons(_gpkg(p, gpd.GeoDataFrame(
         {"rid": ["a"]}, geometry=[Polygon([(125, 43), (125.1, 43.1), (125.1, 43), (125, 43.1)])], crs="EPSG:4326")),
         id_col="rid"),
     GeometryError, "path: expected valid geometries, got 1 invalid (['a']"),
    ("read_polygons-bad-invalid-option", lambda p: io.read_polygons(_gpkg(p, _boxes()), id_col="rid", invalid="fix"),
     InputError, "invalid: expected one of ['raise', 'repair'], got 'fix'"),
    ("read_polygons-missing-name-col", lambda p: io.read_polygons(_gpkg(p, _boxes()), id_col="rid", name_col="name"),
     InputError, "name_col: expected a column of the polygons, got 'name'"),
    ("validate_polygons-empty", lambda p: io.validate_polygons(_boxes().iloc[:0], id_col="rid"),
     EmptyInputError, "polygons: expected at least one feature"),
    ("read_polygons-feature-without-id",
     lambda p: io.read_polygons(_gpkg(p, _boxes(("a", None, "c"))), id_col="rid"),
     IdMismatchError, "rid: expected an id on every feature, got 1 empty ids (features [1], counted from 0)"),
    ("read_polygons-numeric-id-null",  # an integer field with a null comes back as float with NaN
     lambda p: io.read_polygons(_gpkg(p, _boxes((1, None, 3))), id_col="rid"),
     IdMismatchError, "rid: expected an id on every feature, got 1 empty ids"),
    ("read_polygons-float-ids-duplicate-as-integers",  # 1 and 1.0 are one id: "1"
     lambda p: io.read_polygons(_gpkg(p, _boxes((1.0, 2.0, 1.0))), id_col="rid"),
     IdMismatchError, "rid: expected unique ids, got duplicates ['1']"),
    # ----------------------------------------------------------------- concentration
    ("lq-unknown-sector", lambda p: conc.location_quotient(_tidy(), sectors="C_manu"),
     InputError, "sectors: expected a known sector key or group name, got 'C_manu'. Fix: did you mean ['C_manuf']"),
    ("lq-missing-year", lambda p: conc.location_quotient(_tidy(), years=[2015]),
     InputError, "years: expected years present in data [2010, 2020], got [2015]"),
    ("lq-empty-years", lambda p: conc.location_quotient(_tidy(), years=[]),
     InputError, "got ['(none)']"),
    ("lq-negative", lambda p: conc.location_quotient(_tidy_with("value", -3.0)),
     InputError, "data['value']: expected non-negative values"),
    ("lq-inf", lambda p: conc.location_quotient(_tidy_with("value", INF)),
     InputError, "data['value']: expected finite values"),
    ("lq-non-numeric", lambda p: conc.location_quotient(_tidy_with("value", "12 persons")),
     InputError, "data['value']: expected numeric values"),
    ("lq-min-count-negative", lambda p: conc.location_quotient(_tidy(), min_count=-1),
     InputError, "min_count: expected a non-negative finite count or None, got -1"),
    ("lq-min-count-nan", lambda p: conc.location_quotient(_tidy(), min_count=NAN),
     InputError, "min_count: expected a non-negative finite count"),
    ("lq-bad-reference", lambda p: conc.location_quotient(_tidy(), reference="national"),
     InputError, "reference: expected one of ['panel', 'external', 'rest'], got 'national'"),
    ("lq-external-without-table", lambda p: conc.location_quotient(_tidy(), reference="external"),
     InputError, "external: expected a table of reference totals"),
    ("lq-bad-denominator", lambda p: conc.location_quotient(_tidy(), denominator="non_agri"),
     InputError, "denominator: expected one of ['all', 'non_agricultural'], got 'non_agri'"),
    ("lq-non-agricultural-without-agriculture",
     lambda p: conc.location_quotient(_tidy()[lambda t: t.sector != "A_agri"], denominator="non_agricultural"),
     InputError, "denominator: expected sector 'A_agri' in the data"),
    ("lq-duplicates", lambda p: conc.location_quotient(pd.concat([_tidy(), _tidy().iloc[[2]]])),
     InputError, "data: expected one row per (adcode, sector, year)"),
    ("lq-not-a-dataframe", lambda p: conc.location_quotient(_tidy().to_dict("records")),
     InputTypeError, "data: expected a pandas DataFrame"),
    ("agglomeration-end-before-start", lambda p: conc.agglomeration_index(_tidy(), start=2020, end=2010),
     InputError, "end: expected a year after start=2020, got 2010"),
    ("agglomeration-missing-start-year", lambda p: conc.agglomeration_index(_tidy(), start=2000, end=2020),
     InputError, "start: expected a year present in data [2010, 2020], got 2000"),
    ("similarity-unknown-region", lambda p: conc.similarity_coefficient(_tidy(), regions=["a", "zz"]),
     InputError, "regions: expected adcodes present in data, got ['zz']"),
    ("coagglomeration-misaligned-series",
     lambda p: conc.coagglomeration(pd.Series([1.0, 2.0], index=["a", "b"]), pd.Series([1.0, 1.0], index=["a", "c"])),
     InputError, "lq_services: expected a Series aligned with lq_manufacturing, got 2 values vs 2"),
    ("coagglomeration-arrays-of-different-length", lambda p: conc.coagglomeration([1.0, 2.0], [1.0, 1.0, 1.0]),
     InputError, "lq_services: expected a Series aligned with lq_manufacturing, got 3 values vs 2"),
    ("coagglomeration-series-and-longer-array",
     lambda p: conc.coagglomeration(pd.Series([1.0, 2.0], index=["a", "b"]), [1.0, 1.0, 1.0]),
     InputError, "lq_services: expected a Series aligned with lq_manufacturing, got 3 values vs 2"),
    ("coagglomeration-text", lambda p: conc.coagglomeration([1.0, "1,2"], [1.0, 1.0]),
     InputError, "lq_manufacturing: expected numeric values (NaN for a missing one), got 1 non-numeric, e.g. ['1,2']"),
    ("coagglomeration-2d", lambda p: conc.coagglomeration([[1.0, 2.0]], [1.0, 1.0]),
     InputError, "lq_manufacturing: expected a pandas Series or a 1-D array-like of numbers, got list with shape (1, 2)"),
    ("advantage-stage-arrays-of-different-length", lambda p: conc.advantage_stage([0.5, 1.2, 0.9], [1.1, 0.9]),
     InputError, "agglomeration: expected values aligned with lq (same length and index), got 2 values vs 3"),
    ("advantage-stage-misaligned-series",
     lambda p: conc.advantage_stage(pd.Series([0.5, 1.2], index=["a", "b"]), pd.Series([1.1, 0.9], index=["b", "a"])),
     InputError, "got 2 values vs 2, on a different index"),
    ("coagglomeration-inf", lambda p: conc.coagglomeration([1.0, INF], [1.0, 1.0]),
     InputError, "lq_manufacturing: expected finite LQs"),
    # ----------------------------------------------------------------- coupling
    ("entropy-all-indicators-constant", lambda p: _entropy(pd.DataFrame({"a": [2.0, 2.0, 2.0], "b": [5.0] * 3})),
     InputError, "indicators: expected at least one indicator that varies, got all indicators constant"),
    ("entropy-inf", lambda p: _entropy(_X2.assign(a=[1.0, INF, 4.0])),
     InputError, "indicators: expected finite values, got inf/-inf in ['a']"),
    ("entropy-nan", lambda p: _entropy(_X2.assign(b=[1.0, NAN, 4.0])),
     InputError, "missing or non-numeric values in ['b']"),
    ("entropy-unknown-direction", lambda p: _entropy(_X2, directions={"a": "positive", "b": "up"}),
     InputError, "directions: expected 'positive' or 'negative', got 'up' for 'b'"),
    ("entropy-undeclared-direction", lambda p: _entropy(_X2, directions={"a": "positive"}),
     InputError, "directions: expected a declared direction for every indicator, got none for ['b']"),
    ("entropy-bad-scaling", lambda p: _entropy(_X2, scaling="local"),
     InputError, "scaling: expected one of ['global', 'per_group'], got 'local'"),
    ("entropy-per-group-without-groups", lambda p: _entropy(_X2, scaling="per_group"),
     InputError, "groups: expected group labels"),
    ("entropy-epsilon-out-of-range", lambda p: _entropy(_X2, epsilon=1.5),
     InputError, "epsilon: expected a small non-negative number below 1, got 1.5"),
    ("entropy-user-weights-not-summing-to-1", lambda p: _entropy(_X2, weights={"a": 0.5, "b": 0.6}),
     InputError, "weights: expected non-negative weights summing to 1, got sum 1.1"),
    ("coupling-bad-method", lambda p: coupling.coupling_coordination(_X2 / 4, method="wang"),
     InputError, "method: expected one of ['standard', 'corrected'], got 'wang'"),
    ("coupling-inf-U", lambda p: coupling.coupling_coordination(pd.DataFrame({"a": [0.3, INF], "b": [0.5, 0.5]})),
     InputError, "U: expected values in [0, 1], got range [0.3, inf]"),
    ("coupling-one-subsystem", lambda p: coupling.coupling_coordination(pd.DataFrame({"a": [0.3, 0.4]})),
     InputError, "U: expected at least 2 subsystem columns, got 1"),
    ("coupling-classify-bad-bounds", lambda p: coupling.classify_d([0.5], bounds=[0.5, 0.4]),
     InputError, "bounds: expected 9 increasing inner class boundaries"),
    ("indicator-system-one-subsystem", lambda p: coupling.read_indicator_system({"agg": {"lq": "positive"}}),
     InputError, "system: expected at least 2 subsystems, got ['agg']"),
    ("coupling-alpha-mapping-missing-subsystem", lambda p: coupling.coupling_coordination(_X2 / 4, alpha={"a": 1.0}),
     InputError, "alpha: expected one weight per subsystem (column of U) ['a', 'b'], got no weight for ['b']"),
    ("coupling-alpha-mapping-unknown-subsystem",
     lambda p: coupling.coupling_coordination(_X2 / 4, alpha={"a": 0.5, "b": 0.5, "c": 0.0}),
     InputError, "got weights for unknown subsystems ['c']"),
    ("coupling-alpha-string", lambda p: coupling.coupling_coordination(_X2 / 4, alpha="ab"),
     InputTypeError, "alpha: expected a sequence or mapping of subsystem weights, got the string 'ab'"),
    ("coupling-alpha-nan", lambda p: coupling.coupling_coordination(_X2 / 4, alpha=[NAN, 1.0]),
     InputError, "alpha: expected non-negative weights summing to 1, got sum nan from [nan, 1.0]. Fix: normalise "
                 "alpha (finite numbers"),
    ("coupling-alpha-text", lambda p: coupling.coupling_coordination(_X2 / 4, alpha=["half", 0.5]),
     InputError, "got sum nan from ['half', 0.5]"),
    ("coupling-lag-threshold-nan", lambda p: coupling.coupling_coordination(_X2 / 4, lag_threshold=NAN),
     InputError, "lag_threshold: expected a finite number in [0, 1] (a gap between two U in [0, 1]), got nan"),
    ("coupling-lag-threshold-negative", lambda p: coupling.coupling_coordination(_X2 / 4, lag_threshold=-0.1),
     InputError, "lag_threshold: expected a finite number in [0, 1]"),
    ("coupling-lag-threshold-text", lambda p: coupling.coupling_coordination(_X2 / 4, lag_threshold="0.1"),
     InputTypeError, "lag_threshold: expected a number, got str '0.1'"),
    # ----------------------------------------------------------------- weights
    ("knn-k-out-of-range-polygons", lambda p: weights.spatial_weights(_boxes(), kind="knn", k=3, id_col="rid"),
     InputError, "k: expected an integer in [1, 2] (n = 3 units), got 3"),
    ("knn-k-zero-matrix", lambda p: weights.spatial_weights(kind="knn", matrix=_matrix(), k=0),
     InputError, "k: expected an integer in [1, 2] (n = 3 units), got 0"),
    ("knn-k-float-matrix", lambda p: weights.spatial_weights(kind="knn", matrix=_matrix(), k=1.5),
     InputError, "k: expected an integer in [1, 2]"),
    ("threshold-min-for-km-matrix",
     lambda p: weights.spatial_weights(kind="distance_band", matrix=_matrix(), threshold_min=30),
     InputError, "threshold_min: expected threshold_km for distances in km"),
    ("threshold-km-for-minute-matrix",
     lambda p: weights.spatial_weights(kind="distance_band", matrix=_matrix(), unit="travel_min", threshold_km=30),
     InputError, "threshold_km: expected threshold_min for a matrix in minutes"),
    ("threshold-min-for-layer",
     lambda p: weights.spatial_weights(_boxes(), kind="distance_band", threshold_min=30, id_col="rid"),
     InputError, "threshold_min: expected km for distances measured on a layer"),
    ("distance-band-without-threshold", lambda p: weights.spatial_weights(kind="distance_band", matrix=_matrix()),
     InputError, "threshold_km: expected a distance in km for kind='distance_band', got None"),
    ("distance-band-negative-threshold",
     lambda p: weights.spatial_weights(kind="distance_band", matrix=_matrix(), threshold_km=-5),
     InputError, "threshold_km: expected a positive finite number, got -5"),
    ("kernel-without-bandwidth", lambda p: weights.spatial_weights(kind="kernel", matrix=_matrix()),
     InputError, "bandwidth_km: expected a positive finite number, got None"),
    ("bad-transform", lambda p: weights.spatial_weights(_boxes(), transform="row", id_col="rid"),
     InputError, "transform: expected one of ['r', 'b', 'v', 'o'], got 'row'"),
    ("bad-matrix-unit", lambda p: weights.spatial_weights(kind="knn", matrix=_matrix(), k=1, unit="miles"),
     InputError, "unit: expected a distance unit ending in one of ['km', 'min']"),
    ("islands-raise-polygons", lambda p: weights.spatial_weights(_boxes(gap=0.05), kind="queen", id_col="rid"),
     InputError, "islands: expected every unit to have a neighbour, got islands ['a', 'b', 'c']"),
    ("islands-raise-matrix",
     lambda p: weights.spatial_weights(kind="distance_band", matrix=_matrix(), threshold_km=12),
     InputError, "got islands ['c']"),
    ("matrix-asymmetric",
     lambda p: weights.spatial_weights(kind="knn", matrix=_matrix([[0, 10, 20], [11, 0, 15], [20, 15, 0]]), k=1),
     InputError, "matrix: expected a symmetric matrix, got asymmetric"),
    ("matrix-negative",
     lambda p: weights.spatial_weights(kind="knn", matrix=_matrix([[0, -10, 20], [-10, 0, 15], [20, 15, 0]]), k=1),
     InputError, "matrix: expected non-negative distances, got 2 negative entries"),
    ("matrix-inf",
     lambda p: weights.spatial_weights(kind="knn", matrix=_matrix([[0, INF, 20], [INF, 0, 15], [20, 15, 0]]), k=1),
     InputError, "matrix: expected finite distances, got 2 infinite entries"),
    ("matrix-missing-pair",
     lambda p: weights.spatial_weights(kind="knn", matrix=_matrix([[0, NAN, 20], [NAN, 0, 15], [20, 15, 0]]), k=1),
     InputError, "matrix: expected a distance for every pair, got 2 missing off-diagonal"),
    ("matrix-not-square", lambda p: weights.spatial_weights(kind="knn", matrix=_matrix().iloc[:2], k=1),
     InputError, "matrix: expected a square matrix, got shape (2, 3)"),
    ("layer-without-crs", lambda p: weights.spatial_weights(_boxes(crs=None), kind="knn", k=1, id_col="rid"),
     InputError, "geoms: expected a GeoDataFrame with a CRS"),
    ("weights-wrong-type", lambda p: ac.moran(_v4(), 42),
     InputTypeError, "w: expected SpatialWeights, a libpysal W or Graph"),
    ("weights-dict-unknown-neighbour", lambda p: ac.moran(_v4(), {**W4, "d": ["c", "e"]}),
     InputError, "w: expected neighbours that are keys of the dict, got unknown ids ['e']"),
    ("weights-txt-path", lambda p: ac.moran(_v4(), str(_write(p, "w.txt", "0 4\n"))),
     InputError, "w: expected a .gal or .gwt weights file"),
    ("weights-missing-gal", lambda p: ac.moran(_v4(), str(p / "w.gal")),
     InputError, "w: expected an existing weights file"),
    ("weights-dict-inf-weight",
     lambda p: ac.moran(_v4(), {"a": {"b": INF}, "b": {"a": INF, "c": 1.0}, "c": {"b": 1.0, "d": 1.0},
                                "d": {"c": 1.0}}, permutations=0),
     InputError, "w: expected finite non-negative weights, got 2 NaN, infinite or negative weights, "
                 "e.g. (id, neighbour, weight) [('a', 'b', inf), ('b', 'a', inf)]"),
    ("weights-dict-negative-weight-getis-ord",
     lambda p: ac.getis_ord(_v4(), {"a": {"b": 1.0}, "b": {"a": 1.0, "c": -2.0}, "c": {"b": -2.0, "d": 1.0},
                                    "d": {"c": 1.0}}, permutations=0),
     InputError, "got 2 NaN, infinite or negative weights, e.g. (id, neighbour, weight) [('b', 'c', -2.0)"),
    ("weights-dict-nan-weight", lambda p: weights.as_weights({"a": {"b": NAN}, "b": {"a": 1.0}}),
     InputError, "[('a', 'b', nan)]"),
    ("weights-dict-text-weight", lambda p: weights.as_weights({"a": {"b": "1 km"}, "b": {"a": 1.0}}),
     InputError, "w: expected numeric weights {id: {neighbour: weight}}, got '1 km' for the link 'a'-'b'"),
    ("weights-libpysal-W-inf-weight", lambda p: ac.moran(_v4(), _libpysal_W4(c_d=INF), permutations=0),
     InputError, "w: expected finite non-negative weights, got 2 NaN, infinite or negative weights"),
    # ----------------------------------------------------------------- autocorrelation
    ("moran-values-inf", lambda p: ac.moran(_v4(1.0, INF, 3.0, 5.0), W4),
     InputError, "values: expected finite values, got ±inf for ['b']"),
    ("moran-nan-without-drop", lambda p: ac.moran(_v4(1.0, NAN, 3.0, 5.0), W4),
     InputError, "values: expected no missing values, got NaN for ['b']. Fix: pass nan='drop'"),
    ("moran-bad-nan-option", lambda p: ac.moran(_v4(), W4, nan="keep"),
     InputError, "nan: expected 'raise' or 'drop', got 'keep'"),
    ("moran-constant", lambda p: ac.moran(_v4(2.0, 2.0, 2.0, 2.0), W4),
     InputError, "values: expected a variable that varies across units, got a constant"),
    ("moran-two-units", lambda p: ac.moran(pd.Series([1.0, 2.0], index=["a", "b"]), {"a": ["b"], "b": ["a"]}),
     InputError, "values: expected at least 3 units with values, got 2"),
    ("moran-nan-drop-leaves-two", lambda p: ac.moran(_v4(1.0, NAN, NAN, 5.0), W4, nan="drop"),
     InputError, "values: expected at least 3 units with values, got 2"),
    ("moran-ids-mismatch", lambda p: ac.moran(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcx")), W4),
     InputError, "values: expected the same ids as the weights, got 1 weights ids without a value ['d']"),
    ("moran-values-not-series", lambda p: ac.moran([1.0, 2.0, 3.0, 5.0], W4),
     InputTypeError, "values: expected a pandas Series indexed by region id, got list"),
    ("moran-global-permutations-negative", lambda p: ac.moran(_v4(), W4, permutations=-1),
     InputError, "permutations: expected an integer >= 0, got -1"),
    ("moran-exact-too-many-units",
     lambda p: ac.moran(pd.Series(np.arange(11.0), index=[str(i) for i in range(11)]),
                        {str(i): [str(j) for j in (i - 1, i + 1) if 0 <= j < 11] for i in range(11)},
                        permutations="exact"),
     InputError, "permutations: expected 'exact' only for n <= 10, got n = 11"),
    ("geary-permutations-negative", lambda p: ac.geary(_v4(), W4, permutations=-5),
     InputError, "permutations: expected an integer >= 0, got -5"),
    ("local-moran-permutations-zero", lambda p: ac.local_moran(_v4(), W4, permutations=0),
     InputError, "permutations: expected an integer >= 1, got 0"),
    ("local-moran-alpha-above-1", lambda p: ac.local_moran(_v4(), W4, permutations=99, alpha=1.5),
     InputError, "alpha: expected a significance level in (0, 1), got 1.5"),
    ("local-moran-alpha-zero", lambda p: ac.local_moran(_v4(), W4, permutations=99, alpha=0),
     InputError, "alpha: expected a significance level in (0, 1), got 0"),
    ("getis-ord-negative-values", lambda p: ac.getis_ord(_v4(1.0, -2.0, 3.0, 5.0), W4, permutations=0),
     InputError, "values: expected non-negative values for Getis-Ord G, got 1 negative values"),
    ("local-getis-ord-negative-values", lambda p: ac.local_getis_ord(_v4(1.0, -2.0, 3.0, 5.0), W4, permutations=99),
     InputError, "values: expected non-negative values for Getis-Ord Gi*"),
    ("local-getis-ord-permutations-zero", lambda p: ac.local_getis_ord(_v4(), W4, permutations=0),
     InputError, "permutations: expected an integer >= 1, got 0"),
    ("gi-star-general-weights-without-self-weight",
     lambda p: ac.local_getis_ord(_v4(), {"a": {"b": 1.0}, "b": {"a": 1.0, "c": 0.5}, "c": {"b": 0.5, "d": 2.0},
                                          "d": {"c": 2.0}}, permutations=99),
     InputError, "self_weight: expected the weight of a unit on itself for Gi* with general weights, got None"),
    ("gi-star-negative-self-weight", lambda p: ac.local_getis_ord(_v4(), W4, permutations=99, self_weight=-1.0),
     InputError, "self_weight: expected a non-negative finite weight, got -1.0"),
    ("moran-seed-text", lambda p: ac.moran(_v4(), W4, permutations=99, seed="x"),
     InputTypeError, "seed: expected an integer in [0, 4294967295], got str 'x'. Fix: pass e.g. seed=12345"),
    ("moran-seed-text-exact", lambda p: ac.moran(_v4(), W4, seed="x"),  # checked even when no draw needs it
     InputTypeError, "seed: expected an integer in [0, 4294967295], got str 'x'"),
    ("moran-seed-negative", lambda p: ac.moran(_v4(), W4, permutations=99, seed=-1),
     InputError, "seed: expected an integer in [0, 4294967295], got -1"),
    ("geary-seed-too-large", lambda p: ac.geary(_v4(), W4, permutations=9, seed=2**32),
     InputError, "seed: expected an integer in [0, 4294967295], got 4294967296"),
    ("getis-ord-seed-float", lambda p: ac.getis_ord(_v4(), W4, permutations=9, seed=1.5),
     InputTypeError, "seed: expected an integer in [0, 4294967295], got float 1.5"),
    ("local-moran-seed-none", lambda p: ac.local_moran(_v4(), W4, permutations=9, seed=None),
     InputTypeError, "seed: expected an integer in [0, 4294967295], got NoneType None"),
    ("local-getis-ord-seed-bool", lambda p: ac.local_getis_ord(_v4(), W4, permutations=9, seed=True),
     InputTypeError, "seed: expected an integer in [0, 4294967295], got bool True"),
    # ----------------------------------------------------------------- gravity / network / circles
    ("gravity-three-mass-cols", lambda p: gravity.gravity_ties(_masses().assign(Q=1.0), _matrix(),
                                                               mass_cols=("P", "G", "Q")),
     InputError, "mass_cols: expected two column names (P, G), got 3 names ['P', 'G', 'Q']"),
    ("gravity-mass-cols-string", lambda p: gravity.gravity_ties(_masses(), _matrix(), mass_cols="PG"),
     InputTypeError, "mass_cols: expected a pair of column names (P, G), got the string 'PG'"),
    ("gravity-distance-text",
     lambda p: gravity.gravity_ties(_masses(), _matrix().astype(object).where(_matrix() != 10.0, "10km")),
     InputError, "distance: expected numeric distances (a number of km or minutes in every cell), "
                 "got 2 non-numeric cells, e.g. [('a', 'b', '10km'), ('b', 'a', '10km')]"),
    ("gravity-b-text", lambda p: gravity.gravity_ties(_masses(), _matrix(), b="2"),
     InputTypeError, "b: expected a number, got str '2'"),
    ("tie-centrality-seed-text", lambda p: gravity.tie_centrality(_ties(), seed="x"),
     InputTypeError, "seed: expected an integer in [0, 4294967295], got str 'x'"),
    ("gravity-zero-mass", lambda p: gravity.gravity_ties(_masses(P=(1.0, 0.0, 2.0)), _matrix()),
     InputError, "masses: expected positive masses for every region, got missing or <= 0 for ['b']"),
    ("gravity-negative-mass", lambda p: gravity.gravity_ties(_masses(G=(1.0, 1.0, -3.0)), _matrix()),
     InputError, "missing or <= 0 for ['c']"),
    ("gravity-inf-mass", lambda p: gravity.gravity_ties(_masses(P=(INF, 4.0, 2.0)), _matrix()),
     InputError, "masses: expected finite masses in ['P', 'G'], got inf/-inf for 1 regions ['a']"),
    ("gravity-missing-mass-column", lambda p: gravity.gravity_ties(_masses(), _matrix(), mass_cols=("GDP", "G")),
     InputError, "mass_cols: expected columns of masses, got 'GDP'"),
    ("gravity-region-without-distances", lambda p: gravity.gravity_ties(_masses(), _matrix().iloc[:2, :2]),
     InputError, "distance: expected a row and column for every region of masses, got missing ['c']"),
    ("gravity-missing-distance",
     lambda p: gravity.gravity_ties(_masses(), _matrix([[0, NAN, 20], [NAN, 0, 15], [20, 15, 0]])),
     InputError, "distance: expected finite positive distances between distinct regions"),
    ("gravity-zero-distance",
     lambda p: gravity.gravity_ties(_masses(), _matrix([[0, 0.0, 20], [0.0, 0, 15], [20, 15, 0]])),
     InputError, "missing, infinite, zero or negative for 2 pairs"),
    ("gravity-R-underflows-to-zero",
     lambda p: gravity.gravity_ties(_masses(P=(1e-200,) * 3, G=(1e-200,) * 3),
                                    _matrix([[0, 1e200, 2e200], [1e200, 0, 3e200], [2e200, 3e200, 0]])),
     InputError, "masses: expected ties with R > 0 from every region, got every R underflows to 0"),
    ("gravity-negative-b", lambda p: gravity.gravity_ties(_masses(), _matrix(), b=-1.0),
     InputError, "b: expected a finite non-negative distance-decay exponent, got -1.0"),
    ("gravity-zero-k", lambda p: gravity.gravity_ties(_masses(), _matrix(), k=0.0),
     InputError, "k: expected a finite positive gravity constant, got 0.0"),
    ("tie-network-negative-R", lambda p: gravity.tie_network(_ties(R=(2.0, -1.0, 0.5))),
     InputError, "ties: expected finite non-negative R for every pair"),
    ("tie-centrality-nan-R", lambda p: gravity.tie_centrality(_ties(R=(2.0, NAN, 0.5))),
     InputError, "ties: expected finite non-negative R for every pair, got 1 missing, negative or infinite"),
    ("edges-non-positive-km", lambda p: network.graph_from_edges(_edges(rail_km=[90.0, 0.0])),
     InputError, "edges: expected positive rail_km on every edge, got 1 bad rows"),
    ("edges-missing-columns", lambda p: network.graph_from_edges(_edges().drop(columns="mode")),
     InputError, "edges: expected columns ['from', 'to', 'rail_km', 'mode'], got missing ['mode']"),
    ("edges-unknown-mode", lambda p: network.graph_from_edges(_edges(mode=["conventional", "maglev"])),
     InputError, "speeds_kph: expected a speed for mode 'maglev'"),
    ("speeds-negative", lambda p: network.graph_from_edges(_edges(), speeds_kph={"conventional": -90}),
     InputError, "speeds_kph: expected positive speeds in km/h, got conventional: -90"),
    ("speeds-nan", lambda p: network.graph_from_edges(_edges(), speeds_kph={"high-speed": NAN}),
     InputError, "speeds_kph: expected positive speeds in km/h, got high-speed: nan"),
    ("speeds-inf", lambda p: network.graph_from_edges(_edges(), speeds_kph={"conventional": INF}),
     InputError, "speeds_kph: expected positive speeds in km/h, got conventional: inf. Fix: give each mode a finite"),
    ("speeds-text", lambda p: network.graph_from_edges(_edges(), speeds_kph={"high-speed": "220"}),
     InputError, "got high-speed: '220'"),
    ("speeds-not-a-dict", lambda p: network.graph_from_edges(_edges(), speeds_kph=220),
     InputTypeError, "speeds_kph: expected a dict mode -> speed in km/h, got int"),
    ("add-links-inf-speed-default",
     lambda p: network.add_links(network.graph_from_edges(_edges()), _edges(), speeds_kph={"high-speed": INF}),
     InputError, "speeds_kph: expected positive speeds in km/h, got high-speed: inf"),
    ("edges-inf-km", lambda p: network.graph_from_edges(_edges(rail_km=[90.0, INF])),
     InputError, "edges: expected positive rail_km on every edge, got 1 bad rows (missing, text, zero, negative or "
                 "infinite), e.g. [{'from': 'B', 'to': 'C', 'rail_km': inf"),
    ("edges-zero-travel-min", lambda p: network.graph_from_edges(_edges(travel_min=[0.0, NAN])),
     InputError, "edges: expected a positive finite travel_min, or a blank cell for the speed-based time, "
                 "got 1 bad rows, e.g. [{'from': 'A', 'to': 'B', 'travel_min': 0.0}]"),
    ("edges-text-travel-min", lambda p: network.graph_from_edges(_edges(travel_min=["1h", "40"])),
     InputError, "got 1 bad rows, e.g. [{'from': 'A', 'to': 'B', 'travel_min': '1h'}]"),
    ("travel-times-unknown-origin",
     lambda p: network.travel_times(network.graph_from_edges(_edges()), ["Q"]),
     InputError, "origins: expected nodes of the graph (station names or seat:<adcode>), got ['Q']"),
    ("add-links-unknown-station",
     lambda p: network.add_links(network.graph_from_edges(_edges()),
                                 pd.DataFrame({"from": ["A"], "to": ["Z"], "rail_km": [10.0], "mode": ["high-speed"]})),
     InputError, "links: expected nodes of the graph"),
    ("add-links-zero-speed",
     lambda p: network.add_links(network.graph_from_edges(_edges()),
                                 pd.DataFrame({"from": ["A"], "to": ["C"], "rail_km": [10.0], "mode": ["high-speed"],
                                               "speed_kph": [0.0]})),
     InputError, "speed_kph: expected a positive speed in km/h, got 0.0 for A-C"),
    ("rail-graph-bad-road", lambda p: jilin.rail_graph(road="highway"),
     InputError, "road: expected one of ['off_network', 'all', 'none'], got 'highway'"),
    ("rail-graph-detour-below-1", lambda p: jilin.rail_graph(detour=0.9),
     InputError, "detour: expected a factor >= 1"),
    ("rail-graph-access-min-zero", lambda p: jilin.rail_graph(access_min=0),
     InputError, "access_min: expected a positive finite number, got 0"),
    ("rail-graph-access-min-inf", lambda p: jilin.rail_graph(access_min=INF),
     InputError, "access_min: expected a positive finite number, got inf"),
    ("resolve-unknown-place", lambda p: circles.resolve_place("Nowhereville", jilin.place_table()),
     InputError, "centre: expected an id or a place name of the region, got 'Nowhereville'"),
    ("parse-link-three-fields", lambda p: circles.parse_link("Changchun,Jilin,60"),
     InputError, "--add-link: expected FROM,TO,RAIL_KM,MODE[,SPEED_KPH], got 'Changchun,Jilin,60'"),
    ("parse-link-text-km", lambda p: circles.parse_link("Changchun,Jilin,sixty,high-speed"),
     InputError, "--add-link: expected numbers for RAIL_KM and SPEED_KPH"),
    ("circles-non-positive-minutes",
     lambda p: circles.economic_circles(_jilin_graph(), ["Changchun"], units=_jilin_units(), minutes=(30, 0)),
     InputError, "minutes: expected positive finite thresholds in minutes, got [30, 0]"),
    ("circles-nan-minutes",
     lambda p: circles.economic_circles(_jilin_graph(), ["Changchun"], units=_jilin_units(), minutes=[NAN]),
     InputError, "minutes: expected positive finite thresholds"),
    ("circles-units-without-population",
     lambda p: circles.economic_circles(_jilin_graph(), ["Changchun"], units=datasets.load_boundaries("county")),
     InputError, "units: expected a GeoDataFrame with adcode, population, employment, geometry"),
    ("region-centre-from-another-province", lambda p: jilin.region("prefecture").resolve("沈阳"),
     InputError, "centre: expected an id or a place name of Jilin Province (prefecture), got '沈阳'"),
    # ----------------------------------------------------------------- productivity
    ("malmquist-inf-input", lambda p: productivity.malmquist(_panel_with("x", INF), dmu="dmu", period="t",
                                                             inputs=["x"], outputs=["y"]),
     InputError, "panel: expected positive inputs and outputs (finite numbers; no text, gaps or inf), "
                 "got column 'x': 1 bad value(s), row 5 (dmu 'B', t 2003) = inf"),
    ("malmquist-zero-output", lambda p: productivity.malmquist(_panel_with("y", 0.0), dmu="dmu", period="t",
                                                               inputs=["x"], outputs=["y"]),
     InputError, "column 'y': 1 bad value(s)"),
    ("malmquist-text-input", lambda p: productivity.malmquist(_panel_with("x", "n/a"), dmu="dmu", period="t",
                                                              inputs=["x"], outputs=["y"]),
     InputError, "row 5 (dmu 'B', t 2003) = 'n/a'"),
    ("malmquist-mixed-int-str-periods",
     lambda p: productivity.malmquist(_mixed_periods(_panel()), dmu="dmu", period="t", inputs=["x"], outputs=["y"]),
     InputError, "period: expected labels of one type in column 't' (all numbers or all text), got mixed"),
    ("malmquist-one-period", lambda p: productivity.malmquist(_panel(periods=(2001,)), dmu="dmu", period="t",
                                                              inputs=["x"], outputs=["y"]),
     InputError, "period: expected at least two periods, got 1"),
    ("malmquist-unbalanced", lambda p: productivity.malmquist(_panel().drop(index=4), dmu="dmu", period="t",
                                                              inputs=["x"], outputs=["y"]),
     InputError, "panel: expected a balanced panel (every DMU in every period), got DMUs with missing periods ['B']"),
    ("malmquist-too-few-dmus",
     lambda p: productivity.malmquist(_panel(dmus="AB", x2=3.0, y2=2.0), dmu="dmu", period="t", inputs=["x", "x2"],
                                      outputs=["y", "y2"]),
     InputError, "panel: expected at least inputs + outputs = 4 DMUs, got 2"),
    ("malmquist-unknown-column", lambda p: productivity.malmquist(_panel(), dmu="dmu", period="t", inputs=["labour"],
                                                                  outputs=["y"]),
     InputError, "panel: expected the named columns, got missing ['labour']"),
    ("malmquist-duplicate-rows",
     lambda p: productivity.malmquist(pd.concat([_panel(), _panel().iloc[[0]]]), dmu="dmu", period="t",
                                      inputs=["x"], outputs=["y"]),
     InputError, "panel: expected one row per DMU and period, got duplicates [['A', 2001]]"),
    ("malmquist-missing-period-label", lambda p: productivity.malmquist(_panel_with("t", None), dmu="dmu", period="t",
                                                                        inputs=["x"], outputs=["y"]),
     InputError, "period: expected a label in every row of column 't', got 1 missing, rows [5]"),
    ("malmquist-bad-rts", lambda p: productivity.malmquist(_panel(), dmu="dmu", period="t", inputs=["x"],
                                                           outputs=["y"], rts="drs"),
     InputError, "rts: expected one of ['crs', 'vrs'], got 'drs'"),
    ("dea-negative-input", lambda p: productivity.dea_scores([[1.0, -2.0]], [[1.0, 1.0]]),
     InputError, "X: expected finite non-negative values, got nan, inf or negative entries at (row, DMU) [[0, 1]]"),
    ("capital-stock-delta-1", lambda p: productivity.capital_stock(pd.Series([10.0, 12.0], index=[2000, 2001]),
                                                                   delta=1.0),
     InputError, "delta: expected a depreciation rate in [0, 1), got 1.0"),
    ("capital-stock-negative-investment",
     lambda p: productivity.capital_stock(pd.Series([10.0, -12.0, 11.0], index=[2000, 2001, 2002])),
     InputError, "investment: expected complete, finite, non-negative investment, got 1 bad value(s) at 2001 = -12.0"),
    ("capital-stock-zero-deflator",
     lambda p: productivity.capital_stock(pd.Series([10.0, 12.0], index=[2000, 2001]),
                                          deflator=pd.Series([1.0, 0.0], index=[2000, 2001])),
     InputError, "deflator: expected a finite positive deflator for every investment year"),
    ("capital-stock-inf-initial",
     lambda p: productivity.capital_stock(pd.Series([10.0, 12.0], index=[2000, 2001]), initial=INF),
     InputError, "initial: expected a finite non-negative starting capital stock K0, got inf"),
    # ----------------------------------------------------------------- econometrics
    ("regress-inf", lambda p: _regress(_econ(lq=lambda d: d.lq.where(d.index != 7, INF))),
     InputError, "data: expected finite values in column 'lq', got 1 non-finite (inf) in rows [7]"),
    ("regress-nan", lambda p: _regress(_econ(tfp=lambda d: d.tfp.where(d.index != 3, NAN))),
     InputError, "data: expected finite values in column 'tfp', got 1 non-finite (NaN)"),
    ("regress-mixed-int-str-periods", lambda p: _regress(_econ(year=lambda d: d.year.astype(object).where(
        d.index % 2 == 0, d.year.astype(str)))),
     InputTypeError, "data: expected numeric column 'year', got dtype object"),
    ("regress-constant-regressor", lambda p: _regress(_econ(c=lambda d: d.city * 1.5)),
     InputError, "controls: expected regressors that vary within entities and over time, got column 'c' constant"),
    ("regress-collinear-regressors", lambda p: _regress(_econ(c2=lambda d: 2 * d.c - d.lq), controls=["c", "c2"]),
     InputError, "linearly independent regressors after the within transformation, got collinear columns"),
    ("regress-unknown-column", lambda p: _regress(_econ(), controls=["gdp"]),
     InputError, "data: expected the named columns, got missing ['gdp']"),
    ("regress-too-few-periods", lambda p: _regress(_econ(n_t=2)),
     InputError, "data: expected entities observed in 3 consecutive periods (for lags [1, 2])"),
    ("regress-lag-zero", lambda p: _regress(_econ(), lags=(0,)),
     InputError, "lags: expected distinct positive integers"),
    ("regress-bad-cov", lambda p: _regress(_econ(), cov="hac"),
     InputError, "cov: expected 'clustered' or 'robust', got 'hac'"),
    ("regress-controls-as-string", lambda p: _regress(_econ(), controls="c"),
     InputTypeError, "controls: expected a list of column names, got the string 'c'"),
    ("regress-duplicate-entity-time", lambda p: _regress(pd.concat([_econ(), _econ().iloc[[0]]])),
     InputError, "data: expected one row per entity and time, got duplicates"),
    # ----------------------------------------------------------------- datasets
    ("employment-year-not-in-data", lambda p: datasets.load_employment("prefecture", years=[2015]),
     InputError, "years: expected years among [2010, 2020] (the years the data hold), got [2015]"),
    ("employment-empty-years", lambda p: datasets.load_employment("county", years=[]),
     InputError, "years: expected years among [2010, 2020] (the years the data hold), got []"),
    ("employment-bad-level", lambda p: datasets.load_employment("city"),
     InputError, "level: expected one of ['prefecture', 'county'], got 'city'"),
    ("employment-allocate-without-mapping", lambda p: datasets.load_employment("county", zones="allocate"),
     InputError, "zone_allocation: expected a dict zone_id -> county adcode"),
    ("boundaries-bad-level", lambda p: datasets.load_boundaries("state"),
     InputError, "level: expected one of ['prefecture', 'county', 'province'], got 'state'"),
    ("get-path-unknown-dataset", lambda p: datasets.get_path("gdp_2030"),
     InputError, "name: expected one of ["),
    ("human-capital-year-not-in-data", lambda p: datasets.load_human_capital(years=[2000]),
     InputError, "years: expected years among [2010, 2020] (the years the data hold), got [2000]"),
    ("county-population-two-years", lambda p: datasets.county_population(year=[2010, 2020]),
     InputError, "year: expected one census year, got [2010, 2020]"),
    ("county-population-year-not-in-data", lambda p: datasets.county_population(year=2015),
     InputError, "year: expected years among [2010, 2020] (the years the data hold), got [2015]"),
    # ----------------------------------------------------------------- CLI (exit 2, one line on stderr)
    ("cli-circle-minutes-nan", lambda p: ["circle", "--out", str(p / "o"), "--minutes", "nan"],
     CLI, "argument --minutes: expected a finite number in (0, 1440], got 'nan'"),
    ("cli-circle-access-min-inf", lambda p: ["circle", "--out", str(p / "o"), "--access-min", "inf"],
     CLI, "argument --access-min: expected a finite number in (0, 1440], got 'inf'"),
    ("cli-circle-speed-zero", lambda p: ["circle", "--out", str(p / "o"), "--speed-hsr", "0"],
     CLI, "argument --speed-hsr: expected a finite number in (0, 1000], got '0'"),
    ("cli-report-years-2015", lambda p: ["report", "--out", str(p / "o"), "--years", "2015"],
     CLI, "--years: expected years the regions hold [2010, 2020], got [2015]", _no_output("o")),
    ("cli-report-minutes-negative", lambda p: ["report", "--out", str(p / "o"), "--minutes", "-30"],
     CLI, "argument --minutes: expected a finite number in (0, 1440], got '-30'"),
    ("cli-report-level-city", lambda p: ["report", "--out", str(p / "o"), "--level", "city"],
     CLI, "--level: expected one of ['prefecture', 'county'], got 'city'. Fix: pass one of them, e.g. --level "
          "prefecture", _no_output("o")),
    ("cli-report-level-second-value", lambda p: ["report", "--out", str(p / "o"), "--level", "county", "town"],
     CLI, "--level: expected one of ['prefecture', 'county'], got 'town'"),
    ("cli-report-sector-names", lambda p: ["report", "--out", str(p / "o"), "--sector-names", "gb"],
     CLI, "--sector-names: expected one of ['auto', 'census', 'as_is'], got 'gb'"),
    ("cli-report-invalid", lambda p: ["report", "--out", str(p / "o"), "--invalid", "fix"],
     CLI, "--invalid: expected one of ['raise', 'repair'], got 'fix'"),
    ("cli-report-on-mismatch", lambda p: ["report", "--out", str(p / "o"), "--on-mismatch", "drop"],
     CLI, "--on-mismatch: expected one of ['raise', 'warn'], got 'drop'"),
    ("cli-lq-form", lambda p: _lq_argv(*_lq_files(p), p / "out", "--form", "tall"),
     CLI, "--form: expected one of ['long', 'wide'], got 'tall'", _no_output("out")),
    ("cli-lq-letters", lambda p: _lq_argv(*_lq_files(p), p / "out", "--letters", "2011"),
     CLI, "--letters: expected one of ['2002', '2017'], got '2011'"),
    ("cli-lq-reference", lambda p: _lq_argv(*_lq_files(p), p / "out", "--reference", "national"),
     CLI, "--reference: expected one of ['panel', 'rest'], got 'national'"),
    ("cli-lq-denominator", lambda p: _lq_argv(*_lq_files(p), p / "out", "--denominator", "non_agri"),
     CLI, "--denominator: expected one of ['all', 'non_agricultural'], got 'non_agri'"),
    ("cli-tfp-rts", lambda p: _tfp_argv(_tfp_csv(p), p / "out", "--rts", "drs"),
     CLI, "--rts: expected one of ['crs', 'vrs'], got 'drs'. Fix: pass one of them, e.g. --rts crs",
     _no_output("out")),
    ("cli-tfp-orientation", lambda p: _tfp_argv(_tfp_csv(p), p / "out", "--orientation", "both"),
     CLI, "--orientation: expected one of ['output', 'input'], got 'both'"),
    ("cli-tfp-frontier", lambda p: _tfp_argv(_tfp_csv(p), p / "out", "--frontier", "window"),
     CLI, "--frontier: expected one of ['contemporaneous', 'sequential', 'global'], got 'window'"),
    ("cli-report-table-without-polygons",
     lambda p: ["report", "--out", str(p / "o"), "--table", str(_write(p, "t.csv", _LONG)), "--id-col", "code"],
     CLI, "--table: expected --table, --id-col and --polygons together", _no_output("o")),
    ("cli-tfp-out-under-a-file", lambda p: _tfp_argv(_tfp_csv(p), _write(p, "f.txt", "x") / "out"),
     CLI, "--out: expected a path whose parent folders are folders"),
    ("cli-tfp-force-over-foreign-files", _foreign_with_force,
     CLI, "which has no valid .jilin_spatial_manifest.json", _foreign_kept),
    ("cli-tfp-force-own-output-plus-foreign-file", _own_output_plus_foreign,
     CLI, "which also holds", _notes_kept),
    ("cli-tfp-input-inside-out", _input_inside_out,
     CLI, "--out: expected a folder that holds none of the job's inputs", _input_kept),
    ("cli-tfp-mixed-periods", _tfp_mixed_periods,
     CLI, "period: expected labels of one type in column 't'", _no_output("out")),
    ("cli-tfp-unknown-input-column", lambda p: _tfp_argv(_tfp_csv(p), p / "out", inputs="zz"),
     CLI, "panel: expected the named columns, got missing ['zz']", _no_output("out")),
    ("cli-lq-missing-table", lambda p: _lq_argv(p / "nope.csv", _lq_files(p)[1], p / "out"),
     CLI, "path: expected an existing file", _no_output("out")),
    ("cli-lq-inf-cells",
     lambda p: _lq_argv(*_lq_files(p, "code,sector,year,value\na,C_manuf,2020,inf\nb,C_manuf,2020,2\n"), p / "out"),
     CLI, "value: expected finite values", _no_output("out")),
    ("cli-lq-year-nan", lambda p: _lq_argv(*_lq_files(p), p / "out", "--form", "wide", "--year", "nan"),
     CLI, "argument --year: expected a whole number in [1900, 2100], got 'nan'"),
    ("cli-lq-wide-without-year",
     lambda p: _lq_argv(*_lq_files(p, "code,C_manuf,J_finance\na,5,3\nb,2,8\n"), p / "out", "--form", "wide"),
     CLI, "year: expected a 'year' column or year=", _no_output("out")),
    ("cli-lq-polygons-degrees-declared-3857",
     lambda p: _lq_argv(_lq_files(p)[0], _gpkg(p, _boxes(("a", "b"), col="code", crs="EPSG:3857"), "m.gpkg"),
                        p / "out"),
     CLI, "look like degrees (EPSG:4326) declared as EPSG:3857", _no_output("out")),
    ("cli-lq-ids-do-not-pair",
     lambda p: _lq_argv(_lq_files(p)[0], _gpkg(p, _boxes(("a", "z"), col="code"), "m.gpkg"), p / "out"),
     CLI, "table: expected the same ids in the table and the polygons", _no_output("out")),
]


def _param(row):
    if type(row) is tuple:  # a pytest.param is a (named) tuple too
        ident, build, expected, phrase, *after = row
        return pytest.param(build, expected, phrase, after[0] if after else None, id=ident)
    ident, build, expected, phrase = row.values
    return pytest.param(build, expected, phrase, None, id=ident, marks=row.marks)


def test_catalogue_is_large_and_ids_are_unique():
    rows = [r if type(r) is tuple else r.values for r in CASES]
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 70
    assert sum(1 for r in rows if r[2] == CLI) >= 12


@pytest.mark.parametrize("build, expected, phrase, after", [_param(r) for r in CASES])
def test_bad_input(build, expected, phrase, after, tmp_path, capsys):
    if expected == CLI:
        argv = build(tmp_path)
        capsys.readouterr()  # drop anything a setup run printed
        try:
            rc = cli.main(argv)
        except SystemExit as exc:  # argparse errors exit from inside main
            rc = exc.code
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert rc == 2, f"exit status {rc}, stderr {err!r}"
        assert len(lines) == 1, f"expected one line on stderr, got {lines}"
        assert "Traceback" not in err and not out.startswith("wrote"), (out, err)
        msg = lines[0]
        assert msg.startswith(f"jilin-spatial {argv[0]}: error: "), msg
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FewUnitsWarning & co. are not what is catalogued here
            try:
                build(tmp_path)
            except Exception as exc:  # noqa: BLE001 - the class is asserted below
                err = exc
            else:
                err = None
        assert err is not None, "no exception: the bad input was accepted"
        assert type(err) is expected, f"expected {expected.__name__}, got {type(err).__name__}: {err}"
        msg = str(err)
        assert getattr(err, "argument", None) and msg.startswith(f"{err.argument}: expected ")
    assert "\n" not in msg and "\r" not in msg, msg
    assert "expected" in msg and "Fix:" in msg, msg
    m = FOUR_PARTS.search(msg)
    assert m and all(m.group(g).strip() for g in ("argument", "expected", "got", "fix")), msg
    assert phrase in msg, f"{phrase!r} not in {msg!r}"
    if after is not None:
        after(tmp_path)
