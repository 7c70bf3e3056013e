"""Coupling coordination (耦合协调度): entropy weights, subsystem indices, C/T/D
and their classes (``methods.md`` §2).

Indicator systems are data: :func:`read_indicator_system` reads a small table
(``subsystem, indicator, direction``) or a YAML mapping
``subsystem -> indicator -> direction``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import DataNoteWarning, InputError, InputTypeError, check_choice

__all__ = [
    "SCALINGS",
    "METHODS",
    "CLASSES_10",
    "CLASSES_3",
    "EntropyResult",
    "entropy_weights",
    "subsystem_index",
    "coupling_coordination",
    "classify_d",
    "read_indicator_system",
    "coupling_from_indicators",
]

SCALINGS = ("global", "per_group")
#: relative tolerance under which an indicator's range counts as constant (rounding noise, not information)
_CONST_RTOL = 1e-12
METHODS = ("standard", "corrected")
_DIRS = {"positive": "positive", "+": "positive", "pos": "positive", "negative": "negative", "-": "negative",
         "neg": "negative"}
#: 10 classes of D, lower-closed intervals of width 0.1 by default
CLASSES_10 = [
    ("极度失调", "extreme disorder"),
    ("严重失调", "serious disorder"),
    ("中度失调", "moderate disorder"),
    ("轻度失调", "mild disorder"),
    ("濒临失调", "verge of disorder"),
    ("勉强协调", "barely coordinated"),
    ("初级协调", "primary coordination"),
    ("中级协调", "intermediate coordination"),
    ("良好协调", "good coordination"),
    ("优质协调", "high-quality coordination"),
]
#: coarse scheme of the Jilin agglomeration paper: low < 0.4 <= medium < 0.7 <= high
CLASSES_3 = (("low", 0.4), ("medium", 0.7), ("high", np.inf))


@dataclass
class EntropyResult:
    """Entropy-weight results.

    Attributes
    ----------
    weights : pandas.Series
        w_j, summing to 1.
    entropy : pandas.Series
        Information entropy e_j (1 = no information).
    redundancy : pandas.Series
        d_j = 1 - e_j.
    scaled : pandas.DataFrame
        The shifted, min-max scaled indicators on the input's index.
    directions : dict
    epsilon : float
    scaling : str
    user_weights : bool
    """

    weights: pd.Series
    entropy: pd.Series
    redundancy: pd.Series
    scaled: pd.DataFrame
    directions: dict
    epsilon: float
    scaling: str
    user_weights: bool

    def table(self) -> pd.DataFrame:
        """Tidy table ``indicator, direction, entropy, redundancy, weight, weight_source``."""
        return pd.DataFrame({
            "indicator": self.weights.index,
            "direction": [self.directions[k] for k in self.weights.index],
            "entropy": self.entropy.to_numpy(),
            "redundancy": self.redundancy.to_numpy(),
            "weight": self.weights.to_numpy(),
            "weight_source": "user" if self.user_weights else "entropy",
            "scaling": self.scaling,
            "epsilon": self.epsilon,
        })

    @property
    def index(self) -> pd.Series:
        """The subsystem index U = sum_j w_j x''_j on the input's index."""
        return self.scaled[self.weights.index] @ self.weights


def _directions(columns, directions):
    if not isinstance(directions, Mapping):
        raise InputTypeError("directions", "a mapping indicator -> 'positive'/'negative'", type(directions).__name__,
                             "pass e.g. {'lq_manufacturing': 'positive'}")
    undeclared = [c for c in columns if c not in directions]
    if undeclared:
        raise InputError("directions", "a declared direction for every indicator", f"none for {undeclared}",
                         "declare each as 'positive' or 'negative'; directions are never guessed")
    out = {}
    for c in columns:
        d = str(directions[c]).strip().lower()
        if d not in _DIRS:
            raise InputError("directions", "'positive' or 'negative'", f"{directions[c]!r} for {c!r}",
                             "use 'positive' (more is better) or 'negative'")
        out[c] = _DIRS[d]
    return out


