"""Spatial weights: build them from layers or distance matrices, or accept the caller's (``methods.md`` §4.1).

A :class:`SpatialWeights` keeps the caller's *original* weights (binary for
contiguity, knn and distance bands; w = d^-power or a kernel value for
distance-decay weights) and the transform the caller asked for.  Statistics
build a fresh libpysal ``W`` from it on every call, so no function changes the
caller's object, and each statistic gets the weights it is defined on:
Moran's I and Geary's C use the requested transform; Getis-Ord G, Gi and Gi*
use the original (non-standardised) weights.

Distances are in kilometres for layers (measured in a projected CRS fitted to
the layer, :func:`jilin_spatial.crs.fitted_crs`, recorded in ``params``) and in
the matrix's own unit for matrices (``unit="km"`` or ``"min"``); the threshold
and bandwidth arguments carry that unit in their names.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError, check_choice

__all__ = ["WEIGHT_KINDS", "ISLAND_POLICIES", "TRANSFORMS", "SpatialWeights", "spatial_weights", "as_weights"]

WEIGHT_KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance", "kernel")
ISLAND_POLICIES = ("raise", "drop", "zero")
#: libpysal transforms: row-standardised, binary, variance-stabilising, original
TRANSFORMS = ("r", "b", "v", "o")
KERNELS = ("triangular", "gaussian", "uniform", "quadratic")
MATRIX_UNITS = ("km", "min")


@contextlib.contextmanager
def _silenced():
    """libpysal warns about islands and disconnected components; we report them ourselves."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass
