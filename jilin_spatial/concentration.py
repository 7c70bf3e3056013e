"""Concentration of industries: LQ, growth-based agglomeration index and stage,
structural similarity and co-agglomeration (``methods.md`` §1).

All functions take a tidy table ``<id>, sector, year, value`` (any level:
prefecture, county or the user's own units) or aligned Series, and return
results aligned to their input.  The id column is ``adcode`` unless the
caller names another with ``id_col=``; results keep the caller's name.
Undefined values are masked (NaN) with a ``mask_reason``; ``inf`` is never
produced.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ._errors import DataNoteWarning, InputError, InputTypeError, check_choice
from .sectors import GROUPS, TOTAL_KEY, resolve_sectors

__all__ = [
    "MIN_COUNT",
    "REFERENCES",
    "DENOMINATORS",
    "FORMS",
    "STAGES",
    "location_quotient",
    "agglomeration_index",
    "advantage_stage",
    "similarity_coefficient",
    "coagglomeration",
    "stage_table",
    "coagglomeration_table",
]

REFERENCES = ("panel", "external", "rest")
#: Minimum count for a reported LQ on census sample counts (~10 % samples: 10 sample persons,
#: about 100 people; the relative sampling error of a count of 10 is about 1/sqrt(10) = 32 %).
MIN_COUNT = 10
DENOMINATORS = ("all", "non_agricultural")
FORMS = ("factor", "rate")
#: (LQ >= threshold, A >= threshold) -> (zh, en)
STAGES = {
    (False, True): ("形成期", "formative"),
    (True, True): ("成长期", "growing"),
    (True, False): ("成熟期", "mature"),
    (False, False): ("衰退期", "declining"),
}
_AGRI = "A_agri"
_KEYS = ["adcode", "sector", "year", "value"]
_CARRY = ["name_zh", "name_en", "level", "is_zone"]


def _keeps_id(fn):
    """Let ``fn`` take the caller's id column (``id_col=``, keyword-only) and return results under that name."""

    @functools.wraps(fn)
    def wrapper(*args, id_col: str = "adcode", **kwargs):
        if id_col == "adcode":
            return fn(*args, **kwargs)
        frames = list(args)
        for i, f in enumerate(frames):
            if not isinstance(f, pd.DataFrame):
                continue
            if id_col not in f.columns:
                raise InputError("id_col", "a column of the table", repr(id_col), f"choose from {list(f.columns)}")
            if "adcode" in f.columns:
                raise InputError("id_col", "a table with one id column", f"both {id_col!r} and 'adcode'",
                                 "drop one of them, or pass id_col='adcode'")
            frames[i] = f.rename(columns={id_col: "adcode"})
        out = fn(*frames, **kwargs)
        return out.rename(columns={"adcode": id_col}) if isinstance(out, pd.DataFrame) else out

    wrapper.__doc__ = (fn.__doc__ or "") + (
        "\n    Notes on ids\n    ------------\n    ``id_col=`` (keyword) names the id column of the input table(s); the "
        "result uses the same name (default ``adcode``).\n")
    return wrapper


def _check_tidy(data, argument="data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(argument, "a pandas DataFrame (adcode, sector, year, value)", type(data).__name__,
                             "build a tidy table, e.g. with jilin_spatial.io.read_table")
    miss = [c for c in _KEYS if c not in data.columns]
    if miss:
        raise InputError(argument, f"columns {_KEYS}", f"missing {miss}", "rename your columns to adcode/sector/year/value")
    if len(data) == 0:
        raise InputError(argument, "at least one row", "an empty table", "check your filter")
    vals = pd.to_numeric(data["value"], errors="coerce")
    if (vals.isna() & data["value"].notna()).any():
        raise InputError("data['value']", "numeric values", "non-numeric entries", "convert with pd.to_numeric")
    inf = np.isinf(vals.to_numpy(float))
    if inf.any():
        ids = data.loc[inf, "adcode"].astype(str).unique().tolist()
        raise InputError(f"{argument}['value']", "finite values (NaN for a missing one)",
                         f"{int(inf.sum())} rows with inf/-inf, adcodes {ids[:5]}",
                         "fix those cells at the source (an upstream division by zero or overflow); "
                         "a missing value is NaN and is masked with a reason")
    if (vals < 0).any():
        n = int((vals < 0).sum())
        raise InputError("data['value']", "non-negative values", f"{n} negative values",
                         "employment and output cannot be negative; check the sign convention")
    if data.duplicated(["adcode", "sector", "year"]).any():
        raise InputError(argument, "one row per (adcode, sector, year)", "duplicated rows",
                         "aggregate duplicates first (groupby().sum())")
    return data


