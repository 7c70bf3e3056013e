"""Moran, Geary, G, Gi and Gi* against hand formulas under every transform; weights in, weights untouched.

Tolerance: 1e-8 relative (the statistics are sums of at most a few hundred terms in float64).
"""

import itertools
import math
import warnings

import esda
import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import jilin_spatial as js
from jilin_spatial._errors import InputError
from jilin_spatial.autocorrelation import exact_moran

pytestmark = pytest.mark.filterwarnings("ignore::jilin_spatial._errors.FewUnitsWarning")
TOL = 1e-8


def lattice(nrow, ncol, size=1.0, crs="EPSG:3857"):
    cells = [box(c * size, r * size, (c + 1) * size, (r + 1) * size) for r in range(nrow) for c in range(ncol)]
    return gpd.GeoDataFrame({"adcode": [f"u{i}" for i in range(len(cells))]}, geometry=cells, crs=crs)


def rook_binary(nrow, ncol):
    n = nrow * ncol
    B = np.zeros((n, n))
    for r in range(nrow):
        for c in range(ncol):
            i = r * ncol + c
            for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
                rr, cc = r + dr, c + dc
                if 0 <= rr < nrow and 0 <= cc < ncol:
                    B[i, rr * ncol + cc] = 1.0
    return B


def transformed(B, t):
    """Independent implementation of libpysal's transforms (r, b, v, o) on a dense matrix."""
    if t == "o":
        return B.copy()
    if t == "b":
        return (B != 0).astype(float)
    if t == "r":
        return B / B.sum(1, keepdims=True)
    q = np.sqrt((B ** 2).sum(1, keepdims=True))  # variance stabilising (Tiefelsdorf et al. 1999)
    V = B / q
    return V * (B.shape[0] / V.sum())


def moran_hand(y, W):
    z = y - y.mean()
    return len(y) / W.sum() * (z @ W @ z) / (z @ z)


def geary_hand(y, W):
    n = len(y)
    z = y - y.mean()
    d = (y[:, None] - y[None, :]) ** 2
    return (n - 1) * (W * d).sum() / (2 * W.sum() * (z @ z))


def gi_star_hand(y, B, self_weight=1.0):
    """Ord & Getis (1995) eq. (8), written with explicit loops."""
    n = len(y)
    xbar = y.sum() / n
    S = math.sqrt((y ** 2).sum() / n - xbar ** 2)
    out = []
    for i in range(n):
        w = [B[i, j] if j != i else self_weight for j in range(n)]
        Wi = sum(w)
        S1 = sum(x * x for x in w)
        num = sum(w[j] * y[j] for j in range(n)) - xbar * Wi
        out.append(num / (S * math.sqrt((n * S1 - Wi ** 2) / (n - 1))))
    return np.array(out)


def gi_hand(y, B):
    """Getis & Ord (1992) Gi z-score: sums over j != i, moments of the other n - 1 values."""
    n = len(y)
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        yo = y[others]
        xbar = yo.mean()
        S = math.sqrt((yo ** 2).mean() - xbar ** 2)
        w = B[i, others]
        Wi, S1 = w.sum(), (w ** 2).sum()
        out.append((w @ yo - xbar * Wi) / (S * math.sqrt(((n - 1) * S1 - Wi ** 2) / (n - 2))))
    return np.array(out)


@pytest.fixture(scope="module")
def lat45():
    g = lattice(4, 5)
    rng = np.random.default_rng(42)
    y = pd.Series(rng.gamma(2.0, 3.0, size=20), index=pd.Index(g.adcode, name="adcode"))
    return g, y, rook_binary(4, 5)


@pytest.mark.parametrize("t", ["r", "b", "v", "o"])
def test_moran_and_geary_use_the_requested_transform(lat45, t):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook", transform=t)
    W = transformed(B, t)
    r = js.moran(y, sw, permutations=0)
    assert r.I == pytest.approx(moran_hand(y.to_numpy(), W), rel=TOL)
    c = js.geary(y, sw, permutations=0)
    assert c.I == pytest.approx(geary_hand(y.to_numpy(), W), rel=TOL)
    assert sw.w.transform == t.upper()  # the caller's object is untouched


