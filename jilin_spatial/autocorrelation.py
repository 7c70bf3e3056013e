"""Spatial autocorrelation statistics on libpysal weights (``methods.md`` §4).

Moran's I, Geary's C and local Moran are esda's, called the documented way
with the transform the caller asked for.  Getis-Ord G, Gi and Gi* are defined
on binary or general non-standardised weights (Getis & Ord 1992; Ord & Getis
1995); esda's global G always binarises and its local G accepts only binary or
row-standardised weights, so they are computed here in closed form on the
original weights, with conditional permutations drawn from one seeded
generator.  On top of esda this module adds:

* exact permutation inference for global Moran's I when n <= 10 (Jilin has 9
  prefectures: 9! = 362,880 orderings), enumerated in chunks;
* for each local unit the smallest p-value its neighbours allow; a unit that
  cannot reach ``alpha`` is never significant;
* FDR (Benjamini-Hochberg) adjusted p-values.

Every weights argument accepts what :func:`jilin_spatial.weights.as_weights`
accepts (SpatialWeights, libpysal W or Graph, GAL/GWT file, neighbour dict) and
is never changed.  Results keep esda's attribute names (``I``, ``EI``,
``VI_norm``, ``z_norm``, ``p_norm``, ``VI_rand``, ``z_rand``, ``p_rand``,
``p_sim``, ``EI_sim``, ``seI_sim``, ``z_sim``; locally ``Is``, ``q``, ``Gs``,
``Zs``), and say which p-values are one- or two-sided (``sides``).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import FewUnitsWarning, InputError, InputTypeError
from .weights import SpatialWeights, _silenced, as_weights, spatial_weights  # noqa: F401 - re-exported names

__all__ = [
    "moran",
    "geary",
    "getis_ord",
    "local_moran",
    "local_getis_ord",
    "exact_moran",
    "min_attainable_p",
    "GlobalResult",
    "LocalResult",
    "QUADRANTS",
]

#: esda quadrant codes -> labels (GeoDa order)
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
EXACT_MAX_N = 10
_EXACT_CHUNK = 40320  # orderings per block (8!): bounds memory at any n <= 10
ONE = "one-sided"
TWO = "two-sided"
FOLDED = "one-sided (folded: in the direction of the observed value)"


# ---------------------------------------------------------------- inputs


def _values(values, w, nan: str, argument="values"):
    """Validated values aligned to the weights: (Series, SpatialWeights, kept ids, dropped ids)."""
    sw = as_weights(w)
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
    inf = list(v.index[np.isinf(v.to_numpy(float))])
    if inf:
        raise InputError(argument, "finite values", f"±inf for {inf[:10]}",
                         "fix the division that produced them, or set them to NaN and pass nan='drop'")
    nans = list(v.index[v.isna()])
    if nans:
        if nan == "raise":
            raise InputError(argument, "no missing values", f"NaN for {nans[:10]}",
                             "pass nan='drop' to drop those units (and their links) explicitly")
        v = v.drop(nans)
    y = v.to_numpy(float)
    if len(y) < 3:
        raise InputError(argument, "at least 3 units with values", f"{len(y)}", "use a larger region")
    if y.std() <= 1e-12 * np.abs(y).max() or np.ptp(y) == 0:
        raise InputError(argument, "a variable that varies across units", "a constant",
                         "spatial autocorrelation is undefined for a constant variable (zero variance)")
    return v, sw, list(v.index), nans


def _weights_for(sw: SpatialWeights, keep, nans, transform=None):
    """A fresh libpysal W for this call (original weights, subset, transformed)."""
    return sw.to_W(transform, keep=keep if nans else None)


def _check_permutations(permutations, *, minimum: int):
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < minimum:
        raise InputError("permutations", f"an integer >= {minimum}", repr(permutations),
                         "pass e.g. permutations=9999")
    return int(permutations)


_SEED_MAX = 2**32 - 1  # numpy.random.seed's limit (default_rng accepts these too)


def _check_seed(seed, argument: str = "seed") -> int:
    """A reproducible seed: an integer in [0, 2**32 - 1] (not a bool, a float or text)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputTypeError(argument, f"an integer in [0, {_SEED_MAX}]", f"{type(seed).__name__} {seed!r}",
                             f"pass e.g. {argument}=12345")
    if not 0 <= seed <= _SEED_MAX:
        raise InputError(argument, f"an integer in [0, {_SEED_MAX}]", repr(seed), f"pass e.g. {argument}=12345")
    return int(seed)


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


# ---------------------------------------------------------------- global