def entropy_weights(indicators: pd.DataFrame, *, directions: Mapping[str, str], scaling: str = "global",
                    groups=None, epsilon: float = 1e-4, weights: Mapping[str, float] | None = None) -> EntropyResult:
    """Entropy weight method (熵权法) over observations x indicators.

    Steps (``methods.md`` §2.1):

    1. min-max scale: positive x' = (x - min)/(max - min), negative
       x' = (max - x)/(max - min); min and max over all rows (``"global"``,
       the default, so years of a pooled panel stay comparable) or within
       each group of ``groups`` (``"per_group"``, e.g. per year);
    2. shift: x'' = (x' + eps) / (1 + eps), so the worst observation is not
       exactly 0 (a zero U forces C = D = 0) and x'' stays in (0, 1]; the
       rescaling by 1/(1+eps) does not change the weights;
    3. p_ij = x''_ij / sum_i x''_ij, e_j = -(1/ln m) sum_i p_ij ln p_ij,
       d_j = 1 - e_j, w_j = d_j / sum_j d_j.

    A constant indicator (range within 1e-12 of its largest absolute value:
    rounding noise) carries no information: weight 0 and a
    :class:`DataNoteWarning`.  inf/-inf are rejected; values near 1e308
    are handled exactly (each indicator is divided by a power of two first,
    which min-max scaling ignores).  ``weights`` replaces step 3 (entropy and
    redundancy are still reported).

    Parameters
    ----------
    indicators : pandas.DataFrame
        Rows = observations (regions, or regions x years), columns = indicators.
    directions : mapping
        indicator -> ``"positive"`` / ``"negative"``; required for every column.
    scaling : {"global", "per_group"}
    groups : array-like, optional
        Group labels aligned to the rows, required for ``"per_group"``.
    epsilon : float
        The shift, default 1e-4.
    weights : mapping, optional
        User weights indicator -> w (non-negative, summing to 1).

    Returns
    -------
    EntropyResult

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = entropy_weights(X, directions={"a": "positive", "b": "positive"})
    >>> r.weights.round(3).tolist()
    [1.0, 0.0]
    """
    if not isinstance(indicators, pd.DataFrame):
        raise InputTypeError("indicators", "a DataFrame (observations x indicators)", type(indicators).__name__,
                             "build one column per indicator")
    if indicators.shape[1] == 0:
        raise InputError("indicators", "at least one indicator column", "none", "add indicators to the subsystem")
    if indicators.shape[0] < 2:
        raise InputError("indicators", "at least 2 observations", f"{indicators.shape[0]}", "pool more regions or years")
    check_choice("scaling", scaling, SCALINGS)
    if not (0 <= epsilon < 1):
        raise InputError("epsilon", "a small non-negative number below 1", repr(epsilon), "use the default 1e-4")
    dirs = _directions(indicators.columns, directions)
    X = indicators.apply(pd.to_numeric, errors="coerce").astype(float)
    if X.isna().any().any():
        bad = X.columns[X.isna().any()].tolist()
        raise InputError("indicators", "complete numeric indicators", f"missing or non-numeric values in {bad}",
                         "fill from the source or drop those observations explicitly")
    inf = np.isinf(X.to_numpy())
    if inf.any():
        rows = inf.any(axis=1)
        raise InputError("indicators", "finite values",
                         f"inf/-inf in {X.columns[inf.any(axis=0)].tolist()} on {int(rows.sum())} rows, "
                         f"e.g. {X.index[rows].tolist()[:5]}",
                         "fix them at the source (an upstream division by zero or overflow) or drop those rows")
    # min-max scaling is invariant to a positive factor per indicator: dividing each column by the power of
    # two just above its largest |value| (exact) keeps max - min finite for values near 1e308, which would
    # otherwise overflow to inf and blank every weight
    X = pd.DataFrame(np.ldexp(X.to_numpy(), -np.frexp(X.abs().max().to_numpy())[1]), index=X.index, columns=X.columns)
    if scaling == "per_group":
        if groups is None:
            raise InputError("groups", "group labels (e.g. the year) with scaling='per_group'", "None",
                             "pass groups=df['year']")
        g = pd.Series(np.asarray(groups), index=X.index)
        lo = X.groupby(g).transform("min")
        hi = X.groupby(g).transform("max")
    else:
        lo = pd.DataFrame(np.broadcast_to(X.min().to_numpy(), X.shape), index=X.index, columns=X.columns)
        hi = pd.DataFrame(np.broadcast_to(X.max().to_numpy(), X.shape), index=X.index, columns=X.columns)
    rng = (hi - lo).to_numpy()
    num = np.where([dirs[c] == "positive" for c in X.columns], (X - lo).to_numpy(), (hi - X).to_numpy())
    # constant = a range within rounding noise of the values (relative, so the test does not depend on units):
    # 0.1 + 0.2 vs 0.3 differ by 5.6e-17 and must not be stretched to a full 0..1 indicator
    flat = rng <= _CONST_RTOL * np.maximum(np.abs(hi.to_numpy()), np.abs(lo.to_numpy()))
    const_cols = [c for c, r in zip(X.columns, flat.all(axis=0)) if r]
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = np.where(~flat, num / np.where(flat, 1, rng), 0.0)
    if const_cols:
        warnings.warn(f"constant indicator(s) {const_cols} carry no information: weight 0", DataNoteWarning,
                      stacklevel=2)
    xs = (xs + epsilon) / (1 + epsilon)
    scaled = pd.DataFrame(xs, index=X.index, columns=X.columns)
    m = xs.shape[0]
    P = xs / xs.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(m)
    e = np.clip(e, 0.0, 1.0)
    d = 1 - e
    for i, c in enumerate(X.columns):
        if c in const_cols:
            d[i] = 0.0
    if weights is not None:
        w = pd.Series({k: float(v) for k, v in weights.items()})
        miss = [c for c in X.columns if c not in w.index]
        extra = [k for k in w.index if k not in X.columns]
        if miss or extra:
            raise InputError("weights", "one weight per indicator", f"missing {miss}, unknown {extra}",
                             "give a weight for every indicator column")
        w = w.reindex(X.columns)
        if (w < 0).any() or not np.isclose(w.sum(), 1.0, atol=1e-9):
            raise InputError("weights", "non-negative weights summing to 1", f"sum {w.sum():.6g}", "normalise them")
        user = True
    else:
        if d.sum() <= 0:
            raise InputError("indicators", "at least one indicator that varies", "all indicators constant",
                             "the subsystem carries no information; check the data")
        w = pd.Series(d / d.sum(), index=X.columns)
        user = False
    return EntropyResult(weights=w, entropy=pd.Series(e, index=X.columns), redundancy=pd.Series(d, index=X.columns),
                         scaled=scaled, directions=dirs, epsilon=epsilon, scaling=scaling, user_weights=user)


