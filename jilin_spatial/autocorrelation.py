"""Spatial autocorrelation with libpysal weights and esda statistics (``methods.md`` §4).

This module adds what planners need on top of libpysal/esda and does not
re-implement them:

* weights from polygons (queen, rook, knn, distance band) or from a caller's
  distance matrix in rail km or travel minutes (inverse power, kernel), with
  the kind, transform and islands recorded and islands handled explicitly;
* exact permutation inference for global Moran's I when n <= 10 (Jilin has 9
  prefectures: 9! = 362,880 orderings), the default there;
* seeded permutations everywhere, FDR correction, and for each LISA unit the
  smallest p-value its number of neighbours allows.

Results keep esda's attribute vocabulary (``I``, ``EI``, ``p_sim``,
``z_sim``, ``sim``, ``Is``, ``q``).  Distances are measured in
:data:`~jilin_spatial.datasets.MEASURE_CRS`.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import FewUnitsWarning, InputError, InputTypeError, check_choice

__all__ = [
    "WEIGHT_KINDS",
    "ISLAND_POLICIES",
    "SpatialWeights",
    "spatial_weights",
    "moran",
    "geary",
    "getis_ord",
    "local_moran",
    "local_getis_ord",
    "exact_moran",
    "min_attainable_p",
    "QUADRANTS",
]

WEIGHT_KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance", "kernel")
ISLAND_POLICIES = ("raise", "drop", "zero")
TRANSFORMS = ("r", "b", "v", "o")
KERNELS = ("triangular", "gaussian", "uniform", "quadratic")
#: esda quadrant codes -> labels (GeoDa order)
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
EXACT_MAX_N = 10


@dataclass
class SpatialWeights:
    """A libpysal ``W`` with what produced it.

    Attributes
    ----------
    w : libpysal.weights.W
        Transformed weights (``w.transform``), ids = region ids.
    kind : str
    transform : str
    islands : list
        Ids with no neighbours (kept with zero weight when ``islands="zero"``).
    dropped : list
        Ids removed with ``islands="drop"``.
    params : dict
        Options used (k, threshold, power, bandwidth, unit, CRS ...).
    """

    w: object
    kind: str
    transform: str
    islands: list = field(default_factory=list)
    dropped: list = field(default_factory=list)
    params: dict = field(default_factory=dict)

    @property
    def ids(self) -> list:
        return list(self.w.id_order)

    @property
    def n(self) -> int:
        return self.w.n

    def describe(self) -> str:
        """One line for tables: ``kind(params), transform``."""
        p = ",".join(f"{k}={v}" for k, v in self.params.items() if k in ("k", "threshold", "power", "bandwidth",
                                                                         "kernel", "unit"))
        return f"{self.kind}({p}) transform={self.transform}" if p else f"{self.kind} transform={self.transform}"


@contextlib.contextmanager
def _silenced():
    """libpysal warns about islands and disconnected components; we report them ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _check_matrix(matrix, symmetric: bool):
    if not isinstance(matrix, pd.DataFrame):
        raise InputTypeError("matrix", "a square DataFrame with matching row and column ids", type(matrix).__name__,
                             "build it with DataFrame.pivot(index='from', columns='to', values='rail_km')")
    if matrix.shape[0] != matrix.shape[1]:
        raise InputError("matrix", "a square matrix", f"shape {matrix.shape}", "include every pair of units")
    if not matrix.index.equals(matrix.columns):
        if set(matrix.index) == set(matrix.columns):
            matrix = matrix.loc[:, list(matrix.index)]
        else:
            raise InputError("matrix", "the same ids on rows and columns", "different id sets",
                             "reindex columns to the row ids")
    D = matrix.to_numpy(float)
    off = ~np.eye(len(D), dtype=bool)
    if np.isnan(D[off]).any():
        raise InputError("matrix", "a distance for every pair", f"{int(np.isnan(D[off]).sum())} missing off-diagonal",
                         "fill the missing pairs (shortest paths) or drop the units")
    if (D < 0).any():
        raise InputError("matrix", "non-negative distances", f"{int((D < 0).sum())} negative entries", "check the matrix")
    if symmetric and not np.allclose(D, D.T, equal_nan=True):
        i, j = np.unravel_index(np.nanargmax(np.abs(D - D.T)), D.shape)
        raise InputError("matrix", "a symmetric matrix", f"asymmetric, e.g. {matrix.index[i]}->{matrix.index[j]} "
                         f"{D[i, j]} vs {D[j, i]}", "symmetrise it ((D + D.T) / 2) or pass symmetric=False")
    if (D[off] == 0).any():
        raise InputError("matrix", "positive distances between distinct units", "zero off-diagonal distances",
                         "merge coincident units or add a small access distance")
    return matrix, D