def exact_moran(y: np.ndarray, W: np.ndarray) -> tuple[float, np.ndarray]:
    """Moran's I under every permutation of ``y`` (n! values), in blocks.

    Returns (observed I, array of I for all n! orderings in lexicographic
    order).  Memory is bounded by the block size, not by n!.

    Examples
    --------
    >>> W = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float)
    >>> obs, sims = exact_moran(np.array([1.0, 2.0, 4.0]), W)
    >>> len(sims), round(float(sims.mean()), 12)
    (6, -0.5)
    """
    y = np.asarray(y, float)
    W = np.asarray(W, float)
    n = len(y)
    z = y - y.mean()
    scale = (n / W.sum()) / (z @ z)
    out = np.empty(math.factorial(n))
    pos = 0
    for block in _orderings(n, _EXACT_CHUNK):
        Z = z[block]
        out[pos:pos + len(block)] = scale * np.einsum("pi,pi->p", Z @ W, Z)  # z_p' W z_p, one BLAS product a block
        pos += len(block)
    return float(scale * (z @ W @ z)), out


_ORDERINGS: dict = {}


def _orderings(n: int, chunk: int):
    """All n! orderings in lexicographic order, in blocks of ``chunk`` rows (int8).

    Kept per process for n <= 9 (9! x 9 bytes = 3.3 MB), so a report that tests several variables on the same
    units enumerates once; larger n (10! = 36 MB) are generated block by block and not kept.
    """
    key = (n, chunk)
    if key in _ORDERINGS:
        yield from _ORDERINGS[key]
        return
    it = itertools.permutations(range(n))
    blocks = []
    while True:
        block = np.array(list(itertools.islice(it, chunk)), dtype=np.int8)
        if not len(block):
            break
        if n <= 9:
            block.setflags(write=False)
            blocks.append(block)
        yield block
    if n <= 9:
        _ORDERINGS[key] = blocks


@dataclass
class GlobalResult:
    """A global statistic with esda's attribute names.

    ``I`` holds the statistic (Moran's I, Geary's C or Getis-Ord G) and
    ``EI`` its expectation under the null; ``VI_norm``/``z_norm``/``p_norm``
    (normality), ``VI_rand``/``z_rand``/``p_rand`` (randomisation; NaN for G,
    which has one analytic variance, stored as ``VI_norm``), ``p_sim``,
    ``EI_sim``, ``seI_sim``, ``z_sim`` (random permutations) or ``p_exact``
    (all n! orderings).  ``sides`` says for each p-value whether it is one- or
    two-sided.
    """

    statistic: str
    I: float  # noqa: E741 - esda's name (also used for Geary's C and G values)
    EI: float
    n: int
    permutations: object
    VI_norm: float = float("nan")
    z_norm: float = float("nan")
    p_norm: float = float("nan")
    VI_rand: float = float("nan")
    z_rand: float = float("nan")
    p_rand: float = float("nan")
    p_sim: float | None = None
    z_sim: float | None = None
    EI_sim: float | None = None
    seI_sim: float | None = None
    p_exact: float | None = None
    sim: np.ndarray | None = None
    sides: dict = field(default_factory=dict)
    weights: str = ""
    transform: str = ""
    seed: int | None = None
    dropped: list = field(default_factory=list)
    esda: object = None

    def to_frame(self, **labels) -> pd.DataFrame:
        """One row: labels, then the statistic and its inference (esda names), then the sidedness."""
        d = {**labels, "statistic": self.statistic, "weights": self.weights, "transform": self.transform, "n": self.n,
             "I": self.I, "EI": self.EI, "VI_norm": self.VI_norm, "z_norm": self.z_norm, "p_norm": self.p_norm,
             "VI_rand": self.VI_rand, "z_rand": self.z_rand, "p_rand": self.p_rand, "p_sim": self.p_sim,
             "p_exact": self.p_exact, "EI_sim": self.EI_sim, "seI_sim": self.seI_sim, "z_sim": self.z_sim,
             "permutations": self.permutations, "seed": self.seed}
        d.update({f"{k}_sides": v for k, v in self.sides.items()})
        out = pd.DataFrame([d])
        out["seed"] = out["seed"].astype("Int64")  # exact rows have no seed: keep the others integers
        return out