def test_binary_and_row_standardised_moran_differ(lat45):
    g, y, B = lat45
    rb = js.moran(y, js.spatial_weights(g, kind="rook", transform="b"), permutations=0).I
    rr = js.moran(y, js.spatial_weights(g, kind="rook", transform="r"), permutations=0).I
    assert abs(rb - rr) > 1e-3  # the transform matters here, so ignoring it would be visible


@pytest.mark.parametrize("t", ["r", "b", "v", "o"])
def test_gi_star_on_binary_weights_under_every_transform(lat45, t):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook", transform=t)
    gi = js.local_getis_ord(y, sw, permutations=99, seed=1)
    np.testing.assert_allclose(gi.Zs, gi_star_hand(y.to_numpy(), B), rtol=TOL)
    e = esda.G_Local(y.to_numpy(), sw.to_W("b"), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gi.Zs, e.Zs, rtol=TOL)
    np.testing.assert_allclose(gi.Gs, e.Gs, rtol=TOL)
    np.testing.assert_allclose(gi.p_norm, e.p_norm, rtol=TOL)
    gi_plain = js.local_getis_ord(y, sw, permutations=99, seed=1, star=False)
    np.testing.assert_allclose(gi_plain.Zs, gi_hand(y.to_numpy(), B), rtol=TOL)
    e0 = esda.G_Local(y.to_numpy(), sw.to_W("b"), transform="B", star=False, permutations=0)
    np.testing.assert_allclose(gi_plain.Zs, e0.Zs, rtol=TOL)


def test_row_standardised_gi_star_was_wrong(lat45):
    """The old code passed transform='R' to esda; on this lattice that moves z-scores by more than 0.1."""
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda warns that it assumes a self-weight for row-standardised Gi*
        er = esda.G_Local(y.to_numpy(), sw.to_W("r"), transform="R", star=True, permutations=0)
    gi = js.local_getis_ord(y, sw, permutations=9)
    assert np.max(np.abs(gi.Zs - er.Zs)) > 0.1


def test_gi_star_general_weights_against_exact_enumeration():
    """Inverse-distance weights: Zs equals the z of the exact randomisation distribution (all n! orderings)."""
    pts = gpd.GeoDataFrame({"adcode": list("abcdef")},
                           geometry=[Point(0, 0), Point(1000, 0), Point(3000, 500), Point(0, 2500), Point(2000, 2000),
                                     Point(4000, 4000)], crs="EPSG:3857")
    sw = js.spatial_weights(pts, kind="inverse_distance", power=1, crs="EPSG:3857")
    A = np.asarray(sw.to_W("o").full()[0])
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    gi = js.local_getis_ord(pd.Series(y, index=list("abcdef")), sw, permutations=9, self_weight=2.0)
    As = A + 2.0 * np.eye(6)
    lags = np.array([y[list(p)] for p in itertools.permutations(range(6))]) @ As.T  # every ordering
    z_exact = (As @ y - lags.mean(0)) / lags.std(0)
    np.testing.assert_allclose(gi.Zs, z_exact, rtol=TOL)
    with pytest.raises(InputError, match="self_weight: expected the weight of a unit on itself"):
        js.local_getis_ord(pd.Series(y, index=list("abcdef")), sw, permutations=9)


def test_global_g_binary_matches_esda_and_moments_match_enumeration(lat45):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook")  # row-standardised: G must still use binary weights
    r = js.getis_ord(y, sw, permutations=0)
    e = esda.G(y.to_numpy(), sw.to_W("b"), permutations=0)
    assert r.I == pytest.approx(e.G, rel=TOL) and r.EI == pytest.approx(e.EG, rel=TOL)
    assert r.VI_norm == pytest.approx(e.VG, rel=TOL) and r.p_norm == pytest.approx(e.p_norm, rel=TOL)
    # general weights, n = 7: the moment formula against all 5,040 orderings
    pts = gpd.GeoDataFrame({"adcode": list("abcdefg")}, geometry=[Point(i * 1000.0, (i % 3) * 700.0) for i in range(7)],
                           crs="EPSG:3857")
    swd = js.spatial_weights(pts, kind="inverse_distance", power=2, crs="EPSG:3857")
    yv = np.array([2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.5])
    rd = js.getis_ord(pd.Series(yv, index=list("abcdefg")), swd, permutations=0)
    A = np.asarray(swd.to_W("o").full()[0])
    den = yv.sum() ** 2 - (yv ** 2).sum()
    Y = np.array([yv[list(p)] for p in itertools.permutations(range(7))])
    G = np.einsum("pi,ij,pj->p", Y, A, Y) / den
    assert rd.I == pytest.approx(yv @ A @ yv / den, rel=TOL)
    assert rd.EI == pytest.approx(G.mean(), rel=TOL)
    assert rd.VI_norm == pytest.approx(G.var(), rel=TOL)


