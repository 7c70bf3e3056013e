"""Non-finite and extreme input, coordinates that do not fit their CRS, wide tables with a 'value'
column, optional imports, zero ties, and the constant-indicator tolerance.

Every extreme-value test compares with the same computation on the data divided by 1e300 (or on the
unscaled data), which must agree to 1e-12 relative: LQ, growth ratios, shares, min-max scaling and the
gravity F are scale-invariant.
"""

import builtins
import importlib
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import jilin_spatial as js
from jilin_spatial import cli, datasets, io
from jilin_spatial._errors import CRSError, DataNoteWarning, InputError
from jilin_spatial._versions import import_optional
from jilin_spatial.concentration import agglomeration_index, coagglomeration, location_quotient, similarity_coefficient
from jilin_spatial.coupling import entropy_weights
from jilin_spatial.gravity import ZERO_TIE, gravity_ties, tie_centrality

RTOL = 1e-12
FMAX = np.finfo(float).max  # 1.797e308


def _emp():
    e = datasets.load_employment("prefecture")
    return e[["adcode", "sector", "year", "value"]].reset_index(drop=True)


def _huge(t, top=1.7e308):
    """The table rescaled so that its largest value is ``top``: every total overflows float64."""
    return t.assign(value=t["value"] / t["value"].max() * top)


# --------------------------------------------------------------------------- 1. inf / overflow: io

@pytest.mark.parametrize("cell", ["inf", "-inf", "1e999", "-1e999"])
def test_read_table_rejects_infinite_values(tmp_path, cell):
    p = tmp_path / "t.csv"
    p.write_text(f"code,sector,year,value\n01,C,2020,5\n02,C,2020,{cell}\n03,C,2020,{cell}\n")
    with pytest.raises(InputError, match=r"^value: expected finite values \(a blank cell for a missing one\), "
                                         r"got 2 rows with inf/-inf .*ids \['02', '03'\]\. Fix: ") as ei:
        io.read_table(p, id_col="code")
    assert "\n" not in str(ei.value)