def spatial_weights(polygons=None, *, kind: str = "queen", matrix: pd.DataFrame | None = None, k: int = 4,
                    threshold: float | None = None, power: float = 1.0, bandwidth: float | None = None,
                    kernel: str = "triangular", transform: str = "r", islands: str = "raise",
                    symmetric: bool = True, unit: str | None = None, id_col: str = "adcode") -> SpatialWeights:
    """Build spatial weights from polygons or from a distance matrix.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame, optional
        With ``id_col``; required for queen, rook, knn and distance_band (the
        latter two use representative points in the measuring CRS, metres).
    kind : {"queen", "rook", "knn", "distance_band", "inverse_distance", "kernel"}
        ``inverse_distance`` and ``kernel`` use ``matrix`` when given (rail km
        or travel minutes), otherwise point distances in km.
    matrix : pandas.DataFrame, optional
        Square distance matrix with ids on rows and columns.
    k : int
        Neighbours for knn.
    threshold : float, optional
        Distance band (metres for polygons; the matrix unit otherwise).  For
        inverse_distance, pairs beyond it get weight 0.
    power : float
        Inverse-power exponent, w = d^-power.
    bandwidth : float, optional
        Kernel bandwidth (required for kind="kernel").
    kernel : {"triangular", "gaussian", "uniform", "quadratic"}
    transform : {"r", "b", "v", "o"}
        libpysal transform; row-standardised ("r") by default.
    islands : {"raise", "drop", "zero"}
        Units without neighbours: raise (default, naming them), drop them,
        or keep them with zero weight.
    symmetric : bool
        Require a symmetric matrix (default).
    unit : str, optional
        Unit of the matrix (``"rail_km"``, ``"travel_min"``), recorded.

    Returns
    -------
    SpatialWeights

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> sw = spatial_weights(datasets.load_boundaries("prefecture"), kind="queen")
    >>> sw.n, sw.transform, sw.islands
    (9, 'r', [])
    """
    check_choice("kind", kind, WEIGHT_KINDS)
    check_choice("islands", islands, ISLAND_POLICIES)
    check_choice("transform", transform.lower(), TRANSFORMS, fix="pass transform='r'")
    from libpysal import weights as lw

    params: dict = {}
    with _silenced():
        if matrix is not None and kind in ("inverse_distance", "kernel", "distance_band", "knn"):
            matrix, D = _check_matrix(matrix, symmetric)
            ids = [str(i) for i in matrix.index]
            params["unit"] = unit or "matrix unit"
            W = _matrix_weights(D, ids, kind=kind, k=k, threshold=threshold, power=power, bandwidth=bandwidth,
                                kernel=kernel, params=params)
        else:
            if polygons is None:
                raise InputError("polygons", f"polygons for kind={kind!r}", "None",
                                 "pass polygons, or matrix= for distance-based weights")
            if id_col not in polygons.columns:
                raise InputError("id_col", "a column of polygons", repr(id_col), f"choose from {list(polygons.columns)}")
            if polygons.crs is None:
                raise InputError("polygons", "a GeoDataFrame with a CRS", "crs=None", "set_crs('EPSG:4326') first")
            if polygons[id_col].duplicated().any():
                raise InputError(id_col, "unique ids", "duplicates", "dissolve duplicated units first")
            g = polygons.set_index(polygons[id_col].astype(str))
            ids = list(g.index)
            if kind in ("queen", "rook"):
                cls = lw.Queen if kind == "queen" else lw.Rook
                W = cls.from_dataframe(g, use_index=True)
            else:
                from .datasets import MEASURE_CRS

                pts = g.to_crs(MEASURE_CRS).representative_point()
                xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
                params["crs"] = "datasets.MEASURE_CRS (m)"
                if kind == "knn":
                    W = lw.KNN(xy, k=k, ids=ids)
                    params["k"] = k
                elif kind == "distance_band":
                    if threshold is None:
                        raise InputError("threshold", "a distance in metres for kind='distance_band'", "None",
                                         "e.g. threshold=100_000 (100 km)")
                    W = lw.DistanceBand(xy, threshold=threshold, binary=True, ids=ids)
                    params["threshold"] = threshold
                else:
                    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) / 1000.0
                    params["unit"] = "km (straight line)"
                    W = _matrix_weights(D, ids, kind=kind, k=k, threshold=threshold, power=power,
                                        bandwidth=bandwidth, kernel=kernel, params=params)
        if kind == "knn":
            params["k"] = k
        isl = [str(i) for i in W.islands]
        dropped: list = []
        if isl:
            if islands == "raise":
                raise InputError("islands", "every unit to have a neighbour", f"islands {isl}",
                                 "pass islands='drop' or 'zero', or use kind='knn' / a larger threshold")
            if islands == "drop":
                keep = [i for i in W.id_order if str(i) not in isl]
                W = lw.w_subset(W, keep)
                dropped = isl
        W.transform = transform.upper() if transform.lower() != "o" else "O"
    return SpatialWeights(w=W, kind=kind, transform=transform.lower(), islands=isl, dropped=dropped, params=params)


