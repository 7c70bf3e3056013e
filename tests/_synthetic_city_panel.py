"""SYNTHETIC city-year panel with KNOWN coefficients for the tfp-study tests.  Every number is made up.

Design (chosen so that each step has an exact or a known answer):

* 90 cities, 2003-2017, East / Central / West by ``i % 3``; two input mixes: capital stock
  K = r_g * L with r_g in {1, 9} (one ray per group, the same in every year).
* Output Y = A_it K^0.4 L^0.6.  On one ray the CRS DEA frontier is the group's best city, so the
  Malmquist index of city i is exactly A_it / A_i,t-1 and the cumulated TFP level is A_it / A_i0
  (the A range stays inside the bounds that keep the other group's frontier off the ray).
* Employment: urban-unit employees L; high-end producer services a share h_i exp(s_it) of L,
  s_it = z_it + u_it with z_it = 0.7 z_i,t-1 + eta_it (exogenous) and u_it a transitory shock;
  low-end an independent share of the same kind.
* ln A_it = alpha_i + 0.02 t + 0.004 g t + BETA_HIGH ln LQ_high + BETA_LOW ln LQ_low
  + sum_k COEF[k] control_k + e_it, with e_it = ENDOG u_it + v_it: the high-end LQ is endogenous
  (FE is biased upwards), its lags 1 and 2 are relevant instruments, valid up to the O(1/T) bias of
  lagged instruments after the within transformation (u_i,t-1 is in the lag and in the city mean of e).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BETA_HIGH = 0.06
BETA_LOW = 0.0
COEF = {"STR": 0.03, "GOV": -0.08, "PGDP": 0.0, "FDI": 0.05, "H": 0.0, "ROAD": 0.0, "POP": 0.0}
YEARS = list(range(2003, 2018))
ENDOG = 1.5  # e_it = ENDOG * u_it + v_it


def synthetic_city_panel(n_cities: int = 90, seed: int = 3, capital: str = "stock"):
    """Return (panel, truth): the SYNTHETIC panel in the tfp-study layout and the true ln A and LQs.

    ``capital="investment"`` replaces ``capital_stock`` by ``investment`` and
    ``investment_price_index`` (the PIM then rebuilds a different K; TFP is no longer exact).
    """
    rng = np.random.default_rng(seed)
    T = len(YEARS)
    kappa = np.ones(T)  # fixed rays over time: cross-period distances stay on the same ray
    price = 100 * 1.03 ** np.arange(T)
    rows = []
    for i in range(n_cities):
        g = (i // 3) % 2
        r = (1.0, 9.0)[g]
        alpha = rng.normal(0, 0.05)
        h, w = rng.uniform(0.04, 0.10), rng.uniform(0.05, 0.12)
        z = zq = 0.0
        L0 = rng.uniform(50, 150)
        ctrl_mean = {k: rng.normal(0, 1) for k in COEF}
        for t, year in enumerate(YEARS):
            z, zq = 0.7 * z + rng.normal(0, 0.25), 0.7 * zq + rng.normal(0, 0.25)  # exogenous, persistent
            u = rng.normal(0, 0.06)  # contemporaneous shock, also in the TFP error: the endogeneity
            s, q = z + u, zq + rng.normal(0, 0.06)
            L = L0 * 1.01 ** t * np.exp(rng.normal(0, 0.05))
            ctrl = {k: ctrl_mean[k] + 0.02 * t + rng.normal(0, 1) for k in COEF}
            rows.append({"city": f"S{i:03d}", "year": year, "region": ["East", "Central", "West"][i % 3], "g": g,
                         "L": L, "K": r * L * kappa[t], "high": L * h * np.exp(s), "low": L * w * np.exp(q),
                         "alpha": alpha, "u": u, "v": rng.normal(0, 0.02), "t": t, **ctrl})
    d = pd.DataFrame(rows)
    # LQs, reference = all cities of the panel in the year (an independent computation of the formula)
    for c in ("high", "low"):
        ref = d.groupby("year")[c].transform("sum") / d.groupby("year")["L"].transform("sum")
        d[f"lq_{c}"] = (d[c] / d["L"]) / ref
    lnA = (d.alpha + 0.02 * d.t + 0.004 * d.g * d.t + BETA_HIGH * np.log(d.lq_high) + BETA_LOW * np.log(d.lq_low)
           + sum(COEF[k] * d[k] for k in COEF) + ENDOG * d.u + d.v)
    d["lnA"] = lnA
    Y = np.exp(lnA) * d.K ** 0.4 * d.L ** 0.6
    p = price[d.t.to_numpy()]
    panel = pd.DataFrame({
        "city": d.city, "year": d.year, "region": d.region, "gdp": Y * p / 100, "gdp_deflator": p,
        "capital_stock": d.K, "emp_total": d.L,
        "emp_ict": 0.3 * d.high, "emp_finance": 0.4 * d.high, "emp_scires": 0.3 * d.high,
        "emp_transport": 0.6 * d.low, "emp_leasing_business": 0.4 * d.low,
        **{k: d[k] for k in COEF}, "data": "SYNTHETIC"})
    if capital == "investment":
        panel = panel.drop(columns="capital_stock")
        panel["investment"] = d.K * 0.15 * p / 100
        panel["investment_price_index"] = p
    truth = d[["city", "year", "region", "g", "lnA", "lq_high", "lq_low", "u"]].copy()
    return panel, truth
