"""The national-scale speed-ups keep every result (issue 14): LISA bookkeeping, weights copies, Moran permutations,
figures.  Timings are in benchmarks/bench_national.py, never here."""

import math

import esda
import libpysal
import matplotlib.figure
import numpy as np
import pandas as pd
import pytest

import jilin_spatial as js
from jilin_spatial import autocorrelation as ac
from jilin_spatial import datasets, figures


@pytest.fixture
def lattice():
    w = libpysal.weights.lat2W(7, 7)  # 49 units, rook
    y = pd.Series(np.random.default_rng(3).gamma(2.0, 1.0, 49) + np.repeat(np.arange(7), 7) / 3,
                  index=[str(i) for i in range(49)])
    return w, y


def test_moran_leaves_the_global_stream_alone_and_its_esda_object_holds_the_seeded_sims(lattice):
    w, y = lattice
    np.random.seed(99)
    expected_next = np.random.random()
    np.random.seed(99)
    r = js.moran(y, w, permutations=199, seed=5)
    assert np.random.random() == expected_next  # the call did not draw from the global stream
    np.random.seed(5)
    sw = js.as_weights(w)
    e = esda.Moran(y.to_numpy(), sw.to_W(), transformation=sw.transform.upper(), permutations=199)
    np.testing.assert_allclose(r.esda.sim, e.sim, rtol=1e-12)  # esda's own seeded draws
    for a in ("p_sim", "EI_sim", "seI_sim", "z_sim", "p_z_sim"):
        assert getattr(r.esda, a) == pytest.approx(getattr(e, a), rel=1e-12), a
    assert r.p_sim == r.esda.p_sim and r.esda.permutations == 199


def test_permutation_orderings_are_esdas_stream_and_reused(lattice):
    idx = ac._permutation_index(49, 30, 7)
    np.random.seed(7)
    ref = np.stack([np.random.permutation(49) for _ in range(30)])
    np.testing.assert_array_equal(idx, ref)
    assert idx.dtype == np.int16 and not idx.flags.writeable
    assert ac._permutation_index(49, 30, 7) is idx
    w, y = lattice
    a, b = js.moran(y, w, permutations=99, seed=3), js.moran(y, w, permutations=99, seed=3)
    np.testing.assert_array_equal(a.sim, b.sim)


def _row_draws_reference(W):
    card, ordered = [], []
    for i in W.id_order:
        wi = np.asarray(W.weights[i], float)
        wi = wi[wi != 0]
        card.append(len(wi))
        ordered.append(len(wi) > 1 and not np.allclose(wi, wi[0], rtol=1e-12, atol=0))
    return np.array(card), np.array(ordered)


def test_row_draws_and_min_attainable_p_match_the_per_unit_definition():
    nb = {"a": ["b", "c", "d"], "b": ["a"], "c": ["a", "d"], "d": ["a", "c", "e"], "e": ["d"], "f": [], "g": ["h"],
          "h": ["g"]}
    wt = {"a": [2.0, 2.0, 2.0], "b": [0.5], "c": [0.0, 3.0], "d": [1.0, 1.0 + 1e-13, 1.0 + 3e-12], "e": [4.0],
          "f": [], "g": [0.0], "h": [1.0]}
    W = libpysal.weights.W(nb, wt, silence_warnings=True)
    card, ordered = ac._row_draws(W)
    ref_card, ref_ordered = _row_draws_reference(W)
    np.testing.assert_array_equal(card, ref_card)
    np.testing.assert_array_equal(ordered, ref_ordered)
    # by hand: a 3 equal; b 1; c one non-zero; d differs beyond 1e-12; e 1; f 0; g 0 (zero weight); h 1
    assert card.tolist() == [3, 1, 1, 3, 1, 0, 0, 1]
    assert ordered.tolist() == [False, False, False, True, False, False, False, False]
    p = ac.min_attainable_p(8, card, ordered=ordered)
    hand = [1 / math.comb(7, 3), 1 / 7, 1 / 7, 1 / math.perm(7, 3), 1 / 7, 1.0, 1.0, 1 / 7]
    np.testing.assert_allclose(p, hand, rtol=1e-15)
    assert ac.min_attainable_p(9, 2).shape == () and ac.min_attainable_p(9, []).shape == (0,)


def test_to_W_is_an_exact_independent_copy_of_the_original_weights():
    g = datasets.load_boundaries("county")
    sw = js.spatial_weights(g, kind="inverse_distance", power=1.5, transform="r")
    orig = sw.w.transformations["O"]
    for tr in ("o", "r", "b"):
        W = sw.to_W(tr)
        assert W.id_order == sw.w.id_order and W.neighbors == sw.w.neighbors
        assert W.transformations["O"] == orig  # same floats, same order
        assert all(type(x) is float for v in W.transformations["O"].values() for x in v)
        W.transformations["O"][W.id_order[0]][0] = -1.0
        assert orig[W.id_order[0]][0] != -1.0  # a copy, not a view


def test_local_moran_on_national_scale_bookkeeping_equals_esda(lattice):
    w, y = lattice
    r = js.local_moran(y, w, permutations=99, seed=11)
    e = esda.Moran_Local(y.to_numpy(), js.as_weights(w).to_W(), transformation="O", permutations=99, seed=11,
                         n_jobs=1)
    np.testing.assert_array_equal(r.p_sim, e.p_sim)
    ref_card, _ = _row_draws_reference(js.as_weights(w).to_W())
    np.testing.assert_allclose(r.min_attainable_p, np.maximum([1 / math.comb(48, k) for k in ref_card], 1 / 100))


def test_a_figure_is_drawn_once_and_its_layout_ignores_only_interior_labels(monkeypatch, tmp_path):
    g = datasets.load_boundaries("county")
    g["v"] = np.arange(len(g), dtype=float)
    calls = []
    original = matplotlib.figure.Figure.draw

    def counting(self, renderer):
        calls.append(1)
        return original(self, renderer)

    monkeypatch.setattr(matplotlib.figure.Figure, "draw", counting)
    figures.choropleth_png(g, "v", tmp_path / "fast.png", source="test")
    assert len(calls) == 1  # no second, layout-only draw before saving
    fast = (tmp_path / "fast.png").read_bytes()
    monkeypatch.setattr(figures, "_interior_out_of_layout", lambda fig, ax, texts: None)
    figures.choropleth_png(g, "v", tmp_path / "all_measured.png", source="test")
    assert fast == (tmp_path / "all_measured.png").read_bytes()  # the same layout, pixel for pixel