def moran(values: pd.Series, w, *, permutations="auto", seed: int = 12345, nan: str = "raise") -> GlobalResult:
    """Global Moran's I (esda.Moran) with analytic, permutation and exact inference.

    Parameters
    ----------
    values : pandas.Series
        Indexed by region id, matching ``w``.
    w : SpatialWeights or anything :func:`~jilin_spatial.weights.as_weights` accepts
        Its ``transform`` is used (row-standardised, binary, variance-stabilising
        or original); ``w`` is not changed.
    permutations : int, "exact" or "auto"
        ``"auto"`` (default): exact enumeration when n <= 10, else 9,999.
        ``"exact"`` enumerates all n! orderings (n <= 10); ``0`` gives the
        analytic inference only.
    seed : int
        Seed for random permutations, an integer in [0, 2**32 - 1] (the
        global NumPy state is restored).
    nan : {"raise", "drop"}

    Returns
    -------
    GlobalResult
        ``p_norm`` and ``p_rand`` are two-sided (esda's default); ``p_sim`` and
        ``p_exact`` are one-sided in the direction of the observed I.

    Notes
    -----
    I = (n / S0) z'Wz / z'z with z = y - mean(y) (``methods.md`` §4.2).

    Examples
    --------
    >>> import jilin_spatial as js
    >>> from jilin_spatial import datasets
    >>> emp = datasets.load_employment("prefecture", years=[2020])
    >>> lq = js.location_quotient(emp, sectors="manufacturing").set_index("adcode")["lq"]
    >>> w = js.spatial_weights(datasets.load_boundaries("prefecture"))
    >>> import warnings; warnings.simplefilter("ignore")
    >>> r = js.moran(lq, w)
    >>> r.permutations, round(r.EI, 4), r.sides["p_norm"]
    ('exact', -0.125, 'two-sided')
    """
    import esda

    v, sw, keep, nans = _values(values, w, nan)
    seed = _check_seed(seed)
    n = len(v)
    _warn_small(n, "Moran's I")
    if permutations == "auto":
        mode = "exact" if n <= EXACT_MAX_N else 9999
    elif permutations == "exact":
        mode = "exact"
    else:
        mode = _check_permutations(permutations, minimum=0)
    if mode == "exact" and n > EXACT_MAX_N:
        raise InputError("permutations", f"'exact' only for n <= {EXACT_MAX_N}", f"n = {n}", "use permutations=9999")
    y = v.to_numpy(float)
    W = _weights_for(sw, keep, nans)
    sides = {"p_norm": TWO, "p_rand": TWO, "p_sim": FOLDED, "p_exact": FOLDED}
    common = dict(weights=sw.describe(), transform=sw.transform, dropped=nans, sides=sides)
    with _silenced():
        # esda's own permutations would run unseeded on the global stream, one Python call per ordering; they are
        # drawn below, seeded and vectorised, and handed to the esda object (_set_esda_sims)
        m = esda.Moran(y, W, transformation=sw.transform.upper(), permutations=0)
    analytic = dict(VI_norm=float(m.VI_norm), z_norm=float(m.z_norm), p_norm=float(m.p_norm),
                    VI_rand=float(m.VI_rand), z_rand=float(m.z_rand), p_rand=float(m.p_rand))
    if mode == "exact":
        obs, sims = exact_moran(y, np.asarray(W.full()[0]))
        p = (np.sum(sims >= obs - 1e-12) if obs >= sims.mean() else np.sum(sims <= obs + 1e-12)) / len(sims)
        sd = float(sims.std())
        return GlobalResult("moran", float(m.I), float(m.EI), n, "exact", p_exact=float(p), sim=sims,
                            EI_sim=float(sims.mean()), seI_sim=sd,
                            z_sim=float((obs - sims.mean()) / sd) if sd > 1e-12 * max(1.0, abs(sims.mean()))
                            else float("nan"), seed=None, esda=m,
                            **analytic, **common)
    if mode == 0:
        return GlobalResult("moran", float(m.I), float(m.EI), n, 0, seed=None, esda=m, **analytic, **common)
    sims = _moran_permutations(m, mode, seed)
    _set_esda_sims(m, sims, mode)
    larger = int(np.sum(sims >= m.I))
    larger = min(larger, mode - larger)
    ei, se = float(sims.sum() / mode), float(sims.std())
    # every ordering alike (e.g. a complete graph): no z, whatever rounding leaves in the sd
    z_sim = float((m.I - ei) / se) if se > 1e-12 * max(1.0, abs(ei)) else float("nan")
    return GlobalResult("moran", float(m.I), float(m.EI), n, mode, p_sim=(larger + 1.0) / (mode + 1.0),
                        z_sim=z_sim, EI_sim=ei, seI_sim=se, sim=sims, seed=seed, esda=m,
                        **analytic, **common)


