"""Spatial autocorrelation: hand values, exact enumeration, esda parity, errors."""

import itertools
import math
import warnings

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial._errors import FewUnitsWarning, InputError
from jilin_spatial.autocorrelation import exact_moran, min_attainable_p

pytestmark = pytest.mark.filterwarnings("ignore::jilin_spatial._errors.FewUnitsWarning")


def lattice(nrow, ncol):
    cells = [box(c, r, c + 1, r + 1) for r in range(nrow) for c in range(ncol)]
    return gpd.GeoDataFrame({"adcode": [f"u{i}" for i in range(len(cells))]}, geometry=cells, crs="EPSG:3857")


def test_moran_hand_on_2x2_rook():
    # rook on a 2x2 lattice: each cell has 2 neighbours; row-standardised weights 1/2
    g = lattice(2, 2)
    y = pd.Series([1.0, 2.0, 3.0, 6.0], index=g.adcode)
    sw = js.spatial_weights(g, kind="rook")
    r = js.moran(y, sw, permutations=99)
    z = y.to_numpy() - 3.0
    nbrs = {0: [1, 2], 1: [0, 3], 2: [0, 3], 3: [1, 2]}
    num = sum(0.5 * z[i] * z[j] for i in nbrs for j in nbrs[i])
    expected = (4 / 4.0) * num / (z @ z)  # S0 = 4 with row-standardised weights
    assert r.I == pytest.approx(expected, rel=1e-12)
    assert r.EI == pytest.approx(-1 / 3, rel=1e-12)


def test_exact_matches_brute_force_n6_and_null_mean():
    g = lattice(2, 3)
    rng = np.random.default_rng(1)
    y = pd.Series(rng.normal(size=6), index=g.adcode)
    sw = js.spatial_weights(g, kind="queen")
    r = js.moran(y, sw, permutations="exact")
    W = np.asarray(sw.w.full()[0])
    brute = []
    for p in itertools.permutations(range(6)):
        yp = y.to_numpy()[list(p)]
        brute.append(esda.Moran(yp, sw.w, permutations=0).I)
    brute = np.array(brute)
    assert len(r.sim) == math.factorial(6)
    np.testing.assert_allclose(np.sort(r.sim), np.sort(brute), rtol=1e-10, atol=1e-12)
    assert r.sim.mean() == pytest.approx(-1 / 5, abs=1e-12)
    obs = r.I
    exp_p = (np.sum(brute >= obs - 1e-12) if obs >= brute.mean() else np.sum(brute <= obs + 1e-12)) / len(brute)
    assert r.p_exact == pytest.approx(exp_p, abs=1e-15)
    o2, s2 = exact_moran(y.to_numpy(), W)
    assert o2 == pytest.approx(obs)


def test_exact_is_default_for_jilin_prefectures():
    emp = datasets.load_employment("prefecture", years=[2020])
    lq = js.location_quotient(emp, sectors="manufacturing").set_index("adcode")["lq"]
    sw = js.spatial_weights(datasets.load_boundaries("prefecture"))
    r = js.moran(lq, sw)
    assert r.permutations == "exact" and len(r.sim) == 362880
    assert r.sim.mean() == pytest.approx(-1 / 8, abs=1e-12)


def test_same_seed_same_results():
    g = lattice(5, 5)
    y = pd.Series(np.arange(25.0) % 7, index=g.adcode)
    sw = js.spatial_weights(g)
    a = js.moran(y, sw, permutations=499, seed=7)
    b = js.moran(y, sw, permutations=499, seed=7)
    c = js.moran(y, sw, permutations=499, seed=8)
    assert a.p_sim == b.p_sim and np.array_equal(a.sim, b.sim) and not np.array_equal(a.sim, c.sim)
    la = js.local_moran(y, sw, permutations=199, seed=3)
    lb = js.local_moran(y, sw, permutations=199, seed=3)
    assert np.array_equal(la.p_sim, lb.p_sim)