def test_read_table_keeps_blank_as_nan_and_rejects_infinite_year(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("code,sector,year,value\n01,C,2020,5\n02,C,2020,\n")
    t = io.read_table(p, id_col="code")
    assert t["value"].tolist()[0] == 5.0 and np.isnan(t["value"].tolist()[1])  # NaN allowed: missing
    p.write_text("code,sector,year,value\n01,C,inf,5\n")
    with pytest.raises(InputError, match=r"^year: expected a finite year on every row, got 1 rows with inf"):
        io.read_table(p, id_col="code")


def test_cli_lq_with_inf_exits_2_not_0(tmp_path, capsys):
    e = _emp()
    e = e[e.year == 2020]
    e.loc[e.index[3], "value"] = np.inf
    e.rename(columns={"adcode": "code"}).to_csv(tmp_path / "t.csv", index=False)
    rc = cli.main(["lq", "--table", str(tmp_path / "t.csv"), "--id-col", "code",
                   "--polygons", str(datasets.get_path("prefectures")), "--poly-id-col", "adcode",
                   "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("jilin-spatial lq: error: value: expected finite values") and "\n" not in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- 1. concentration

@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_location_quotient_rejects_inf(bad):
    e = _emp()
    e.loc[5, "value"] = bad
    code = e.loc[5, "adcode"]
    with pytest.raises(InputError, match=rf"^data\['value'\]: expected finite values .*got 1 rows with inf/-inf, "
                                         rf"adcodes \['{code}'\]"):
        location_quotient(e)
    with pytest.raises(InputError, match=r"data\['value'\]: expected finite values"):
        agglomeration_index(e, start=2010, end=2020)


def test_location_quotient_nan_still_masked():
    e = _emp()
    e.loc[(e.adcode == "220200") & (e.sector == "C_manuf") & (e.year == 2020), "value"] = np.nan
    lq = location_quotient(e, sectors="C_manuf", years=[2020]).set_index("adcode")
    assert np.isnan(lq.loc["220200", "lq"]) and lq.loc["220200", "mask_reason"] == "missing value"


@pytest.mark.parametrize("reference", ["panel", "rest"])
def test_location_quotient_near_float_max_equals_scaled_down(reference):
    e = _emp()
    big = _huge(e)
    with np.errstate(over="ignore"):
        assert big.groupby("year")["value"].sum().gt(FMAX).all()  # sums really would overflow
    small = big.assign(value=big["value"] / 1e300)
    kw = dict(sectors=["C_manuf", "manufacturing", "producer_services"], reference=reference)
    with pytest.warns(DataNoteWarning, match=r"exceed the float range .* reported as NaN"):
        got = location_quotient(big, **kw)
    exp = location_quotient(small, **kw)
    ref = location_quotient(e, **kw)  # LQ is scale-invariant: the unscaled data give the same numbers
    assert got.lq.notna().sum() == exp.lq.notna().sum() == 54  # 9 prefectures x 2 years x 3 sectors
    np.testing.assert_array_equal(got.mask_reason, exp.mask_reason)
    np.testing.assert_allclose(got.lq, exp.lq, rtol=RTOL)
    np.testing.assert_allclose(got.lq, ref.lq, rtol=RTOL)
    # hand formula on the unscaled data for one cell (Changchun, manufacturing section, 2020, panel)
    if reference == "panel":
        w = e[e.year == 2020].pivot(index="adcode", columns="sector", values="value")
        tot = w["TOTAL"] if "TOTAL" in w else w.sum(axis=1)
        hand = (w.loc["220100", "C_manuf"] / tot["220100"]) / (w["C_manuf"].sum() / tot.sum())
        g = got[(got.adcode == "220100") & (got.year == 2020) & (got.sector == "C_manuf")].lq.item()
        assert g == pytest.approx(hand, rel=RTOL)
    # a section's own value is reported as given; totals beyond float range are NaN, never inf
    sec = got[got.sector == "C_manuf"]
    assert np.isfinite(got[["value", "lq"]].to_numpy()[~got.lq.isna().to_numpy()]).all()
    given = big.set_index(["adcode", "year", "sector"]).value
    np.testing.assert_array_equal(sec.value.to_numpy(),
                                  given.reindex(pd.MultiIndex.from_frame(sec[["adcode", "year", "sector"]])).to_numpy())
    assert not np.isinf(got[["region_total", "ref_sector_total", "ref_total"]].to_numpy()).any()


def test_location_quotient_external_near_float_max():
    e = _emp()
    e = e[e.year == 2020]
    ext = e.groupby(["sector", "year"], as_index=False)["value"].sum()
    ext = ext.assign(value=ext["value"] * 3.0)
    ext_big = _huge(ext)
    kw = dict(sectors="C_manuf", reference="external")
    with pytest.warns(DataNoteWarning, match=r"values of 'ref_total' exceed the float range"):
        got = location_quotient(e, external=ext_big, **kw)
    exp = location_quotient(e, external=ext_big.assign(value=ext_big.value / 1e300), **kw)
    np.testing.assert_allclose(got.lq, exp.lq, rtol=RTOL)
    np.testing.assert_allclose(got.lq, location_quotient(e, external=ext, **kw).lq, rtol=RTOL)


def test_agglomeration_index_near_float_max_equals_scaled_down():
    e = _emp()
    e = e[e.sector == "C_manuf"]
    big = _huge(e)  # the largest prefecture at 1.7e308: the provincial totals Q overflow
    with np.errstate(over="ignore"):
        assert big.groupby("year").value.sum().gt(FMAX).any()
    got = agglomeration_index(big, start=2010, end=2020, sectors=["C_manuf"])
    exp = agglomeration_index(big.assign(value=big.value / 1e300), start=2010, end=2020, sectors=["C_manuf"])
    assert got.A.notna().sum() == exp.A.notna().sum() == 9
    np.testing.assert_array_equal(got.q_start, big[big.year == 2010].set_index("adcode").value[got.adcode])
    np.testing.assert_allclose(got.A, exp.A, rtol=RTOL)
    np.testing.assert_allclose(got.S_i, exp.S_i, rtol=RTOL)
    # hand: S_i = (Q_2020 / Q_2010)^(1/10) - 1 over the manufacturing section, unscaled data
    q = e[e.sector == "C_manuf"].groupby("year").value.sum()
    assert got[got.sector == "C_manuf"].S_i.iloc[0] == pytest.approx((q[2020] / q[2010]) ** 0.1 - 1, rel=1e-10)


def test_similarity_near_float_max_equals_scaled_down():
    e = _emp()
    e = e[(e.year == 2020) & (e.sector != "TOTAL")]
    big = _huge(e)
    got = similarity_coefficient(big)
    exp = similarity_coefficient(big.assign(value=big.value / 1e300))
    assert got.S.notna().all()
    np.testing.assert_allclose(got.S, exp.S, rtol=RTOL)
    np.testing.assert_allclose(got.krugman, exp.krugman, rtol=RTOL, atol=1e-15)


def test_coagglomeration_rejects_inf():
    with pytest.raises(InputError, match=r"^lq_services: expected finite LQs .*got 1 inf values at \[1\]"):
        coagglomeration([1.0, 2.0], [1.0, np.inf])


# --------------------------------------------------------------------------- 1. entropy weights

@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_entropy_weights_reject_inf(bad):
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, bad, 2.0]}, index=["r1", "r2", "r3"])
    with pytest.raises(InputError, match=r"^indicators: expected finite values, got inf/-inf in \['b'\] on 1 rows, "
                                         r"e\.g\. \['r2'\]"):
        entropy_weights(X, directions={"a": "positive", "b": "positive"})