def _matrix_weights(D, ids, *, kind, k, threshold, power, bandwidth, kernel, params):
    from libpysal import weights as lw

    n = len(ids)
    off = ~np.eye(n, dtype=bool)
    if kind == "inverse_distance":
        if power <= 0:
            raise InputError("power", "a positive exponent", repr(power), "e.g. power=1 or 2")
        with np.errstate(divide="ignore"):
            A = np.where(off, D ** (-float(power)), 0.0)
        if threshold is not None:
            A[D > threshold] = 0.0
            params["threshold"] = threshold
        params["power"] = power
    elif kind == "kernel":
        check_choice("kernel", kernel, KERNELS)
        if bandwidth is None or bandwidth <= 0:
            raise InputError("bandwidth", "a positive bandwidth in the matrix unit", repr(bandwidth),
                             "e.g. bandwidth=120 (minutes)")
        z = D / bandwidth
        if kernel == "triangular":
            A = np.clip(1 - z, 0, None)
        elif kernel == "uniform":
            A = (z < 1).astype(float) * 0.5
        elif kernel == "quadratic":
            A = np.clip(0.75 * (1 - z ** 2), 0, None)
        else:
            A = np.exp(-0.5 * z ** 2) / math.sqrt(2 * math.pi)
        A = np.where(off, A, 0.0)
        params.update(kernel=kernel, bandwidth=bandwidth)
    elif kind == "distance_band":
        if threshold is None:
            raise InputError("threshold", "a distance in the matrix unit", "None", "e.g. threshold=120")
        A = np.where(off & (D <= threshold), 1.0, 0.0)
        params["threshold"] = threshold
    else:  # knn on a matrix
        if not 1 <= k < n:
            raise InputError("k", f"an integer in [1, {n - 1}]", repr(k), "lower k")
        A = np.zeros_like(D)
        order = np.argsort(np.where(off, D, np.inf), axis=1)[:, :k]
        for i in range(n):
            A[i, order[i]] = 1.0
    return lw.full2W(A, ids=ids)


# ---------------------------------------------------------------- inference