def test_min_attainable_p_combinatorial():
    assert min_attainable_p(9, [1])[0] == pytest.approx(1 / 8)
    assert min_attainable_p(9, [3])[0] == pytest.approx(1 / math.comb(8, 3))
    assert min_attainable_p(60, [0])[0] == 1.0
    g = lattice(1, 4)  # a line: the two ends have one neighbour
    y = pd.Series([1.0, 2.0, 4.0, 8.0], index=g.adcode)
    loc = js.local_moran(y, js.spatial_weights(g, kind="rook"), permutations=999)
    assert loc.min_attainable_p.tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1 / 3])
    assert loc.cannot_reach_alpha.all()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_wrappers_equal_esda():
    g = lattice(4, 4)
    rng = np.random.default_rng(5)
    y = pd.Series(rng.gamma(2.0, size=16), index=g.adcode)
    sw = js.spatial_weights(g, kind="queen")
    r = js.moran(y, sw, permutations=999, seed=11)
    np.random.seed(11)
    e = esda.Moran(y.to_numpy(), sw.w, permutations=999)
    assert r.I == e.I and r.p_sim == e.p_sim and r.p_norm == e.p_norm
    loc = js.local_moran(y, sw, permutations=999, seed=11)
    el = esda.Moran_Local(y.to_numpy(), sw.w, permutations=999, seed=11, n_jobs=1)
    np.testing.assert_array_equal(loc.Is, el.Is)
    np.testing.assert_array_equal(loc.p_sim, el.p_sim)
    np.testing.assert_array_equal(loc.q, el.q)
    gc = js.geary(y, sw, permutations=99, seed=2)
    np.random.seed(2)
    assert gc.I == esda.Geary(y.to_numpy(), sw.w, permutations=99).C
    gi = js.local_getis_ord(y, sw, permutations=99, seed=2)
    egi = esda.G_Local(y.to_numpy(), sw.to_W("b"), transform="B", permutations=99, star=True, seed=2)
    np.testing.assert_allclose(gi.Zs, egi.Zs, rtol=1e-10)


def test_fdr_and_quadrant_labels():
    g = lattice(5, 5)
    y = pd.Series([10.0 if i < 12 else 0.0 for i in range(25)], index=g.adcode)
    y.iloc[0] = 11.0
    loc = js.local_moran(y, js.spatial_weights(g), permutations=999, fdr=True)
    assert set(loc.quadrant) <= {"HH", "LH", "LL", "HL"}
    assert (loc.p_fdr >= loc.p_sim - 1e-15).all()
    from scipy.stats import false_discovery_control
    np.testing.assert_allclose(loc.p_fdr, false_discovery_control(loc.p_sim))


def test_few_units_warning():
    g = lattice(2, 3)
    y = pd.Series([1.0, 2, 3, 4, 5, 7], index=g.adcode)
    with pytest.warns(FewUnitsWarning, match="inference is fragile below 30 units"):
        warnings.simplefilter("always")
        js.local_moran(y, js.spatial_weights(g), permutations=99)


def test_matrix_weights_inverse_and_kernel():
    m = datasets.load_rail_matrix()
    ids = sorted(set(m.from_adcode) | set(m.to_adcode))
    D = pd.DataFrame(0.0, index=ids, columns=ids)
    for r in m.itertuples():
        D.loc[r.from_adcode, r.to_adcode] = D.loc[r.to_adcode, r.from_adcode] = r.rail_km_shortest
    sw = js.spatial_weights(kind="inverse_distance", matrix=D, power=2, transform="r", unit="rail_km")
    full, order = sw.w.full()
    i, j = order.index("220100"), order.index("220200")
    Dn = D.to_numpy()
    raw = np.where(Dn > 0, 1.0 / np.where(Dn > 0, Dn, 1.0) ** 2, 0)
    assert full[i, j] == pytest.approx(raw[i, j] / raw[i].sum(), rel=1e-12)
    k = js.spatial_weights(kind="kernel", matrix=D, bandwidth_km=200, transform="o", islands="zero", unit="rail_km")
    assert k.params["bandwidth_km"] == 200 and k.kind == "kernel"
    kf, ko = k.w.full()
    assert kf[ko.index("220100"), ko.index("220200")] == pytest.approx(1 - 111 / 200)