class SpatialWeights:
    """Original weights, the requested transform, and how they were made.

    Attributes
    ----------
    w : libpysal.weights.W
        The weights with ``transform`` applied (a copy: statistics never use
        or change this object; they call :meth:`to_W`).
    kind : str
        One of :data:`WEIGHT_KINDS`, or ``"user"`` for weights passed in.
    transform : str
        One of :data:`TRANSFORMS` (lower case).
    islands : list
        Ids with no neighbours (kept with zero weight when ``islands="zero"``).
    dropped : list
        Ids removed with ``islands="drop"``.
    params : dict
        Options used (k, threshold_km, power, bandwidth_km, unit, crs ...).
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

    @property
    def binary(self) -> bool:
        """True when every original weight is 1 (contiguity, knn, bands, GAL files)."""
        orig = self.w.transformations.get("O", self.w.weights)
        return all(np.all(np.asarray(v, float) == 1.0) for v in orig.values())

    def to_W(self, transform: str | None = None, keep=None):
        """A new libpysal ``W``: original weights, optionally subset to ``keep`` ids, then transformed.

        Parameters
        ----------
        transform : str, optional
            One of :data:`TRANSFORMS`; default: this object's ``transform``.
        keep : iterable, optional
            Ids to keep (links to other ids are removed before the transform).
        """
        from libpysal.weights import W

        transform = (transform or self.transform).lower()
        check_choice("transform", transform, TRANSFORMS)
        orig = self.w.transformations.get("O", self.w.weights)
        if keep is None:  # every unit: copy the lists in one pass (no per-link Python work)
            ids = list(self.w.id_order)
            nb = {i: list(self.w.neighbors[i]) for i in ids}
            lens, flat = _flat_weights(orig, ids)
            vals, ends = flat.tolist(), np.cumsum(lens).tolist()  # Python floats, as float(x)
            wt = {i: vals[b - k:b] for i, k, b in zip(ids, lens.tolist(), ends)}
        else:
            keepset = set(keep)
            ids = [i for i in self.w.id_order if i in keepset]
            nb, wt = {}, {}
            for i in ids:
                pairs = [(j, x) for j, x in zip(self.w.neighbors[i], orig[i]) if j in keepset]
                nb[i] = [j for j, _ in pairs]
                wt[i] = [float(x) for _, x in pairs]
        with _silenced():
            out = W(nb, wt, id_order=ids, silence_warnings=True)
            out.transform = transform.upper()
        return out

    def describe(self) -> str:
        """One line for tables: ``kind(params) transform=...``."""
        keys = ("k", "threshold_km", "threshold_min", "power", "bandwidth_km", "bandwidth_min", "kernel", "unit")
        p = ",".join(f"{k}={v}" for k, v in self.params.items() if k in keys)
        return f"{self.kind}({p}) transform={self.transform}" if p else f"{self.kind} transform={self.transform}"


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
    if np.isinf(D).any():
        raise InputError("matrix", "finite distances", f"{int(np.isinf(D).sum())} infinite entries",
                         "replace unreachable pairs by a finite distance or drop the units")
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


def _matrix_unit(unit):
    if unit is None:
        return "km"
    u = str(unit).lower()
    for base in MATRIX_UNITS:
        if u == base or u.endswith("_" + base):
            return base
    raise InputError("unit", f"a distance unit ending in one of {list(MATRIX_UNITS)} (e.g. 'rail_km', 'travel_min')",
                     repr(unit), "pass unit='rail_km' or unit='travel_min'")


def _pick(unit, km, minutes, name):
    """The threshold/bandwidth in the matrix unit; refuses the argument of the other unit."""
    if unit == "km":
        if minutes is not None:
            raise InputError(f"{name}_min", f"{name}_km for distances in km", f"{name}_min={minutes!r}",
                             f"pass {name}_km=..., or a matrix in minutes with unit='travel_min'")
        return km, f"{name}_km"
    if km is not None:
        raise InputError(f"{name}_km", f"{name}_min for a matrix in minutes", f"{name}_km={km!r}",
                         f"pass {name}_min=... (the matrix unit is minutes)")
    return minutes, f"{name}_min"


def _positive(name, value):
    if value is None or not np.isfinite(value) or value <= 0:
        raise InputError(name, "a positive finite number", repr(value), f"e.g. {name}=100")


def spatial_weights(geoms=None, *, kind: str = "queen", matrix: pd.DataFrame | None = None, k: int = 4,
                    threshold_km: float | None = None, threshold_min: float | None = None, power: float = 1.0,
                    bandwidth_km: float | None = None, bandwidth_min: float | None = None,
                    kernel: str = "triangular", transform: str = "r", islands: str = "raise",
                    symmetric: bool = True, unit: str | None = None, id_col: str = "adcode",
                    crs=None) -> SpatialWeights:
    """Build spatial weights from polygons or points, or from a distance matrix.

    Parameters
    ----------
    geoms : geopandas.GeoDataFrame, optional
        Polygons (all kinds) or points (all but queen/rook), with ``id_col``.
        Distance kinds use representative points measured in ``crs``.
    kind : {"queen", "rook", "knn", "distance_band", "inverse_distance", "kernel"}
        ``knn``, ``distance_band``, ``inverse_distance`` and ``kernel`` use
        ``matrix`` when given (rail km or travel minutes), otherwise
        straight-line km between the points.
    matrix : pandas.DataFrame, optional
        Square distance matrix with ids on rows and columns, in ``unit``.
    k : int
        Neighbours for knn, 1 <= k <= n - 1.
    threshold_km, threshold_min : float, optional
        Distance band, in km (layers, km matrices) or minutes (``unit`` in
        minutes).  For inverse_distance, pairs beyond it get weight 0.
    power : float
        Inverse-power exponent, w = d^-power (d in km or minutes).
    bandwidth_km, bandwidth_min : float, optional
        Kernel bandwidth (required for kind="kernel"), in the distance unit.
    kernel : {"triangular", "gaussian", "uniform", "quadratic"}
    transform : {"r", "b", "v", "o"}
        Transform used by Moran's I and Geary's C: row-standardised (default),
        binary, variance-stabilising or original.  Getis-Ord statistics use
        the original weights (``methods.md`` §4.1).
    islands : {"raise", "drop", "zero"}
        Units without neighbours: raise (default, naming them), drop them,
        or keep them with zero weight.
    symmetric : bool
        Require a symmetric matrix (default).
    unit : str, optional
        Unit of the matrix: ``"km"`` (default, also ``"rail_km"``) or
        ``"min"`` (also ``"travel_min"``).
    id_col : str
        Id column of ``geoms``.
    crs : optional
        Projected CRS for measuring layers; default: Albers fitted to the
        layer (:func:`jilin_spatial.crs.fitted_crs`), recorded in ``params["crs"]``.

    Returns
    -------
    SpatialWeights

    Examples
    --------
    >>> from jilin_spatial import datasets
    >>> sw = spatial_weights(datasets.load_boundaries("prefecture"), kind="queen")
    >>> sw.n, sw.transform, sw.islands, sw.binary
    (9, 'r', [], True)
    """
    check_choice("kind", kind, WEIGHT_KINDS)
    check_choice("islands", islands, ISLAND_POLICIES)
    if not isinstance(transform, str):
        raise InputTypeError("transform", f"one of {list(TRANSFORMS)}", type(transform).__name__, "pass transform='r'")
    check_choice("transform", transform.lower(), TRANSFORMS, fix="pass transform='r'")
    from libpysal import weights as lw

    params: dict = {}
    with _silenced():
        if matrix is not None and kind in ("inverse_distance", "kernel", "distance_band", "knn"):
            u = _matrix_unit(unit)
            matrix, D = _check_matrix(matrix, symmetric)
            ids = [str(i) for i in matrix.index]
            params["unit"] = unit or u
            W = _matrix_weights(D, ids, u, kind=kind, k=k, threshold_km=threshold_km, threshold_min=threshold_min,
                                power=power, bandwidth_km=bandwidth_km, bandwidth_min=bandwidth_min, kernel=kernel,
                                params=params)
        else:
            W = _layer_weights(geoms, kind=kind, k=k, threshold_km=threshold_km, threshold_min=threshold_min,
                               power=power, bandwidth_km=bandwidth_km, bandwidth_min=bandwidth_min, kernel=kernel,
                               id_col=id_col, crs=crs, params=params, lw=lw)
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
        W.transform = transform.upper()
    return SpatialWeights(w=W, kind=kind, transform=transform.lower(), islands=isl, dropped=dropped, params=params)


def _layer_weights(g, *, kind, k, threshold_km, threshold_min, power, bandwidth_km, bandwidth_min, kernel, id_col,
                   crs, params, lw):
    from .crs import measure_crs

    if g is None:
        raise InputError("geoms", f"a polygon or point layer for kind={kind!r}", "None",
                         "pass a GeoDataFrame, or matrix= for distance-based weights")
    if not hasattr(g, "geometry"):
        raise InputTypeError("geoms", "a GeoDataFrame", type(g).__name__, "read it with geopandas.read_file")
    if id_col not in g.columns:
        raise InputError("id_col", "a column of the layer", repr(id_col), f"choose from {list(g.columns)}")
    if g.crs is None:
        raise InputError("geoms", "a GeoDataFrame with a CRS", "crs=None", "set_crs('EPSG:4326') first")
    if g[id_col].duplicated().any():
        raise InputError(id_col, "unique ids", "duplicates", "dissolve duplicated units first")
    if threshold_min is not None or bandwidth_min is not None:
        raise InputError("threshold_min" if threshold_min is not None else "bandwidth_min",
                         "km for distances measured on a layer", "minutes",
                         "pass threshold_km / bandwidth_km, or a travel-minute matrix with unit='travel_min'")
    g = g.set_index(g[id_col].astype(str))
    ids = list(g.index)
    n = len(ids)
    if kind in ("queen", "rook"):
        types = set(g.geom_type.dropna())
        if not types <= {"Polygon", "MultiPolygon"}:
            raise InputError("geoms", f"polygons for kind={kind!r}", f"geometry types {sorted(types)}",
                             "use kind='knn' or 'distance_band' for points")
        cls = lw.Queen if kind == "queen" else lw.Rook
        return cls.from_dataframe(g, use_index=True)
    mcrs = measure_crs(g, crs)
    params["crs"] = mcrs
    pts = g.geometry.to_crs(mcrs).representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]) / 1000.0  # km
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    if kind == "knn":
        _check_k(k, n)
    return _matrix_weights(D, ids, "km", kind=kind, k=k, threshold_km=threshold_km, threshold_min=None, power=power,
                           bandwidth_km=bandwidth_km, bandwidth_min=None, kernel=kernel, params=params)


def _check_k(k, n):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise InputError("k", f"an integer in [1, {n - 1}] (n = {n} units)", repr(k),
                         f"pass k between 1 and {n - 1}")


def _matrix_weights(D, ids, unit, *, kind, k, threshold_km, threshold_min, power, bandwidth_km, bandwidth_min, kernel,
                    params):
    from libpysal import weights as lw

    n = len(ids)
    off = ~np.eye(n, dtype=bool)
    threshold, tname = _pick(unit, threshold_km, threshold_min, "threshold")
    if kind == "inverse_distance":
        if not np.isfinite(power) or power <= 0:
            raise InputError("power", "a positive exponent", repr(power), "e.g. power=1 or 2")
        with np.errstate(divide="ignore"):
            A = np.where(off, D ** (-float(power)), 0.0)
        if threshold is not None:
            _positive(tname, threshold)
            A[D > threshold] = 0.0
            params[tname] = threshold
        params["power"] = power
    elif kind == "kernel":
        check_choice("kernel", kernel, KERNELS)
        bandwidth, bname = _pick(unit, bandwidth_km, bandwidth_min, "bandwidth")
        _positive(bname, bandwidth)
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
        params.update(kernel=kernel, **{bname: bandwidth})
    elif kind == "distance_band":
        if threshold is None:
            raise InputError(tname, f"a distance in {unit} for kind='distance_band'", "None", f"e.g. {tname}=100")
        _positive(tname, threshold)
        A = np.where(off & (D <= threshold), 1.0, 0.0)
        params[tname] = threshold
    else:  # knn
        _check_k(k, n)
        A = np.zeros_like(D)
        order = np.argsort(np.where(off, D, np.inf), axis=1, kind="stable")[:, :k]
        A[np.repeat(np.arange(n), k), order.ravel()] = 1.0
        params["k"] = int(k)
    return lw.full2W(A, ids=ids)


def _weight_number(x, i, j) -> float:
    """One weight of a neighbour dict as a float (text raises; the range is checked by the caller)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise InputError("w", "numeric weights {id: {neighbour: weight}}", f"{x!r} for the link {i!r}-{j!r}",
                         "give every weight as a number (or a list of neighbours for binary weights)")
    return float(x)


