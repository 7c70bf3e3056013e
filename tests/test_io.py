"""Bring-your-own data: every bad input has a clear error naming the argument."""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from jilin_spatial import io
from jilin_spatial._errors import (
    CRSError,
    DataNoteWarning,
    EmptyInputError,
    FileFormatError,
    GeometryError,
    IdMismatchError,
    InputError,
)


@pytest.fixture
def grid3():
    """Three 1 m squares in EPSG:3857, placed in Jilin (x 13.9e6 m ~ 124.9 E, y 5.4e6 m ~ 43.6 N).

    Overrides the conftest fixture, whose squares sit at the projection origin: coordinates within
    +-180 x +-90 of the origin are now read as degrees declared as EPSG:3857 (io.check_crs_fit).
    """
    x0, y0 = 13_900_000.0, 5_400_000.0
    return gpd.GeoDataFrame({"rid": ["a", "b", "c"]},
                            geometry=[box(x0 + i, y0, x0 + i + 1, y0 + 1) for i in range(3)], crs="EPSG:3857")


def _write(gdf, path, driver=None):
    gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


@pytest.mark.parametrize("ext,driver", [(".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".shp", "ESRI Shapefile")])
def test_read_polygons_formats(tmp_path, grid3, ext, driver):
    p = _write(grid3, tmp_path / f"g{ext}", driver)
    before = p.read_bytes()
    g = io.read_polygons(p, id_col="rid")
    assert list(g.adcode) == ["a", "b", "c"]
    assert g.crs.to_epsg() == 4326
    assert p.read_bytes() == before  # input never modified


def test_missing_crs_raises(tmp_path, grid3):
    # a shapefile without .prj has no CRS
    shp = tmp_path / "nocrs.shp"
    grid3.to_file(shp, engine="pyogrio")
    (tmp_path / "nocrs.prj").unlink()
    with pytest.raises(CRSError, match=r"path: expected a defined CRS, got no CRS .* Fix: pass crs='EPSG:4326'"):
        io.read_polygons(shp, id_col="rid")
    ok = io.read_polygons(shp, id_col="rid", crs="EPSG:3857")
    assert ok.crs.to_epsg() == 4326
    b = ok.geometry.iloc[0].bounds
    # 1 m in EPSG:3857 is 360 / 40075016.686 = 8.98e-6 degrees of longitude; x0 -> 124.866 E
    assert b[2] - b[0] == pytest.approx(360 / 40075016.686, rel=1e-9)
    assert b[0] == pytest.approx(13_900_000.0 / 6378137.0 * 180 / 3.141592653589793, rel=1e-12)


def test_unknown_crs_string(tmp_path, grid3):
    p = _write(grid3, tmp_path / "g.gpkg")
    with pytest.raises(CRSError, match=r"crs: expected a CRS pyproj understands .*, got 'EPSG:999999'"):
        io.read_polygons(p, id_col="rid", crs="EPSG:999999")


def test_invalid_geometry_raise_or_repair(tmp_path):
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    g = gpd.GeoDataFrame({"rid": ["x", "y"]}, geometry=[bowtie, box(2, 0, 3, 1)], crs="EPSG:4326")
    p = _write(g, tmp_path / "bad.gpkg")
    with pytest.raises(GeometryError, match=r"path: expected valid geometries, got 1 invalid \(\['x'\].*Fix: pass invalid='repair'"):
        io.read_polygons(p, id_col="rid")
    with pytest.warns(DataNoteWarning, match=r"repaired 1 invalid geometries with shapely.make_valid: \['x'\]"):
        r = io.read_polygons(p, id_col="rid", invalid="repair")
    assert r.geometry.is_valid.all() and len(r) == 2


def test_duplicate_ids(tmp_path, grid3):
    g = grid3.copy()
    g["rid"] = ["a", "a", "c"]
    p = _write(g, tmp_path / "dup.gpkg")
    with pytest.raises(IdMismatchError, match=r"rid: expected unique ids, got duplicates \['a'\]"):
        io.read_polygons(p, id_col="rid")


def test_unknown_id_col(tmp_path, grid3):
    p = _write(grid3, tmp_path / "g.gpkg")
    with pytest.raises(InputError, match=r"id_col: expected a column of the polygons, got 'code'. Fix: choose one of \['rid'\]"):
        io.read_polygons(p, id_col="code")


def test_ids_without_polygon_and_reverse(grid3):
    poly = io.validate_polygons(grid3, id_col="rid")
    t = pd.DataFrame({"adcode": ["a", "b", "z"], "sector": "C", "year": 2020, "value": 1.0})
    with pytest.raises(IdMismatchError, match=r"table: expected the same ids .* got 1 table ids without a polygon \['z'\]; 1 polygons without data \['c'\]"):
        io.check_pairing(t, poly)
    with pytest.warns(DataNoteWarning, match=r"without a polygon \['z'\]"):
        io.check_pairing(t, poly, on_mismatch="warn")


def test_read_table_long_and_wide(tmp_path):
    (tmp_path / "long.csv").write_text("code,sector,year,value\n01,C,2020,5\n01,G,2020,3\n", encoding="utf-8")
    t = io.read_table(tmp_path / "long.csv", id_col="code")
    assert list(t.adcode) == ["01", "01"] and t.value.tolist() == [5.0, 3.0] and t.year.tolist() == [2020, 2020]
    (tmp_path / "wide.csv").write_text("code,C,G\n01,5,3\n02,\"1,200\",4\n", encoding="utf-8")
    w = io.read_table(tmp_path / "wide.csv", id_col="code", form="wide", year=2020)
    assert w.set_index(["adcode", "sector"]).value.loc[("02", "C")] == 1200.0


def test_read_table_gbk_autodetected(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("地区,sector,year,value\n长春,C,2020,5\n".encode("gbk"))
    t = io.read_table(p, id_col="地区")
    assert t.adcode.tolist() == ["长春"] and t.attrs["encoding"] == "gb18030"


def test_read_table_wrong_encoding_named(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("地区,sector,year,value\n长春,C,2020,5\n".encode("gbk"))
    with pytest.raises(FileFormatError, match=r"encoding: expected the file's text encoding, got 'utf-8' cannot decode it. Fix: .*encoding='gbk'"):
        io.read_table(p, id_col="地区", encoding="utf-8")


def test_read_table_wrong_delimiter(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("code;sector;year;value\n01;C;2020;5\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"sep: expected the file's delimiter, got a single column 'code;sector;year;value'"):
        io.read_table(p, id_col="code", sep=",")
    assert len(io.read_table(p, id_col="code")) == 1  # sniffed when sep is not given


@pytest.mark.parametrize("content", ["", "   \n"])
def test_empty_file(tmp_path, content):
    p = tmp_path / "empty.csv"
    p.write_text(content)
    with pytest.raises(EmptyInputError, match=r"path: expected a non-empty"):
        io.read_table(p, id_col="code")


def test_header_only(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("code,sector,year,value\n")
    with pytest.raises(EmptyInputError, match=r"path: expected at least one data row, got a header only"):
        io.read_table(p, id_col="code")


def test_negative_and_non_numeric(tmp_path):
    p = tmp_path / "neg.csv"
    p.write_text("code,sector,year,value\n01,C,2020,-5\n")
    with pytest.raises(InputError, match=r"value: expected non-negative values, got 1 negative"):
        io.read_table(p, id_col="code")
    p.write_text("code,sector,year,value\n01,C,2020,5a\n")
    with pytest.raises(InputError, match=r"value: expected numeric values, got non-numeric \['5a'\]"):
        io.read_table(p, id_col="code")


def test_duplicate_rows_in_table(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("code,sector,year,value\n01,C,2020,5\n01,C,2020,6\n")
    with pytest.raises(IdMismatchError, match=r"path: expected one row per \(region, sector, year\), got 1 duplicates"):
        io.read_table(p, id_col="code")


def test_excel_table(tmp_path):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"code": ["01"], "C": [5], "G": [2], "year": [2010]}).to_excel(p, index=False)
    t = io.read_table(p, id_col="code", form="wide")
    assert sorted(t.sector) == ["C", "G"] and (t.year == 2010).all()


def test_missing_file_and_bad_extension(tmp_path):
    with pytest.raises(InputError, match=r"path: expected an existing file"):
        io.read_table(tmp_path / "nope.csv", id_col="x")
    p = tmp_path / "t.dbf"
    p.write_text("x")
    with pytest.raises(FileFormatError, match=r"path: expected a table file"):
        io.read_table(p, id_col="x")


# ------------------------------------------------------------------ ids: present on every row, whole floats as "1"


def test_float_polygon_ids_keep_integer_text(tmp_path):
    """A GeoPackage Real id field gives floats: 1.0 and 220100.0 become '1' and '220100' (not '1.0'), 1.5 stays."""
    g = gpd.GeoDataFrame({"rid": [1.0, 220100.0, 1.5]},
                         geometry=[box(125 + i * 0.1, 43, 125.1 + i * 0.1, 43.1) for i in range(3)], crs="EPSG:4326")
    p = _write(g, tmp_path / "f.gpkg")
    assert gpd.read_file(p, engine="pyogrio")["rid"].dtype == float  # the file stores numbers
    out = io.read_polygons(p, id_col="rid")
    assert out["adcode"].tolist() == ["1", "220100", "1.5"]


def test_float_table_ids_pair_with_integer_polygon_ids(tmp_path, grid3):
    """validate_table on a float adcode column (e.g. after a merge) pairs with the polygons' integer ids."""
    t = pd.DataFrame({"adcode": [1.0, 2.0, 3.0], "sector": "C", "year": 2020, "value": [5.0, 6.0, 7.0]})
    v = io.validate_table(t)
    assert v["adcode"].tolist() == ["1", "2", "3"]
    polys = grid3.assign(adcode=[1, 2, 3])
    io.check_pairing(v, polys)  # "1" == "1": no IdMismatchError
    assert v["value"].tolist() == [5.0, 6.0, 7.0]
    assert t["adcode"].tolist() == [1.0, 2.0, 3.0]  # the caller's frame is not changed


def test_text_ids_are_kept_as_written(tmp_path):
    """Text ids stay as written (leading zeros, a written '1.0'), in CSV and in Excel text cells; Excel number
    cells 1 and 220100 give '1' and '220100'; values and years are numbers again."""
    p = tmp_path / "t.csv"
    p.write_text("code,sector,year,value\n01,C,2020,5\n1.0,C,2020,6\n")
    assert io.read_table(p, id_col="code")["adcode"].tolist() == ["01", "1.0"]
    x = tmp_path / "t.xlsx"
    pd.DataFrame({"code": [1, 220100], "sector": "C", "year": 2020, "value": [5, 6.5]}).to_excel(x, index=False)
    t = io.read_table(x, id_col="code")
    assert t["adcode"].tolist() == ["1", "220100"] and t["value"].tolist() == [5.0, 6.5]
    assert t["year"].tolist() == [2020, 2020]
    pd.DataFrame({"code": ["01", "0220"], "sector": "C", "year": 2020, "value": [5, 6]}).to_excel(x, index=False)
    assert io.read_table(x, id_col="code")["adcode"].tolist() == ["01", "0220"]
    w = tmp_path / "w.xlsx"
    pd.DataFrame({"code": ["07"], "C_manuf": [5], "J_finance": [2.5], "year": [2010]}).to_excel(w, index=False)
    t = io.read_table(w, id_col="code", form="wide")
    assert t[["adcode", "sector", "year", "value"]].values.tolist() == [["07", "C_manuf", 2010, 5.0],
                                                                         ["07", "J_finance", 2010, 2.5]]


def test_excel_sheet_by_name_and_index(tmp_path):
    x = tmp_path / "t.xlsx"
    with pd.ExcelWriter(x) as w:
        pd.DataFrame({"note": ["see next sheet"]}).to_excel(w, index=False, sheet_name="README")
        pd.DataFrame({"code": ["01", "02"], "sector": "C", "year": 2020, "value": [5, 7]}).to_excel(
            w, index=False, sheet_name="data")
    for sheet in ("data", 1):
        t = io.read_table(x, id_col="code", sheet=sheet)
        assert t[["adcode", "value"]].values.tolist() == [["01", 5.0], ["02", 7.0]]
    with pytest.raises(InputError, match=r"^sheet: expected a sheet of the workbook: a name in \['README', 'data'\]"):
        io.read_table(x, id_col="code", sheet="Data")


def test_row_without_id_is_not_dropped_or_kept_as_nan(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("code,sector,year,value\n01,C,2020,5\n,C,2020,7\n03,C,2020,2\n")
    with pytest.raises(InputError, match=r"^code: expected an id on every row, got 1 rows without one \(data rows \[1\]"):
        io.read_table(p, id_col="code")