def subsystem_index(indicators: pd.DataFrame, **kwargs) -> pd.Series:
    """Subsystem index U = sum_j w_j x''_j on the input's index (see :func:`entropy_weights`)."""
    return entropy_weights(indicators, **kwargs).index


def _as_frame(U) -> pd.DataFrame:
    if isinstance(U, pd.DataFrame):
        return U
    if isinstance(U, Mapping):
        items = list(U.items())
        for name, s in items[1:]:
            if not isinstance(s, pd.Series) or not s.index.equals(items[0][1].index):
                raise InputError("U", "subsystem Series sharing one index", f"{name!r} has a different index",
                                 "align them (e.g. reindex on the region/year keys) before combining")
        return pd.DataFrame(dict(items))
    raise InputTypeError("U", "a DataFrame with one column per subsystem", type(U).__name__,
                         "build pd.DataFrame({'agglomeration': U1, 'innovation': U2})")


def classify_d(D, *, bounds=None) -> pd.DataFrame:
    """Classes of D: 10 levels (lower-closed, width 0.1 by default) and the coarse 3 levels.

    Parameters
    ----------
    D : array-like or pandas.Series
    bounds : sequence of 9 floats, optional
        Inner boundaries of the 10 classes, increasing; default 0.1 ... 0.9.

    Returns
    -------
    pandas.DataFrame
        ``class_level`` (1-10), ``class_zh``, ``class_en``, ``class_3``.

    Examples
    --------
    >>> classify_d([0.0999, 0.1, 0.4, 0.7, 1.0])["class_en"].tolist()[:2]
    ['extreme disorder', 'serious disorder']
    """
    s = D if isinstance(D, pd.Series) else pd.Series(np.asarray(D, float))
    b = np.asarray(bounds if bounds is not None else np.round(np.arange(0.1, 1.0, 0.1), 10), float)
    if b.shape != (9,) or np.any(np.diff(b) <= 0):
        raise InputError("bounds", "9 increasing inner class boundaries", repr(list(b)), "e.g. [0.1, 0.2, ..., 0.9]")
    v = s.to_numpy(float)
    lvl = np.searchsorted(b, v, side="right")  # 0..9 ; v == bound goes up
    ok = ~np.isnan(v)
    zh = np.array([CLASSES_10[i][0] if o else None for i, o in zip(lvl, ok)], dtype=object)
    en = np.array([CLASSES_10[i][1] if o else None for i, o in zip(lvl, ok)], dtype=object)
    c3 = np.where(v < 0.4, "low", np.where(v < 0.7, "medium", "high")).astype(object)
    c3[~ok] = None
    return pd.DataFrame({"class_level": np.where(ok, lvl + 1, 0), "class_zh": zh, "class_en": en, "class_3": c3},
                        index=s.index)