def _flat_weights(weights: dict, ids) -> tuple[np.ndarray, np.ndarray]:
    """Row lengths and every weight in ``ids`` order, in neighbour-list order, as two arrays (one pass)."""
    rows = [weights[i] for i in ids]
    lens = np.fromiter(map(len, rows), np.intp, len(rows))
    flat = np.fromiter(itertools.chain.from_iterable(rows), float, int(lens.sum()))
    return lens, flat


def _check_weight_values(weights: dict, neighbors: dict) -> None:
    """Raise :class:`InputError` for NaN, inf or negative weights (they make every statistic nan or wrong)."""
    try:  # fast path: every weight numeric, finite and non-negative
        _, flat = _flat_weights(weights, list(weights))
        if np.all(np.isfinite(flat) & (flat >= 0)):
            return
    except (TypeError, ValueError):
        pass  # the loop below names what is wrong
    bad = [(i, j, float(x)) for i in weights for j, x in zip(neighbors[i], weights[i])
           if not (math.isfinite(float(x)) and float(x) >= 0)]
    if bad:
        raise InputError("w", "finite non-negative weights", f"{len(bad)} NaN, infinite or negative weights, "
                         f"e.g. (id, neighbour, weight) {bad[:3]}",
                         "fix those weights (a distance of 0 gives an inverse-distance weight of inf; "
                         "drop a link instead of giving it a negative weight)")