def test_global_results_expose_esda_attributes(lat45):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="queen")
    r = js.moran(y, sw, permutations=499, seed=4)
    np.random.seed(4)
    e = esda.Moran(y.to_numpy(), sw.to_W(), permutations=499)
    for a in ("I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "p_sim", "EI_sim", "seI_sim",
              "z_sim"):
        assert getattr(r, a) == pytest.approx(getattr(e, a), rel=1e-12), a
    assert r.sides["p_norm"] == "two-sided" and r.sides["p_sim"].startswith("one-sided")
    assert js.getis_ord(y, sw, permutations=9).sides["p_norm"] == "one-sided"
    assert js.geary(y, sw, permutations=9).sides["p_norm"] == "one-sided"
    row = r.to_frame(metric="x").iloc[0]
    assert row["p_norm_sides"] == "two-sided" and row["seI_sim"] == pytest.approx(e.seI_sim)
    loc = js.local_getis_ord(y, sw, permutations=99).to_frame()
    assert {"Gs", "Zs", "p_norm", "p_sim"} <= set(loc.columns) and "I_local" not in loc.columns
    assert list(loc.columns)[0] == "adcode"  # the caller's id name (the Series index name)


def test_no_function_changes_the_callers_weights(lat45):
    g, y, B = lat45
    W = libpysal.weights.Rook.from_dataframe(g, use_index=False, silence_warnings=True)
    W.transform = "B"
    before = {k: list(v) for k, v in W.weights.items()}
    yy = pd.Series(y.to_numpy(), index=range(20))
    js.moran(yy, W, permutations=9)
    js.geary(yy, W, permutations=9)
    js.getis_ord(yy, W, permutations=9)
    js.local_moran(yy, W, permutations=9)
    js.local_getis_ord(yy, W, permutations=9)
    assert W.transform == "B" and {k: list(v) for k, v in W.weights.items()} == before
    sw = js.spatial_weights(g, kind="rook", transform="r")
    js.getis_ord(y, sw, permutations=9)
    js.local_getis_ord(y, sw, permutations=9)
    assert sw.w.transform == "R"