def _alpha(alpha, columns: list) -> np.ndarray:
    """Subsystem weights for T: equal by default; a mapping must name every column of U and nothing else."""
    n = len(columns)
    if alpha is None:
        return np.full(n, 1.0 / n)
    if isinstance(alpha, pd.Series):  # labelled by subsystem: matched by name, not by position
        alpha = alpha.to_dict()
    if isinstance(alpha, Mapping):
        missing = [c for c in columns if c not in alpha]
        extra = [k for k in alpha if k not in columns]
        if missing or extra:
            got = ", ".join(x for x in (f"no weight for {missing}" if missing else "",
                                        f"weights for unknown subsystems {extra}" if extra else "") if x)
            raise InputError("alpha", f"one weight per subsystem (column of U) {columns}", got,
                             f"give a weight for each of {columns}, e.g. {dict.fromkeys(columns, round(1 / n, 4))}")
        values = [alpha[c] for c in columns]
    elif isinstance(alpha, (str, bytes)):
        raise InputTypeError("alpha", "a sequence or mapping of subsystem weights", f"the string {alpha!r}",
                             f"e.g. alpha={dict.fromkeys(columns, round(1 / n, 4))}")
    else:
        values = alpha
    arr = np.asarray(values, dtype=object)
    if arr.shape != (n,):
        raise InputError("alpha", f"{n} weights, one per subsystem", f"{arr.size}", "give one weight per column of U")
    a = pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(float)
    if not np.isfinite(a).all() or (a < 0).any() or not np.isclose(a.sum(), 1.0, atol=1e-9):
        shown = [x.item() if isinstance(x, np.generic) else x for x in arr]
        raise InputError("alpha", "non-negative weights summing to 1", f"sum {a.sum():.6g} from {shown}",
                         "normalise alpha (finite numbers: text, NaN and inf are not weights)")
    return a


def _check_lag_threshold(lag_threshold) -> None:
    if isinstance(lag_threshold, bool) or not isinstance(lag_threshold, (int, float, np.integer, np.floating)):
        raise InputTypeError("lag_threshold", "a number", f"{type(lag_threshold).__name__} {lag_threshold!r}",
                             "pass e.g. lag_threshold=0.1")
    if not np.isfinite(lag_threshold) or not 0 <= lag_threshold <= 1:
        raise InputError("lag_threshold", "a finite number in [0, 1] (a gap between two U in [0, 1])",
                         repr(lag_threshold), "pass e.g. lag_threshold=0.1")