def as_weights(w) -> SpatialWeights:
    """Accept the weights users already have.

    Parameters
    ----------
    w : SpatialWeights, libpysal W or Graph, str or path, or dict
        A :class:`SpatialWeights`; a libpysal ``W`` (its transform is kept);
        a libpysal ``Graph`` (weights as stored); a ``.gal`` / ``.gwt`` file;
        or a neighbour dict ``{id: [ids]}`` (binary) or ``{id: {id: weight}}``.
        Ids become strings, to match value indexes.  Weights must be finite
        and non-negative (NaN, inf or a negative weight raises).

    Returns
    -------
    SpatialWeights
        ``kind="user"``; the caller's object is not changed.

    Examples
    --------
    >>> sw = as_weights({"a": ["b"], "b": ["a", "c"], "c": ["b"]})
    >>> sw.kind, sw.n, sw.transform, sw.binary
    ('user', 3, 'o', True)
    """
    from libpysal import weights as lw

    if isinstance(w, SpatialWeights):
        _check_weight_values(w.w.transformations.get("O", w.w.weights), w.w.neighbors)
        return w
    source = type(w).__name__
    try:
        from libpysal.graph import Graph
    except ImportError:  # pragma: no cover - libpysal < 4.9
        Graph = ()  # noqa: N806
    if isinstance(w, Graph):
        w = w.to_W()
        transform = "o"  # Graph weights are used as stored
    elif isinstance(w, (str, os.PathLike)):
        path = os.fspath(w)
        ext = os.path.splitext(path)[1].lower()
        if ext not in (".gal", ".gwt"):
            raise InputError("w", "a .gal or .gwt weights file", repr(path), "export the weights from GeoDa or libpysal")
        if not os.path.exists(path):
            raise InputError("w", "an existing weights file", repr(path), "check the path")
        import libpysal

        with _silenced():
            f = libpysal.io.open(path)
            try:
                w = f.read()
            finally:
                f.close()
        transform, source = "o", path
    elif isinstance(w, dict):
        nb, wt = {}, {}
        for i, v in w.items():
            if isinstance(v, dict):
                nb[str(i)], wt[str(i)] = [str(j) for j in v], [_weight_number(x, i, j) for j, x in v.items()]
            else:
                nb[str(i)] = [str(j) for j in v]
                wt[str(i)] = [1.0] * len(nb[str(i)])
        unknown = sorted({j for v in nb.values() for j in v} - set(nb))
        if unknown:
            raise InputError("w", "neighbours that are keys of the dict", f"unknown ids {unknown[:8]}",
                             "add every unit as a key (with [] if it has no neighbours)")
        with _silenced():
            w = lw.W(nb, wt, silence_warnings=True)
        transform = "o"
    elif isinstance(w, lw.W):
        transform = str(w.transform or "O").lower()
    else:
        raise InputTypeError("w", "SpatialWeights, a libpysal W or Graph, a .gal/.gwt path or a neighbour dict",
                             type(w).__name__, "build weights with jilin_spatial.spatial_weights")
    if transform not in TRANSFORMS:
        transform = "o"
    # copy with string ids; the original weights come along (transformations["O"])
    orig = w.transformations.get("O", w.weights)
    _check_weight_values(orig, w.neighbors)
    ids = [str(i) for i in w.id_order]
    nb = {str(i): [str(j) for j in w.neighbors[i]] for i in w.id_order}
    wt = {str(i): [float(x) for x in orig[i]] for i in w.id_order}
    with _silenced():
        W = lw.W(nb, wt, id_order=ids, silence_warnings=True)
        W.transform = transform.upper()
    return SpatialWeights(w=W, kind="user", transform=transform, islands=[str(i) for i in W.islands],
                          params={"source": source})