def test_entropy_weights_nan_rejected():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, np.nan, 2.0]})
    with pytest.raises(InputError, match=r"missing or non-numeric values in \['b'\]"):
        entropy_weights(X, directions={"a": "positive", "b": "positive"})


def test_entropy_weights_range_beyond_float_max():
    # max - min = 3.4e308 overflows: before the fix every weight was NaN
    X = pd.DataFrame({"a": [-1.7e308, 1.7e308, 0.0, 1.0e308], "b": [4.0, 1.0, 1.0, 2.0]})
    dirs = {"a": "positive", "b": "negative"}
    got = entropy_weights(X, directions=dirs)
    exp = entropy_weights(X / 1e300, directions=dirs)
    np.testing.assert_allclose(got.weights, exp.weights, rtol=RTOL)
    np.testing.assert_allclose(got.scaled, exp.scaled, rtol=RTOL)
    # hand: min-max of a is [0, 1, 0.5, 2.7/3.4]
    np.testing.assert_allclose(got.scaled["a"], (np.array([0, 1, 0.5, 2.7 / 3.4]) + 1e-4) / (1 + 1e-4), rtol=1e-12)
    assert got.weights.sum() == pytest.approx(1.0, abs=1e-15)


# --------------------------------------------------------------------------- 6. constant indicator, relative