def _values(values, sw: SpatialWeights, nan: str, argument="values"):
    if not isinstance(sw, SpatialWeights):
        raise InputTypeError("w", "a SpatialWeights from spatial_weights()", type(sw).__name__,
                             "build it with jilin_spatial.spatial_weights")
    if not isinstance(values, pd.Series):
        raise InputTypeError(argument, "a pandas Series indexed by region id", type(values).__name__,
                             "e.g. df.set_index('adcode')['lq']")
    if nan not in ("raise", "drop"):
        raise InputError("nan", "'raise' or 'drop'", repr(nan), "pass nan='drop' to drop missing values explicitly")
    v = values.copy()
    v.index = v.index.astype(str)
    ids = [str(i) for i in sw.ids]
    if v.index.duplicated().any():
        raise InputError(argument, "one value per region", "duplicated ids", "filter to one year/metric")
    missing = sorted(set(ids) - set(v.index))
    extra = sorted(set(v.index) - set(ids) - set(sw.dropped))
    if missing or extra:
        raise InputError(argument, "the same ids as the weights", f"{len(missing)} weights ids without a value "
                         f"{missing[:8]}, {len(extra)} values without weights {extra[:8]}",
                         "subset both to the same units (e.g. drop development zones without polygons)")
    v = pd.to_numeric(v.reindex(ids), errors="coerce")
    nans = list(v.index[v.isna()])
    wobj = sw.w
    if nans:
        if nan == "raise":
            raise InputError(argument, "no missing values", f"NaN for {nans[:10]}",
                             "pass nan='drop' to drop those units (and their links) explicitly")
        from libpysal import weights as lw

        keep = [i for i in ids if i not in nans]
        with _silenced():
            wobj = lw.w_subset(sw.w, keep)
            wobj.transform = sw.w.transform
        v = v.reindex(keep)
    if np.isclose(v.std(ddof=0), 0.0):
        raise InputError(argument, "a variable that varies across units", "a constant",
                         "Moran's I is undefined for a constant variable (zero variance)")
    return v, wobj, nans


@contextlib.contextmanager
def _seeded(seed):
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _warn_small(n, what):
    if n < 30:
        warnings.warn(f"{what} on {n} units: inference is fragile below 30 units", FewUnitsWarning, stacklevel=3)