def _moran_permutations(m, permutations: int, seed) -> np.ndarray:
    """Moran's I under random permutations, vectorised, with esda's random stream.

    The orderings are drawn exactly as ``esda.Moran`` draws them (``np.random.permutation`` under the seed), and
    the statistic is esda's (n / S0) z'Wz / z'z on its own transformed weights, so ``p_sim``, ``EI_sim`` and
    ``seI_sim`` equal esda's; only the loop over orderings becomes blocks of sparse matrix products.
    """
    y = np.asarray(m.y, float)
    z = y - y.mean()  # esda's z before it standardises the attribute at the end of __init__
    n = len(z)
    idx = _permutation_index(n, permutations, seed)
    A = m.w.sparse
    out = np.empty(permutations)
    for s in range(0, permutations, 2000):
        Z = z[idx[s:s + 2000]]
        out[s:s + len(Z)] = (n / m.w.s0) * np.einsum("pi,pi->p", Z, (A @ Z.T).T) / (z @ z)
    return out


_PERMS: dict = {}
_PERMS_MAX_BYTES = 128 * 2**20


def _permutation_index(n: int, permutations: int, seed) -> np.ndarray:
    """The orderings ``np.random.permutation(n)`` draws under ``seed``, one row each (read-only, kept per process).

    A report tests several variables on the same units with the same seed; the orderings depend only on (n,
    permutations, seed), so they are drawn once and reused (the smallest integer type, at most 128 MB kept).
    """
    key = (int(n), int(permutations), seed)
    if key not in _PERMS:
        idx = np.empty((permutations, n), dtype=np.int16 if n <= np.iinfo(np.int16).max else np.int32)
        with _seeded(seed):
            for p in range(permutations):
                idx[p] = np.random.permutation(n)
        idx.setflags(write=False)
        while _PERMS and sum(a.nbytes for a in _PERMS.values()) + idx.nbytes > _PERMS_MAX_BYTES:
            _PERMS.pop(next(iter(_PERMS)))
        if idx.nbytes <= _PERMS_MAX_BYTES:
            _PERMS[key] = idx
        return idx
    return _PERMS[key]


def _set_esda_sims(m, sims: np.ndarray, permutations: int) -> None:
    """Give an ``esda.Moran`` run without permutations the simulation attributes esda would set for ``sims``."""
    from scipy import stats

    m.permutations = permutations
    m.sim = sims
    larger = (sims >= m.I).sum()
    if (permutations - larger) < larger:
        larger = permutations - larger
    m.p_sim = (larger + 1.0) / (permutations + 1.0)
    m.EI_sim = sims.sum() / permutations
    m.seI_sim = np.array(sims).std()
    m.VI_sim = m.seI_sim ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        m.z_sim = (m.I - m.EI_sim) / m.seI_sim
    m.p_z_sim = stats.norm.sf(m.z_sim) if m.z_sim > 0 else stats.norm.cdf(m.z_sim)


def geary(values: pd.Series, w, *, permutations: int = 9999, seed: int = 12345, nan: str = "raise") -> GlobalResult:
    """Geary's C (esda.Geary) on the weights' transform; ``I`` holds C and ``EI`` its expectation 1.

    ``p_norm`` and ``p_rand`` are one-sided (esda), in the direction of C - 1;
    ``p_sim`` is one-sided (folded).  See ``methods.md`` §4.3.
    """
    import esda

    v, sw, keep, nans = _values(values, w, nan)
    seed = _check_seed(seed)
    permutations = _check_permutations(permutations, minimum=0)
    _warn_small(len(v), "Geary's C")
    with _silenced(), _seeded(seed):
        g = esda.Geary(v.to_numpy(float), _weights_for(sw, keep, nans), transformation=sw.transform.upper(),
                       permutations=permutations)
    sim = dict(p_sim=float(g.p_sim), z_sim=float(g.z_sim), EI_sim=float(g.EC_sim), seI_sim=float(g.seC_sim),
               sim=g.sim) if permutations else {}
    return GlobalResult("geary", float(g.C), float(g.EC), len(v), permutations, VI_norm=float(g.VC_norm),
                        z_norm=float(g.z_norm), p_norm=float(g.p_norm), VI_rand=float(g.VC_rand),
                        z_rand=float(g.z_rand), p_rand=float(g.p_rand), weights=sw.describe(),
                        transform=sw.transform, seed=seed if permutations else None, dropped=nans,
                        sides={"p_norm": ONE, "p_rand": ONE, "p_sim": FOLDED}, esda=g, **sim)