def test_entropy_constant_indicator_uses_relative_tolerance():
    # 0.1 + 0.2 != 0.3 by 5.6e-17: rounding noise, not information (it used to get weight 0.76)
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "c": [0.1 + 0.2, 0.3, 0.3, 0.3]})
    with pytest.warns(DataNoteWarning, match=r"constant indicator\(s\) \['c'\] carry no information"):
        r = entropy_weights(X, directions={"a": "positive", "c": "positive"})
    assert r.weights.tolist() == [1.0, 0.0]
    # ... and a real variation on a tiny scale is not constant: same weights as the data times 1e20
    Y = pd.DataFrame({"a": [1.0, 2.0, 3.0, 5.0], "t": [0.0, 3e-20, 1e-20, 2e-20]})
    dirs = {"a": "positive", "t": "positive"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny = entropy_weights(Y, directions=dirs).weights
    np.testing.assert_allclose(tiny, entropy_weights(Y.assign(t=Y.t * 1e20), directions=dirs).weights, rtol=RTOL)
    assert tiny["t"] > 0.3


# --------------------------------------------------------------------------- 1. gravity

def _masses():
    m = pd.DataFrame({"P": [1.0, 4.0, 2.5], "G": [1.0, 1.0, 3.0]}, index=["a", "b", "c"])
    D = pd.DataFrame([[0, 2.0, 3.0], [2.0, 0, 1.5], [3.0, 1.5, 0]], index=list("abc"), columns=list("abc"))
    return m, D


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_gravity_rejects_infinite_masses(bad):
    m, D = _masses()
    m.loc["b", "G"] = bad
    with pytest.raises(InputError, match=r"^masses: expected finite masses in \['P', 'G'\], got inf/-inf for 1 "
                                         r"regions \['b'\]"):
        gravity_ties(m, D)


def test_gravity_rejects_nan_mass_and_infinite_distance_and_bad_b_k():
    m, D = _masses()
    with pytest.raises(InputError, match=r"masses: expected positive masses"):
        gravity_ties(m.assign(P=[1.0, np.nan, 2.0]), D)
    D2 = D.copy()
    D2.loc["a", "c"] = np.inf
    with pytest.raises(InputError, match=r"^distance: expected finite positive distances .*1 pairs, "
                                         r"e\.g\. \[\('a', 'c'\)\]"):
        gravity_ties(m, D2)
    with pytest.raises(InputError, match=r"^b: expected a finite non-negative"):
        gravity_ties(m, D, b=np.nan)
    with pytest.raises(InputError, match=r"^k: expected a finite positive"):
        gravity_ties(m, D, k=np.inf)


@pytest.mark.parametrize("asymmetric", [False, True])
def test_gravity_near_float_max_equals_scaled_down(asymmetric):
    m, D = _masses()
    # P G = 1e600 and sqrt(P_i G_i) sqrt(P_j G_j) = 1e600 overflow; R itself (~1e300 / 1e600 * 1e600) does not
    mb, Db = m * 1e300, D * 1e300
    got = gravity_ties(mb, Db, asymmetric=asymmetric)
    exp = gravity_ties(mb / 1e300, Db / 1e300, asymmetric=asymmetric)  # R = m m / D^2 is unchanged
    for c in ("R", "F", "R_total_from"):
        np.testing.assert_allclose(got[c], exp[c], rtol=RTOL)
    # hand: R_ab = sqrt(1*1) sqrt(4*1) / 2^2 = 0.5; R_bc = 2 sqrt(7.5) / 1.5^2
    r = exp.set_index(["from", "to"]).R
    k_ab = 1.0 / 2.0 if asymmetric else 1.0
    k_bc = 1.0 / 4.0 if asymmetric else 1.0
    assert r["a", "b"] == pytest.approx(0.5 * k_ab, rel=RTOL)
    assert r["b", "c"] == pytest.approx(2 * np.sqrt(7.5) / 2.25 * k_bc, rel=RTOL)


def test_gravity_ties_beyond_float_range_raise():
    m, D = _masses()
    with pytest.raises(InputError, match=r"^masses: expected masses and distances whose ties R fit in float64"):
        gravity_ties(m * 1e300, D)


# --------------------------------------------------------------------------- 2. CRS fit

def test_degrees_declared_as_3857_raise():
    g = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[box(125.0, 43.5, 125.5, 44.0), box(126.0, 43.0, 127.0, 44.0)],
                         crs="EPSG:3857")
    with pytest.raises(CRSError, match=r"^polygons: expected coordinates in the units of EPSG:3857 \(metre\), got "
                                       r"bounds \(125, 43, 127, 44\), which look like degrees \(EPSG:4326\) declared "
                                       r"as EPSG:3857\. Fix: set_crs\(4326, allow_override=True\)") as ei:
        io.validate_polygons(g, id_col="id")
    assert "\n" not in str(ei.value)


def test_degrees_declared_via_crs_argument_names_crs(tmp_path):
    g = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(125.0, 43.5, 125.5, 44.0)], crs="EPSG:4326")
    shp = tmp_path / "g.shp"
    g.to_file(shp, engine="pyogrio")
    (tmp_path / "g.prj").unlink()
    with pytest.raises(CRSError, match=r"declared as EPSG:32651\. Fix: pass crs='EPSG:4326'"):
        io.read_polygons(shp, id_col="id", crs="EPSG:32651")
    assert io.read_polygons(shp, id_col="id", crs="EPSG:4326").total_bounds.tolist() == [125.0, 43.5, 125.5, 44.0]