def coupling_coordination(U, *, method: str = "standard", alpha=None, bounds=None,
                          lag_threshold: float = 0.1) -> pd.DataFrame:
    """Coupling degree C, development index T and coordination degree D for n >= 2 subsystems.

    * ``"standard"`` (default): C = n (prod U_i)^(1/n) / sum U_i; for n = 2,
      C = 2 sqrt(U1 U2) / (U1 + U2).
    * ``"corrected"`` (Wang Shujia et al. 2021, J. Natural Resources 36(3)):
      C = sqrt([1 - sum_{i>j} |U_i - U_j| / sum_{m=1}^{n-1} m] *
      [prod_i (U_i / max U)]^(1/(n-1))); for n = 2,
      C = sqrt((1 - |U1 - U2|) min U / max U).
    * T = sum alpha_i U_i (equal alpha by default), D = sqrt(C T).

    The common wrong forms (C without the factor n; the three-system
    product of pairwise sums) are deliberately not offered.

    Parameters
    ----------
    U : pandas.DataFrame or mapping of Series
        One column per subsystem, one row per observation, values in [0, 1].
    method : {"standard", "corrected"}
    alpha : sequence or mapping, optional
        Subsystem weights for T: finite, non-negative, summing to 1; a
        mapping names every column of U (and nothing else).
    bounds : optional
        Inner boundaries of the 10 D classes (see :func:`classify_d`).
    lag_threshold : float
        n = 2 only: |U1 - U2| <= threshold is ``"synchronous"``, otherwise
        the smaller subsystem's name is reported in ``lagging``.  A finite
        number in [0, 1].

    Returns
    -------
    pandas.DataFrame
        ``C, T, D, class_level, class_zh, class_en, class_3`` (and
        ``lagging`` for n = 2), on U's index.  Rows where every U is 0 have
        C undefined and are NaN with ``mask_reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = coupling_coordination(pd.DataFrame({"a": [0.3], "b": [0.6]}))
    >>> round(float(r.C.iloc[0]), 3)
    0.943
    >>> round(float(coupling_coordination(pd.DataFrame({"a": [0.3], "b": [0.6]}), method="corrected").C.iloc[0]), 3)
    0.592
    """
    check_choice("method", method, METHODS, fix="pass method='standard' or 'corrected'")
    df = _as_frame(U)
    n = df.shape[1]
    if n < 2:
        raise InputError("U", "at least 2 subsystem columns", f"{n}", "coupling needs two or more subsystems")
    X = df.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if np.isnan(X).any():
        raise InputError("U", "complete numeric values", "missing values", "drop or fill those rows explicitly")
    if (X < 0).any() or (X > 1).any():
        raise InputError("U", "values in [0, 1]", f"range [{X.min():.4g}, {X.max():.4g}]",
                         "use min-max scaled subsystem indices (entropy_weights(...).index)")
    a = _alpha(alpha, list(df.columns))
    _check_lag_threshold(lag_threshold)
    s = X.sum(axis=1)
    zero = s == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "standard":
            C = n * np.prod(X, axis=1) ** (1.0 / n) / s
        else:
            iu = np.triu_indices(n, k=1)
            pair = np.abs(X[:, iu[0]] - X[:, iu[1]]).sum(axis=1)
            first = 1 - pair / (n * (n - 1) / 2)
            mx = X.max(axis=1, keepdims=True)
            second = np.prod(X / mx, axis=1) ** (1.0 / (n - 1))
            C = np.sqrt(np.clip(first, 0, None) * second)
    C = np.where(zero, np.nan, np.clip(C, 0.0, 1.0))
    T = X @ a
    D = np.sqrt(C * T)
    out = pd.DataFrame({"C": C, "T": T, "D": D}, index=df.index)
    out = pd.concat([out, classify_d(out["D"], bounds=bounds)], axis=1)
    if n == 2:
        c1, c2 = df.columns
        diff = X[:, 0] - X[:, 1]
        out["lagging"] = np.where(np.abs(diff) <= lag_threshold, "synchronous", np.where(diff < 0, c1, c2))
    out["mask_reason"] = np.where(zero, "all subsystem indices are 0 (C undefined)", "")
    out["method"] = method
    return out