def _g_moments(A, y):
    """E[G] and Var[G] under randomisation (Getis & Ord 1992), for any non-negative weights A (zero diagonal)."""
    n = len(y)
    s0 = A.sum()
    s1 = 0.5 * ((A + A.T) ** 2).sum()
    s2 = ((A.sum(1) + A.sum(0)) ** 2).sum()
    n2, s02 = n * n, s0 * s0
    b0 = (n2 - 3 * n + 3) * s1 - n * s2 + 3 * s02
    b1 = -((n2 - n) * s1 - 2 * n * s2 + 6 * s02)
    b2 = -(2 * n * s1 - (n + 3) * s2 + 6 * s02)
    b3 = 4 * (n - 1) * s1 - 2 * (n + 1) * s2 + 8 * s02
    b4 = s1 - s2 + s02
    m1, m2, m3, m4 = y.sum(), (y ** 2).sum(), (y ** 3).sum(), (y ** 4).sum()
    EG2 = (b0 * m2 ** 2 + b1 * m4 + b2 * m1 ** 2 * m2 + b3 * m1 * m3 + b4 * m1 ** 4) / (
        (m1 ** 2 - m2) ** 2 * n * (n - 1) * (n - 2) * (n - 3))
    EG = s0 / (n * (n - 1))
    return EG, EG2 - EG ** 2


def _g_dense(sw, keep, nans, transform):
    W = _weights_for(sw, keep, nans, transform or "o")
    A = np.asarray(W.full()[0], float)
    np.fill_diagonal(A, 0.0)
    return A, W


def _check_nonnegative(y, what):
    if (y < 0).any():
        raise InputError("values", f"non-negative values for {what}", f"{int((y < 0).sum())} negative values",
                         "use Moran's I for variables with negative values")


def getis_ord(values: pd.Series, w, *, permutations: int = 9999, seed: int = 12345, nan: str = "raise",
              transform: str | None = None) -> GlobalResult:
    """Global Getis-Ord G on the original (binary or general) weights.

    G = sum_{i != j} w_ij y_i y_j / sum_{i != j} y_i y_j (Getis & Ord 1992),
    with E[G] = S0 / (n (n - 1)) and the randomisation variance of Getis & Ord
    (1992, eq. 10), as in esda.  ``transform`` overrides the weights used
    (default ``None``: the original weights, whatever ``w.transform`` is).

    ``p_norm`` is one-sided (esda), in the direction of the observed G;
    ``p_sim`` is one-sided (folded).  ``methods.md`` §4.4.

    Examples
    --------
    >>> import pandas as pd, warnings; warnings.simplefilter("ignore")  # 4 units: FewUnitsWarning
    >>> w = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    >>> r = getis_ord(pd.Series([1.0, 2.0, 3.0, 5.0], index=list("abcd")), w, permutations=0)
    >>> round(r.I, 6), r.EI   # 2 (1*2 + 2*3 + 3*5) / (11**2 - 39) = 46 / 82; S0 / (n (n - 1)) = 6 / 12
    (0.560976, 0.5)
    """
    v, sw, keep, nans = _values(values, w, nan)
    seed = _check_seed(seed)
    permutations = _check_permutations(permutations, minimum=0)
    y = v.to_numpy(float)
    _check_nonnegative(y, "Getis-Ord G")
    n = len(y)
    if n < 4:
        raise InputError("values", "at least 4 units for the variance of G", str(n), "use a larger region")
    _warn_small(n, "Getis-Ord G")
    A, _ = _g_dense(sw, keep, nans, transform)
    den = y.sum() ** 2 - (y ** 2).sum()
    G = float(y @ A @ y / den)
    EG, VG = _g_moments(A, y)
    z = (G - EG) / math.sqrt(VG)
    from scipy.stats import norm

    out = GlobalResult("getis_ord_g", G, float(EG), n, permutations, VI_norm=float(VG), z_norm=float(z),
                       p_norm=float(norm.sf(abs(z))), weights=sw.describe(), transform=transform or "o",
                       seed=seed if permutations else None, dropped=nans,
                       sides={"p_norm": ONE, "p_sim": FOLDED})
    if permutations:
        rng = np.random.default_rng(seed)
        sims = np.empty(permutations)
        for s in range(0, permutations, 1000):
            Y = rng.permuted(np.broadcast_to(y, (min(1000, permutations - s), n)), axis=1)
            sims[s:s + len(Y)] = np.einsum("pi,ij,pj->p", Y, A, Y, optimize=True) / den
        larger = int(np.sum(sims >= G - 1e-12 * abs(G)))
        larger = min(larger, permutations - larger)
        out.p_sim = (larger + 1.0) / (permutations + 1.0)
        out.sim, out.EI_sim, out.seI_sim = sims, float(sims.mean()), float(sims.std())
        out.z_sim = float((G - sims.mean()) / sims.std())
    return out


# ---------------------------------------------------------------- local


