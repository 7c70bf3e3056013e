"""Join metric results to polygons as map layers, and describe each layer.

:func:`attach` turns a tidy result (one row per unit and key) into a new
GeoDataFrame with one clearly named column per metric, sector and year,
e.g. ``lq_C_manuf_2020`` or ``lq_nonagri_producer_services_2010``.
:data:`LAYER_SPECS` records title, unit and classification per metric
prefix; renderers read it and never compute.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ._errors import InputError

__all__ = ["attach", "column_name", "LAYER_SPECS"]

#: metric prefix -> spec read by the renderers
LAYER_SPECS = {
    "lq": {"title": "Location quotient", "unit": "ratio (1 = provincial average)", "kind": "numeric",
           "scheme": "quantiles"},
    "A": {"title": "Agglomeration index (growth factor)", "unit": "ratio (1 = reference growth)", "kind": "numeric",
          "scheme": "quantiles"},
    "stage": {"title": "Comparative-advantage stage", "unit": "category", "kind": "categorical"},
    "CA": {"title": "Co-agglomeration (quality)", "unit": "index (0-1]", "kind": "numeric", "scheme": "quantiles"},
    "CAstar": {"title": "Co-agglomeration (quality + depth)", "unit": "index", "kind": "numeric",
               "scheme": "quantiles"},
}


def column_name(metric: str, *parts) -> str:
    """Build a layer column name: ``metric_part1_part2`` with spaces removed."""
    return "_".join([metric] + [str(p).replace(" ", "") for p in parts if p is not None and p != ""])


def attach(polygons, result: pd.DataFrame, *, value: str, metric: str | None = None,
           by: Iterable[str] = ("sector", "year"), on: str = "adcode", how: str = "left"):
    """Join a tidy metric result to polygons, one column per combination of ``by``.

    Parameters
    ----------
    polygons : geopandas.GeoDataFrame
        Must hold the ``on`` column.  Not modified.
    result : pandas.DataFrame
        Tidy table with ``on``, the ``by`` columns and ``value``.
    value : str
        The result column to spread (``"lq"``, ``"A"``, ``"stage_en"`` ...).
    metric : str, optional
        Column prefix; default ``value``.
    by : iterable of str
        Columns whose values name the new columns, in order.
    how : {"left"}
        Polygons are kept whole; units without a result get NaN.  Result
        rows without a polygon (e.g. development zones) are not in the layer
        and are listed in ``.attrs["unmatched"]``.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame: the polygons plus the metric columns.

    Examples
    --------
    >>> import jilin_spatial as js
    >>> emp = js.datasets.load_employment("prefecture", years=[2020])
    >>> lq = js.location_quotient(emp, sectors="manufacturing")
    >>> g = attach(js.datasets.load_boundaries("prefecture"), lq, value="lq")
    >>> "lq_manufacturing_2020" in g.columns
    True
    """
    by = list(by)
    miss = [c for c in [on, value] + by if c not in result.columns]
    if miss:
        raise InputError("result", f"columns {[on, value] + by}", f"missing {miss}", "pass value=/by= matching the result")
    if on not in polygons.columns:
        raise InputError("polygons", f"a {on!r} column", f"columns {list(polygons.columns)}", "rename the id column")
    if result.duplicated([on] + by).any():
        raise InputError("by", "columns that identify one row per unit", f"{by} leave duplicates",
                         "add the distinguishing column (e.g. 'denominator') to by=")
    prefix = metric or value
    wide = result.pivot(index=on, columns=by, values=value)
    if len(by) == 0:
        wide = result.set_index(on)[[value]]
        wide.columns = [prefix]
    else:
        wide.columns = [column_name(prefix, *(c if isinstance(c, tuple) else (c,))) for c in wide.columns]
    clash = [c for c in wide.columns if c in polygons.columns]
    if clash:
        raise InputError("metric", "new column names", f"{clash[:5]} already in polygons", "pass another metric= prefix")
    out = polygons.merge(wide, left_on=on, right_index=True, how=how)
    out.attrs = dict(polygons.attrs)
    out.attrs["unmatched"] = sorted(set(wide.index) - set(polygons[on]))
    return out
