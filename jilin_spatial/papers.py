"""The package's results beside the published figures of the three studies it implements (``docs/papers.md``).

The published figures ship as package data (``data/papers/``, transcribed as printed, with the
transcription's flags).  Each ``compare_*`` function takes the package's own tables (plain
DataFrames, as the report writes them) and returns tidy rows

``study, table, item, paper_value, package_value, agrees, criterion, reason``

one per published figure (plus a few derived rows, e.g. a rank correlation), where ``agrees`` is one
of :data:`VERDICTS`:

* ``agrees`` / ``differs`` - a number or class set beside the paper's with the ``criterion`` stated
  (same sign, same rank, same class or within a tolerance); ``reason`` says why they can differ
  (measure, years, industry detail, units, geography);
* ``supported`` / ``contradicted`` - a directional claim tested on the package's data;
* ``not comparable`` / ``not testable`` - nothing in the package's data measures it; ``reason`` says why.

No function here reads a Region or writes a file; :func:`jilin_spatial.report.build_report` calls
them for the embedded Jilin regions and writes ``tables/paper_comparison.csv``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._errors import InputError, InputTypeError

__all__ = ["VERDICTS", "COLUMNS", "STUDIES", "load_published", "compare_ties", "compare_similarity",
           "compare_competitive_industries", "compare_jilin_claims", "compare_jilin_text",
           "compare_coordination_text", "compare_chen", "verdict_counts"]

VERDICTS = ("agrees", "differs", "supported", "contradicted", "not comparable", "not testable")
COLUMNS = ["study", "table", "item", "paper_value", "package_value", "agrees", "criterion", "reason"]
#: Study keys (file prefixes in ``data/papers``) and a short title.
STUDIES = {
    "jilin_ps_agglomeration": "producer-service agglomeration in Jilin's prefecture cities",
    "chen_ps_tfp_261_cities": "Chen, producer-service agglomeration and TFP in 261 cities",
    "changchun_jilin_coordination": "Changchun-Jilin industrial coordination",
}
_CJ = "changchun_jilin_coordination"
_JPS = "jilin_ps_agglomeration"
_CHEN = "chen_ps_tfp_261_cities"

#: Paper names -> the package's English unit names (Jilin prefectures).
PAPER_NAMES = {"Changchun": "Changchun", "Jilin": "Jilin City", "Siping": "Siping", "Liaoyuan": "Liaoyuan",
               "Tonghua": "Tonghua", "Baishan": "Baishan", "Songyuan": "Songyuan", "Baicheng": "Baicheng",
               "Yanji": "Yanbian Korean Autonomous Prefecture"}

_WHY_OUTPUT = ("measure: the paper uses gross industrial output of 37 yearbook industries (2005/2011 editions), "
               "the package census employment by 20 sections (2010, 2020); geography: the paper's 'area' is the "
               "urban area plus its counties, the package's unit the whole prefecture")


def _rows(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    bad = sorted(set(out["agrees"]) - set(VERDICTS))
    if bad:  # pragma: no cover - a programming error, not a user input
        raise ValueError(f"unknown verdicts {bad}")
    return out


def load_published(name: str) -> pd.DataFrame:
    """One published table, as transcribed (``name`` = file stem in ``data/papers``, with or without ``paper_``).

    Examples
    --------
    >>> t = load_published("changchun_jilin_coordination_table3_economic_links")
    >>> len(t), float(t.value_numeric.max())
    (8, 43.3983)
    """
    from . import datasets

    key = name if name.startswith("paper_") else f"paper_{name}"
    return pd.read_csv(datasets.get_path(key), dtype={"value_as_printed": str}, keep_default_na=False,
                       na_values={"value_numeric": [""]})


def _need(df, cols, arg):
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(arg, "a pandas DataFrame", type(df).__name__, "pass the package's table")
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise InputError(arg, f"columns {cols}", f"missing {miss}", f"columns are {list(df.columns)}")


def _spearman(a, b) -> float:
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


# ------------------------------------------------------------------ coordination study

def compare_ties(ties: pd.DataFrame, *, origin: str = "Changchun") -> pd.DataFrame:
    """Table 3 of the coordination study (Changchun's economic ties) beside the package's gravity ties.

    Parameters
    ----------
    ties : pandas.DataFrame
        The package's ties with ``from_name_en``, ``to_name_en`` and ``R`` (the report's
        ``gravity_ties`` table); only the rows from ``origin`` are used.

    Returns
    -------
    pandas.DataFrame
        One row per published tie (rank agreement within one place), then the Spearman rank
        correlation, the top tie, and the ratios of the largest tie to the second and to the rest.

    Examples
    --------
    >>> names = ["Jilin City", "Siping", "Songyuan", "Liaoyuan", "Baicheng", "Tonghua",
    ...          "Yanbian Korean Autonomous Prefecture", "Baishan"]
    >>> t = pd.DataFrame({"from_name_en": "Changchun", "to_name_en": names, "R": [8, 7, 6, 5, 4, 3, 2, 1.0]})
    >>> c = compare_ties(t).set_index("item")
    >>> c.loc["Spearman rank correlation of the 8 ties", ["package_value", "agrees"]].tolist()
    [1.0, 'agrees']
    """
    _need(ties, ["from_name_en", "to_name_en", "R"], "ties")
    pub = load_published(f"{_CJ}_table3_economic_links")
    mine = ties[ties.from_name_en == PAPER_NAMES.get(origin, origin)].set_index("to_name_en")["R"]
    pub = pub.assign(pkg_name=pub.city_j.map(PAPER_NAMES))
    missing = sorted(set(pub.pkg_name) - set(mine.index))
    if missing:
        raise InputError("ties", f"ties from {origin} to every city of the paper's Table 3",
                         f"missing {missing}", "pass the report's gravity_ties table for the prefectures")
    pub["package_R"] = pub.pkg_name.map(mine).astype(float)
    pub["paper_rank"] = pub.value_numeric.rank(ascending=False).astype(int)
    pub["package_rank"] = pub.package_R.rank(ascending=False).astype(int)
    why = ("the paper's R uses gross output, non-agricultural population and railway line length (year and units "
           "not stated); the package's uses the masses and distances listed under Gravity ties, so only ranks and "
           "ratios are comparable")
    rows = []
    for x in pub.itertuples():
        extra = f"; paper flag: {x.flag}" if x.flag else ""
        rows.append((_CJ, "Table 3", f"R {x.row_label}: rank among the 8 ties", f"{x.value_as_printed} (rank "
                     f"{x.paper_rank})", f"{x.package_R:.6g} (rank {x.package_rank})",
                     "agrees" if abs(x.paper_rank - x.package_rank) <= 1 else "differs",
                     "ranks differ by at most one place", why + extra))
    rho = _spearman(pub.value_numeric, pub.package_R)
    rows.append((_CJ, "Table 3", "Spearman rank correlation of the 8 ties", 1.0, round(rho, 4),
                 "agrees" if rho >= 0.8 else "differs", "rho >= 0.8 (paper ranking = 1 by definition)", why))
    p, q = pub.sort_values("value_numeric", ascending=False), pub.sort_values("package_R", ascending=False)
    rows.append((_CJ, "Table 3", "largest tie", p.city_j.iloc[0], q.pkg_name.iloc[0],
                 "agrees" if p.pkg_name.iloc[0] == q.pkg_name.iloc[0] else "differs", "same partner", why))
    for label, a, b in (("ratio of the largest tie to the second",
                         p.value_numeric.iloc[0] / p.value_numeric.iloc[1], q.package_R.iloc[0] / q.package_R.iloc[1]),
                        ("ratio of the largest tie to the sum of the other seven",
                         p.value_numeric.iloc[0] / p.value_numeric.iloc[1:].sum(),
                         q.package_R.iloc[0] / q.package_R.iloc[1:].sum())):
        rows.append((_CJ, "Table 3", label, round(a, 3), round(b, 3),
                     "agrees" if (a > 1) == (b > 1) and 0.5 <= b / a <= 2 else "differs",
                     "both above 1 and within a factor of 2", why + " (our arithmetic on the printed values)"))
    return _rows(rows)


def compare_similarity(similarity: pd.DataFrame) -> pd.DataFrame:
    """The UNIDO similarity of Changchun and Jilin (0.47093 in 2005, 0.631799 in 2011) beside the package's.

    Parameters
    ----------
    similarity : pandas.DataFrame
        The package's S for the Changchun-Jilin pair, one row per year and sector set, with
        ``year``, ``sector_set``, ``S`` and ``n_sectors``.  Sector sets the census cannot
        provide (manufacturing divisions) are reported as not comparable.

    Examples
    --------
    >>> s = pd.DataFrame({"year": [2010, 2020], "sector_set": "all_sections", "S": [0.998, 0.988],
    ...                   "n_sectors": 20})
    >>> compare_similarity(s)["agrees"].tolist()
    ['differs', 'differs', 'differs', 'not comparable']
    """
    _need(similarity, ["year", "sector_set", "S", "n_sectors"], "similarity")
    pub = load_published(f"{_CJ}_similarity_coefficient").sort_values("year")
    p0, p1 = pub.value_numeric.tolist()
    why = ("the levels measure different things: the paper's S is over 37 industries of gross output, where the two "
           "cities specialise (transport equipment in Changchun, chemicals and metals in Jilin), so S is far below 1; "
           "over 20 census sections of employment a few large sections (agriculture, manufacturing, trade, "
           "education, public administration) dominate both cities' structure and S is close to 1. Years differ "
           "too (2005/2011 against the census 2010/2020)")
    rows = []
    sub = similarity.sort_values("year")
    for sset, g in sub.groupby("sector_set", sort=False):
        g = g.sort_values("year")
        pk = "; ".join(f"{int(x.year)}: {x.S:.3f} ({int(x.n_sectors)} sections)" for x in g.itertuples())
        for pv, year in ((p0, 2005), (p1, 2011)):
            near = g.iloc[(g.year - year).abs().argmin()]
            rows.append((_CJ, "similarity", f"S Changchun-Jilin {year} vs package {int(near.year)} ({sset})", pv,
                         round(float(near.S), 4), "agrees" if abs(near.S - pv) <= 0.05 else "differs",
                         "within 0.05", why))
        if len(g) >= 2:
            d_pkg = float(g.S.iloc[-1] - g.S.iloc[0])
            rows.append((_CJ, "similarity", f"direction of S over time ({sset})",
                         f"rises {p0} -> {p1} (convergence)", f"{pk}: {'rises' if d_pkg > 0 else 'falls'}",
                         "agrees" if d_pkg > 0 else "differs", "same sign of the change",
                         "the paper's change 2005->2011 is within manufacturing; the package's 2010->2020 is across "
                         "all sections and mostly reflects the fall of agricultural employment"))
    rows.append((_CJ, "similarity", "S on manufacturing divisions only", f"{p0}, {p1} (37 industries)", "",
                 "not comparable", "",
                 "the census tables give manufacturing as one section (C); no division detail exists in them"))
    return _rows(rows)


_SECTION_OF = {  # paper industry -> census section, and how sure the mapping is
    "Black metal mining industry": ("B_mining", "division of mining (B)"),
    "Non-ferrous metal industry": ("B_mining", "read as non-ferrous metal ore mining (B); the label is ambiguous"),
    "Nonmetal mining industry": ("B_mining", "division of mining (B)"),
}
_STAGE = {(True, True): "growing", (True, False): "mature", (False, True): "formative",
          (False, False): "declining"}


def compare_competitive_industries(lq: pd.DataFrame, stages: pd.DataFrame, *, year: int = 2010,
                                   units: dict | None = None) -> pd.DataFrame:
    """Tables 1-2 of the coordination study (competitive industries) beside section-level LQs and stages.

    Every listed industry is a manufacturing or mining division; the census has only the sections
    C (manufacturing) and B (mining), so each row is compared with its section: LQ >= 1 (same class)
    and the stage (LQ, A) by the paper's own rule.  Rows whose printed values contradict the
    paper's own "growing stage" heading are said so.

    Parameters
    ----------
    lq : pandas.DataFrame
        ``adcode, year, sector, denominator, lq`` (the report's ``location_quotients``).
    stages : pandas.DataFrame
        ``adcode, sector, A, stage_en, start_year, end_year`` (the report's ``agglomeration_stages``).
    year : int
        Census year of the LQ set beside the paper's (2010 is the nearest to its 2005/2011 data).
    units : dict, optional
        Paper area -> package id; default Changchun 220100, Jilin 220200.
    """
    _need(lq, ["adcode", "year", "sector", "denominator", "lq"], "lq")
    _need(stages, ["adcode", "sector", "A", "stage_en", "start_year", "end_year"], "stages")
    units = units or {"Changchun": "220100", "Jilin": "220200"}
    pub = load_published(f"{_CJ}_table1_table2_lq_agglomeration_index")
    lq = lq[(lq.denominator == "all")].assign(adcode=lambda d: d.adcode.astype(str))
    st = stages.assign(adcode=stages.adcode.astype(str))
    rows = []
    wide = pub.pivot_table(index=["table", "row_label"], columns="column_label", values="value_numeric",
                           aggfunc="first", sort=False)
    for x in pub.itertuples():
        area = "Changchun" if x.table == "Table 1" else "Jilin"
        code = units[area]
        sec, how = _SECTION_OF.get(x.row_label, ("C_manuf", "division of manufacturing (C)"))
        L_p, A_p = wide.loc[(x.table, x.row_label)]
        pkg_lq = lq[(lq.adcode == code) & (lq.year == year) & (lq.sector == sec)].lq
        srow = st[(st.adcode == code) & (st.sector == sec)]
        why = f"{_WHY_OUTPUT}; industry detail: {x.row_label} is a {how}, compared with the whole section"
        flag = f"; paper flag: {x.flag}" if x.flag else ""
        if x.column_label == "Location Quotient":
            v = float(pkg_lq.iloc[0]) if len(pkg_lq) else np.nan
            same = np.isfinite(v) and (v >= 1) == (x.value_numeric >= 1)
            rows.append((_CJ, x.table, f"{area}: {x.row_label}: LQ", x.value_as_printed,
                         f"{sec} {year}: {v:.3f}" if np.isfinite(v) else f"{sec}: no value",
                         "agrees" if same else "differs", "same class (LQ >= 1 or < 1), division vs section",
                         why + flag))
        else:
            a = float(srow.A.iloc[0]) if len(srow) else np.nan
            span = f"{int(srow.start_year.iloc[0])}-{int(srow.end_year.iloc[0])}" if len(srow) else ""
            same = np.isfinite(a) and (a >= 1) == (x.value_numeric >= 1)
            rows.append((_CJ, x.table, f"{area}: {x.row_label}: agglomeration index A", x.value_as_printed,
                         f"{sec} {span}: {a:.3f}" if np.isfinite(a) else f"{sec}: no value",
                         "agrees" if same else "differs", "same class (A >= 1 or < 1), division vs section",
                         why + "; period: the paper's (0-t) is unstated, the package's is the census decade" + flag))
            own = _STAGE[(L_p >= 1, A_p >= 1)]
            pkg = srow.stage_en.iloc[0] if len(srow) else ""
            note = ("" if own == "growing" else
                    f"; the paper lists this row as a growing-stage industry but its own rule gives '{own}'")
            rows.append((_CJ, x.table, f"{area}: {x.row_label}: stage (paper's rule on its LQ and A)", own,
                         f"{sec} {span}: {pkg}" if pkg else f"{sec}: no stage",
                         "agrees" if pkg == own else "differs", "same stage (LQ >= 1, A >= 1 rule)",
                         why + note + " (derived row: not a printed figure)"))
    return _rows(rows)


def compare_coordination_text(*, similarity_range=None) -> pd.DataFrame:
    """The coordination study's in-text numbers: rules the package shares, and figures it cannot measure.

    ``similarity_range``: (min, max) of the package's S values, to check the paper's 0 <= S <= 1.

    Examples
    --------
    >>> c = compare_coordination_text(similarity_range=(0.9, 1.0))
    >>> int((c.agrees == "agrees").sum()), len(c)
    (5, 23)
    """
    from .concentration import advantage_stage

    pub = load_published(f"{_CJ}_text_figures")
    rows = []
    probe = advantage_stage([0.5, 1.5, 1.5, 0.5], [1.5, 1.5, 0.5, 0.5])["stage_en"].tolist()
    stage_of_rule = dict(zip(("formative", "growing", "mature", "recession"), probe))
    for x in pub.itertuples():
        item = f"{x.refers_to} ({x.figure_as_printed})"
        if x.kind == "classification rule":
            name = x.refers_to.split(" stage")[0].split(" (")[0].split()[0]
            pkg = stage_of_rule.get(name, "")
            rows.append((_CJ, "text", item, x.figure_as_printed, f"concentration.advantage_stage gives '{pkg}'",
                         "agrees", "same thresholds (LQ 1, A 1) and quadrant",
                         "the package's 'declining' is the paper's 'recession'" if name == "recession" else ""))
        elif x.kind == "definition":
            ok = similarity_range is not None and 0 <= similarity_range[0] <= similarity_range[1] <= 1
            rows.append((_CJ, "text", item, x.figure_as_printed,
                         "" if similarity_range is None else f"S in [{similarity_range[0]:.3f}, "
                                                             f"{similarity_range[1]:.3f}]",
                         "agrees" if ok else "not testable", "all package S within [0, 1]",
                         "" if ok else "no package similarity values given"))
        elif x.kind == "headline result":
            rows.append((_CJ, "text", item, x.value_numeric, "see the similarity rows", "differs",
                         "within 0.05", "same figure as the similarity table; compared there"))
        else:
            reason = {
                "study area": "the package's unit is the whole prefecture; the paper's area is the urban area plus "
                              "nine counties (eight named)",
                "data source": "a data source, not a result; the package uses the 2010 and 2020 censuses",
                "scope": "the census has 20 sections, not the yearbook's 40 industries",
                "share": "industry detail: the census has manufacturing as one section, and employment not output",
                "rank": "a national sales ranking; no sales data in the package",
            }.get(x.kind, "not measured by the package")
            rows.append((_CJ, "text", item, x.value_numeric if pd.notna(x.value_numeric) else x.figure_as_printed,
                         "", "not comparable", "", reason))
    return _rows(rows)


# ------------------------------------------------------------------ Jilin agglomeration study

def _change(df, value, code_col="name_en"):
    """Wide first/last-year values of ``value`` by unit: columns start, end, delta."""
    w = df.pivot_table(index=code_col, columns="year", values=value, aggfunc="first")
    out = pd.DataFrame({"start": w.iloc[:, 0], "end": w.iloc[:, -1]})
    out["delta"] = out.end - out.start
    return out, int(w.columns[0]), int(w.columns[-1])


def compare_jilin_claims(*, lq: pd.DataFrame, coagglomeration: pd.DataFrame, coupling: pd.DataFrame | None = None,
                         lq_county: pd.DataFrame | None = None, employment: pd.DataFrame | None = None,
                         central=("Changchun", "Jilin City"), stable_tolerance: float = 0.10) -> pd.DataFrame:
    """Each of the Jilin study's 20 directional findings tested on the census (first -> last year).

    Parameters
    ----------
    lq : pandas.DataFrame
        Prefecture LQs: ``name_en, year, sector, denominator, lq`` (sectors ``manufacturing`` and
        ``producer_services``, denominator ``all``).
    coagglomeration : pandas.DataFrame
        Prefecture ``name_en, year, CA``.
    coupling : pandas.DataFrame, optional
        Prefecture ``name_en, year, D, class_3, U_agglomeration, U_innovation``.
    lq_county : pandas.DataFrame, optional
        County LQs (``adcode, year, sector, denominator, lq``) for the periphery claim.
    employment : pandas.DataFrame, optional
        Prefecture employment ``name_en, year, sector, value`` (producer-service sections).
    central : tuple of str
        The central cities.
    stable_tolerance : float
        "Relatively stable" = relative change within this share.

    Returns
    -------
    pandas.DataFrame
        One row per finding, ``agrees`` one of supported / contradicted / not testable, with the numbers.
    """
    _need(lq, ["name_en", "year", "sector", "denominator", "lq"], "lq")
    _need(coagglomeration, ["name_en", "year", "CA"], "coagglomeration")
    pub = load_published(f"{_JPS}_qualitative_findings")
    base = lq[lq.denominator == "all"]
    manu, _, _ = _change(base[base.sector == "manufacturing"], "lq")
    ps, y0, y1 = _change(base[base.sector == "producer_services"], "lq")
    ca, _, _ = _change(coagglomeration, "CA")
    span = f"census {y0} -> {y1}"
    cc = central[0]
    d = dd = None
    if coupling is not None:
        _need(coupling, ["name_en", "year", "D", "class_3", "U_agglomeration", "U_innovation"], "coupling")
        d, _, _ = _change(coupling, "D")
        dd = coupling

    def fmt(s, k=3):
        return ", ".join(f"{n} {v:+.{k}f}" for n, v in s.items())

    def res(ok):
        return "supported" if ok else "contradicted"

    coupling_measure = ("the package's D couples agglomeration (LQs, co-agglomeration) with census human capital "
                        "(default indicator system); the paper's indicators and weights are not stated")
    rows = []
    for x in pub.itertuples():
        claim = f"line {x.line}: {x.entity}: {x.measure}: {x.direction_or_claim}"
        pv = x.direction_or_claim
        row = None
        if x.line == 17:
            n_up = int((ca.delta > 0).sum())
            row = (f"mean CA {ca.start.mean():.3f} -> {ca.end.mean():.3f}; {n_up} of {len(ca)} rise",
                   res(ca.end.mean() > ca.start.mean() and n_up > len(ca) / 2),
                   "mean co-agglomeration CA rises and most prefectures rise",
                   f"{span}: two points, not 'year by year'; CA from employment LQs")
        elif x.line == 18:
            v = ps.loc[cc]
            rel = v.delta / v.start
            row = (f"{cc} producer-service LQ {v.start:.3f} -> {v.end:.3f} ({rel:+.1%})",
                   res(rel > stable_tolerance), f"rise of more than {stable_tolerance:.0%}",
                   f"{span}; employment LQ, reference = the nine prefectures")
        elif x.line == 22:
            if lq_county is None:
                row = ("", "not testable", "", "no county LQs given")
            else:
                c = lq_county[(lq_county.denominator == "all") & (lq_county.sector == "manufacturing")].copy()
                c["adcode"] = c.adcode.astype(str)
                # counties and county-level cities (codes xx21-xx99) of the central prefectures, not districts
                per = c[c.adcode.str.slice(0, 4).isin(["2201", "2202"]) & (c.adcode.str.len() == 6)
                        & (c.adcode.str.slice(4, 6) >= "21")]
                w, a0, a1 = _change(per.assign(name_en=per.adcode), "lq")
                w = w.dropna()
                n_up = int((w.delta > 0).sum())
                row = (f"mean manufacturing LQ of {len(w)} counties around Changchun and Jilin "
                       f"{w.start.mean():.3f} -> {w.end.mean():.3f}; {n_up} of {len(w)} rise",
                       res(w.end.mean() > w.start.mean()), "mean county manufacturing LQ rises",
                       f"census {a0} -> {a1}; counties and county-level cities (codes xx21-xx99) of the "
                       "Changchun and Jilin prefectures; reference = all counties of the province")
        elif x.line == 24 and "all cities" in x.entity:
            n_up = int((ca.delta > 0).sum())
            row = (f"{n_up} of {len(ca)} rise: {fmt(ca.delta)}", res(n_up == len(ca)),
                   "CA rises in every prefecture", f"{span}; CA from employment LQs")
        elif x.line == 25:
            named = ["Changchun", "Jilin City", "Songyuan"]
            top = ca.end.sort_values(ascending=False)
            ranks = {n: int(top.index.get_loc(n)) + 1 for n in named}
            row = (f"CA {y1} ranks of 9: " + ", ".join(f"{n} {r} ({ca.end[n]:.3f})" for n, r in ranks.items()),
                   res(all(r <= 3 for r in ranks.values())), "the three named cities are the top 3 by CA",
                   f"{span}; the paper's co-agglomeration formula and years are not stated")
        elif x.line == 100 and x.entity == "Changchun":
            v = manu.loc[cc]
            rel = v.delta / v.start
            row = (f"{cc} manufacturing LQ {v.start:.3f} -> {v.end:.3f} ({rel:+.1%})",
                   res(abs(rel) <= stable_tolerance), f"relative change within +-{stable_tolerance:.0%}", span)
        elif x.line == 100:
            o = manu.drop(index=cc)
            n_dn = int((o.delta < 0).sum())
            row = (f"{n_dn} of {len(o)} fall: {fmt(o.delta)}", res(n_dn > len(o) / 2),
                   "most other prefectures' manufacturing LQ falls", span)
        elif x.line == 93:
            if employment is None:
                row = ("", "not testable", "", "no employment table given")
            else:
                from .sectors import GROUPS

                e = employment[employment.sector.isin(GROUPS["producer_services"]) & (employment.year == y1)]
                tot = e.groupby("name_en").value.sum().sort_values(ascending=False)
                share = tot[list(central)].sum() / tot.sum()
                row = (f"{y1}: top two by producer-service employment {list(tot.index[:2])}, "
                       f"{share:.1%} of the province's", res(set(tot.index[:2]) == set(central)),
                       "the two central cities are the two largest producer-service employers",
                       "census sample counts (shares only)")
        elif x.line == 41:
            if dd is None:
                row = ("", "not testable", "", "no coupling table given")
            else:
                last = dd[dd.year == dd.year.max()]
                mh = sorted(last[last.class_3.isin(["medium", "high"])].name_en)
                row = (f"{int(dd.year.max())}: medium or high D in {mh}", res(mh == [cc]),
                       "only Changchun has class medium (D >= 0.4) or high",
                       "the paper's claim is about its innovation-system coupling; " + coupling_measure)
        elif x.line == 59 or x.line == 67:
            if d is None:
                row = ("", "not testable", "", "no coupling table given")
            else:
                n_up = int((d.delta > 0).sum())
                ok = d.end.mean() > d.start.mean() and (x.line == 59 or n_up > len(d) / 2)
                row = (f"mean D {d.start.mean():.3f} -> {d.end.mean():.3f}; {n_up} of {len(d)} rise", res(ok),
                       "mean D rises" + (" and most prefectures rise" if x.line == 67 else ""),
                       f"{span}; {coupling_measure}")
        elif x.line == 61:
            if d is None:
                row = ("", "not testable", "", "no coupling table given")
            else:
                top = d.end.sort_values(ascending=False)
                r = {n: int(top.index.get_loc(n)) + 1 for n in central}
                row = (f"D {y1} ranks of 9: " + ", ".join(f"{n} {k} ({d.end[n]:.3f})" for n, k in r.items()),
                       res(all(k <= 2 for k in r.values())), "Changchun and Jilin are the top 2 by D",
                       f"{span}; {coupling_measure}")
        elif x.line == 64:
            if dd is None:
                row = ("", "not testable", "", "no coupling table given")
            else:
                rhos = {int(y): _spearman(g.U_agglomeration, g.U_innovation) for y, g in dd.groupby("year")}
                row = ("Spearman(U_agglomeration, U_innovation): "
                       + ", ".join(f"{y} {r:+.3f}" for y, r in rhos.items()),
                       res(all(r > 0 for r in rhos.values())), "positive rank correlation in every year",
                       "specialisation read as the agglomeration subsystem index; " + coupling_measure)
        elif x.line == 74:
            if d is None:
                row = ("", "not testable", "", "no coupling table given")
            else:
                s0, s1 = d.start.std(ddof=0), d.end.std(ddof=0)
                row = (f"standard deviation of D {s0:.3f} -> {s1:.3f}", res(s1 < s0),
                       "the spread of D across prefectures falls", f"{span}; {coupling_measure}")
        if row is None:
            why = {14: "garbled sentence; neither the industry nor the measure is stated",
                   16: "'lagged' against an unstated benchmark",
                   35: "the innovation subsystems (input, output, benefit) and their indicators are not stated; "
                       "the package has no such subsystems",
                   37: "coupling of the innovation subsystems; not in the package's data",
                   39: "coordination classes of the innovation subsystems; class boundaries not stated",
                   43: "innovation subsystems not in the package's data"}.get(
                x.line, "not measured by the package's data")
            row = ("", "not testable", "", why)
        rows.append((_JPS, "findings", claim, pv, row[0], row[1], row[2], row[3]))
    return _rows(rows)


def compare_jilin_text(*, n_units: int) -> pd.DataFrame:
    """The Jilin study's two in-text numbers (nine cities, two industries).

    Examples
    --------
    >>> compare_jilin_text(n_units=9).agrees.tolist()
    ['agrees', 'agrees']
    """
    pub = load_published(f"{_JPS}_text_figures")
    rows = []
    for x in pub.itertuples():
        if x.kind == "study area":
            rows.append((_JPS, "text", f"{x.refers_to} ({x.figure_as_printed})", x.value_numeric, n_units,
                         "agrees" if n_units == x.value_numeric else "differs", "same count",
                         "the paper does not list its nine cities; the package has the nine prefecture-level units"))
        else:
            rows.append((_JPS, "text", f"{x.refers_to} ({x.figure_as_printed})", x.value_numeric, 2, "agrees",
                         "same pair", "the package's co-agglomeration uses manufacturing (C) and producer services "
                                      "(G, I, J, L, M)"))
    return _rows(rows)


# ------------------------------------------------------------------ Chen

def compare_chen(*, lq_groups: pd.DataFrame | None = None, region_name: str = "Jilin",
                 delta: float | None = None, lags=None, belts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every figure of Chen's Tables 1-3 and text: not comparable on census data, with what can be said.

    The coefficients need the licensed 261-city panel (2003-2017, urban-unit employment, capital
    stock, real GDP); :func:`jilin_spatial.tfp_study.run_tfp_study` runs the whole study on such a
    panel.  Method constants the package shares (9.6 % depreciation, lags 1 and 2, DEAP conventions)
    are checked.  ``lq_groups`` (``name_en, year, sector, lq`` with ``producer_services_high`` and
    ``_low``) adds the regional-pattern rows: the paper reports no LQ levels, so the package's levels
    are shown for information only.  ``belts`` (:func:`jilin_spatial.china.belt_lq_summary`: mean LQ by
    East/Central/West for all of China's prefectures) sets the national levels beside the paper's regional
    sample sizes.
    """
    from . import tfp_study

    delta = tfp_study.DEFAULT_DELTA if delta is None else delta
    lags = tuple(tfp_study.DEFAULT_LAGS if lags is None else lags)
    why = ("needs the licensed city panel 2003-2017 (urban-unit employment by producer-service sector, capital "
           "stock, real GDP, controls) that no open source provides; the census gives decennial employment of "
           "all employed persons, a different concept. Run `jilin-spatial tfp-study --compare-paper` on such a "
           "panel to set the package's estimates beside these")
    rows = []
    for t, label in ((1, "table1_2sls_ivgmm_national"), (2, "table2_ivgmm_by_region"), (3, "table3_path_te_ec")):
        pub = load_published(f"{_CHEN}_{label}")
        for x in pub.itertuples():
            item = f"{x.variable} {x.statistic} | {x.column_group} {x.column_label} | {x.dependent_variable}"
            flag = f"; paper flag: {x.flag}" if x.flag else ""
            rows.append((_CHEN, f"Table {t}", item, x.value_as_printed, "", "not comparable", "", why + flag))
    txt = load_published(f"{_CHEN}_text_figures")
    for x in txt.itertuples():
        item = f"{x.refers_to} ({x.figure_as_printed})"
        pv = x.value_numeric if pd.notna(x.value_numeric) else x.figure_as_printed
        if "depreciation" in x.refers_to:
            rows.append((_CHEN, "text", item, pv, delta * 100, "agrees" if abs(delta * 100 - pv) < 1e-9 else "differs",
                         "same rate (percent)", "tfp_study default depreciation (Zhang Jun et al. 2004)"))
        elif "lags 1 and 2" in x.refers_to:
            rows.append((_CHEN, "text", item, pv, str(list(lags)), "agrees" if lags == (1, 2) else "differs",
                         "same instrument lags", "tfp_study / econometrics.panel_regressions default"))
        elif "Deap2.1" in str(x.figure_as_printed):
            rows.append((_CHEN, "text", item, pv, "productivity.malmquist", "agrees", "same index conventions",
                         "DEAP 2.1 conventions (output-oriented, CRS, contemporaneous frontier)"))
        elif x.kind == "method" and "base" in x.refers_to:
            rows.append((_CHEN, "text", item, pv, "first year of the panel", "agrees", "same base rule",
                         "tfp_study deflates and cumulates from the panel's first year (2003 for the paper's panel)"))
        else:
            rows.append((_CHEN, "text", item, pv, "", "not comparable", "", why))
    if lq_groups is not None:
        _need(lq_groups, ["name_en", "year", "sector", "lq"], "lq_groups")
        t2 = load_published(f"{_CHEN}_table2_ivgmm_by_region")
        t2 = t2[(t2.variable == "SAGG") & (t2.statistic == "coefficient")]
        sizes = {"East": 101, "Central": 99, "West": 61}
        for reg, n in sizes.items():
            c = t2[t2.column_group == reg].set_index("column_label").value_as_printed
            finding = f"IV-GMM SAGG on TFP: high-end {c.get('High-end')}, low-end {c.get('Low-end')}"
            pkg = ""
            if belts is not None:
                b = belts[belts.group == reg]
                pkg = "all-China prefectures (census, reference China): " + "; ".join(
                    f"{x.sector.rsplit('_', 1)[1]}-end {int(x.year)} mean LQ {x.mean_lq:.3f} (n = {int(x.n)})"
                    for x in b.sort_values(["sector", "year"]).itertuples())
            if reg == "Central" and belts is None:
                parts = []
                for s in ("producer_services_high", "producer_services_low"):
                    g = lq_groups[lq_groups.sector == s]
                    for y, gy in g.groupby("year"):
                        parts.append(f"{s.rsplit('_', 1)[1]}-end {int(y)}: LQ {gy.lq.min():.2f}-{gy.lq.max():.2f} "
                                     f"(median {gy.lq.median():.2f})")
                pkg = f"{region_name} prefectures (reference {region_name}): " + "; ".join(parts)
            rows.append((_CHEN, "regional pattern", f"{reg}: high- and low-end LQ levels (n = {n} cities)",
                         f"no LQ levels reported; {finding}", pkg, "not comparable", "",
                         "the paper reports no LQ levels and no city lists (its 261 cities are a subset of the "
                         "prefectures, on urban-unit employment 2003-2017, not census employment)"
                         + ("; the national census levels are shown for information" if belts is not None else
                            "; the package's Jilin LQs (reference: the province) are shown for information")
                         + ("; Jilin is Central in the three-belt split" if reg == "Central" else "")))
    return _rows(rows)


def verdict_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Counts of each verdict by study (for the summary).

    Examples
    --------
    >>> t = pd.DataFrame({"study": ["a", "a", "b"], "agrees": ["agrees", "differs", "agrees"]})
    >>> int(verdict_counts(t).loc["a", "agrees"])
    1
    """
    return table.groupby(["study", "agrees"]).size().unstack(fill_value=0)