def min_attainable_p(n: int, k, *, ordered=False) -> np.ndarray:
    """Smallest p-value a conditional-permutation local statistic can reach with k neighbours.

    Neighbours are drawn from the other n - 1 units.  With equal weights in a
    row there are C(n-1, k) distinct neighbour sets and p >= 1 / C(n-1, k)
    (k = 1, n = 9: 0.125).  With ``ordered=True`` (unequal weights) every
    assignment of units to the k weights can differ: P(n-1, k) outcomes.
    Units with k = 0 get 1.

    Examples
    --------
    >>> min_attainable_p(9, [1, 2]).tolist()
    [0.125, 0.03571428571428571]
    """
    k = np.asarray(k, int)
    ordered = np.broadcast_to(np.asarray(ordered, bool), k.shape)
    # one exact big-integer count per distinct (k, ordered) pair, not per unit
    pairs, inverse = np.unique(np.stack([k.ravel(), ordered.ravel().astype(int)]), axis=1, return_inverse=True)
    vals = np.array([1.0 / (math.perm(n - 1, int(kk)) if o else math.comb(n - 1, int(kk))) if kk > 0 else 1.0
                     for kk, o in pairs.T], dtype=float)
    return vals[np.asarray(inverse).ravel()].reshape(k.shape)


@dataclass
class LocalResult:
    """A local statistic with esda's names, plus significance that respects what the data can reach.

    ``stats`` holds the esda-named arrays (local Moran: ``Is``, ``z_sim``;
    Gi/Gi*: ``Gs``, ``Zs``, ``p_norm``), also readable as attributes
    (``res.Is``, ``res.Zs``).  ``significant`` is False wherever
    ``cannot_reach_alpha`` is True.  ``sides`` says which p-values are one- or
    two-sided.
    """

    statistic: str
    ids: list
    id_name: str
    stats: dict
    p_sim: np.ndarray
    q: np.ndarray | None
    quadrant: np.ndarray
    p_fdr: np.ndarray
    significant: np.ndarray
    min_attainable_p: np.ndarray
    cannot_reach_alpha: np.ndarray
    alpha: float
    fdr: bool
    permutations: int
    seed: int
    weights: str
    transform: str
    dropped: list
    sides: dict = field(default_factory=dict)
    esda: object = None

    def __getattr__(self, name):
        stats = self.__dict__.get("stats", {})
        if name in stats:
            return stats[name]
        raise AttributeError(name)

    def to_frame(self, **labels) -> pd.DataFrame:
        """One row per unit, indexed 0..n-1, the id in the caller's column name."""
        df = pd.DataFrame({self.id_name: self.ids, **labels, **self.stats, "quadrant": self.quadrant,
                           "p_sim": self.p_sim, "p_fdr": self.p_fdr, "significant": self.significant,
                           "min_attainable_p": self.min_attainable_p, "cannot_reach_alpha": self.cannot_reach_alpha})
        df["cluster"] = np.where(df["significant"], df["quadrant"], "ns")
        return df


def _fdr(p):
    from scipy.stats import false_discovery_control

    return false_discovery_control(np.asarray(p, float), method="bh")


def _row_draws(W):
    """Per unit: number of neighbours k_i and whether its weights differ (ordered draws).

    A unit's non-zero weights are "equal" when each is within 1e-12 (relative) of its first non-zero weight in
    neighbour-list order (``np.allclose(w, w[0], rtol=1e-12, atol=0)``), computed for all units at once.
    """
    from .weights import _flat_weights

    n = len(W.id_order)
    lens, flat = _flat_weights(W.weights, W.id_order)
    row = np.repeat(np.arange(n), lens)
    nz = flat != 0
    row, flat = row[nz], flat[nz]
    card = np.bincount(row, minlength=n)
    first = np.zeros(n)
    starts = np.cumsum(card) - card  # rows are contiguous and in order: each row's first non-zero weight
    has = card > 0
    first[has] = flat[starts[has]]
    ref = first[row]
    differs = ~(np.abs(flat - ref) <= 1e-12 * np.abs(ref))
    ordered = (card > 1) & (np.bincount(row[differs], minlength=n) > 0)
    return card, ordered


def _local_result(name, values, v, W, stats, p_sim, q, quadrant, alpha, fdr, permutations, seed, sw, transform, nans,
                  sides, obj=None):
    n = len(v)
    card, ordered = _row_draws(W)
    minp = np.maximum(min_attainable_p(n, card, ordered=ordered), 1.0 / (permutations + 1))
    cannot = minp > alpha
    p_sim = np.asarray(p_sim, float)
    p_adj = _fdr(p_sim)
    sig = ((p_adj if fdr else p_sim) <= alpha) & ~cannot
    return LocalResult(name, [str(i) for i in W.id_order], values.index.name or "id",
                       {k: np.asarray(a, float) for k, a in stats.items()}, p_sim, q, quadrant, p_adj, sig, minp,
                       cannot, alpha, fdr, permutations, seed, sw.describe(), transform, nans, sides, obj)