def read_indicator_system(source) -> dict:
    """Read an indicator system: subsystem -> {indicator: direction}.

    Parameters
    ----------
    source : dict, pandas.DataFrame, or path to .csv / .yaml / .yml
        A table with columns ``subsystem, indicator, direction`` or a YAML
        mapping ``subsystem: {indicator: direction}``.

    Raises
    ------
    InputError
        A subsystem with no indicators, an undeclared or unknown direction,
        fewer than two subsystems.
    """
    from pathlib import Path

    if isinstance(source, (str, Path)):
        p = Path(source)
        if not p.is_file():
            raise InputError("system", "an existing CSV or YAML file", repr(str(p)), "check the path")
        if p.suffix.lower() in (".yaml", ".yml"):
            from ._versions import import_optional

            yaml = import_optional("yaml", purpose="reading YAML", install="pip install pyyaml (or use a CSV table)")
            source = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        else:
            source = pd.read_csv(p, dtype=str)
    if isinstance(source, pd.DataFrame):
        need = ["subsystem", "indicator", "direction"]
        miss = [c for c in need if c not in source.columns]
        if miss:
            raise InputError("system", f"columns {need}", f"missing {miss}", "add the columns")
        system: dict = {}
        for r in source.itertuples():
            system.setdefault(str(r.subsystem), {})[str(r.indicator)] = r.direction
        source = system
    if not isinstance(source, Mapping):
        raise InputTypeError("system", "a mapping, table or file", type(source).__name__, "see read_indicator_system")
    out = {}
    for sub, inds in source.items():
        if not inds:
            raise InputError("system", "at least one indicator per subsystem", f"subsystem {sub!r} has none",
                             "add indicators or remove the subsystem")
        bad = [k for k, v in inds.items() if v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == ""]
        if bad:
            raise InputError("system", "a declared direction for every indicator", f"none for {bad} in {sub!r}",
                             "declare each as 'positive' or 'negative'; directions are never guessed")
        out[str(sub)] = _directions(list(inds), inds)
    if len(out) < 2:
        raise InputError("system", "at least 2 subsystems", f"{list(out)}", "coupling needs two or more subsystems")
    return out


def coupling_from_indicators(data: pd.DataFrame, system, *, scaling: str = "global", groups=None,
                             epsilon: float = 1e-4, method: str = "standard", alpha=None, weights=None):
    """Run the whole chain: entropy weights per subsystem -> U -> C, T, D.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation with every indicator as a column.
    system : see :func:`read_indicator_system`
    weights : mapping, optional
        subsystem -> {indicator: weight} replacing the entropy weights.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Results ``U_<subsystem>..., C, T, D, classes`` on ``data``'s index,
        and the weights table (``subsystem, indicator, direction, entropy,
        redundancy, weight, ...``).
    """
    system = read_indicator_system(system)
    miss = sorted({i for inds in system.values() for i in inds} - set(data.columns))
    if miss:
        raise InputError("data", "a column for every indicator of the system", f"missing {miss}",
                         "compute those indicators or edit the system")
    U = {}
    wt = []
    for sub, inds in system.items():
        r = entropy_weights(data[list(inds)], directions=inds, scaling=scaling, groups=groups, epsilon=epsilon,
                            weights=(weights or {}).get(sub))
        U[f"U_{sub}"] = r.index
        wt.append(r.table().assign(subsystem=sub))
    Udf = pd.DataFrame(U, index=data.index)
    res = coupling_coordination(Udf, method=method, alpha=alpha)
    if "lagging" in res:
        res["lagging"] = res["lagging"].str.replace("^U_", "", regex=True)
    wtab = pd.concat(wt, ignore_index=True)
    return pd.concat([Udf, res], axis=1), wtab[["subsystem"] + [c for c in wtab.columns if c != "subsystem"]]