def test_accepts_w_graph_gal_gwt_and_dict(lat45, tmp_path):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook", transform="b")
    ref = js.moran(y, sw, permutations=0).I
    W = sw.to_W("b")
    gal, gwt = tmp_path / "w.gal", tmp_path / "w.gwt"
    for path in (gal, gwt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = libpysal.io.open(str(path), "w")
            f.write(W)
            f.close()
    graph = libpysal.graph.Graph.from_W(W)
    nbr = {i: list(W.neighbors[i]) for i in W.id_order}
    for obj in (W, graph, str(gal), gwt, nbr):
        assert js.moran(y, obj, permutations=0).I == pytest.approx(ref, rel=TOL), type(obj)
    with pytest.raises(TypeError, match="w: expected SpatialWeights, a libpysal W or Graph"):
        js.moran(y, [[0, 1]], permutations=0)
    with pytest.raises(InputError, match="w: expected neighbours that are keys of the dict, got unknown ids"):
        js.as_weights({"a": ["zz"]})


def test_one_distance_unit_for_points_polygons_and_matrices():
    g = lattice(3, 3, size=1000.0)  # 1 km cells in EPSG:3857
    pts = g.copy()
    pts["geometry"] = g.representative_point()
    xy = np.column_stack([pts.geometry.x, pts.geometry.y]) / 1000.0
    D = pd.DataFrame(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(2)), index=g.adcode, columns=g.adcode)
    for kw in ({"kind": "distance_band", "threshold_km": 1.01}, {"kind": "inverse_distance", "power": 2},
               {"kind": "kernel", "bandwidth_km": 2.5, "islands": "zero"}):
        a = js.spatial_weights(g, crs="EPSG:3857", transform="o", **kw).to_W().full()[0]
        b = js.spatial_weights(pts, crs="EPSG:3857", transform="o", **kw).to_W().full()[0]
        c = js.spatial_weights(matrix=D, unit="km", transform="o", **kw).to_W().full()[0]
        np.testing.assert_allclose(a, b, rtol=1e-12)
        np.testing.assert_allclose(a, c, rtol=1e-9)
    band = js.spatial_weights(g, kind="distance_band", threshold_km=1.01, crs="EPSG:3857")
    assert band.w.cardinalities["u4"] == 4  # 1 km band = the rook neighbours
    with pytest.raises(InputError, match="threshold_min: expected km for distances measured on a layer"):
        js.spatial_weights(g, kind="distance_band", threshold_min=10)
    with pytest.raises(InputError, match="bandwidth_km: expected bandwidth_min for a matrix in minutes"):
        js.spatial_weights(matrix=D, kind="kernel", unit="travel_min", bandwidth_km=3)
    with pytest.raises(InputError, match=r"k: expected an integer in \[1, 8\] \(n = 9 units\), got 9"):
        js.spatial_weights(g, kind="knn", k=9)
    with pytest.raises(InputError, match="geoms: expected polygons for kind='queen'"):
        js.spatial_weights(pts, kind="queen")


def test_fitted_crs_is_recorded():
    from jilin_spatial import datasets

    sw = js.spatial_weights(datasets.load_boundaries("prefecture"), kind="knn", k=2)
    assert sw.params["crs"].startswith("+proj=aea") and "+lon_0=126" in sw.params["crs"]


def test_unreachable_significance_is_never_claimed():
    """A unit whose minimum attainable p exceeds alpha is 'ns', whatever its p_sim."""
    g = lattice(1, 9)  # a line: ends have 1 neighbour (min p = 1/8), inner units 2 (1/28)
    y = pd.Series([100.0, 1, 2, 3, 4, 5, 6, 7, 8], index=g.adcode)
    loc = js.local_moran(y, js.spatial_weights(g, kind="rook"), permutations=999, seed=1)
    ends = [0, 8]
    assert loc.cannot_reach_alpha[ends].all() and not loc.cannot_reach_alpha[1:8].any()
    assert not loc.significant[ends].any()
    assert (loc.to_frame().cluster.iloc[ends] == "ns").all()
    gi = js.local_getis_ord(y, js.spatial_weights(g, kind="rook"), permutations=999, seed=1)
    assert not gi.significant[ends].any()


def test_jilin_baicheng_2010_is_not_significant():
    from jilin_spatial import datasets

    emp = datasets.load_employment("prefecture", years=[2010])
    lq = js.location_quotient(emp, sectors="producer_services")
    lq = lq[lq.denominator == "all"].set_index("adcode")["lq"]
    sw = js.spatial_weights(datasets.load_boundaries("prefecture"))
    loc = js.local_moran(lq.reindex(sw.ids), sw, permutations=999, seed=12345)
    f = loc.to_frame().set_index("adcode")
    assert f.loc["220800", "min_attainable_p"] == pytest.approx(0.125)
    assert bool(f.loc["220800", "cannot_reach_alpha"]) and not f.loc["220800", "significant"]
    assert f.loc["220800", "cluster"] == "ns"
    assert not (f.significant & f.cannot_reach_alpha).any()


def test_gi_permutation_p_matches_exact_conditional_distribution():
    """p_sim (9,999 draws) against the exact conditional distribution over all C(n-1, k) neighbour sets."""
    g = lattice(2, 4)
    y = np.array([1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0])
    sw = js.spatial_weights(g, kind="rook")
    gi = js.local_getis_ord(pd.Series(y, index=g.adcode), sw, permutations=9999, seed=3)
    B = rook_binary(2, 4)
    for i in range(8):
        k = int(B[i].sum())
        others = [j for j in range(8) if j != i]
        sims = np.array([y[list(c)].sum() + y[i] for c in itertools.combinations(others, k)]) / y.sum()
        obs = (B[i] @ y + y[i]) / y.sum()
        ge = np.mean(sims >= obs - 1e-12)
        p_exact = min(ge, 1 - ge)  # esda's folding: the smaller tail, ties counted as 'at least'
        assert gi.p_sim[i] == pytest.approx(p_exact, abs=0.02)  # Monte-Carlo error at 9,999 draws < 0.01