_DRAWS: dict = {}


@contextlib.contextmanager
def _reused_draws():
    """Reuse esda's conditional-permutation draws between calls with the same (max_card, n, permutations, seed).

    ``esda.crand.vec_permutations`` draws the neighbour ids for every permutation with a seeded
    ``np.random.choice`` loop (about 0.25 s for 9,999 permutations without numba), and a report draws the very same
    ids for every variable on the same weights.  The draws depend only on those four numbers, so a cached copy is
    exactly what esda would draw: results are identical to esda's (tested), only faster.  The original function is
    restored on exit.
    """
    import esda.crand as crand

    original = crand.vec_permutations

    def cached(max_card, n, k_replications, seed):
        key = (int(max_card), int(n), int(k_replications), seed)
        if key not in _DRAWS:
            if len(_DRAWS) >= 8:
                _DRAWS.pop(next(iter(_DRAWS)))
            _DRAWS[key] = original(max_card, n, k_replications, seed)
            _DRAWS[key].setflags(write=False)
        return _DRAWS[key]

    crand.vec_permutations = cached
    try:
        yield
    finally:
        crand.vec_permutations = original


def _check_alpha(alpha):
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise InputError("alpha", "a significance level in (0, 1)", repr(alpha), "e.g. alpha=0.05")


def local_moran(values: pd.Series, w, *, permutations: int = 9999, seed: int = 12345, alpha: float = 0.05,
                fdr: bool = False, nan: str = "raise") -> LocalResult:
    """Local Moran's I (LISA, esda.Moran_Local) on the weights' transform, with conditional permutations.

    Quadrants HH/LH/LL/HL follow esda's ``q`` (1-4).  ``significant`` uses
    ``p_sim`` or, with ``fdr=True``, the Benjamini-Hochberg adjusted p-values
    (``p_fdr``, always reported), and is False for units whose
    ``min_attainable_p`` (max(1/C(n-1, k_i), 1/(permutations+1))) exceeds
    ``alpha`` (``cannot_reach_alpha``).  ``p_sim`` is one-sided (folded, esda).
    Warns when n < 30.  ``methods.md`` §4.5.

    Examples
    --------
    >>> import pandas as pd, warnings; warnings.simplefilter("ignore")  # 4 units: FewUnitsWarning
    >>> w = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    >>> r = local_moran(pd.Series([1.0, 2.0, 3.0, 5.0], index=list("abcd")), w, permutations=99)
    >>> r.min_attainable_p.tolist(), bool(r.significant.any())   # 1/C(3,1) and 1/C(3,2): never below 0.05
    ([0.3333333333333333, 0.3333333333333333, 0.3333333333333333, 0.3333333333333333], False)
    """
    import esda

    v, sw, keep, nans = _values(values, w, nan)
    seed = _check_seed(seed)
    permutations = _check_permutations(permutations, minimum=1)
    _check_alpha(alpha)
    _warn_small(len(v), "Local Moran")
    W = _weights_for(sw, keep, nans)
    with _silenced(), _reused_draws():
        m = esda.Moran_Local(v.to_numpy(float), W, transformation=sw.transform.upper(), permutations=permutations,
                             seed=seed, n_jobs=1)
    quadrant = np.array([QUADRANTS.get(int(x), "") for x in m.q])
    return _local_result("local_moran", values, v, W, {"Is": m.Is, "z_sim": m.z_sim}, m.p_sim, np.asarray(m.q),
                         quadrant, alpha, fdr, permutations, seed, sw, sw.transform, nans, {"p_sim": FOLDED}, m)


