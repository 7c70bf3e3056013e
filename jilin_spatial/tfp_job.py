"""The ``tfp`` job: DEA-Malmquist TFP of a panel, written to an output folder (``methods.md`` §6.1).

:func:`run_tfp` reads the panel (a CSV/Excel file or a DataFrame), runs
:func:`~jilin_spatial.productivity.malmquist`, writes four tables through
:class:`~jilin_spatial.export.OutputDir` (staged and published whole, with a
manifest and ``provenance.json``) and returns a :class:`TfpResult` with the
headline numbers.  It prints nothing; ``jilin-spatial tfp`` prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ._errors import InputTypeError
from .export import OutputDir, write_csv
from .productivity import malmquist

__all__ = ["run_tfp", "TfpResult", "PeriodMean", "TABLES"]

#: The tables the job writes, relative to the output folder, by the result attribute they hold.
TABLES = {"table": "tables/malmquist.csv", "by_period": "tables/malmquist_by_period.csv",
          "by_dmu": "tables/malmquist_by_dmu.csv", "cumulative": "tables/tfp_cumulative.csv"}


@dataclass(frozen=True)
class PeriodMean:
    """Geometric means of one period's Malmquist indices over its complete (unflagged) DMUs."""

    period: object
    tfpch: float
    effch: float
    techch: float
    pech: float
    sech: float
    n_used: int
    n_flagged: int


@dataclass(frozen=True)
class TfpResult:
    """What :func:`run_tfp` wrote and its headline numbers.

    Attributes
    ----------
    out : Path
        The published output folder (absolute).
    tables : tuple of str
        The tables written, relative to ``out`` (POSIX paths).
    dmu, period : str
        The names of the DMU and period columns (the tables keep them).
    n_dmus, n_periods : int
        DMUs and periods of the panel (transitions = ``n_periods - 1``).
    n_flagged : int
        DMU-transitions flagged (infeasible LP or non-finite index) and left
        out of the means.
    by_period : tuple of PeriodMean
        One per transition, as in ``tables/malmquist_by_period.csv``.
    """

    out: Path
    tables: tuple
    dmu: str
    period: str
    n_dmus: int
    n_periods: int
    n_flagged: int
    by_period: tuple


def _label(v):
    """A period label as a plain Python value (numpy scalars unwrapped)."""
    return v.item() if hasattr(v, "item") else v


def _numeric_periods(panel: pd.DataFrame, period) -> pd.DataFrame:
    """Period labels read as text become numbers when they all are numbers; mixed labels stay as read."""
    if period not in panel:
        return panel  # malmquist names the missing column
    num = pd.to_numeric(panel[period], errors="coerce")
    panel = panel.copy()
    panel[period] = num if num.notna().all() else num.astype(object).where(num.notna(), panel[period])
    return panel


def run_tfp(panel, out, *, dmu: str, period: str, inputs, outputs, orientation: str = "output", rts: str = "crs",
            frontier: str = "contemporaneous", force: bool = False, encoding: str | None = None,
            arguments: dict | None = None) -> TfpResult:
    """Run the DEA-Malmquist TFP job and write its tables to ``out``.

    Parameters
    ----------
    panel : str, Path or pandas.DataFrame
        One row per DMU and period: a CSV or Excel file (read as text; period
        labels that are all numbers become numbers) or a DataFrame (used as
        given, not modified).
    out : str or Path
        Output folder, new or empty (or, with ``force``, one this package
        wrote earlier).
    dmu, period, inputs, outputs, orientation, rts, frontier
        As for :func:`~jilin_spatial.productivity.malmquist`.
    force : bool
        Replace an earlier output of this package in ``out``.
    encoding : str, optional
        Text encoding of a CSV ``panel`` (default: UTF-8, then GBK/GB18030).
    arguments : dict, optional
        The arguments recorded in ``provenance.json`` (the CLI passes its
        parsed arguments); default the options of this call.

    Returns
    -------
    TfpResult
        The output folder, the tables written (``tables/malmquist.csv``,
        ``tables/malmquist_by_period.csv``, ``tables/malmquist_by_dmu.csv``,
        ``tables/tfp_cumulative.csv``; their DMU and period columns keep the
        panel's names) and the headline numbers.

    Raises
    ------
    InputError
        A bad panel or option (see :func:`~jilin_spatial.productivity.malmquist`),
        or an ``out`` that is not free; nothing is written then.
    InputTypeError
        ``panel`` is neither a path nor a DataFrame.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pd.DataFrame({"city": ["A", "B"] * 2, "year": [2001, 2001, 2002, 2002],
    ...                   "x": [2.0, 4.0, 2.0, 4.0], "y": [2.0, 2.0, 3.0, 2.0]})
    >>> r = run_tfp(p, pathlib.Path(tempfile.mkdtemp()) / "tfp", dmu="city", period="year",
    ...             inputs=["x"], outputs=["y"])
    >>> [(m.period, round(m.tfpch, 4), m.n_used) for m in r.by_period]
    [(2002, 1.2247, 2)]
    >>> pd.read_csv(r.out / "tables" / "malmquist.csv").columns[:3].tolist()
    ['city', 'year', 'effch']
    """
    if isinstance(panel, pd.DataFrame):
        files = []
        described = f"DataFrame ({panel.shape[0]} rows x {panel.shape[1]} columns)"
    elif isinstance(panel, (str, os.PathLike)):
        files = [panel]
        described = str(panel)
    else:
        raise InputTypeError("panel", "a path to a CSV or Excel file, or a pandas DataFrame", type(panel).__name__,
                             "pass run_tfp('panel.csv', ...) or run_tfp(pandas.DataFrame(...), ...)")
    if arguments is None:
        arguments = {"panel": described, "out": str(out), "dmu": dmu, "period": period, "inputs": list(inputs),
                     "outputs": list(outputs), "orientation": orientation, "rts": rts, "frontier": frontier,
                     "force": force, "encoding": encoding}
    # the output folder is checked before any work, so a taken --out fails fast
    od = OutputDir(out, force=force, job="tfp", inputs=files, arguments=arguments)
    if files:
        from .io import _read_any_table

        frame = _numeric_periods(_read_any_table(panel, encoding=encoding), period)  # text columns
    else:
        frame = panel
    res = malmquist(frame, dmu=dmu, period=period, inputs=inputs, outputs=outputs, orientation=orientation,
                    rts=rts, frontier=frontier)
    with od as staging:
        for attr, rel in TABLES.items():
            write_csv(getattr(res, attr), staging / rel)
    bp = res.by_period
    cols = {k: bp[k].tolist() for k in ("tfpch", "effch", "techch", "pech", "sech", "n_used", "n_flagged")}
    means = tuple(
        PeriodMean(period=_label(t), **{k: float(cols[k][i]) for k in ("tfpch", "effch", "techch", "pech", "sech")},
                   n_used=int(cols["n_used"][i]), n_flagged=int(cols["n_flagged"][i]))
        for i, t in enumerate(bp[period].tolist()))
    return TfpResult(out=od.target, tables=tuple(TABLES.values()), dmu=dmu, period=period,
                     n_dmus=int(len(res.by_dmu)), n_periods=len(means) + 1, n_flagged=int(res.table["flag"].sum()),
                     by_period=means)