def test_errors_and_relative_constant_check(lat45):
    g, y, B = lat45
    sw = js.spatial_weights(g, kind="rook")
    with pytest.raises(InputError, match=r"permutations: expected an integer >= 1, got 0"):
        js.local_moran(y, sw, permutations=0)
    with pytest.raises(InputError, match=r"permutations: expected an integer >= 0, got -5"):
        js.moran(y, sw, permutations=-5)
    yi = y.copy()
    yi.iloc[3] = np.inf
    with pytest.raises(InputError, match=r"values: expected finite values, got ±inf for \['u3'\]"):
        js.moran(yi, sw)
    small = y * 1e-10  # a variable on a 1e-10 scale is not constant
    assert js.moran(small, sw, permutations=0).I == pytest.approx(js.moran(y, sw, permutations=0).I, rel=1e-9)
    with pytest.raises(InputError, match="values: expected at least 3 units with values, got 2"):
        js.local_moran(pd.Series([1.0, 2.0], index=["a", "b"]), {"a": ["b"], "b": ["a"]})
    with pytest.raises(InputError, match="values: expected non-negative values for Getis-Ord"):
        js.local_getis_ord(y - 100, sw, permutations=9)


def test_exact_enumeration_in_chunks(monkeypatch):
    from jilin_spatial import autocorrelation as ac

    rng = np.random.default_rng(0)
    y = rng.normal(size=7)
    W = rook_binary(1, 7)
    obs, full = exact_moran(y, W)
    monkeypatch.setattr(ac, "_EXACT_CHUNK", 97)  # not a divisor of 7! = 5040
    obs2, chunked = exact_moran(y, W)
    np.testing.assert_array_equal(full, chunked)
    assert chunked.mean() == pytest.approx(-1 / 6, abs=1e-12) and obs == obs2


def test_reused_draws_give_esdas_results_and_restore_esda():
    """The report reuses esda's conditional-permutation draws between variables: same results, esda untouched."""
    import esda.crand

    original = esda.crand.vec_permutations
    g = lattice(4, 5)
    sw = js.spatial_weights(g, kind="rook")
    for k in range(3):
        y = pd.Series(np.random.default_rng(k).gamma(2.0, size=20), index=g.adcode)
        loc = js.local_moran(y, sw, permutations=499, seed=7)
        e = esda.Moran_Local(y.to_numpy(), sw.to_W(), permutations=499, seed=7, n_jobs=1)
        np.testing.assert_array_equal(loc.p_sim, e.p_sim)
        np.testing.assert_array_equal(loc.Is, e.Is)
    assert esda.crand.vec_permutations is original


def test_exact_orderings_reused_between_calls():
    y1, y2 = np.arange(7.0), np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0])
    W = rook_binary(1, 7)
    a = exact_moran(y1, W)[1]
    b = exact_moran(y2, W)[1]  # second call uses the kept orderings
    brute = np.array([moran_hand(y2[list(p)], W) for p in itertools.permutations(range(7))])
    np.testing.assert_allclose(b, brute, rtol=1e-10)
    assert len(a) == len(b) == 5040


def test_complete_graph_has_no_z_and_no_significance():
    """Every unit neighbours every other: all orderings give the same I; no z, and no local significance."""
    w = {u: [v for v in "abcd" if v != u] for u in "abcd"}
    y = pd.Series([1.0, 2.0, 3.0, 5.0], index=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", js.errors.FewUnitsWarning)
        for perms in ("exact", 99):
            r = js.moran(y, w, permutations=perms)
            assert r.I == pytest.approx(-1 / 3) and np.isnan(r.z_sim)
        loc = js.local_moran(y, w, permutations=99)
    assert (loc.min_attainable_p == 1.0).all() and not loc.significant.any()