def local_getis_ord(values: pd.Series, w, *, permutations: int = 9999, seed: int = 12345, alpha: float = 0.05,
                    fdr: bool = False, star: bool = True, self_weight: float | None = None, nan: str = "raise",
                    transform: str | None = None) -> LocalResult:
    """Getis-Ord Gi* (``star=True``) or Gi hot and cold spots, on the original weights.

    Gi*: Gs_i = sum_j w_ij y_j / sum_j y_j with w_ii = ``self_weight`` (1 for
    binary weights; required for general weights), and the z-score of Ord &
    Getis (1995)::

        Zs_i = (sum_j w_ij y_j - ybar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1)))

    with W_i = sum_j w_ij, S1_i = sum_j w_ij^2, ybar and S = sqrt(mean(y^2) -
    ybar^2) over all n units.  Gi excludes i everywhere (sums over j != i;
    ybar, S over the other n - 1 units; n -> n - 1).  ``p_norm`` is one-sided
    (as esda: P(Z > |Zs|)); ``p_sim`` comes from conditional permutations (y_i
    fixed, neighbours drawn from the other units) and is one-sided (folded).
    ``quadrant`` is ``"hot"`` (Zs > 0) or ``"cold"``.  ``methods.md`` §4.6.

    Parameters
    ----------
    transform : str, optional
        Override the weights (e.g. ``"r"``); default: the original weights.
    """
    v, sw, keep, nans = _values(values, w, nan)
    seed = _check_seed(seed)
    permutations = _check_permutations(permutations, minimum=1)
    _check_alpha(alpha)
    y = v.to_numpy(float)
    _check_nonnegative(y, "Getis-Ord Gi*")
    n = len(y)
    _warn_small(n, "Getis-Ord Gi*" if star else "Getis-Ord Gi")
    A, W = _g_dense(sw, keep, nans, transform)
    if star:
        if self_weight is None:
            nz = A[A != 0]
            if nz.size and not np.allclose(nz, nz.flat[0], rtol=1e-12, atol=0):
                raise InputError("self_weight", "the weight of a unit on itself for Gi* with general weights",
                                 "None", "pass self_weight= (e.g. the weight at the shortest distance), or star=False")
            self_weight = float(nz.flat[0]) if nz.size else 1.0
        if not np.isfinite(self_weight) or self_weight < 0:
            raise InputError("self_weight", "a non-negative finite weight", repr(self_weight), "e.g. self_weight=1")
        diag = np.full(n, float(self_weight))
    else:
        diag = np.zeros(n)
    Astar = A + np.diag(diag)
    lag = Astar @ y
    Wi = Astar.sum(1)
    S1i = (Astar ** 2).sum(1)
    if star:
        m = n
        ybar = np.full(n, y.mean())
        S = np.full(n, math.sqrt(max((y ** 2).mean() - y.mean() ** 2, 0.0)))
        den = np.full(n, y.sum())
    else:
        m = n - 1
        ybar = (y.sum() - y) / m
        S = np.sqrt(np.maximum(((y ** 2).sum() - y ** 2) / m - ybar ** 2, 0.0))
        den = y.sum() - y
    Gs = lag / den
    with np.errstate(divide="ignore", invalid="ignore"):
        Zs = (lag - ybar * Wi) / (S * np.sqrt((m * S1i - Wi ** 2) / (m - 1)))
    from scipy.stats import norm

    p_norm = norm.sf(np.abs(Zs))
    p_sim, z_sim = _g_local_crand(y, A, diag, Gs, den, permutations, seed)
    name = "getis_ord_gi_star" if star else "getis_ord_gi"
    quadrant = np.where(Zs > 0, "hot", "cold")
    return _local_result(name, values, v, W, {"Gs": Gs, "Zs": Zs, "p_norm": p_norm, "z_sim": z_sim}, p_sim, None,
                         quadrant, alpha, fdr, permutations, seed, sw, transform or "o", nans,
                         {"p_norm": ONE, "p_sim": FOLDED})


def _g_local_crand(y, A, diag, Gs, den, permutations, seed):
    """Conditional permutation p-values for Gi/Gi*: y_i fixed, its k_i weights applied to draws from the others."""
    n = len(y)
    rng = np.random.default_rng(seed)
    nbr = [np.flatnonzero(A[i]) for i in range(n)]
    kmax = max((len(x) for x in nbr), default=0)
    p = np.ones(n)
    z = np.full(n, np.nan)
    if kmax == 0:
        return p, z
    # one set of draws shared by every unit (as esda), each unit shuffling the others first
    rids = np.concatenate([np.argsort(rng.random((min(500, permutations - s), n - 1)), axis=1)[:, :kmax]
                           for s in range(0, permutations, 500)])
    for i in range(n):
        k = len(nbr[i])
        if k == 0:
            continue
        others = rng.permutation(np.delete(np.arange(n), i))
        sims = (y[others[rids[:, :k]]] @ A[i, nbr[i]] + diag[i] * y[i]) / den[i]
        larger = int(np.sum(sims >= Gs[i] - 1e-12 * abs(Gs[i])))
        larger = min(larger, permutations - larger)
        p[i] = (larger + 1.0) / (permutations + 1.0)
        sd = sims.std()
        z[i] = (Gs[i] - sims.mean()) / sd if sd > 0 else np.nan
    return p, z