def test_matrix_errors():
    D = pd.DataFrame([[0, 1.0], [2.0, 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(InputError, match=r"matrix: expected a symmetric matrix, got asymmetric, e.g. .* Fix: symmetrise"):
        js.spatial_weights(kind="inverse_distance", matrix=D)
    with pytest.raises(InputError, match=r"matrix: expected a square matrix, got shape \(2, 3\)"):
        js.spatial_weights(kind="inverse_distance", matrix=pd.DataFrame(np.ones((2, 3)), index=["a", "b"]))
    N = pd.DataFrame([[0, -1.0], [-1.0, 0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(InputError, match=r"matrix: expected non-negative distances, got 2 negative entries"):
        js.spatial_weights(kind="inverse_distance", matrix=N)


def test_islands_raise_drop_zero():
    g = lattice(1, 3)
    g = pd.concat([g, gpd.GeoDataFrame({"adcode": ["far"]}, geometry=[box(10, 10, 11, 11)], crs=g.crs)])
    with pytest.raises(InputError, match=r"islands: expected every unit to have a neighbour, got islands \['far'\]"):
        js.spatial_weights(g)
    d = js.spatial_weights(g, islands="drop")
    assert d.dropped == ["far"] and "far" not in d.ids and d.n == 3
    z = js.spatial_weights(g, islands="zero")
    assert z.islands == ["far"] and z.n == 4


def test_value_errors():
    g = lattice(3, 3)
    sw = js.spatial_weights(g)
    y = pd.Series(np.arange(9.0), index=g.adcode)
    with pytest.raises(InputError, match=r"values: expected the same ids as the weights, got 1 weights ids without a value \['u8'\]"):
        js.moran(y.iloc[:8], sw)
    yn = y.copy()
    yn.iloc[2] = np.nan
    with pytest.raises(InputError, match=r"values: expected no missing values, got NaN for \['u2'\]. Fix: pass nan='drop'"):
        js.moran(yn, sw)
    r = js.moran(yn, sw, nan="drop", permutations=99)
    assert r.n == 8 and r.dropped == ["u2"]
    with pytest.raises(InputError, match=r"values: expected a variable that varies across units, got a constant"):
        js.moran(pd.Series(1.0, index=g.adcode), sw)


def test_seed_numpy_integer_same_as_int_and_bad_seeds_named():
    g = lattice(4, 4)
    y = pd.Series(np.arange(16.0) % 5, index=g.adcode)
    sw = js.spatial_weights(g)
    a = js.moran(y, sw, permutations=99, seed=7)
    b = js.moran(y, sw, permutations=99, seed=np.int64(7))
    assert np.array_equal(a.sim, b.sim) and b.seed == 7 and type(b.seed) is int
    for bad in ("7", 7.0, None, -1, 2**32):
        with pytest.raises((InputError, TypeError), match=r"^seed: expected an integer in \[0, 4294967295\]"):
            js.moran(y, sw, permutations=99, seed=bad)


def test_user_weights_zero_allowed_negative_and_inf_refused():
    """A zero weight is a link with no influence (I as on the chain without it); inf/NaN/negative raise."""
    y = pd.Series([1.0, 2.0, 4.0, 8.0], index=list("abcd"))
    full = {"a": {"b": 1.0}, "b": {"a": 1.0, "c": 1.0}, "c": {"b": 1.0, "d": 1.0}, "d": {"c": 1.0}}
    zero_cd = {"a": {"b": 1.0}, "b": {"a": 1.0, "c": 1.0}, "c": {"b": 1.0, "d": 0.0}, "d": {"c": 0.0}}
    r = js.moran(y, js.as_weights(zero_cd), permutations=0)
    # original weights ("o"): I = n / S0 * z'Wz / z'z with links a-b, b-c only (S0 = 4)
    z = y.to_numpy() - y.mean()
    assert r.I == pytest.approx(4 / 4 * 2 * (z[0] * z[1] + z[1] * z[2]) / (z @ z), rel=1e-12)
    assert r.I != pytest.approx(js.moran(y, full, permutations=0).I)
    for bad in (float("inf"), float("nan"), -1.0):
        w = {**full, "c": {"b": 1.0, "d": bad}, "d": {"c": bad}}
        with pytest.raises(InputError, match=r"^w: expected finite non-negative weights, got 2 NaN, infinite or negative"):
            js.moran(y, w, permutations=0)