def exact_moran(y: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """Moran's I under every permutation of ``y`` (n! values), vectorised.

    Returns (observed I, array of I for all n! orderings).  Used for n <= 10.
    """
    n = len(y)
    z = y - y.mean()
    S0 = W.sum()
    perms = np.fromiter(itertools.chain.from_iterable(itertools.permutations(range(n))), dtype=np.int8,
                        count=math.factorial(n) * n).reshape(-1, n)
    Z = z[perms]
    sims = (n / S0) * np.einsum("pi,ij,pj->p", Z, W, Z, optimize=True) / (z @ z)
    obs = (n / S0) * (z @ W @ z) / (z @ z)
    return float(obs), sims


@dataclass
class GlobalResult:
    """Global statistic with esda's vocabulary plus exact inference fields."""

    statistic: str
    I: float  # noqa: E741 - esda's name (also used for Geary's C and G values)
    EI: float
    n: int
    permutations: object
    p_sim: float | None = None
    z_sim: float | None = None
    EI_sim: float | None = None
    p_norm: float | None = None
    z_norm: float | None = None
    p_exact: float | None = None
    sim: np.ndarray | None = None
    weights: str = ""
    seed: int | None = None
    dropped: list = field(default_factory=list)
    esda: object = None

    def to_frame(self, **labels) -> pd.DataFrame:
        d = {**labels, "statistic": self.statistic, "weights": self.weights, "n": self.n, "I": self.I, "EI": self.EI,
             "p_sim": self.p_sim, "p_exact": self.p_exact, "z_sim": self.z_sim, "p_norm": self.p_norm,
             "permutations": self.permutations, "seed": self.seed}
        return pd.DataFrame([d])


def moran(values: pd.Series, w: SpatialWeights, *, permutations="auto", seed: int = 12345,
          nan: str = "raise") -> GlobalResult:
    """Global Moran's I (esda.Moran) with analytic, permutation and exact inference.

    Parameters
    ----------
    values : pandas.Series
        Indexed by region id, matching ``w``.
    w : SpatialWeights
    permutations : int, "exact" or "auto"
        ``"auto"`` (default): exact enumeration when n <= 10, else 9,999.
        ``"exact"`` enumerates all n! orderings (n <= 10).
    seed : int
        Seed for random permutations (the global NumPy state is restored).
    nan : {"raise", "drop"}

    Returns
    -------
    GlobalResult
        ``I``, ``EI`` = -1/(n-1), ``p_norm``, ``z_norm`` (analytic, normality),
        ``p_sim``/``z_sim`` (random permutations) or ``p_exact`` (exact,
        one-sided in the direction of the observed I, as esda folds p_sim)
        and ``sim``.

    Examples
    --------
    >>> import jilin_spatial as js
    >>> from jilin_spatial import datasets
    >>> emp = datasets.load_employment("prefecture", years=[2020])
    >>> lq = js.location_quotient(emp, sectors="manufacturing").set_index("adcode")["lq"]
    >>> w = js.spatial_weights(datasets.load_boundaries("prefecture"))
    >>> import warnings; warnings.simplefilter("ignore")
    >>> r = js.moran(lq, w)
    >>> r.permutations, round(r.EI, 4)
    ('exact', -0.125)
    """
    import esda

    v, W, nans = _values(values, w, nan)
    n = len(v)
    _warn_small(n, "Moran's I")
    mode = ("exact" if n <= EXACT_MAX_N else 9999) if permutations == "auto" else permutations
    if mode == "exact" and n > EXACT_MAX_N:
        raise InputError("permutations", f"'exact' only for n <= {EXACT_MAX_N}", f"n = {n}", "use permutations=9999")
    y = v.to_numpy(float)
    with _silenced():
        if mode == "exact":
            m = esda.Moran(y, W, permutations=0)
            A = np.asarray(W.full()[0])
            obs, sims = exact_moran(y, A)
            if not np.isclose(obs, m.I):  # pragma: no cover - guards the transform handling
                raise RuntimeError("exact enumeration disagrees with esda")
            p = (np.sum(sims >= obs - 1e-12) if obs >= sims.mean() else np.sum(sims <= obs + 1e-12)) / len(sims)
            return GlobalResult("moran", float(m.I), float(m.EI), n, "exact", p_exact=float(p), sim=sims,
                                EI_sim=float(sims.mean()), z_sim=float((obs - sims.mean()) / sims.std()),
                                p_norm=float(m.p_norm), z_norm=float(m.z_norm), weights=w.describe(), seed=None,
                                dropped=nans, esda=m)
        with _seeded(seed):
            m = esda.Moran(y, W, permutations=int(mode))
    return GlobalResult("moran", float(m.I), float(m.EI), n, int(mode), p_sim=float(m.p_sim), z_sim=float(m.z_sim),
                        EI_sim=float(m.EI_sim), p_norm=float(m.p_norm), z_norm=float(m.z_norm), sim=m.sim,
                        weights=w.describe(), seed=seed, dropped=nans, esda=m)


def _global_esda(name, cls, attrs, values, w, permutations, seed, nan, label):
    v, W, nans = _values(values, w, nan)
    _warn_small(len(v), label)
    with _silenced(), _seeded(seed):
        g = cls(v.to_numpy(float), W, permutations=permutations)
    stat, expect, expect_sim = (getattr(g, a) for a in attrs)
    return GlobalResult(name, float(stat), float(expect), len(v), permutations, p_sim=float(g.p_sim),
                        z_sim=float(g.z_sim), EI_sim=float(expect_sim), p_norm=float(g.p_norm),
                        z_norm=float(g.z_norm), sim=g.sim, weights=w.describe(), seed=seed, dropped=nans, esda=g)


def geary(values: pd.Series, w: SpatialWeights, *, permutations: int = 9999, seed: int = 12345,
          nan: str = "raise") -> GlobalResult:
    """Geary's C (esda.Geary); ``I`` holds C and ``EI`` its expectation 1."""
    import esda

    return _global_esda("geary", esda.Geary, ("C", "EC", "EC_sim"), values, w, permutations, seed, nan, "Geary's C")


def getis_ord(values: pd.Series, w: SpatialWeights, *, permutations: int = 9999, seed: int = 12345,
              nan: str = "raise") -> GlobalResult:
    """Global Getis-Ord G (esda.G, binary weights); ``I`` holds G and ``EI`` its expectation."""
    import esda

    return _global_esda("getis_ord_g", esda.G, ("G", "EG", "EG_sim"), values, w, permutations, seed, nan,
                        "Getis-Ord G")


def min_attainable_p(n: int, k) -> np.ndarray:
    """Smallest p-value a conditional-permutation LISA can reach with k neighbours.

    Neighbours are drawn from the other n - 1 units, so there are
    C(n-1, k) distinct neighbour sets and p >= 1 / C(n-1, k) (k = 1, n = 9:
    0.125).  Units with k = 0 get 1.

    Examples
    --------
    >>> min_attainable_p(9, [1, 2]).tolist()
    [0.125, 0.03571428571428571]
    """
    k = np.asarray(k, int)
    out = np.array([1.0 / math.comb(n - 1, int(kk)) if kk > 0 else 1.0 for kk in k.ravel()])
    return out.reshape(k.shape)


@dataclass
class LocalResult:
    """Local statistic with esda's vocabulary (``Is``, ``q``, ``p_sim``) plus labels."""

    statistic: str
    ids: list
    Is: np.ndarray
    p_sim: np.ndarray
    q: np.ndarray | None
    quadrant: np.ndarray
    p_fdr: np.ndarray
    significant: np.ndarray
    min_attainable_p: np.ndarray
    cannot_reach_alpha: np.ndarray
    alpha: float
    permutations: int
    seed: int
    weights: str
    dropped: list
    esda: object = None

    def to_frame(self, **labels) -> pd.DataFrame:
        df = pd.DataFrame({"adcode": self.ids, **labels, "I_local": self.Is, "quadrant": self.quadrant,
                           "p_sim": self.p_sim, "p_fdr": self.p_fdr,
                           "significant": self.significant, "min_attainable_p": self.min_attainable_p,
                           "cannot_reach_alpha": self.cannot_reach_alpha})
        df["cluster"] = np.where(df["significant"], df["quadrant"], "ns")
        return df


def _fdr(p):
    from scipy.stats import false_discovery_control

    return false_discovery_control(np.asarray(p, float), method="bh")


def local_moran(values: pd.Series, w: SpatialWeights, *, permutations: int = 9999, seed: int = 12345,
                alpha: float = 0.05, fdr: bool = False, nan: str = "raise") -> LocalResult:
    """Local Moran's I (LISA, esda.Moran_Local) with conditional permutations.

    Quadrants HH/LH/LL/HL follow esda's ``q`` (1-4).  ``significant`` uses
    ``p_sim`` or, with ``fdr=True``, the Benjamini-Hochberg adjusted p-values
    (``p_fdr``, scipy; always reported).  ``min_attainable_p`` is max(1/C(n-1, k_i),
    1/(permutations+1)); ``cannot_reach_alpha`` flags units that can never
    be significant at ``alpha``.  Warns when n < 30.
    """
    import esda

    v, W, nans = _values(values, w, nan)
    n = len(v)
    _warn_small(n, "Local Moran")
    with _silenced():
        m = esda.Moran_Local(v.to_numpy(float), W, permutations=permutations, seed=seed, n_jobs=1)
    return _local_result("local_moran", v, W, m, m.Is, m.p_sim, m.q, alpha, fdr, permutations, seed, w, nans)


def local_getis_ord(values: pd.Series, w: SpatialWeights, *, permutations: int = 9999, seed: int = 12345,
                    alpha: float = 0.05, fdr: bool = False, star: bool = True, nan: str = "raise") -> LocalResult:
    """Getis-Ord Gi* hot and cold spots (esda.G_Local, ``star=True``).

    ``quadrant`` is ``"hot"`` (Zs > 0) or ``"cold"``.
    """
    import esda

    v, W, nans = _values(values, w, nan)
    _warn_small(len(v), "Getis-Ord Gi*")
    with _silenced():
        g = esda.G_Local(v.to_numpy(float), W, transform="R", permutations=permutations, star=star, seed=seed)
    res = _local_result("getis_ord_gi_star", v, W, g, g.Zs, g.p_sim, None, alpha, fdr, permutations, seed, w, nans)
    res.quadrant = np.where(np.asarray(g.Zs) > 0, "hot", "cold")
    return res


def _local_result(name, v, W, obj, Is, p_sim, q, alpha, fdr, permutations, seed, sw, nans):
    n = len(v)
    card = np.array([W.cardinalities[i] for i in W.id_order])
    minp = np.maximum(min_attainable_p(n, card), 1.0 / (permutations + 1))
    p_adj = _fdr(p_sim)
    sig = (p_adj if fdr else np.asarray(p_sim)) <= alpha
    quad = np.array([QUADRANTS.get(int(x), "") for x in q]) if q is not None else np.array([""] * n)
    return LocalResult(name, [str(i) for i in W.id_order], np.asarray(Is, float), np.asarray(p_sim, float),
                       None if q is None else np.asarray(q), quad, p_adj, sig, minp, minp > alpha, alpha,
                       permutations, seed, sw.describe(), nans, obj)