def test_metres_declared_as_4326_and_swapped_axes_raise():
    g = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(399.0, 399.0, 400.0, 400.0)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"^polygons: expected degrees in EPSG:4326 .*got bounds \(399, 399, 400, 400\), "
                                       r"which look like projected coordinates \(metres\) declared as EPSG:4326"):
        io.validate_polygons(g, id_col="id")
    g = gpd.GeoDataFrame({"id": ["a"]}, geometry=[box(43.5, 125.0, 44.0, 125.5)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"latitude and longitude look swapped"):
        io.validate_polygons(g, id_col="id")


def test_far_outside_area_of_use_raises():
    j = datasets.load_boundaries("prefecture")[["adcode", "geometry"]].to_crs(32651)
    far = j.set_geometry(j.translate(xoff=5e7))
    with pytest.raises(CRSError, match=r"^polygons: expected coordinates within the area of use of EPSG:32651"):
        io.validate_polygons(far, id_col="adcode")


@pytest.mark.parametrize("epsg", [3857, 32651, 32652, 4549, 4490])
def test_valid_projected_jilin_layers_pass(epsg):
    j = io.read_polygons(datasets.get_path("prefectures"), id_col="adcode")  # the Jilin polygons pass
    assert len(j) == 9
    back = io.validate_polygons(j.to_crs(epsg), id_col="adcode")
    np.testing.assert_allclose(back.total_bounds, j.total_bounds, atol=1e-7)


def test_jilin_county_polygons_pass():
    c = datasets.load_boundaries("county")
    out = io.validate_polygons(c, id_col="adcode")
    assert len(out) == len(c) and out.crs.to_epsg() == 4326


# --------------------------------------------------------------------------- 3. a column named 'value'

def test_wide_table_with_a_value_column(tmp_path):
    p = tmp_path / "w.csv"
    pd.DataFrame({"code": ["01", "02"], "C": [5, 7], "value": [3, 4], "year": [2020, 2020]}).to_csv(p, index=False)
    t = io.read_table(p, id_col="code", form="wide").set_index(["adcode", "sector"]).value
    assert t.to_dict() == {("01", "C"): 5.0, ("02", "C"): 7.0, ("01", "value"): 3.0, ("02", "value"): 4.0}
    t = io.read_table(p, id_col="code", form="wide", sectors=["C"])
    assert t.sector.tolist() == ["C", "C"] and t.value.tolist() == [5.0, 7.0]


def test_long_table_with_an_extra_value_column(tmp_path):
    p = tmp_path / "l.csv"
    pd.DataFrame({"code": ["01"], "sector": ["C"], "year": [2020], "emp": [5], "value": [9]}).to_csv(p, index=False)
    with pytest.raises(InputError, match=r"^path: expected no other column named like the tidy keys \['value'\], "
                                         r"got columns \['value'\] besides \['emp'\]"):
        io.read_table(p, id_col="code", value_col="emp")
    pd.DataFrame({"code": ["01"], "sector": ["C"], "year": [2020], "emp": [5]}).to_csv(p, index=False)
    assert io.read_table(p, id_col="code", value_col="emp").value.tolist() == [5.0]


# --------------------------------------------------------------------------- 4. optional imports

def _patch_import_module(monkeypatch, name, exc):
    real = importlib.import_module

    def fake(mod, *a, **k):
        if mod == name:
            raise exc
        return real(mod, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)


def test_import_optional_only_missing_module_means_not_installed(monkeypatch):
    with pytest.raises(ImportError, match=r"^reading X needs nosuchpkg_zz, which is not installed: pip install zz$"):
        import_optional("nosuchpkg_zz", purpose="reading X", install="pip install zz")
    _patch_import_module(monkeypatch, "openpyxl", MemoryError())
    with pytest.raises(MemoryError):
        import_optional("openpyxl", purpose="reading .xlsx", install="pip install openpyxl")


def test_excel_memoryerror_is_not_reported_as_missing(tmp_path, monkeypatch):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"code": ["01"], "C": [5], "year": [2010]}).to_excel(p, index=False)
    _patch_import_module(monkeypatch, "openpyxl", MemoryError("out of memory"))
    with pytest.raises(MemoryError, match="out of memory"):
        io.read_table(p, id_col="code", form="wide")


def test_excel_broken_dependency_is_named(tmp_path, monkeypatch):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"code": ["01"], "C": [5], "year": [2010]}).to_excel(p, index=False)
    missing_dep = ModuleNotFoundError("No module named 'et_xmlfile'", name="et_xmlfile")
    _patch_import_module(monkeypatch, "openpyxl", missing_dep)
    with pytest.raises(ImportError, match=r"reading \.xlsx needs openpyxl; it is installed but cannot import "
                                          r"'et_xmlfile'.*Fix: pip install et_xmlfile"):
        io.read_table(p, id_col="code", form="wide")


def test_old_xls_names_xlrd_not_openpyxl(tmp_path, monkeypatch):
    p = tmp_path / "t.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0not really")
    _patch_import_module(monkeypatch, "xlrd", ModuleNotFoundError("No module named 'xlrd'", name="xlrd"))
    with pytest.raises(ImportError, match=r"^reading old \.xls needs xlrd, which is not installed: pip install xlrd"):
        io.read_table(p, id_col="code")


