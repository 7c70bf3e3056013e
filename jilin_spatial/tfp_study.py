"""The ``tfp-study`` job: Chen's 261-city study of producer-service agglomeration and TFP, end to end.

On a user's city-year panel in the layout of the China City Statistical Yearbook
(:data:`PANEL_COLUMNS`; template in ``data/templates/tfp_study_template.csv``) it runs:

1. real GDP (GDP / deflator, in prices of the panel's first year) or the given real GDP;
2. capital stock by perpetual inventory (:func:`~jilin_spatial.productivity.capital_stock`,
   depreciation 9.6 % by default, Zhang Jun et al. 2004) or the given capital stock;
3. the DEA-Malmquist index (:func:`~jilin_spatial.productivity.malmquist`; inputs capital and
   urban-unit employment, output real GDP; DEAP 2.1 conventions), with TFP, TC (technical change,
   the paper's "TE") and EC (efficiency change) cumulated to levels, first year = 1;
4. location quotients of all, high-end (I, J, M) and low-end (G, L) producer services with the
   reference "all cities in the panel" (:func:`~jilin_spatial.concentration.location_quotient`);
5. two-way FE, IV-2SLS and IV-GMM with lags 1 and 2 of the LQ as instruments, Kleibergen-Paap rk
   LM and Wald F, Hansen J and Durbin-Wu-Hausman (:func:`~jilin_spatial.econometrics.panel_regressions`);
   the East / Central / West split; the path analysis with TC and EC as dependent variables;
6. Tables 1-3 in the paper's layout, and with ``compare_paper`` the published values beside them.

The functional form of the paper is ambiguous (equations in levels, coefficients read as
elasticities); ``form="log"`` (default) regresses ln TFP (ln TC, ln EC) on ln LQ, ``form="levels"``
uses the levels.  Controls enter as given (log them in the panel, or name them in ``log_controls``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError

__all__ = ["run_tfp_study", "TfpStudyResult", "validate_panel", "study_variables", "template",
           "PANEL_COLUMNS", "PROVINCE_REGION", "DEFAULT_DELTA", "DEFAULT_LAGS", "CONTROLS"]

DEFAULT_DELTA = 0.096
DEFAULT_LAGS = (1, 2)
CONTROLS = ("STR", "GOV", "PGDP", "FDI", "H", "ROAD", "POP")
#: Producer-service employment columns -> census/GB section key (NBS 2019 producer-service classification).
PS_COLUMNS = {"emp_transport": "G_transport", "emp_ict": "I_ict", "emp_finance": "J_finance",
              "emp_leasing_business": "L_leasing_business", "emp_scires": "M_scires"}

#: Every column the job reads: name -> (required?, description).  "one of" groups are checked together.
PANEL_COLUMNS = {
    "city": ("required", "city id or name (one row per city and year)"),
    "year": ("required", "year (integer, consecutive)"),
    "region": ("region or province", "East / Central / West"),
    "province": ("region or province", "province name (English or Chinese), mapped with PROVINCE_REGION"),
    "gdp_real": ("gdp_real, or gdp + gdp_deflator", "real GDP (constant prices)"),
    "gdp": ("gdp_real, or gdp + gdp_deflator", "nominal GDP"),
    "gdp_deflator": ("gdp_real, or gdp + gdp_deflator", "GDP price index, any base (rebased to the first year)"),
    "capital_stock": ("capital_stock, or investment + investment_price_index", "real capital stock"),
    "investment": ("capital_stock, or investment + investment_price_index", "nominal fixed-asset investment"),
    "investment_price_index": ("capital_stock, or investment + investment_price_index",
                               "fixed-asset investment price index, any base (rebased to the first year)"),
    "emp_total": ("required", "employees of urban units at year end (the labour input and the LQ denominator)"),
    **{c: ("required", f"urban-unit employees, section {k[0]} ({k[2:]})") for c, k in PS_COLUMNS.items()},
    "STR": ("required", "secondary-industry value added / tertiary-industry value added"),
    "GOV": ("required", "general public budget expenditure / GDP"),
    "PGDP": ("required", "GDP per capita"),
    "FDI": ("required", "foreign capital actually used / GDP"),
    "H": ("required", "students in regular higher-education institutions / urban population"),
    "ROAD": ("required", "urban road area per capita"),
    "POP": ("required", "average population at year end"),
}

_EAST = ["Beijing", "Tianjin", "Hebei", "Liaoning", "Shanghai", "Jiangsu", "Zhejiang", "Fujian", "Shandong",
         "Guangdong", "Hainan"]
_CENTRAL = ["Shanxi", "Jilin", "Heilongjiang", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"]
_WEST = ["Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Tibet", "Shaanxi", "Gansu",
         "Qinghai", "Ningxia", "Xinjiang"]
_ZH = {"Beijing": "北京", "Tianjin": "天津", "Hebei": "河北", "Liaoning": "辽宁", "Shanghai": "上海", "Jiangsu": "江苏",
       "Zhejiang": "浙江", "Fujian": "福建", "Shandong": "山东", "Guangdong": "广东", "Hainan": "海南", "Shanxi": "山西",
       "Jilin": "吉林", "Heilongjiang": "黑龙江", "Anhui": "安徽", "Jiangxi": "江西", "Henan": "河南", "Hubei": "湖北",
       "Hunan": "湖南", "Inner Mongolia": "内蒙古", "Guangxi": "广西", "Chongqing": "重庆", "Sichuan": "四川",
       "Guizhou": "贵州", "Yunnan": "云南", "Tibet": "西藏", "Shaanxi": "陕西", "Gansu": "甘肃", "Qinghai": "青海",
       "Ningxia": "宁夏", "Xinjiang": "新疆"}
#: The NBS three-belt split (East 11, Central 8, West 12 provinces); the paper does not list its assignment.
PROVINCE_REGION = {p: r for r, ps in (("East", _EAST), ("Central", _CENTRAL), ("West", _WEST)) for p in ps}
PROVINCE_REGION.update({_ZH[p]: r for p, r in list(PROVINCE_REGION.items())})

TABLES = {"table1": "tables/table1_2sls_ivgmm_national.csv", "table2": "tables/table2_ivgmm_by_region.csv",
          "table3": "tables/table3_path_tc_ec.csv", "estimates": "tables/estimates_long.csv",
          "variables": "tables/study_variables.csv", "diagnostics": "tables/iv_diagnostics.csv",
          "fe": "tables/fixed_effects.csv"}
_LABEL = {"SAGG": "Total sample", "SAGG_high": "High-end", "SAGG_low": "Low-end"}
_ROW_ORDER = ["SAGG", *CONTROLS]


def template() -> pd.DataFrame:
    """The column template (no data): one row describing each column, as in the shipped template CSV.

    Examples
    --------
    >>> t = template()
    >>> t.columns[:4].tolist()
    ['city', 'year', 'region', 'province']
    """
    from . import datasets

    return pd.read_csv(datasets._PKG / "data" / "templates" / "tfp_study_template.csv", dtype=str)


def _province_region(s: pd.Series) -> pd.Series:
    key = s.astype(str).str.strip().str.replace(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)$", "", regex=True)
    key = key.str.replace(r"\s+(Province|Municipality|Autonomous Region)$", "", regex=True)
    out = key.map(PROVINCE_REGION)
    if out.isna().any():
        bad = sorted(set(s[out.isna()].astype(str)))[:5]
        raise InputError("panel", "province names of the 31 mainland provinces (English or Chinese)",
                         f"unknown {bad}", "add a 'region' column (East/Central/West) instead")
    return out


def validate_panel(panel: pd.DataFrame) -> pd.DataFrame:
    """Check a city-year panel against :data:`PANEL_COLUMNS`; return it with numbers and a ``region`` column.

    Raises
    ------
    InputError
        The message names every missing column (or missing alternative), non-numeric, missing or
        non-positive values with their rows, duplicate city-years, unknown regions or provinces.

    Examples
    --------
    >>> try:
    ...     validate_panel(pd.DataFrame({"city": ["A"], "year": [2003], "region": ["East"]}))
    ... except InputError as e:
    ...     print(str(e)[:80])
    panel: expected the tfp-study columns (docs/papers.md), got missing columns ['gd
    """
    if not isinstance(panel, pd.DataFrame):
        raise InputTypeError("panel", "a pandas DataFrame", type(panel).__name__, "pass pandas.read_csv(...)")
    cols = set(panel.columns)
    missing = [c for c in ("city", "year") if c not in cols]
    if not ({"region"} & cols or {"province"} & cols):
        missing.append("region or province")
    if "gdp_real" not in cols and not {"gdp", "gdp_deflator"} <= cols:
        missing.append("gdp_real or gdp + gdp_deflator" if not {"gdp", "gdp_deflator"} & cols else
                       f"{({'gdp', 'gdp_deflator'} - cols).pop()} (or gdp_real)")
    if "capital_stock" not in cols and not {"investment", "investment_price_index"} <= cols:
        have = {"investment", "investment_price_index"} & cols
        missing.append("capital_stock or investment + investment_price_index" if not have else
                       f"{({'investment', 'investment_price_index'} - cols).pop()} (or capital_stock)")
    missing += [c for c in ["emp_total", *PS_COLUMNS, *CONTROLS] if c not in cols]
    if missing:
        raise InputError("panel", "the tfp-study columns (docs/papers.md)", f"missing columns {missing}",
                         "start from jilin_spatial/data/templates/tfp_study_template.csv")
    d = panel.copy()
    if d[["city", "year"]].isna().any().any():
        rows = d.index[d[["city", "year"]].isna().any(axis=1)].tolist()[:5]
        raise InputError("panel", "a city and a year on every row", f"missing in rows {rows}", "fill or drop them")
    d["year"] = pd.to_numeric(d["year"], errors="coerce")
    if d["year"].isna().any() or (d["year"] % 1 != 0).any():
        raise InputError("panel", "integer years", repr(panel["year"][d["year"].isna()].tolist()[:5]),
                         "e.g. 2003")
    d["year"] = d["year"].astype(int)
    d["city"] = d["city"].astype(str)
    if d.duplicated(["city", "year"]).any():
        ex = d.loc[d.duplicated(["city", "year"]), ["city", "year"]].head(3).values.tolist()
        raise InputError("panel", "one row per city and year", f"duplicates {ex}", "aggregate or drop them")
    numeric = [c for c in ["gdp_real", "gdp", "gdp_deflator", "capital_stock", "investment",
                           "investment_price_index", "emp_total", *PS_COLUMNS, *CONTROLS] if c in cols]
    for c in numeric:
        v = pd.to_numeric(d[c], errors="coerce").astype(float)
        bad = v.isna() | ~np.isfinite(v)
        if c in ("gdp_real", "gdp", "gdp_deflator", "capital_stock", "investment_price_index", "emp_total"):
            bad |= v <= 0
        elif c in PS_COLUMNS or c == "investment":
            bad |= v < 0
        if bad.any():
            ex = [(d.at[i, "city"], int(d.at[i, "year"]), panel.at[i, c]) for i in d.index[bad][:3]]
            raise InputError("panel", f"finite {'positive' if c in ('gdp', 'emp_total') else 'valid'} numbers in "
                             f"column {c!r}", f"{int(bad.sum())} bad value(s), e.g. (city, year, value) {ex}",
                             "fix those rows; nothing is imputed or dropped")
        d[c] = v
    over = d[list(PS_COLUMNS)].sum(axis=1) > d["emp_total"] * (1 + 1e-9)
    if over.any():
        ex = d.loc[over, ["city", "year"]].head(3).values.tolist()
        raise InputError("panel", "producer-service employment at most emp_total", f"larger in {ex}",
                         "check the units of the employment columns")
    if "region" in cols:
        reg = d["region"].astype(str).str.strip().str.title()
        bad = sorted(set(reg) - {"East", "Central", "West"})
        if bad:
            raise InputError("panel", "region values East, Central or West", f"{bad[:5]}",
                             "fix the region column or give a province column instead")
        d["region"] = reg
    else:
        d["region"] = _province_region(d["province"])
    years = sorted(d.year.unique())
    counts = d.groupby("city").year.nunique()
    if (counts < len(years)).any() or years != list(range(years[0], years[-1] + 1)):
        short = counts[counts < len(years)].index.tolist()[:5]
        raise InputError("panel", "a balanced panel of consecutive years (every city in every year)",
                         f"cities with missing years {short}, years {years[0]}-{years[-1]} ({len(years)} present)",
                         "balance it explicitly; the Malmquist index and the lags need every year")
    return d.sort_values(["city", "year"]).reset_index(drop=True)


def study_variables(panel: pd.DataFrame, *, delta: float = DEFAULT_DELTA, initial="steady_state",
                    orientation: str = "output") -> tuple[pd.DataFrame, object]:
    """Real GDP, capital stock, the Malmquist levels TFP / TC / EC and the three LQs, one row per city-year.

    Returns ``(variables, malmquist_result)``; ``variables`` has ``city, year, region, Y, K, L, TFP, TC, EC,
    SAGG, SAGG_high, SAGG_low`` and the controls.
    """
    from .concentration import location_quotient
    from .productivity import capital_stock, malmquist

    d = validate_panel(panel)
    first = d.groupby("city").year.transform("min")

    def rebased(col):
        base = d[col].where(d.year == first).groupby(d.city).transform("max")
        return d[col] / base

    d["Y"] = d["gdp_real"] if "gdp_real" in d else d["gdp"] / rebased("gdp_deflator")
    if "capital_stock" in d:
        d["K"] = d["capital_stock"]
    else:
        d["_p"] = rebased("investment_price_index")
        parts = []
        for city, g in d.groupby("city", sort=False):
            k = capital_stock(g.set_index("year")["investment"], deflator=g.set_index("year")["_p"], delta=delta,
                              initial=initial)
            parts.append(pd.Series(k.to_numpy(), index=g.index))
        d["K"] = pd.concat(parts)
    d["L"] = d["emp_total"]
    m = malmquist(d, dmu="city", period="year", inputs=["K", "L"], outputs=["Y"], orientation=orientation)
    t = m.table.sort_values(["city", "year"])
    levels = t.groupby("city")[["tfpch", "techch", "effch"]].cumprod().set_axis(["TFP", "TC", "EC"], axis=1)
    lv = pd.concat([t[["city", "year"]], levels], axis=1)
    d = d.merge(lv, on=["city", "year"], how="left")
    d.loc[d.year == first, ["TFP", "TC", "EC"]] = 1.0
    long = d.melt(id_vars=["city", "year"], value_vars=list(PS_COLUMNS) + ["emp_total"], var_name="col")
    long["sector"] = long.col.map({**PS_COLUMNS, "emp_total": "TOTAL"})
    long = long.rename(columns={"city": "adcode"})[["adcode", "sector", "year", "value"]]
    lq = location_quotient(long, sectors=["producer_services", "producer_services_high", "producer_services_low"])
    lq = lq.pivot_table(index=["adcode", "year"], columns="sector", values="lq").reset_index()
    lq = lq.rename(columns={"adcode": "city", "producer_services": "SAGG", "producer_services_high": "SAGG_high",
                            "producer_services_low": "SAGG_low"})
    d = d.merge(lq, on=["city", "year"], how="left")
    cols = ["city", "year", "region", "Y", "K", "L", "TFP", "TC", "EC", "SAGG", "SAGG_high", "SAGG_low",
            *CONTROLS]
    return d[cols], m


def _star(p):
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


@dataclass(frozen=True)
class TfpStudyResult:
    """What :func:`run_tfp_study` computed (and wrote, when ``out`` was given).

    ``variables``: the study variables per city-year; ``estimates``: long table keyed like the
    published files (``table, column_group, column_label, dependent_variable, variable, statistic,
    value``), with ``paper_value`` when compared; ``table1``..``table3``: the paper's layout;
    ``diagnostics``: the IV diagnostics per regression and sample; ``fe``: the two-way FE
    coefficients; ``models``: the linearmodels results by (dependent, regressor).
    """

    out: Path | None
    variables: pd.DataFrame
    estimates: pd.DataFrame
    table1: pd.DataFrame
    table2: pd.DataFrame
    table3: pd.DataFrame
    diagnostics: pd.DataFrame
    fe: pd.DataFrame
    models: dict


def _layout(est: pd.DataFrame, table: str) -> pd.DataFrame:
    """The paper's layout: coefficient and (z) rows per variable, Year/City, KP LM [p], KP Wald F, Hansen J [p], N, R2."""
    e = est[est.table == table]
    keys = list(dict.fromkeys(zip(e.column_group, e.column_label)))
    out = {}
    for g, lab in keys:
        s = e[(e.column_group == g) & (e.column_label == lab)].set_index(["variable", "statistic"])["value"]
        col = []
        for v in _ROW_ORDER:
            c, z, p = s.get((v, "coefficient")), s.get((v, "parenthesized_statistic")), s.get((v, "p_value"))
            col += [f"{c:.3f}{_star(p)}", f"({z:.2f})"]
        col += ["Y", "Y"]
        for k, fmt in (("kp_rk_lm_statistic", "{:.3f}"), ("kp_rk_lm_p_value", "[{:.3f}]"),
                       ("kp_rk_wald_f_statistic", "{:.3f}"), ("hansen_j_statistic", "{:.3f}"),
                       ("hansen_j_p_value", "[{:.4f}]"), ("n_obs", "{:.0f}"), ("r_squared", "{:.3f}")):
            v = s.get(("KP_LM" if "lm" in k else "KP_WaldF" if "wald" in k else "HansenJ" if "hansen" in k
                       else "N" if k == "n_obs" else "R2", k))
            col.append("" if v is None or not np.isfinite(v) else fmt.format(v))
        out[f"{g} | {lab}"] = col
    rows = [r for v in _ROW_ORDER for r in (v, "")] + ["Year", "City", "Kleibergen-Paap rk LM statistic", "",
                                                       "Kleibergen-Paap rk Wald F statistic", "Hansen J statistic",
                                                       "", "N", "R2"]
    t = pd.DataFrame(out)
    t.insert(0, "row", rows)
    return t


def _estimate_rows(res, diag, table, group, label, dep, x, controls):
    rows = []
    names = [x] + list(controls)
    for v in names:
        key = "SAGG" if v == x else v
        for stat, val in (("coefficient", res.params[v]), ("parenthesized_statistic", res.tstats[v]),
                          ("std_error", res.std_errors[v]), ("p_value", res.pvalues[v])):
            rows.append((table, group, label, dep, key, stat, float(val)))
    for var, stat, val in (("Year", "fixed_effect_indicator", 1.0), ("City", "fixed_effect_indicator", 1.0),
                           ("KP_LM", "kp_rk_lm_statistic", diag["kp_rk_LM"]),
                           ("KP_LM", "kp_rk_lm_p_value", diag["kp_rk_LM_p"]),
                           ("KP_WaldF", "kp_rk_wald_f_statistic", diag["kp_rk_wald_F"]),
                           ("HansenJ", "hansen_j_statistic", diag["hansen_J"]),
                           ("HansenJ", "hansen_j_p_value", diag["hansen_J_p"]),
                           ("N", "n_obs", float(res.nobs)), ("R2", "r_squared", float(res.rsquared))):
        rows.append((table, group, label, dep, var, stat, float(val)))
    return rows


def _compare(est: pd.DataFrame) -> pd.DataFrame:
    from .papers import load_published

    pub = pd.concat([load_published(f"chen_ps_tfp_261_cities_{n}") for n in
                     ("table1_2sls_ivgmm_national", "table2_ivgmm_by_region", "table3_path_te_ec")])
    pub = pub[["table", "column_group", "column_label", "dependent_variable", "variable", "statistic",
               "value_as_printed", "value_numeric", "flag"]].rename(
        columns={"value_as_printed": "paper_as_printed", "value_numeric": "paper_value", "flag": "paper_flag"})
    out = est.merge(pub, on=["table", "column_group", "column_label", "dependent_variable", "variable", "statistic"],
                    how="left")
    coef = out.statistic == "coefficient"
    out["same_sign"] = np.where(coef & out.paper_value.notna(), np.sign(out.value) == np.sign(out.paper_value), None)
    return out


def run_tfp_study(panel, out=None, *, delta: float = DEFAULT_DELTA, form: str = "log", log_controls=(),
                  cov: str = "robust", lags=DEFAULT_LAGS, compare_paper: bool = False, force: bool = False,
                  encoding: str | None = None, arguments: dict | None = None) -> TfpStudyResult:
    """Run Chen's study on a city-year panel; write Tables 1-3 (and the inputs to them) to ``out``.

    Parameters
    ----------
    panel : str, Path or pandas.DataFrame
        The city-year panel (:data:`PANEL_COLUMNS`); a CSV/Excel path or a DataFrame (not modified).
    out : str or Path, optional
        Output folder (new or empty, or with ``force`` one this package wrote); ``None`` writes nothing.
    delta : float
        Depreciation rate of the perpetual inventory (used when the panel gives investment).
    form : {"log", "levels"}
        ``"log"``: ln TFP / ln TC / ln EC on ln LQ (coefficients are elasticities, as the paper reads
        them); ``"levels"``: as the paper's equations are printed.
    log_controls : list of str
        Controls to enter in logs (e.g. ``["PGDP", "POP"]``); the others enter as given.
    cov : {"robust", "clustered"}
        Heteroskedasticity-robust (the paper's ``xtivreg2, robust``) or city-clustered; also the
        IV-GMM weight matrix and every IV diagnostic.
    lags : tuple of int
        Lags of the LQ used as instruments (1 and 2 in the paper).
    compare_paper : bool
        Add the published values (``paper_value``, ``paper_as_printed``, ``same_sign``) to the
        long estimates table, matched on table, column, dependent variable, variable and statistic.

    Returns
    -------
    TfpStudyResult

    Raises
    ------
    InputError
        A panel that fails :func:`validate_panel`, an unknown ``form``, or the estimators' checks.
    """
    from .econometrics import panel_regressions

    if form not in ("log", "levels"):
        raise InputError("form", "'log' or 'levels'", repr(form), "e.g. form='log'")
    bad = [c for c in log_controls if c not in CONTROLS]
    if bad:
        raise InputError("log_controls", f"names from {list(CONTROLS)}", repr(bad), "e.g. log_controls=['PGDP']")
    files = []
    if isinstance(panel, (str, os.PathLike)):
        from .io import _read_any_table

        files = [panel]
        frame = _read_any_table(panel, encoding=encoding)
        described = str(panel)
    elif isinstance(panel, pd.DataFrame):
        frame = panel
        described = f"DataFrame ({panel.shape[0]} rows x {panel.shape[1]} columns)"
    else:
        raise InputTypeError("panel", "a path to a CSV or Excel file, or a pandas DataFrame", type(panel).__name__,
                             "pass run_tfp_study('panel.csv', ...)")
    od = None
    if out is not None:
        from .export import OutputDir

        arguments = arguments or {"panel": described, "out": str(out), "delta": delta, "form": form,
                                  "log_controls": list(log_controls), "cov": cov, "lags": list(lags),
                                  "compare_paper": compare_paper, "force": force}
        od = OutputDir(out, force=force, job="tfp-study", inputs=files, arguments=arguments)
    var, _ = study_variables(frame, delta=delta)
    reg = var.copy()
    for c in log_controls:
        if (reg[c] <= 0).any():
            raise InputError("log_controls", f"positive values in {c!r} to take logs",
                             f"{int((reg[c] <= 0).sum())} non-positive", f"leave {c!r} out of log_controls")
        reg[c] = np.log(reg[c])
    if form == "log":
        for c in ("TFP", "TC", "EC", "SAGG", "SAGG_high", "SAGG_low"):
            if (reg[c] <= 0).any():
                raise InputError("panel", f"positive {c} for form='log'", f"{int((reg[c] <= 0).sum())} zero values "
                                 "(a city without employment in a producer-service group?)", "use form='levels'")
            reg[c] = np.log(reg[c])
    rows, diags, fe_rows, models = [], [], [], {}
    plan = [("TFP", x, True) for x in ("SAGG", "SAGG_high", "SAGG_low")] + \
           [(dep, x, False) for dep in ("TC", "EC") for x in ("SAGG", "SAGG_high", "SAGG_low")]
    for dep, x, is_tfp in plan:
        by = "region" if is_tfp and x != "SAGG" and reg.region.nunique() > 1 else None
        r = panel_regressions(reg, entity="city", time="year", y=dep, x=x, controls=list(CONTROLS), cov=cov, by=by,
                              lags=lags)
        models[(dep, x)] = r
        dg = r.diagnostics.set_index("sample")
        diags.append(r.diagnostics.assign(dependent=dep, regressor=x))
        for name, res in r.models.items():
            if name.startswith("FE"):
                for v in [x, *CONTROLS]:
                    fe_rows.append({"dependent": dep, "regressor": x, "sample": name[3:] or "all",
                                    "variable": "SAGG" if v == x else v, "coefficient": float(res.params[v]),
                                    "std_error": float(res.std_errors[v]), "p_value": float(res.pvalues[v]),
                                    "n_obs": int(res.nobs)})
        label = _LABEL[x]
        dep_name = "TE" if dep == "TC" else dep
        if is_tfp:
            for m, grp in (("IV-2SLS", "2SLS"), ("IV-GMM", "IV-GMM")):
                rows += _estimate_rows(r.models[m], dg.loc["all"], "Table 1", grp, label, "TFP", x, CONTROLS)
            if by:
                for g in ("East", "Central", "West"):
                    if f"IV-GMM {g}" in r.models:
                        rows += _estimate_rows(r.models[f"IV-GMM {g}"], dg.loc[g], "Table 2", g, label, "TFP", x,
                                               CONTROLS)
        else:
            rows += _estimate_rows(r.models["IV-GMM"], dg.loc["all"], "Table 3", dep_name, label, dep_name, x,
                                   CONTROLS)
    est = pd.DataFrame(rows, columns=["table", "column_group", "column_label", "dependent_variable", "variable",
                                      "statistic", "value"])
    if compare_paper:
        est = _compare(est)
    t1, t2, t3 = (_layout(est, f"Table {i}") for i in (1, 2, 3))
    diag = pd.concat(diags, ignore_index=True)
    fe = pd.DataFrame(fe_rows)
    result = TfpStudyResult(out=None, variables=var, estimates=est, table1=t1, table2=t2, table3=t3,
                            diagnostics=diag, fe=fe, models=models)
    if od is None:
        return result
    from .export import write_csv

    with od as staging:
        for attr, rel in TABLES.items():
            write_csv(getattr(result, {"table1": "table1", "table2": "table2", "table3": "table3",
                                       "estimates": "estimates", "variables": "variables",
                                       "diagnostics": "diagnostics", "fe": "fe"}[attr]), staging / rel)
    return TfpStudyResult(out=od.target, variables=var, estimates=est, table1=t1, table2=t2, table3=t3,
                          diagnostics=diag, fe=fe, models=models)