def _rescaled(w: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``w`` times 2**-e when its sums could overflow float64 (values near 1e308), and e.

    Totals of such values overflow to inf and every ratio would come out
    blank; LQ, growth ratios and shares are scale-invariant and a power of
    two is exact, so nothing else changes.  e = 0 for any realistic table.
    """
    a = np.abs(w.to_numpy(float))
    a = a[np.isfinite(a)]
    big = float(a.max()) if a.size else 0.0
    if big == 0.0 or big * 4.0 * max(1, w.size) < np.finfo(float).max:
        return w, 0
    e = int(np.frexp(big)[1])
    return np.ldexp(w, -e), e


def _unscaled(x, e: int, what: str) -> np.ndarray:
    """Undo :func:`_rescaled` on reported totals; one beyond float range becomes NaN with a warning."""
    y = np.asarray(x, float)
    if e == 0:
        return y
    with np.errstate(over="ignore"):
        y = np.ldexp(y, e)
    over = np.isinf(y)
    if over.any():
        warnings.warn(f"{int(over.sum())} {what} exceed the float range (~1.8e308) and are reported as NaN; "
                      "the ratios were computed on values divided by a power of two and are unaffected",
                      DataNoteWarning, stacklevel=3)
        y[over] = np.nan
    return y


def _wide(data: pd.DataFrame) -> pd.DataFrame:
    """(year, adcode) x sector array, NaN for missing cells (never filled)."""
    w = data.pivot(index=["year", "adcode"], columns="sector", values="value").astype(float)
    w.columns.name = None
    return w


def _targets(sectors, groups, present):
    avail = [s for s in present if s != TOTAL_KEY]
    if sectors is None:
        out = {s: (s,) for s in avail}
        for g, members in dict(groups or {}).items():
            out[g] = resolve_sectors(g, available=avail, groups=groups, argument="groups")
        return out
    items = [sectors] if isinstance(sectors, str) else list(sectors)
    allgroups = {**GROUPS, **{k: tuple(v) for k, v in (groups or {}).items()}}
    out = {}
    for it in items:
        out[it] = resolve_sectors(it, available=avail, groups=groups, argument="sectors") if it in allgroups or it not in avail else (it,)
    return out


def _denominator(w: pd.DataFrame, denominator: str) -> pd.Series:
    sections = [c for c in w.columns if c != TOTAL_KEY]
    total = w[TOTAL_KEY] if TOTAL_KEY in w.columns else w[sections].sum(axis=1, skipna=False)
    if denominator == "all":
        return total
    if _AGRI not in w.columns:
        raise InputError("denominator", f"sector {_AGRI!r} in the data for a non-agricultural denominator",
                         "no agriculture rows", "pass denominator='all' or include A_agri")
    return total - w[_AGRI]


@_keeps_id
def location_quotient(
    data: pd.DataFrame,
    *,
    sectors: str | Iterable[str] | None = None,
    reference: str = "panel",
    external: pd.DataFrame | None = None,
    denominator: str = "all",
    groups: Mapping[str, Iterable[str]] | None = None,
    years: Iterable[int] | None = None,
    min_count: float | None = None,
) -> pd.DataFrame:
    """Location quotient LQ_ij = (e_ij / e_j) / (E_i / E).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy table with ``adcode, sector, year, value`` (employment by
        default; output works the same way).  A ``TOTAL`` sector, when
        present, is used as the all-industries total; otherwise the sections
        present are summed.  ``name_zh``, ``name_en``, ``level`` and
        ``is_zone`` are carried through when present.
    sectors : str or list, optional
        Sections and/or groups to compute (``"C_manuf"``,
        ``"producer_services"`` ...).  Default: every section present (plus
        any user ``groups``).  A group is the sum of its sections before the
        ratio.
    reference : {"panel", "external", "rest"}
        ``"panel"`` (default): E_i and E sum every region of the table in the
        same year.  ``"external"``: totals from ``external`` (e.g. national).
        ``"rest"``: the reference leaves region j out (E_i - e_ij, E - e_j),
        which matters when one region dominates (Changchun).
    external : pandas.DataFrame, optional
        With ``reference="external"``: a tidy table ``sector, year, value``
        for the reference area (a ``TOTAL`` row or all sections).
    denominator : {"all", "non_agricultural"}
        e_j and E over all industries (default) or all except agriculture (A).
    groups : mapping, optional
        User-defined groups ``name -> [section keys]``.
    years : iterable of int, optional
        Restrict to these years; each must be present.
    min_count : float, optional
        Mask cells whose own count e_ij is below this (persons, or sample
        persons for census tables): a section with a handful of people in a
        county gives LQs from 0 to 8 that are noise.  Masked rows stay in the
        result with ``lq`` NaN and a ``mask_reason``.  Default ``None`` (no
        count mask; values need not be counts).  The report uses
        :data:`MIN_COUNT` for census sample counts (``methods.md`` §1.1).

    Returns
    -------
    pandas.DataFrame
        One row per (adcode, year, sector) with ``value`` (e_ij),
        ``region_total`` (e_j), ``ref_sector_total`` (E_i), ``ref_total`` (E),
        ``lq``, ``mask_reason`` ('' when defined), ``reference`` and
        ``denominator``.  When only sections are requested the index is the
        input's index of those rows; group rows get a fresh index.

    Raises
    ------
    InputError
        Unknown sector or group, missing year, negative values, duplicates,
        bad option values.

    Notes
    -----
    Masked (NaN with a reason): e_j = 0 ("zero regional denominator"),
    E_i = 0 or E = 0 ("zero reference total"), a missing e_ij or member
    ("missing value") and a reference made incomplete by missing values
    ("reference incomplete") and, with ``min_count``, e_ij < min_count
    ("below the minimum count").  Otherwise e_ij = 0 gives LQ = 0, a real value.  LQ is
    invariant to scaling all values by a constant, so census sample counts
    (~10 %) give the same LQ as full counts.  See ``methods.md`` §1.1.

    Examples
    --------
    >>> import jilin_spatial as js
    >>> emp = js.datasets.load_employment("prefecture", years=[2020])
    >>> lq = js.location_quotient(emp, sectors="manufacturing")
    >>> round(float(lq.set_index("adcode").loc["220100", "lq"]), 3)
    1.275
    """
    check_choice("reference", reference, REFERENCES)
    check_choice("denominator", denominator, DENOMINATORS)
    if min_count is not None and (isinstance(min_count, bool) or not isinstance(min_count, (int, float))
                                  or not np.isfinite(min_count) or min_count < 0):
        raise InputError("min_count", "a non-negative finite count or None", repr(min_count),
                         f"e.g. min_count={MIN_COUNT} for census sample counts")
    data = _check_tidy(data)
    if years is not None:
        years = [int(y) for y in ([years] if np.isscalar(years) else years)]
        have = set(data["year"].astype(int))
        miss = [y for y in years if y not in have] or ([] if years else ["(none)"])
        if miss:
            raise InputError("years", f"years present in data {sorted(have)}", repr(miss), "drop them or add the data")
        data = data[data["year"].astype(int).isin(years)]
    targets = _targets(sectors, groups, data["sector"].unique())
    w, scale = _rescaled(_wide(data))
    ref_scale = scale
    ej = _denominator(w, denominator)

    if reference == "external":
        if external is None:
            raise InputError("external", "a table of reference totals (sector, year, value)", "None",
                             "pass external=... or use reference='panel'")
        ext = external.copy()
        if "adcode" not in ext:
            ext["adcode"] = "__reference__"
        missing_years = sorted(set(w.index.get_level_values("year")) - set(ext["year"].astype(int)))
        if missing_years:
            raise InputError("external", "reference totals for every year of data", f"no rows for {missing_years}",
                             "add those years to external")
        ew, ref_scale = _rescaled(_wide(_check_tidy(ext, "external")))
        ew = ew.groupby(level="year").sum(min_count=1)
        E = _denominator(ew, denominator)

    frames = []
    years_idx = w.index.get_level_values("year")
    for name, members in targets.items():
        miss = [m for m in members if m not in w.columns]
        if miss:
            raise InputError("sectors", f"sectors present in data for {name!r}", f"missing {miss}",
                             "check the sector keys of your table")
        eij = w[list(members)].sum(axis=1, skipna=False)
        if reference == "panel":
            Ei = eij.groupby(level="year").transform(lambda s: s.sum(skipna=False))
            Et = ej.groupby(level="year").transform(lambda s: s.sum(skipna=False))
        elif reference == "rest":
            Ei = eij.groupby(level="year").transform(lambda s: s.sum(skipna=False)) - eij
            Et = ej.groupby(level="year").transform(lambda s: s.sum(skipna=False)) - ej
        else:
            em = [m for m in members if m not in ew.columns]
            if em:
                raise InputError("external", f"reference values for {list(members)}", f"missing {em}",
                                 "add those sectors to external")
            Ei = pd.Series(ew[list(members)].sum(axis=1, skipna=False).reindex(years_idx).to_numpy(), index=w.index)
            Et = pd.Series(E.reindex(years_idx).to_numpy(), index=w.index)
        # the table may have been divided by 2**scale (exactly) against overflow: scale the count threshold too
        frames.append(_lq_frame(name, eij, ej, Ei, Et, None if min_count is None else np.ldexp(min_count, -scale),
                                min_count))
    out = pd.concat(frames)
    if scale or ref_scale:
        for col, e in (("value", scale), ("region_total", scale), ("ref_sector_total", ref_scale),
                       ("ref_total", ref_scale)):
            out[col] = _unscaled(out[col], e, f"values of {col!r}")
    out["reference"] = reference
    out["denominator"] = denominator
    out = out.reset_index()
    carry = [c for c in _CARRY if c in data.columns]
    if carry:
        meta = data.drop_duplicates("adcode").set_index("adcode")[carry]
        out = out.join(meta, on="adcode")
    cols = ["adcode"] + carry + ["year", "sector", "value", "region_total", "ref_sector_total", "ref_total", "lq",
                                 "mask_reason", "reference", "denominator"]
    out = out[cols]
    if all(len(m) == 1 and m[0] == k for k, m in targets.items()):
        src = data.index.to_series(index=pd.MultiIndex.from_frame(data[["adcode", "sector", "year"]]))
        out.index = src.reindex(pd.MultiIndex.from_frame(out[["adcode", "sector", "year"]])).to_numpy()
    return out


def _lq_frame(name, eij, ej, Ei, Et, min_count=None, min_count_label=None) -> pd.DataFrame:
    a = eij.to_numpy(float)
    b = ej.to_numpy(float)
    c = Ei.to_numpy(float)
    d = Et.to_numpy(float)
    reason = np.full(a.shape, "", dtype=object)
    if min_count is not None:
        label = min_count if min_count_label is None else min_count_label
        reason[a < min_count] = f"below the minimum count (e_ij < {label:g})"
    reason[(np.isnan(c) | np.isnan(d))] = "reference incomplete (missing values in the reference)"
    reason[(c == 0) | (d == 0)] = "zero reference total (E_i or E = 0)"
    reason[b == 0] = "zero regional denominator (e_j = 0)"
    reason[np.isnan(a) | np.isnan(b)] = "missing value"
    ok = reason == ""
    lq = np.full(a.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq[ok] = (a[ok] / b[ok]) / (c[ok] / d[ok])
    return pd.DataFrame(
        {"sector": name, "value": a, "region_total": b, "ref_sector_total": c, "ref_total": d, "lq": lq,
         "mask_reason": reason},
        index=eij.index,
    )


@_keeps_id
def agglomeration_index(
    data: pd.DataFrame,
    *,
    start: int,
    end: int,
    form: str = "factor",
    sectors: str | Iterable[str] | None = None,
    groups: Mapping[str, Iterable[str]] | None = None,
    external: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Growth-based agglomeration index A_ij between two years.

    S_ij = (q_ij,end / q_ij,start)^(1/t) - 1 with t = end - start years, and
    S_i the same for the industry in the higher-level region: each year's sum
    over the units present in that year, or ``external``.  A unit present in
    only one year (e.g. a development zone created between the censuses)
    counts in that year's total and gets no index, with a reason.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ``adcode, sector, year, value`` with both years, on the same
        boundaries (for Jilin use ``load_employment(boundaries="2020")``).
    start, end : int
        The two years; ``end > start``.
    form : {"factor", "rate"}
        ``"factor"`` (default): A = (1 + S_ij) / (1 + S_i); robust when the
        industry shrinks and independent of a constant sampling rate.
        ``"rate"``: A = S_ij / S_i (the Changchun-Jilin paper), defined only
        where S_i > 0 and masked elsewhere.
    sectors, groups : optional
        As in :func:`location_quotient`.
    external : pandas.DataFrame, optional
        Higher-level totals ``sector, year, value`` instead of the panel sum.

    Returns
    -------
    pandas.DataFrame
        One row per (adcode, sector): ``q_start, q_end, S_ij, S_i, A,
        mask_reason, form, start_year, end_year``.

    Examples
    --------
    >>> import jilin_spatial as js
    >>> emp = js.datasets.load_employment("prefecture")
    >>> a = js.agglomeration_index(emp, start=2010, end=2020, sectors="C_manuf")
    >>> len(a)
    9
    """
    check_choice("form", form, FORMS)
    data = _check_tidy(data)
    start, end = int(start), int(end)
    if end <= start:
        raise InputError("end", f"a year after start={start}", repr(end), "swap start and end")
    have = set(data["year"].astype(int))
    for arg, y in (("start", start), ("end", end)):
        if y not in have:
            raise InputError(arg, f"a year present in data {sorted(have)}", repr(y), "load both census years")
    sub = data[data["year"].astype(int).isin([start, end])]
    targets = _targets(sectors, groups, sub["sector"].unique())
    w, scale = _rescaled(_wide(sub))
    t = end - start
    ew = None
    if external is not None:
        ew = _wide(_check_tidy(external.assign(adcode="__ref__") if "adcode" not in external else external, "external"))
        ew = _rescaled(ew)[0]  # only the ratio Q_end / Q_start is used: its scale does not matter
    regions = w.index.get_level_values("adcode").unique()
    present = {y: regions.isin(w.xs(y, level="year").index) for y in (start, end)}
    frames = []
    for name, members in targets.items():
        q = w[list(members)].sum(axis=1, skipna=False).unstack("year").reindex(regions)
        q0, q1 = q[start].to_numpy(float), q[end].to_numpy(float)
        if ew is not None:
            tot = ew[list(members)].sum(axis=1, skipna=False).groupby(level="year").sum(min_count=1)
            Q0, Q1 = float(tot.get(start, np.nan)), float(tot.get(end, np.nan))
        else:
            # each year's total over the units present in that year (NaN cells still propagate)
            Q0, Q1 = float(np.sum(q0[present[start]])), float(np.sum(q1[present[end]]))
        reason = np.full(q0.shape, "", dtype=object)
        Si = (Q1 / Q0) ** (1 / t) - 1 if Q0 > 0 and np.isfinite(Q0) and np.isfinite(Q1) else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            Sij = np.where(q0 > 0, (q1 / np.where(q0 > 0, q0, 1)) ** (1 / t) - 1, np.nan)
        reason[np.isnan(q0) | np.isnan(q1)] = "missing value"
        reason[~present[start]] = f"unit absent in {start} (no growth to measure)"
        reason[~present[end]] = f"unit absent in {end} (no growth to measure)"
        reason[(q0 == 0) & (reason == "")] = "zero base-year value (growth undefined)"
        if not np.isfinite(Si):
            reason[reason == ""] = "reference growth undefined (zero or missing reference)"
        elif form == "factor" and Si <= -1:
            reason[reason == ""] = "reference industry vanished (S_i = -1): factor form undefined"
        A = np.full(q0.shape, np.nan)
        ok = reason == ""
        if form == "factor":
            A[ok] = (1 + Sij[ok]) / (1 + Si)
        else:
            if not Si > 0:
                reason[ok] = f"rate form undefined: reference industry not growing (S_i = {Si:.4f} <= 0)"
                ok = reason == ""
            A[ok] = Sij[ok] / Si
        frames.append(pd.DataFrame({
            "adcode": q.index, "sector": name, "q_start": _unscaled(q0, scale, "values of 'q_start'"),
            "q_end": _unscaled(q1, scale, "values of 'q_end'"), "S_ij": Sij,
            "S_i": Si, "A": A, "mask_reason": reason,
        }))
    out = pd.concat(frames, ignore_index=True)
    out["form"] = form
    out["start_year"] = start
    out["end_year"] = end
    carry = [c for c in _CARRY if c in data.columns]
    if carry:
        out = out.join(data.drop_duplicates("adcode").set_index("adcode")[carry], on="adcode")
    return out


def _numeric_1d(x, argument: str) -> pd.Series:
    """A float Series from a Series or a 1-D array-like; NaN stays (missing), text raises."""
    if isinstance(x, pd.Series):
        raw = x
    else:
        arr = np.asarray(x, dtype=object)
        if arr.ndim != 1:
            raise InputError(argument, "a pandas Series or a 1-D array-like of numbers",
                             f"{type(x).__name__} with shape {arr.shape}", "pass one value per region, e.g. a Series")
        raw = pd.Series(arr)
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        raise InputError(argument, "numeric values (NaN for a missing one)",
                         f"{int(bad.sum())} non-numeric, e.g. {raw[bad].head(3).tolist()}",
                         "convert the column with pd.to_numeric and check the cells that fail")
    return num.astype(float)


def _aligned_pair(first, second, names, *, expected: str, fix: str):
    """Two float Series on one index: an array-like takes the other argument's index when the lengths match.

    Lengths and indexes are compared before anything is combined, so a mismatch raises
    :class:`InputError` naming ``names[1]`` (never pandas' length error).
    """
    a, b = _numeric_1d(first, names[0]), _numeric_1d(second, names[1])
    if len(a) == len(b):
        if isinstance(first, pd.Series) and not isinstance(second, pd.Series):
            b.index = a.index
        elif isinstance(second, pd.Series) and not isinstance(first, pd.Series):
            a.index = b.index
    if len(a) != len(b):
        raise InputError(names[1], expected, f"{len(b)} values vs {len(a)}", fix)
    if not a.index.equals(b.index):
        raise InputError(names[1], expected, f"{len(b)} values vs {len(a)}, on a different index", fix)
    return a, b


def advantage_stage(lq, agglomeration, *, lq_threshold: float = 1.0, a_threshold: float = 1.0) -> pd.DataFrame:
    """Comparative-advantage stage from the end-year LQ and the agglomeration index A.

    ============  ==========  ===================
    LQ            A           stage
    ============  ==========  ===================
    < threshold   >= thresh.  形成期 formative
    >= threshold  >= thresh.  成长期 growing
    >= threshold  < thresh.   成熟期 mature
    < threshold   < thresh.   衰退期 declining
    ============  ==========  ===================

    Parameters
    ----------
    lq, agglomeration : array-like or pandas.Series
        Aligned values (same index when Series).
    lq_threshold, a_threshold : float
        Default 1 and 1 (``methods.md`` §1.2).

    Returns
    -------
    pandas.DataFrame
        ``stage_zh``, ``stage_en`` and ``mask_reason`` on the input's index;
        missing inputs give no stage and the reason.

    Examples
    --------
    >>> advantage_stage([0.5, 1.2], [1.1, 0.9])["stage_en"].tolist()
    ['formative', 'mature']
    """
    lq_s, a_s = _aligned_pair(lq, agglomeration, ("lq", "agglomeration"),
                              expected="values aligned with lq (same length and index)",
                              fix="align the two Series (e.g. by adcode) first")
    L = lq_s.to_numpy(float)
    A = a_s.to_numpy(float)
    zh = np.full(L.shape, None, dtype=object)
    en = np.full(L.shape, None, dtype=object)
    reason = np.where(np.isnan(L) | np.isnan(A), "missing LQ or A", "")
    for (hl, ha), (z, e) in STAGES.items():
        m = (reason == "") & ((L >= lq_threshold) == hl) & ((A >= a_threshold) == ha)
        zh[m] = z
        en[m] = e
    return pd.DataFrame({"stage_zh": zh, "stage_en": en, "mask_reason": reason}, index=lq_s.index)


@_keeps_id
def similarity_coefficient(data: pd.DataFrame, *, sectors: Iterable[str] | None = None,
                           regions: Iterable[str] | None = None, years: Iterable[int] | None = None) -> pd.DataFrame:
    """UNIDO structural similarity S_AB and the Krugman index for every pair of units.

    S_AB = sum_k x_Ak x_Bk / sqrt(sum_k x_Ak^2 sum_k x_Bk^2), with x the
    sector shares (scale-invariant, 0 <= S <= 1, 1 = identical structure).
    Krugman K_AB = sum_k |x_Ak - x_Bk| on shares (0 = identical, 2 =
    disjoint).  A unit is an (adcode, year) pair, so pairs across years are
    included (e.g. Changchun 2010 vs Jilin 2020).

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy ``adcode, sector, year, value``.
    sectors : list of str, optional
        Sections to use (default: all present except ``TOTAL``).  S rises as
        industries are aggregated, so ``n_sectors`` is recorded on every row.
    regions, years : optional
        Subsets of units.

    Returns
    -------
    pandas.DataFrame
        ``from, from_year, to, to_year, S, krugman, n_sectors`` (pair columns as in every pair table), for
        every ordered pair including the diagonal (S = 1, K = 0); pivot it
        for a matrix.

    Raises
    ------
    InputError
        A unit whose sector vector is all zero (S undefined), or missing values.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"adcode": ["a", "a", "b", "b"], "sector": ["x", "y", "x", "y"],
    ...                   "year": 2020, "value": [1.0, 0.0, 0.0, 1.0]})
    >>> similarity_coefficient(t).query("`from` == 'a' and to == 'b'")["S"].item()
    0.0
    """
    data = _check_tidy(data)
    d = data[data["sector"] != TOTAL_KEY]
    if regions is not None:
        regions = [str(r) for r in regions]
        miss = sorted(set(regions) - set(d["adcode"]))
        if miss:
            raise InputError("regions", "adcodes present in data", repr(miss), "check the ids")
        d = d[d["adcode"].isin(regions)]
    if years is not None:
        years = [int(y) for y in ([years] if np.isscalar(years) else years)]
        miss = sorted(set(years) - set(d["year"].astype(int))) or ([] if years else ["(none)"])
        if miss:
            raise InputError("years", f"years present in data {sorted(set(d['year']))}", repr(miss), "drop them")
        d = d[d["year"].astype(int).isin(years)]
    w = _wide(d)
    if sectors is not None:
        sectors = list(resolve_sectors(sectors, available=list(w.columns)))
        w = w[sectors]
    if w.isna().any().any():
        bad = w.index[w.isna().any(axis=1)].tolist()[:5]
        raise InputError("data", "complete sector vectors", f"missing values for {bad}", "fill from the source or drop the units")
    X = w.to_numpy(float)
    zero = X.max(axis=1) == 0  # values are non-negative; a max, unlike a sum, cannot overflow
    if zero.any():
        bad = [f"{a}/{y}" for (y, a) in w.index[zero]]
        raise InputError("data", "at least one non-zero sector per unit", f"all-zero vectors for {bad}",
                         "similarity is undefined for an empty economy; drop those units")
    X = X / X.max(axis=1, keepdims=True)  # shares are scale-invariant; this keeps sums of ~1e308 finite
    S_ = X / X.sum(axis=1, keepdims=True)
    norm = np.sqrt((S_ ** 2).sum(axis=1))
    S = (S_ @ S_.T) / np.outer(norm, norm)
    S = np.clip(S, 0.0, 1.0)
    K = np.abs(S_[:, None, :] - S_[None, :, :]).sum(axis=2)
    n = len(w)
    yrs = w.index.get_level_values("year").to_numpy()
    ids = w.index.get_level_values("adcode").to_numpy()
    ia, ib = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ia, ib = ia.ravel(), ib.ravel()
    return pd.DataFrame({
        "from": ids[ia], "from_year": yrs[ia], "to": ids[ib], "to_year": yrs[ib],
        "S": S.ravel(), "krugman": K.ravel(), "n_sectors": X.shape[1],
    })


def coagglomeration(lq_manufacturing, lq_services) -> pd.DataFrame:
    """Co-agglomeration of manufacturing and producer services (协同集聚).

    * quality (default): CA = 1 - |LQ_m - LQ_s| / (LQ_m + LQ_s), in (0, 1];
    * quality + depth: CA* = CA + (LQ_m + LQ_s).  CA* is mostly a *scale*
      measure: it grows with the two LQs regardless of their balance.

    Parameters
    ----------
    lq_manufacturing, lq_services : pandas.Series or array-like
        Aligned LQs of the same regions (and years).

    Returns
    -------
    pandas.DataFrame
        ``CA``, ``CA_star`` and ``mask_reason`` on the input's index.  Both
        LQs zero, or missing, is masked.

    Examples
    --------
    >>> coagglomeration([1.0, 2.0], [1.0, 1.0])["CA"].round(4).tolist()
    [1.0, 0.6667]
    """
    m, s = _aligned_pair(lq_manufacturing, lq_services, ("lq_manufacturing", "lq_services"),
                         expected="a Series aligned with lq_manufacturing", fix="align both on the same index first")
    a, b = m.to_numpy(float), s.to_numpy(float)
    for arg, v, ser in (("lq_manufacturing", a, m), ("lq_services", b, s)):
        if np.isinf(v).any():
            raise InputError(arg, "finite LQs (NaN for a missing one)",
                             f"{int(np.isinf(v).sum())} inf values at {ser.index[np.isinf(v)].tolist()[:5]}",
                             "compute the LQs with location_quotient, which masks undefined ones as NaN")
    if (a < 0).any() or (b < 0).any():
        raise InputError("lq_manufacturing", "non-negative LQs", "negative values", "LQs cannot be negative; check the inputs")
    reason = np.where(np.isnan(a) | np.isnan(b), "missing LQ", np.where((a + b) == 0, "both LQs are zero", ""))
    ok = reason == ""
    ca = np.full(a.shape, np.nan)
    ca[ok] = 1 - np.abs(a[ok] - b[ok]) / (a[ok] + b[ok])
    return pd.DataFrame({"CA": ca, "CA_star": ca + (a + b), "mask_reason": reason}, index=m.index)


@_keeps_id
def stage_table(agglomeration: pd.DataFrame, lq: pd.DataFrame, *, lq_threshold: float = 1.0,
                a_threshold: float = 1.0) -> pd.DataFrame:
    """Add the end-year LQ and the comparative-advantage stage to an :func:`agglomeration_index` result.

    Parameters
    ----------
    agglomeration : pandas.DataFrame
        Output of :func:`agglomeration_index` (one row per adcode and sector).
    lq : pandas.DataFrame
        Output of :func:`location_quotient` for one denominator, containing
        the end year.

    Returns
    -------
    pandas.DataFrame
        A copy of ``agglomeration`` with ``lq_end``, ``stage_zh``,
        ``stage_en``; ``mask_reason`` keeps the index's reason, else the
        stage's ("missing LQ or A").
    """
    out = agglomeration.copy()
    end_year = int(out["end_year"].iloc[0])
    end = lq[lq["year"] == end_year].set_index(["adcode", "sector"])["lq"]
    out["lq_end"] = end.reindex(pd.MultiIndex.from_frame(out[["adcode", "sector"]])).to_numpy()
    st = advantage_stage(out["lq_end"], out["A"], lq_threshold=lq_threshold, a_threshold=a_threshold)
    out["stage_zh"], out["stage_en"] = st["stage_zh"], st["stage_en"]
    out["mask_reason"] = np.where(out["mask_reason"] != "", out["mask_reason"], st["mask_reason"])
    return out


@_keeps_id
def coagglomeration_table(lq: pd.DataFrame, *, manufacturing: str = "manufacturing",
                          services: str = "producer_services") -> pd.DataFrame:
    """:func:`coagglomeration` for every (adcode, year) of a :func:`location_quotient` result.

    ``lq`` must hold rows for both sectors (one denominator).  Returns
    ``adcode, year, lq_manufacturing, lq_producer_services, CA, CA_star,
    mask_reason``, sorted by year then adcode.
    """
    miss = [x for x in (manufacturing, services) if x not in set(lq["sector"])]
    if miss:
        raise InputError("lq", f"LQ rows for {[manufacturing, services]}", f"none for {miss}",
                         "compute location_quotient(..., sectors=['manufacturing', 'producer_services'])")
    w = lq.pivot(index=["adcode", "year"], columns="sector", values="lq")
    m = w[manufacturing].rename("lq_manufacturing")
    s = w[services].rename("lq_producer_services")
    out = pd.concat([m, s, coagglomeration(m, s)], axis=1).reset_index()
    return out.sort_values(["year", "adcode"], kind="stable").reset_index(drop=True)