def test_yaml_memoryerror_propagates(tmp_path, monkeypatch):
    p = tmp_path / "s.yaml"
    p.write_text("a: {x: positive}\nb: {y: negative}\n")
    _patch_import_module(monkeypatch, "yaml", MemoryError("out of memory"))
    with pytest.raises(MemoryError, match="out of memory"):
        js.read_indicator_system(p)
    _patch_import_module(monkeypatch, "yaml", ModuleNotFoundError("No module named 'yaml'", name="yaml"))
    with pytest.raises(ImportError, match=r"^reading YAML needs yaml, which is not installed: pip install pyyaml"):
        js.read_indicator_system(p)


def test_memoryerror_under_builtins_import_propagates(monkeypatch):
    real = builtins.__import__

    def fake(name, *a, **k):
        if name == "nosuchpkg_zz":
            raise MemoryError("out of memory")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.setattr(importlib, "import_module", lambda name, *a, **k: __import__(name))
    with pytest.raises(MemoryError):
        import_optional("nosuchpkg_zz", purpose="x", install="pip install zz")


# --------------------------------------------------------------------------- 5. zero ties

def _path_ties():
    """a-b (2), b-c (1), c-d (4) and zero ties a-c, a-d, b-d: the network is the path a-b-c-d."""
    R = {("a", "b"): 2.0, ("b", "c"): 1.0, ("c", "d"): 4.0, ("a", "c"): 0.0, ("a", "d"): 0.0, ("b", "d"): 0.0}
    rows = [{"from": i, "to": j, "R": r, "F": 0.5, "asymmetric": False} for (i, j), r in R.items()]
    rows += [{"from": j, "to": i, "R": r, "F": 0.5, "asymmetric": False} for (i, j), r in R.items()]
    return pd.DataFrame(rows)


def test_tie_centrality_zero_ties_excluded_with_reason():
    nodes, edges = tie_centrality(_path_ties())
    n = nodes.set_index("adcode")
    # betweenness on the path a-b-c-d: b and c each lie on 2 of the 3 pairs not involving them
    np.testing.assert_allclose(n.betweenness[["a", "b", "c", "d"]], [0, 2 / 3, 2 / 3, 0], atol=1e-15)
    np.testing.assert_allclose(n.strength[["a", "b", "c", "d"]], [2, 3, 5, 4], rtol=0)
    # PageRank by hand (power iteration, damping 0.85) on the weighted path
    W = np.array([[0, 2, 0, 0], [2, 0, 1, 0], [0, 1, 0, 4], [0, 0, 4, 0]], float)
    P = W / W.sum(axis=1, keepdims=True)
    pr = np.full(4, 0.25)
    for _ in range(500):
        pr = 0.15 / 4 + 0.85 * P.T @ pr
    np.testing.assert_allclose(n.pagerank[["a", "b", "c", "d"]], pr, rtol=1e-5)
    e = edges.set_index(["from", "to"])
    assert e.loc[("a", "b"), "backbone"] and e.loc[("b", "c"), "backbone"] and e.loc[("c", "d"), "backbone"]
    zero = e[e.R == 0]
    assert sorted(zero.index) == [("a", "c"), ("a", "d"), ("b", "d")]
    assert (zero.mask_reason == ZERO_TIE).all() and not zero.backbone.any()
    assert (e[e.R > 0].mask_reason == "").all()


def test_tie_centrality_isolated_by_zero_ties_and_bad_R():
    t = _path_ties()
    t.loc[(t["from"].isin(["c", "d"])) & (t["to"].isin(["c", "d"])), "R"] = 0.0  # d only has zero ties
    nodes, edges = tie_centrality(t)
    n = nodes.set_index("adcode")
    assert n.strength["d"] == 0 and n.betweenness["d"] == 0 and n.betweenness["b"] == 1.0 / 3.0
    assert (nodes.community == n.community["d"]).sum() == 1
    bad = _path_ties()
    bad.loc[0, "R"] = np.nan
    with pytest.raises(InputError, match=r"^ties: expected finite non-negative R for every pair, got 1 missing"):
        tie_centrality(bad)
    bad.loc[0, "R"] = -1.0
    with pytest.raises(InputError, match=r"^ties: expected finite non-negative R"):
        tie_centrality(bad)
