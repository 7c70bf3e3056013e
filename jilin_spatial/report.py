"""The main job: run every step the inputs allow on one or more regions and write every output.

``build_report(out, regions=...)`` writes, atomically (see :class:`~jilin_spatial.export.OutputDir`):

* ``layers.gpkg``  - polygon, point and line layers in EPSG:4326;
* ``tables/*.csv`` - tidy tables (UTF-8 with BOM);
* ``map.html`` and ``figures/*.png``;
* ``summary.md``   - key numbers, data sources and vintages, modelled assumptions, the steps skipped
  and the input each one lacked;
* ``provenance.json`` - versions, input files with SHA-256, arguments, seeds, start and end times.

The regions are data (:class:`~jilin_spatial.regions.Region`); the embedded Jilin default is
``[Region.jilin("prefecture"), Region.jilin("county")]`` passed through the same code as a user's
region.  Everything but ``provenance.json`` (its times) is byte-identical between two runs with the
same options on the same day (or the same ``SOURCE_DATE_EPOCH``).

The pipeline is a list of steps.  Each step takes the typed :class:`ReportContext` and returns
layers, tables and a summary section.  The library never prints: pass ``progress`` (a callable
taking a message and the step number) to receive progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._errors import InputError
from .export import OutputDir, write_csv, write_gpkg_layers
from .regions import PLURALS, Region

__all__ = ["ReportOptions", "ReportResult", "ReportContext", "build_report", "jilin_regions", "STEPS", "SEED"]

LEVELS = ("prefecture", "county")
#: Seed of the permutation inference (global Moran's I and LISA); recorded in provenance.json.
SEED = 12345
_KEY_GROUPS = ("manufacturing", "producer_services", "producer_services_high", "producer_services_low")
_AGG_INDICATORS = ("lq_manufacturing", "lq_producer_services", "coagglomeration")
#: Pair tables: the metrics' ``from``/``to`` become ``from_<id>``/``to_<id>`` in the outputs.
_PAIR = {"from": "from_adcode", "to": "to_adcode"}


#: Which prepared figures each ``--figures`` choice draws (by the figure's name).
FIGURE_SETS = {"key": ("lq_producer_services",), "all": ("",), "none": ()}


@dataclass
class ReportOptions:
    """Options of the main job.

    ``years``: the census years to use (default: every year of the regions);
    ``centres`` and ``minutes``: economic circles (default: the regions' own
    centres and 30/60/90 minutes); ``lang``: language of the map's place
    names and controls and of the figures' labels ("en" or "zh");
    ``tiles``: "none" (offline, default) or "osm" (an online WGS84 basemap);
    ``figures``: which PNG figures to draw: "key" (default: the producer-service
    LQ of every level, the figures a reader opens first), "all" (every figure the
    report prepares) or "none" (the map and tables hold the same results).
    """

    years: tuple | None = None
    centres: tuple | None = None
    minutes: tuple = (30, 60, 90)
    lang: str = "en"
    tiles: str = "none"
    figures: str = "key"

    def __post_init__(self):
        if self.years is not None:
            if not self.years:
                raise InputError("--years", "at least one year", "none", "e.g. --years 2010 2020")
            self.years = tuple(int(y) for y in self.years)
        if not self.minutes or any(not float(m) > 0 for m in self.minutes):
            raise InputError("--minutes", "positive thresholds", repr(list(self.minutes)), "e.g. --minutes 30 60")
        if self.centres is not None:
            self.centres = tuple(self.centres)
        if self.lang not in ("en", "zh"):
            raise InputError("--lang", "en or zh", repr(self.lang), "e.g. --lang zh")
        if self.tiles not in ("none", "osm"):
            raise InputError("--tiles", "none or osm", repr(self.tiles), "e.g. --tiles osm (WGS84 OpenStreetMap)")
        if self.figures not in FIGURE_SETS:
            raise InputError("--figures", f"one of {list(FIGURE_SETS)}", repr(self.figures), "e.g. --figures all")


@dataclass
class StepOutput:
    layers: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)  # markdown lines
    console: list = field(default_factory=list)  # short lines for the CLI
    skipped: list = field(default_factory=list)  # (step, what was missing)


@dataclass
class ReportContext:
    """What the steps share: the regions, the options and the results so far."""

    regions: list
    options: ReportOptions
    years: tuple
    layers: dict = field(default_factory=dict)
    lq: dict = field(default_factory=dict)            # level -> LQ table
    coagglomeration: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)
    coupling: pd.DataFrame | None = None
    graphs: dict = field(default_factory=dict)        # level -> graph used
    map: object = None
    figures: list = field(default_factory=list)

    @property
    def levels(self) -> list[str]:
        return [r.level for r in self.regions]


@dataclass
class ReportResult:
    out: Path
    layers: dict
    tables: list
    summary_md: str
    console: list
    skipped: list


def jilin_regions(levels=LEVELS) -> list:
    """The embedded default: Jilin regions for ``levels`` ("prefecture", "county")."""
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad or not levels:
        raise InputError("--level", f"values from {list(LEVELS)}", repr(list(levels)), "e.g. --level prefecture")
    return [Region.jilin(lv) for lv in LEVELS if lv in levels]


def _layer(region, suffix=""):
    base = PLURALS.get(region.level, f"{region.level}_units")
    return f"{region.level}_{suffix}" if suffix else base


def _units(region):
    return region.units[["adcode", "name_zh", "name_en", "geometry"]]


def _emp(ctx, region):
    e = region.employment
    return e[e.year.isin(ctx.years)]


# ------------------------------------------------------------------ steps


def _step_data(ctx: ReportContext) -> StepOutput:
    import geopandas as gpd

    so = StepOutput()
    emps = []
    so.summary += ["## Data", ""]
    for r in ctx.regions:
        so.layers[_layer(r)] = r.units
        so.layers.update(r.layers)
        emps.append(_emp(ctx, r).assign(level=r.level))
        so.summary.append(f"- {r.describe()}; measuring CRS: `{r.measure_crs}`.")
        zones = r.employment[r.employment.is_zone.astype(bool)].adcode.nunique()
        if zones:
            so.summary.append(f"- {r.level}: {zones} rows without a polygon (development zones) are kept, counted in "
                              "the references and never drawn.")
        if r.seats is not None:
            name = "seats" if "seats" not in so.layers else f"{r.level}_seats"
            so.layers[name] = gpd.GeoDataFrame(r.seats, geometry=gpd.points_from_xy(r.seats.lon, r.seats.lat),
                                               crs="EPSG:4326")
        for name, df in r.tables.items():
            so.tables.setdefault(name, df)
    for r in ctx.regions:
        for n in r.notes:
            line = f"- {n}"
            if line not in so.summary:
                so.summary.append(line)
    srcs = {(s.get("name"), s.get("source") or s.get("path")) for r in ctx.regions for s in r.sources}
    for name, src in sorted(srcs, key=str):
        so.summary.append(f"- source ({name}): {src}")
    if "data_sources" in so.tables:
        so.summary += ["", "| dataset | source | licence | derived |", "|---|---|---|---|"]
        for x in so.tables["data_sources"].itertuples():
            so.summary.append(f"| {x.name} | {x.source} | {x.licence} | {'yes' if x.derived else 'no'} |")
    so.summary.append("")
    so.tables["employment"] = pd.concat(emps, ignore_index=True)
    units = ", ".join(f"{len(r.units)} {PLURALS.get(r.level, r.level)}" for r in ctx.regions)
    so.console.append(f"data: {ctx.regions[0].name}: {units}, years {list(ctx.years)}")
    return so


def _concentration_tables(emp, level, years):
    """LQ (sections + groups, both denominators), stages, similarity, co-agglomeration for one level."""
    from .concentration import (MIN_COUNT, agglomeration_index, coagglomeration_table, location_quotient,
                                similarity_coefficient, stage_table)
    from .sectors import GROUPS, SECTORS

    present = set(emp.sector)
    targets = [s for s in SECTORS if s in present] + [g for g in _KEY_GROUPS if set(GROUPS[g]) <= present]
    dens = ["all"] + (["non_agricultural"] if "A_agri" in present else [])
    lqs = pd.concat([location_quotient(emp, sectors=targets, denominator=d, min_count=MIN_COUNT) for d in dens],
                    ignore_index=True)
    lqs["level"] = level
    base = lqs[lqs.denominator == "all"]
    stages = None
    if len(years) >= 2:
        stages = stage_table(agglomeration_index(emp, start=min(years), end=max(years), sectors=targets), base)
        stages["level"] = level
    units = _similarity_units(emp)
    sims = [similarity_coefficient(emp, regions=units).assign(sector_set="all_sections")]
    if "A_agri" in present:
        na = [s for s in GROUPS["non_agricultural"] if s in present]
        sims.append(similarity_coefficient(emp, sectors=na, regions=units).assign(sector_set="non_agricultural"))
    sim = pd.concat(sims, ignore_index=True)
    sim["level"] = level
    co = None
    if {"manufacturing", "producer_services"} <= set(targets):
        co = coagglomeration_table(base)
        meta = emp.drop_duplicates("adcode").set_index("adcode")[["name_zh", "name_en", "is_zone"]]
        co = co.join(meta, on="adcode")
        co["level"] = level
    return lqs, stages, sim, co


#: Pairwise similarity covers every unit up to this many; above it, the largest units by employment (the table grows
#: with the square of the units and years: 2,850 counties x 2 years would be 33 million rows).
SIMILARITY_MAX_UNITS = 120


def _similarity_units(emp) -> list | None:
    """All units (None) when there are at most SIMILARITY_MAX_UNITS, else the largest by employment in the last year."""
    ids = emp["adcode"].unique()
    if len(ids) <= SIMILARITY_MAX_UNITS:
        return None
    last = emp[(emp.year == emp.year.max()) & (emp.sector != "TOTAL")]
    tot = last.groupby("adcode")["value"].sum().sort_values(ascending=False, kind="stable")
    return list(tot.index[:SIMILARITY_MAX_UNITS])


def _step_concentration(ctx: ReportContext) -> StepOutput:
    from .layers import attach

    so = StepOutput()
    all_lq, all_st, all_sim, all_co = [], [], [], []
    for r in ctx.regions:
        level = r.level
        lqs, stages, sim, co = _concentration_tables(_emp(ctx, r), level, ctx.years)
        n_units = _emp(ctx, r).adcode.nunique()
        if n_units > SIMILARITY_MAX_UNITS:
            so.skipped.append((f"similarity for all {n_units} {level} units",
                               f"at most {SIMILARITY_MAX_UNITS} units (the pair table grows with the square); "
                               f"computed for the {SIMILARITY_MAX_UNITS} largest by employment"))
        all_lq.append(lqs)
        all_sim.append(sim)
        poly = _units(r)
        lq_all = lqs[lqs.denominator == "all"]
        lq_na = lqs[(lqs.denominator == "non_agricultural") & lqs.sector.isin(_KEY_GROUPS)]
        g = attach(poly, lq_all, value="lq")
        if len(lq_na):
            g = attach(g, lq_na, value="lq", metric="lq_nonagri")
        if co is not None:
            all_co.append(co)
            g = attach(g, co, value="CA", by=["year"])
            g = attach(g, co.rename(columns={"CA_star": "CAstar"}), value="CAstar", by=["year"])
            ctx.coagglomeration[level] = co
        if stages is not None:
            key = stages[stages.sector.isin(_KEY_GROUPS + ("C_manuf",))]
            g = attach(g, key, value="A", by=["sector"])
            g = attach(g, key, value="stage_en", metric="stage", by=["sector"])
            all_st.append(stages)
            ctx.stages[level] = stages
        so.layers[_layer(r, "concentration")] = g
        ctx.lq[level] = lqs
    lq = pd.concat(all_lq, ignore_index=True)
    cols = ["adcode", "name_zh", "name_en", "level", "year", "sector", "denominator", "lq", "mask_reason",
            "reference", "value", "region_total", "ref_sector_total", "ref_total", "is_zone"]
    so.tables["location_quotients"] = lq[cols]
    if all_st:
        st = pd.concat(all_st, ignore_index=True)
        so.tables["agglomeration_stages"] = st[["adcode", "name_zh", "name_en", "level", "sector", "start_year",
                                                "end_year", "q_start", "q_end", "S_ij", "S_i", "A", "form", "lq_end",
                                                "stage_zh", "stage_en", "mask_reason", "is_zone"]]
    else:
        so.skipped.append(("agglomeration stages", "two census years (growth between them)"))
    so.tables["similarity"] = pd.concat(all_sim, ignore_index=True).rename(columns=_PAIR)
    if all_co:
        so.tables["coagglomeration"] = pd.concat(all_co, ignore_index=True)[
            ["adcode", "name_zh", "name_en", "level", "year", "lq_manufacturing", "lq_producer_services", "CA",
             "CA_star", "mask_reason", "is_zone"]]
    else:
        so.skipped.append(("co-agglomeration", "manufacturing and all five producer-service sections in the table"))
    so.summary += ["## Concentration (location quotients, stages, similarity, co-agglomeration)", "",
                   "LQ reference: the panel of units at each level (rows without polygons included); "
                   "denominator: all industries (non-agricultural also in the tables when agriculture is present). "
                   "An LQ is masked where the unit's own count is below 10 (census sample persons; "
                   "methods.md §1.1).", ""]
    last = max(ctx.years)
    for r in ctx.regions:
        level = r.level
        p = lq[(lq.level == level) & (lq.denominator == "all") & (lq.year == last) & ~lq.is_zone.astype(bool)]
        for grp in ("manufacturing", "producer_services"):
            s = p[p.sector == grp].dropna(subset=["lq"]).sort_values("lq", ascending=False)
            if len(s):
                top = ", ".join(f"{x.name_en} {x.lq:.2f}" for x in s.head(3).itertuples())
                so.summary.append(f"- {level}, {last}, {grp}: highest LQ {top}; "
                                  f"{int((s.lq >= 1).sum())} of {len(s)} units have LQ >= 1.")
        masked = lq[(lq.level == level) & (lq.mask_reason != "")]
        if len(masked):
            by = "; ".join(f"{n} {x}" for x, n in sorted(masked.mask_reason.value_counts().items()))
            so.summary.append(f"- {level}: {len(masked)} of {int((lq.level == level).sum())} LQ values masked "
                              f"and kept in the tables with their reason: {by}.")
    if all_st:
        st = so.tables["agglomeration_stages"]
        for level in ctx.levels:
            p = st[(st.level == level) & (st.sector == "producer_services") & ~st.is_zone.astype(bool)]
            if len(p):
                so.summary.append(f"- {level} producer services, {min(ctx.years)}->{last} stages (A factor form): "
                                  f"{p.stage_en.value_counts().to_dict()}.")
    sim = so.tables["similarity"]
    for r in ctx.regions:
        tot = r.total_employment().reindex(r.units.adcode).sort_values(ascending=False)
        if len(tot) < 2:
            continue
        a, b = sorted(tot.index[:2])
        names = r.units.set_index("adcode")["name_en"]
        cc = sim[(sim.from_adcode == a) & (sim.to_adcode == b) & (sim.from_year == sim.to_year)
                 & (sim.level == r.level)]
        for x in cc.itertuples():
            so.summary.append(f"- {r.level}: the two largest units by employment, {names[a]}-{names[b]}, "
                              f"structural similarity {x.from_year} ({x.sector_set}): S = {x.S:.3f} "
                              f"(Krugman {x.krugman:.3f}, {x.n_sectors} sections).")
    so.summary.append("")
    so.console.append(f"concentration: {len(lq)} LQ values, {len(sim)} similarity pairs")
    return so


def _agglomeration_indicators(emp) -> pd.DataFrame:
    """LQ of manufacturing and producer services (non-agricultural denominator) and co-agglomeration, per unit-year."""
    from .concentration import coagglomeration_table, location_quotient

    den = "non_agricultural" if "A_agri" in set(emp.sector) else "all"
    lq = location_quotient(emp, sectors=["manufacturing", "producer_services"], denominator=den)
    out = coagglomeration_table(lq)[["adcode", "year", "lq_manufacturing", "lq_producer_services", "CA"]]
    return out.rename(columns={"CA": "coagglomeration"})


def _step_coupling(ctx: ReportContext) -> StepOutput:
    from .coupling import coupling_from_indicators, read_indicator_system
    from .layers import attach

    so = StepOutput()
    results, weights_all, inds, systems = [], [], [], []
    for r in ctx.regions:
        if r.indicators is None or r.indicator_system is None:
            so.skipped.append((f"coupling ({r.level})", "an indicator table and system (--indicators)"))
            continue
        system_table = r.indicator_system
        system = read_indicator_system(system_table)
        ind = r.indicators[r.indicators.year.isin(ctx.years)].copy()
        need = set(system_table.indicator)
        if need & set(_AGG_INDICATORS) - set(ind.columns):
            ind = ind.merge(_agglomeration_indicators(_emp(ctx, r)), on=["adcode", "year"], how="left")
        ind = ind[ind.adcode.isin(set(r.units.adcode))].reset_index(drop=True)
        for c in ("name_zh", "name_en"):
            if c not in ind:
                ind[c] = ind.adcode.map(r.units.set_index("adcode")[c])
        ind["level"] = r.level
        res, weights = coupling_from_indicators(ind, system, scaling="global")
        res = pd.concat([ind[["adcode", "name_zh", "name_en", "level", "year"]], res], axis=1)
        results.append(res)
        weights_all.append(weights.assign(level=r.level))
        inds.append(ind)
        systems.append(system_table)
        g = attach(_units(r), res, value="D", by=["year"])
        g = attach(g, res, value="class_en", metric="Dclass", by=["year"])
        so.layers[_layer(r, "coupling")] = g
    if not results:
        return so
    res = pd.concat(results, ignore_index=True)
    weights = pd.concat(weights_all, ignore_index=True)
    sys_all = pd.concat(systems, ignore_index=True).drop_duplicates("indicator")
    extra = [c for c in ("definition", "source") if c in sys_all]
    so.tables["coupling_coordination"] = res[["adcode", "name_zh", "name_en", "level", "year", "U_agglomeration",
                                              "U_innovation", "C", "T", "D", "class_zh", "class_en", "lagging",
                                              "class_level", "class_3", "method", "mask_reason"]]
    so.tables["coupling_weights"] = weights.merge(sys_all[["indicator", *extra]], on="indicator") if extra else weights
    so.tables["coupling_indicators"] = pd.concat(inds, ignore_index=True)
    ctx.coupling = res
    so.summary += ["## Coupling coordination (agglomeration x innovation)", "",
                   "Per level, years pooled, global min-max scaling, epsilon 1e-4, entropy weights, standard C "
                   "(n = 2), alpha = (0.5, 0.5). Agglomeration indicators (LQs, co-agglomeration) come from the "
                   "employment table when the indicator table lacks them; innovation indicators as given.", ""]
    for x in weights.itertuples():
        so.summary.append(f"- weight ({x.level}) {x.subsystem}/{x.indicator}: {x.weight:.3f} (entropy {x.entropy:.3f})")
    for level in res.level.unique():
        for y in ctx.years:
            sub = res[(res.level == level) & (res.year == y)].sort_values("D", ascending=False)
            if len(sub):
                so.summary.append(f"- {level} {y}: D from {sub.D.min():.3f} ({sub.name_en.iloc[-1]}) to "
                                  f"{sub.D.max():.3f} ({sub.name_en.iloc[0]}); lagging "
                                  f"{sub.lagging.value_counts().to_dict()}.")
    so.summary.append("")
    so.console.append(f"coupling: D for {len(res)} unit-years")
    return so


def _step_autocorrelation(ctx: ReportContext) -> StepOutput:
    import warnings

    from ._errors import FewUnitsWarning
    from .autocorrelation import local_moran, moran
    from .layers import attach
    from .weights import spatial_weights

    so = StepOutput()
    mor, lisa = [], []
    for r in ctx.regions:
        level = r.level
        poly = _units(r)
        sw = spatial_weights(poly, kind="queen", transform="r", islands="drop")
        if sw.dropped:
            so.summary.append(f"- {level}: units without a contiguous neighbour left out of the weights: "
                              f"{sw.dropped}.")
        lq = ctx.lq[level]
        lq = lq[(lq.denominator == "all") & lq.sector.isin(["manufacturing", "producer_services"])]
        series = {}
        for (sector, year), g in lq.groupby(["sector", "year"]):
            series[(f"lq_{sector}", int(year))] = g.set_index("adcode")["lq"].reindex(sw.ids)
        if ctx.coupling is not None:
            for year, g in ctx.coupling[ctx.coupling.level == level].groupby("year"):
                series[("coupling_D", int(year))] = g.set_index("adcode")["D"].reindex(sw.ids)
        n = sw.n
        perms, lperms = ("exact", 999) if n <= 10 else (9999, 9999)
        for (metric, year), v in series.items():
            v = v.rename_axis("adcode")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FewUnitsWarning)
                try:
                    rr = moran(v, sw, permutations=perms, seed=SEED, nan="drop")
                    loc = local_moran(v, sw, permutations=lperms, seed=SEED, nan="drop")
                except InputError as exc:  # a constant or too short series: say so, compute nothing
                    so.summary.append(f"- {level} {metric} {year}: not computed ({exc}).")
                    continue
            mor.append(rr.to_frame(metric=metric, level=level, year=year))
            lf = loc.to_frame(metric=metric, level=level, year=year)
            lf["significant_fdr"] = (lf["p_fdr"] <= 0.05) & ~lf["cannot_reach_alpha"]
            lisa.append(lf)
        here = [x for x in lisa if x.level.iloc[0] == level]
        if here:
            g = attach(poly, pd.concat(here, ignore_index=True), value="cluster", metric="lisa", by=["metric", "year"])
            so.layers[_layer(r, "lisa")] = g
    if not mor:
        so.skipped.append(("spatial autocorrelation", "LQs of manufacturing or producer services"))
        return so
    mt = pd.concat(mor, ignore_index=True)
    so.tables["moran"] = mt[["metric", "level", "year", "weights", "n", "I", "EI", "p_sim", "p_exact", "z_sim",
                             "z_norm", "p_norm", "p_norm_sides", "p_sim_sides", "permutations", "seed"]]
    lt = pd.concat(lisa, ignore_index=True)
    so.tables["lisa"] = lt[["adcode", "metric", "level", "year", "Is", "z_sim", "quadrant", "p_sim", "p_fdr",
                            "significant", "min_attainable_p", "cannot_reach_alpha", "significant_fdr", "cluster"]]
    so.summary[:0] = ["## Spatial autocorrelation", "",
                      "Queen contiguity, row-standardised. Up to 10 units: exact inference over all n! orderings "
                      "(read p-values with care at such n); more units: 9,999 seeded permutations "
                      f"(seed {SEED}). Units without a polygon are not in the weights. LISA: conditional "
                      "permutations (999 up to 10 units, else 9,999), p <= 0.05 and reachable with the unit's "
                      "neighbour count; BH-FDR also given.", ""]
    for x in mt.itertuples():
        p = x.p_exact if x.permutations == "exact" else x.p_sim
        kind = "p_exact" if x.permutations == "exact" else "p_sim"
        so.summary.append(f"- {x.level} {x.metric} {x.year}: I = {x.I:.3f} (E[I] = {x.EI:.3f}), {kind} = {p:.4f}")
    for level in ctx.levels:
        sub = lt[(lt.level == level)]
        if len(sub):
            so.summary.append(f"- {level}: {int((sub.cluster != 'ns').sum())} significant LISA unit-results of "
                              f"{len(sub)}; {int(sub.cannot_reach_alpha.sum())} cannot reach p <= 0.05 given their "
                              "neighbour count.")
    so.summary.append("")
    so.console.append(f"autocorrelation: {len(mt)} global Moran's I, {len(lt)} LISA values")
    return so


def _step_network(ctx: ReportContext) -> StepOutput:
    import geopandas as gpd
    from shapely.geometry import LineString

    from .circles import economic_circles
    from .gravity import gravity_ties, tie_centrality

    so = StepOutput()
    targets = [r for r in ctx.regions if r.masses is not None] or ctx.regions[:1]
    for r in targets:
        m, note = r.gravity_masses()
        bad = m.index[m[["P", "G"]].isna().any(axis=1) | (m[["P", "G"]] <= 0).any(axis=1)].tolist()
        if bad:
            so.skipped.append((f"gravity ties ({r.level})", f"positive masses for every unit (missing for {bad[:5]})"))
            continue
        D, unit, dnote, sm = r.distance_matrix()
        if sm is not None:
            so.tables["rail_distances"] = sm.rename(columns=_PAIR)[["from_adcode", "to_adcode", "rail_km", "travel_min"]]
        ties = gravity_ties(m[["P", "G"]], D.loc[m.index, m.index], distance_unit=unit)
        names = r.units.set_index("adcode")["name_en"]
        ties.insert(1, "from_name_en", ties["from"].map(names))
        ties.insert(3, "to_name_en", ties["to"].map(names))
        ties = ties.rename(columns=_PAIR)
        so.tables["gravity_ties"] = ties[["from_adcode", "from_name_en", "to_adcode", "to_name_en", "distance",
                                          "distance_unit", "R", "F", "R_total_from", "b", "k"]]
        nodes, edges = tie_centrality(ties.rename(columns={v: k for k, v in _PAIR.items()}))
        nodes["name_en"] = nodes.adcode.map(names)
        so.tables["tie_centrality"] = nodes
        pts = r.seat_points().set_index("adcode")
        geom = {a: (float(x.lon), float(x.lat)) for a, x in pts.iterrows()}
        sym = ties[ties.from_adcode < ties.to_adcode].merge(
            ties[["from_adcode", "to_adcode", "F"]].rename(columns={"from_adcode": "to_adcode",
                                                                     "to_adcode": "from_adcode", "F": "F_reverse"}),
            on=["from_adcode", "to_adcode"])
        bb = {(a, b) for a, b in zip(edges[edges.backbone]["from"], edges[edges.backbone]["to"])}
        sym["backbone"] = [(a, b) in bb or (b, a) in bb for a, b in zip(sym.from_adcode, sym.to_adcode)]
        so.layers["ties"] = gpd.GeoDataFrame(
            sym[["from_adcode", "from_name_en", "to_adcode", "to_name_en", "distance", "distance_unit", "R", "F",
                 "F_reverse", "backbone"]],
            geometry=[LineString([geom[a], geom[b]]) for a, b in zip(sym.from_adcode, sym.to_adcode)],
            crs="EPSG:4326")
        so.summary += ["## Gravity ties", "",
                       f"R = sqrt(P_i G_i) sqrt(P_j G_j) / D^2 ({r.level}), b = 2, k = 1. Masses: {note.rstrip('.')}. "
                       f"Distance: {dnote}.", ""]
        top = ties[ties.from_adcode < ties.to_adcode].sort_values("R", ascending=False).head(3)
        for x in top.itertuples():
            so.summary.append(f"- strongest tie: {x.from_name_en} - {x.to_name_en}, {x.distance:.0f} "
                              f"{unit.replace('_', ' ')}, R = {x.R:,.0f}" if x.R >= 100 else f"{unit.replace('_', ' ')}, R = {x.R:.4g}")
        so.summary.append("")
        so.console.append(f"gravity: {len(ties)} ties ({r.level})")
    circ = _circle_region(ctx.regions, ctx.options)
    if circ is None:
        so.skipped.append(("economic circles", "centres (--centre)"))
    for r in [circ] if circ is not None else []:
        centres = ctx.options.centres or r.centres
        G = r.transport_graph()
        ctx.graphs[r.level] = G
        units = r.units.copy()
        last = max(ctx.years)
        if r.population is not None:
            py = r.population[r.population.year == min(r.population.year.max(), last)]
            units["population"] = units.adcode.map(py.set_index("adcode")["population"])
        else:
            units["population"] = float("nan")
        units["employment"] = units.adcode.map(r.total_employment())
        totals = r.circle_totals
        if totals is None and r.population is not None:
            py = r.population[r.population.year == r.population.year.max()]
            totals = {"population": float(py.population.sum()),
                      "unplaced_population": float(py[~py.adcode.isin(set(r.units.adcode))].population.sum())}
        circ = economic_circles(G, centres, units=units, minutes=ctx.options.minutes, places=r.place_table(),
                                totals=totals, measure_crs=r.measure_crs)
        cov = circ.coverage.copy()
        for k, v in circ.params.items():
            cov[k] = str(v) if isinstance(v, dict) else v
        so.tables["circles"] = cov
        so.tables["circle_travel_times"] = circ.times
        so.layers["circles"] = circ.polygons
        pr = circ.params
        so.summary += ["## Economic circles (modelled door-to-door minutes)", "",
                       f"Graph: {G.graph.get('source', 'transport graph')}. Door-to-door: the faster of road and rail; "
                       f"access at {pr.get('urban_speed_kph')} km/h from the seat to the station (default "
                       f"{pr.get('access_min')} min where a point is missing), {pr.get('boarding_min')} min boarding, "
                       f"{pr.get('transfer_min')} min per change, egress; roads at {pr.get('road_speed_kph')} km/h x "
                       f"detour {pr.get('detour')} ({pr.get('urban_km')} km in town at each end). Borderline: "
                       f"membership flips under {pr.get('sensitivity')}. See docs/circles.md.", ""]
        for x in cov.itertuples():
            so.summary.append(f"- {x.centre} {x.minutes:.0f}-min circle: {x.n_counties} units, "
                              f"{x.population_share:.1%} of population, {x.area_km2_share:.1%} of area: {x.county_names}"
                              + (f"; borderline: {x.borderline}" if x.n_borderline else ""))
        if circ.params["zones_population_share"]:
            so.summary.append(f"- units without a polygon (development zones) hold "
                              f"{circ.params['zones_population_share']:.1%} of the population and are not counted in "
                              "any circle.")
        so.summary.append("")
        so.console.append(f"circles: {len(cov)} ({', '.join(centres)})")
    return so


def _circle_region(regions, opts):
    """The region whose units circles cover: the first with centres, else (centres given as options) the finest."""
    with_centres = [r for r in regions if r.centres]
    if with_centres:
        return with_centres[0]
    return regions[-1] if opts.centres else None


def _rail_lines(ctx: ReportContext):
    """Rail edges of the graph drawn as straight lines between seat nodes reached through stations (schematic)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    rows = []
    for r in ctx.regions:
        e = r.rail_lines
        if e is not None and r.graph is not None:
            G = r.graph
            pts = {n: (d["lon"], d["lat"]) for n, d in G.nodes(data=True) if "lon" in d}
            geom = [LineString([pts[f"seat:{a}"], pts[f"seat:{b}"]]) for a, b in zip(e.from_code, e.to_code)]
            g = gpd.GeoDataFrame(e, geometry=geom, crs="EPSG:4326")
            g["modelled_geometry"] = True
            rows.append(g)
    return rows[0] if rows else None


def _source_line(ctx: ReportContext) -> str:
    """The figures' source line in plain words: what each input is and where it comes from."""
    names = {"polygons": "boundaries", "employment": "employment"}
    parts = []
    for r in ctx.regions:
        for s in r.sources:
            text = str(s.get("source") or Path(str(s.get("path", ""))).name)
            parts.append(f"{names.get(s.get('name'), str(s.get('name', 'data')).replace('_', ' '))}: {text}")
    return "; ".join(dict.fromkeys(parts))


def _with_reasons(ctx: ReportContext, level: str, g):
    """A copy of an LQ layer with, per LQ column, why the value is masked (from the LQ table), for the map's tooltips."""
    lq = ctx.lq.get(level)
    g = g.copy()
    if lq is None or "mask_reason" not in lq:
        return g
    t = lq[lq.denominator == "all"]
    for (sector, year), sub in t.groupby(["sector", "year"]):
        col = f"lq_{sector}_{year}"
        if col in g:
            g[f"reason_{col}"] = g.adcode.map(sub.set_index("adcode")["mask_reason"]).fillna("")
    return g


#: degrees of context drawn around the region on the report's map
CONTEXT_MARGIN_DEG = 2.0


def _map_context(units, *, margin_deg: float = CONTEXT_MARGIN_DEG):
    """Offline context overlays for the report's map, and one summary line.

    ``units``: the regions' unit GeoDataFrames.  For a region whose bounding box
    meets China: the province outlines and the prefecture-level cities within
    ``margin_deg`` of it (:func:`jilin_spatial.china.context`); cities inside the
    region are left to the region's own seats and names, and so are the name
    labels of provinces whose label point lies in the region.  Elsewhere: no
    layers, and the line says why.
    """
    import numpy as np
    import shapely

    from .china import _province_outlines_cached, context
    from .webmap import MapLayer

    geoms = []
    for u in units:
        if u.crs is not None and u.crs.to_epsg() != 4326:
            u = u.to_crs("EPSG:4326")
        geoms.extend(g for g in u.geometry.values if g is not None and not g.is_empty)
    b = shapely.total_bounds(np.array(geoms, dtype=object)) if geoms else np.full(4, np.nan)
    lonlat = np.isfinite(b).all() and -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90
    if not lonlat or not _province_outlines_cached().geometry.intersects(shapely.box(*b)).any():
        return [], ("- map context: none (the region lies outside China; the offline context the package ships "
                    "covers China only).")
    outlines, cities = context(b, margin_deg=margin_deg)
    tree = shapely.STRtree(geoms)
    inside = np.unique(tree.query(cities.geometry.values, predicate="intersects")[0])
    cities = cities.drop(index=cities.index[inside]).reset_index(drop=True)
    lab = shapely.points(outlines.label_lon.to_numpy(), outlines.label_lat.to_numpy())
    covered = np.unique(tree.query(lab, predicate="intersects")[0])
    outlines.loc[outlines.index[covered], ["label_lon", "label_lat"]] = np.nan
    layers = [MapLayer("Neighbouring provinces (context)", outlines, kind="context", show=True,
                       note="simplified province outlines (about 1 km) from the package's county coverage; "
                            "rivers are not in the package's data and are not drawn")]
    if len(cities):
        layers.append(MapLayer("Cities (context)", cities, kind="context", show=len(cities) <= 40,
                               note="prefecture-level seats outside the region (larger dot: provincial capital); "
                                    "Chinese names"))
    line = (f"- map context (offline, drawn under the thematic layers): {len(outlines)} province outlines and "
            f"{len(cities)} prefecture-level cities outside the region, within {margin_deg:g}° of it, from the "
            "package's national data (simplified outlines, about 1 km); no rivers (the package ships none).")
    return layers, line


def _step_map(ctx: ReportContext) -> StepOutput:
    from .layers import NODATA
    from .webmap import MapLayer, build_map

    so = StepOutput()
    L = ctx.layers
    opts = ctx.options
    layers, figs, notes = [], [], []
    src = _source_line(ctx)
    last = max(ctx.years)
    first = ctx.levels[0]
    default = None
    lq_group = "Location quotient (1 = reference share)"
    for level in ctx.levels:
        g = _with_reasons(ctx, level, L[f"{level}_concentration"])
        for sector, label in (("producer_services", "producer services"), ("manufacturing", "manufacturing")):
            if f"lq_{sector}_{last}" not in g:
                continue
            for y in sorted(ctx.years, reverse=True):
                col = f"lq_{sector}_{y}"
                layers.append(MapLayer(f"{level.title()} LQ {label}", g, col, unit="LQ, all industries", year=y,
                                       group=lq_group, reason=f"reason_{col}"))
                if default is None and level == first and sector == "producer_services" and y == last:
                    default = layers[-1].label
            figs.append((f"{level}_lq_{sector}_{last}", g, f"lq_{sector}_{last}",
                         {"title": f"{level.title()} location quotient, {label}, {last}", "unit": "LQ"}))
        stc = "stage_producer_services"
        if stc in g:
            layers.append(MapLayer(f"{level.title()} stage, producer services {min(ctx.years)}-{last}", g, stc,
                                   group="Comparative-advantage stage"))
            figs.append((f"{level}_stage_producer_services", g, stc,
                         {"title": f"{level.title()} comparative-advantage stage, producer services "
                                   f"{min(ctx.years)}-{last}"}))
    for level in ctx.levels:
        if f"{level}_coupling" not in L:
            continue
        g = L[f"{level}_coupling"]
        for y in sorted(ctx.years, reverse=True):
            if f"D_{y}" in g:
                layers.append(MapLayer(f"{level.title()} coupling D", g, f"D_{y}", unit="D in [0,1]", year=y,
                                       group="Coupling coordination"))
                layers.append(MapLayer(f"{level.title()} coupling class", g, f"Dclass_{y}", year=y,
                                       group="Coupling coordination"))
        if f"D_{last}" in g:
            figs.append((f"{level}_coupling_D", g, f"D_{last}",
                         {"title": f"{level.title()} coupling coordination D, {last}", "unit": "D"}))
    for level in ctx.levels:
        key = f"{level}_lisa"
        if key in L:
            g = L[key]
            col = f"lisa_lq_producer_services_{last}"
            if col in g:
                n_sig = int(g[col].isin(["HH", "LL", "HL", "LH"]).sum())
                note = "queen weights; p <= 0.05; ns = not significant"
                if n_sig == 0:
                    note += (f"; no unit is significant at n = {len(g)} (with so few units significance is out of "
                             "reach)")
                layers.append(MapLayer(f"{level.title()} LISA, LQ producer services", g, col, year=last, note=note,
                                       group="Spatial clusters (LISA)"))
                if n_sig == 0:
                    notes.append(f"- figures/{level}_lisa_producer_services.png is not drawn: no {level} is a "
                                 f"significant LISA cluster at p <= 0.05 with n = {len(g)} units (it would be all "
                                 "grey); the p-values are in tables/lisa.csv.")
                else:
                    figs.append((f"{level}_lisa_producer_services", g, col,
                                 {"title": f"{level.title()} LISA clusters, producer-service LQ, {last}"}))
    if "seats" in L:
        seats = L["seats"]
        names = pd.concat([r.units[["adcode", "name_zh", "name_en"]] for r in ctx.regions]).drop_duplicates("adcode")
        seats = seats.merge(names, on="adcode", how="left")
        layers.append(MapLayer("Seats", seats, kind="points", note="government seats (modelled where marked)"))
    if "ties" in L:
        layers.append(MapLayer("Gravity ties (R)", L["ties"], kind="ties", note="see summary.md for the masses"))
    if "circles" in L:
        layers.append(MapLayer("Economic circles (modelled times)", L["circles"], kind="circles",
                               points=L.get("circle_seats")))
    rail = _rail_lines(ctx)
    if rail is not None:
        layers.append(MapLayer("Rail (schematic)", rail, kind="rail",
                               note="straight lines between seats: modelled geometry"))
    context_layers, context_line = _map_context([r.units for r in ctx.regions])
    layers += context_layers
    ctx.map = build_map(layers, title=f"jilin_spatial report: {ctx.regions[0].name}", lang=opts.lang,
                        tiles=None if opts.tiles == "none" else opts.tiles, default=default)
    wanted = FIGURE_SETS[opts.figures]
    ctx.figures = [(name, g, col, {**kw, "source": src, "labels": opts.lang}) for name, g, col, kw in figs
                   if any(w in name for w in wanted)]
    if len(ctx.figures) < len(figs):
        so.summary.append(f"- figures: {len(ctx.figures)} of {len(figs)} prepared figures drawn (--figures "
                          f"{opts.figures}); --figures all draws every one; the map holds every layer.")
    n_theme = sum(ly.kind in ("numeric", "categorical") for ly in layers)
    so.summary += ["## Map and figures", "",
                   f"- map.html: {n_theme} thematic layers (one shown at a time; default: "
                   f"{default or layers[0].label}) and overlays (outlines, place names, seats, ties, circles, rail, "
                   "context); "
                   f"self-contained (Leaflet 1.9.3 inlined, {'no basemap' if opts.tiles == 'none' else 'OSM tiles'}, "
                   "opens offline). Rail lines and circle travel times are modelled. LQ classes have fixed "
                   "bounds around 1 (< 0.8, 0.8-1, 1-1.25, 1.25-2, >= 2).",
                   f"- figures/: {len(figs)} PNG choropleths with place names, legend, scale bar and north arrow "
                   f"(missing or masked values in grey, {NODATA}).", context_line] + notes + [""]
    so.console.append(f"map: {len(layers)} layers, {len(figs)} figures")
    return so


def _step_productivity(ctx: ReportContext) -> StepOutput:
    so = StepOutput()
    so.skipped.append(("productivity (Malmquist TFP, panel regressions)",
                       "labour, a capital stock (investment series) and real GDP per unit and year"))
    so.summary += ["## Productivity (Malmquist TFP, panel regressions)", "",
                   "Not run on this data: the Malmquist index needs labour, a capital stock and real GDP "
                   "per unit and year, which the report's inputs do not hold. No numbers are shown. Use "
                   "`jilin-spatial tfp --panel FILE ...` or `jilin_spatial.malmquist` and "
                   "`jilin_spatial.panel_regressions` on a panel that has them (examples/07_productivity.py runs on "
                   "a labelled synthetic panel).", ""]
    return so


def _step_regional(ctx: ReportContext) -> StepOutput:
    """Regional comparison (macro-regions of the region's ``groups``): LQ summaries, Moran, LISA clusters, ranks."""
    from .china import regional_comparison

    so = StepOutput()
    grouped = [r for r in ctx.regions if r.groups is not None]
    if not grouped:
        return so
    so.summary += ["## Regional comparison (East/Central/West and the four NBS regions)", "",
                   "High-end producer services = information + finance + scientific research; low-end = transport + "
                   "leasing & business services (methods.md). LQ against all industries; mean, median and "
                   "employment-weighted LQ and the share of units with LQ > 1 by macro-region in "
                   "tables/regional_lq_summary.csv.", ""]
    parts: dict = {}
    for r in grouped:
        tables, lines = regional_comparison(r, ctx.lq[r.level], coagglomeration=ctx.coagglomeration.get(r.level),
                                            lisa=ctx.layers.get(f"{r.level}_lisa"), years=ctx.years, seed=SEED)
        for k, v in tables.items():
            parts.setdefault(k, []).append(v)
        so.summary += lines
    so.tables.update({k: pd.concat(v, ignore_index=True) for k, v in parts.items()})
    so.console.append(f"regional comparison: {len(grouped)} level(s), {len(parts)} tables")
    return so


def _step_papers(ctx: ReportContext) -> StepOutput:
    """The package's results beside the three published studies (embedded Jilin regions only; docs/papers.md)."""
    from . import papers
    from .concentration import similarity_coefficient

    so = StepOutput()
    by_level = {r.level: r for r in ctx.regions if getattr(r, "papers", False)}
    if "prefecture" not in by_level:
        return so  # a user's region: the papers are about Jilin's prefectures
    pref = by_level["prefecture"]
    lq = ctx.lq["prefecture"]
    emp = _emp(ctx, pref)
    parts = []
    if "ties" in ctx.layers:
        t = ctx.layers["ties"]
        t = pd.concat([t[["from_name_en", "to_name_en", "R"]],
                       t[["to_name_en", "from_name_en", "R"]].set_axis(["from_name_en", "to_name_en", "R"], axis=1)])
        parts.append(papers.compare_ties(pd.DataFrame(t)))
    cc, jl = pref.resolve("Changchun"), pref.resolve("Jilin City")
    sims = []
    sets = [("all_sections", None)]
    if "A_agri" in set(emp.sector):
        from .sectors import GROUPS

        sets.append(("non_agricultural", [s for s in GROUPS["non_agricultural"] if s in set(emp.sector)]))
    for name, secs in sets:
        sm = similarity_coefficient(emp, sectors=secs, regions=[cc, jl])
        sm = sm[(sm["from"] == cc) & (sm["to"] == jl) & (sm.from_year == sm.to_year)]
        sims.append(sm.assign(year=sm.from_year, sector_set=name))
    sim = pd.concat(sims, ignore_index=True)
    parts.append(papers.compare_similarity(sim))
    if "prefecture" in ctx.stages:
        parts.append(papers.compare_competitive_industries(lq, ctx.stages["prefecture"], year=min(ctx.years)))
    coup = ctx.coupling[ctx.coupling.level == "prefecture"] if ctx.coupling is not None else None
    if len(ctx.years) >= 2 and "prefecture" in ctx.coagglomeration:
        parts.append(papers.compare_jilin_claims(
            lq=lq, coagglomeration=ctx.coagglomeration["prefecture"], coupling=coup,
            lq_county=ctx.lq.get("county"), employment=emp))
    parts.append(papers.compare_jilin_text(n_units=len(pref.units)))
    all_s = pd.concat([similarity_coefficient(_emp(ctx, r)).S for r in ctx.regions])
    parts.append(papers.compare_coordination_text(similarity_range=(float(all_s.min()), float(all_s.max()))))
    from .china import belt_lq_summary

    parts.append(papers.compare_chen(lq_groups=lq[(lq.denominator == "all") & lq.sector.isin(
        ["producer_services_high", "producer_services_low"])], belts=belt_lq_summary(years=ctx.years)))
    table = pd.concat(parts, ignore_index=True)
    so.tables["paper_comparison"] = table
    counts = papers.verdict_counts(table)
    so.summary += ["## Compared with the papers", "",
                   "Every published figure of the three studies the package implements (data/papers, transcribed "
                   "as printed) beside the package's nearest equivalent on the embedded census data, with a "
                   "verdict, the criterion and the reason they can differ: tables/paper_comparison.csv "
                   f"({len(table)} rows). See docs/papers.md.", "",
                   "| study | " + " | ".join(counts.columns) + " |", "|---|" + "---|" * len(counts.columns)]
    for st, row in counts.iterrows():
        so.summary.append(f"| {papers.STUDIES.get(st, st)} | " + " | ".join(str(int(v)) for v in row) + " |")
    so.summary.append("")

    def lines(mask, fmt):
        for x in table[mask].itertuples():
            so.summary.append(fmt(x))

    tab3 = (table.table == "Table 3") & (table.study == "changchun_jilin_coordination")
    if tab3.any():
        so.summary += ["### Economic ties (coordination study, Table 3)", ""]
        lines(tab3 & ~table.item.str.startswith("R "),
              lambda x: f"- {x.item}: paper {x.paper_value}, package {x.package_value} -> **{x.agrees}** "
                        f"({x.criterion}).")
        so.summary.append(f"- Reason they can differ: {table[tab3].reason.iloc[0]}.")
        so.summary.append("")
    simm = table.table == "similarity"
    so.summary += ["### Structural similarity Changchun-Jilin (UNIDO S)", ""]
    lines(simm, lambda x: f"- {x.item}: paper {x.paper_value}, package {x.package_value} -> **{x.agrees}**.")
    so.summary += [f"- Why the levels differ: {table[simm].reason.iloc[0]}.", ""]
    comp = table.table.isin(["Table 1", "Table 2"]) & (table.study == "changchun_jilin_coordination")
    if comp.any():
        c = table[comp]
        kinds = {"LQ": c.item.str.endswith(": LQ"), "A": c.item.str.endswith("index A"),
                 "stage": c.item.str.contains(": stage")}
        so.summary += ["### Competitive industries (coordination study, Tables 1-2)", "",
                       "Each industry is a manufacturing or mining division, compared with its census section "
                       "(C or B): no value-for-value comparison is possible; classes are compared."]
        for k, m in kinds.items():
            vc = c[m].agrees.value_counts().to_dict()
            so.summary.append(f"- {k}: {vc}")
        own = c[kinds["stage"] & c.reason.str.contains("lists this row as a growing-stage")]
        so.summary.append(f"- The paper's own stage inconsistencies: {len(own)} of {int(kinds['stage'].sum())} "
                          "rows headed 'growing stage' fail its own rule: "
                          + "; ".join(f"{x.item.split(': stage')[0]} -> {x.paper_value}" for x in own.itertuples())
                          + ".")
        so.summary.append("")
    fm = table.table == "findings"
    if fm.any():
        so.summary += ["### Directional findings of the Jilin producer-service study", ""]
        lines(fm, lambda x: f"- {x.item} -> **{x.agrees}**" + (f": {x.package_value}" if x.package_value else "")
              + (f" ({x.reason})" if x.agrees == "not testable" else "."))
        so.summary.append("")
    ch = table.study == "chen_ps_tfp_261_cities"
    so.summary += ["### Chen (261 cities)", "",
                   f"- {int((ch & table.table.str.startswith('Table')).sum())} table cells (Tables 1-3): not "
                   "comparable on census data (the licensed city panel 2003-2017 is needed; run "
                   "`jilin-spatial tfp-study --compare-paper` on one).",
                   "- Method constants: " + "; ".join(
                       f"{x.item} -> {x.agrees}" for x in table[ch & (table.agrees == "agrees")].itertuples()) + "."]
    reg = table[ch & (table.table == "regional pattern")]
    for x in reg.itertuples():
        so.summary.append(f"- {x.item}: {x.paper_value}" + (f"; package: {x.package_value}" if x.package_value
                                                           else "") + f" -> {x.agrees}.")
    so.summary.append("")
    so.console.append(f"papers: {len(table)} published figures compared")
    return so


#: (title, step function) in pipeline order.  Later capabilities append here.
STEPS: list = [("data", _step_data), ("concentration", _step_concentration), ("coupling", _step_coupling),
               ("autocorrelation", _step_autocorrelation), ("network", _step_network),
               ("productivity", _step_productivity), ("map", _step_map), ("regional comparison", _step_regional)]
STEPS.append(("papers", _step_papers))


def _inputs(regions) -> list:
    from .export import embedded_inputs

    paths = [Path(s["path"]) for r in regions for s in r.sources if s.get("path")]
    if any(r.name == "Jilin Province" and not any(s.get("path") for s in r.sources) for r in regions):
        paths += embedded_inputs()
    return sorted(set(paths))


def build_report(out, *, regions=None, force: bool = False, options: ReportOptions | None = None,
                 progress=None, arguments: dict | None = None) -> ReportResult:
    """Run every step the regions' data allow and write the outputs into ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder; must be empty or new unless ``force``.
    regions : list of Region, optional
        One region per level, finest last or first (each is analysed on its own;
        gravity runs where masses are given, circles where centres are).
        Default: :func:`jilin_regions` (the embedded Jilin prefectures and counties).
    force : bool
        Replace a folder written by an earlier run (it carries the manifest
        ``.jilin_spatial_manifest.json`` and holds only the files it lists).
    options : ReportOptions, optional
        Years, centres and minutes.
    progress : callable, optional
        ``progress(message, i, n)`` is called before each step.
    arguments : dict, optional
        Recorded in provenance.json (the CLI passes its parsed arguments).

    Returns
    -------
    ReportResult
        With ``skipped``: (step, missing input) for every step not run.

    Raises
    ------
    OutputExistsError
        ``out`` holds files and ``force`` is false (raised before any work), or
        holds files no run of this package wrote, or was filled during the run.
    InputError
        ``out`` cannot be written; options that do not fit the regions.
    """
    from ._versions import versions

    opts = options or ReportOptions()
    regions = list(regions) if regions is not None else jilin_regions()
    if not regions or not all(isinstance(r, Region) for r in regions):
        raise InputError("regions", "a list of Region objects", repr(regions)[:60],
                         "build them with Region.jilin() or Region.from_files()")
    have = sorted(set.intersection(*(set(r.years) for r in regions)))
    years = tuple(sorted(opts.years)) if opts.years else tuple(have)
    bad = [y for y in years if y not in have]
    if bad or not years:
        raise InputError("--years", f"years the regions hold {have}", repr(list(bad or years)),
                         f"e.g. --years {' '.join(map(str, have))}")
    for c in opts.centres or ():
        _circle_region(regions, opts).resolve(c)
    args = arguments or {"out": str(out), "force": force, "regions": [r.describe() for r in regions],
                         "years": list(years), "centres": list(opts.centres or ()),
                         "minutes": [float(m) for m in opts.minutes], "lang": opts.lang, "tiles": opts.tiles,
                         "figures": opts.figures}
    od = OutputDir(out, force=force, job="report", inputs=_inputs(regions), arguments=args,
                   seeds={"moran": SEED, "local_moran": SEED})
    ctx = ReportContext(regions=regions, options=opts, years=years)
    tables: dict = {}
    summary = [
        f"# jilin_spatial report: {regions[0].name}",
        "",
        f"Generated by jilin_spatial {versions()['jilin_spatial']}. Levels: {', '.join(ctx.levels)}; "
        f"years: {', '.join(map(str, years))}. Storage CRS EPSG:4326; areas and distances in each region's "
        "measuring CRS (listed under Data).",
        "",
        "Provenance: provenance.json lists the package and dependency versions, every input file with its SHA-256, "
        "the arguments and seeds, and the start and end times of this run.",
        "",
    ]
    console: list = []
    skipped: list = []
    for i, (name, fn) in enumerate(STEPS, 1):
        if progress is not None:
            progress(name, i, len(STEPS))
        so = fn(ctx)
        ctx.layers.update(so.layers)
        tables.update(so.tables)
        summary += so.summary
        console += so.console
        skipped += so.skipped
    summary += ["## Steps skipped", ""]
    summary += [f"- {step}: needs {what}." for step, what in skipped] or ["- none"]
    summary.append("")
    md = "\n".join(summary)
    id_name = regions[0].id_name
    out_layers = _with_id(ctx.layers, id_name)
    tables["layer_metadata"] = _layer_metadata(out_layers)
    with od as staging:
        write_gpkg_layers({**out_layers, "layer_metadata": tables["layer_metadata"]}, staging / "layers.gpkg",
                          timestamp=od.timestamp)
        for name, df in tables.items():
            write_csv(_with_id({name: df}, id_name)[name], staging / "tables" / f"{name}.csv")
        (staging / "summary.md").write_text(md, encoding="utf-8")
        if ctx.map is not None:
            from .figures import choropleth_png
            from .webmap import save_map

            save_map(ctx.map, staging / "map.html")
            (staging / "figures").mkdir()
            for name, g, col, kw in ctx.figures:
                choropleth_png(g, col, staging / "figures" / f"{name}.png", **kw)
    return ReportResult(out=od.target, layers={k: len(v) for k, v in ctx.layers.items()}, tables=sorted(tables),
                        summary_md=md, console=console, skipped=skipped)


def _layer_metadata(layers: dict) -> pd.DataFrame:
    """Title, unit and description of every column of every layer, from the layer registry (``layers.LAYER_SPECS``)."""
    from .layers import gpkg_metadata

    rows = []
    for name, g in layers.items():
        m = gpkg_metadata(g, unknown="skip")
        rows.append(m.assign(layer=name))
        for c in m.attrs.get("skipped", []):
            rows.append(pd.DataFrame([{"layer": name, "column": c, "key": c, "kind": "attribute", "title": c,
                                       "unit": "", "description": "not in the layer registry"}]))
    out = pd.concat(rows, ignore_index=True)
    return out[["layer", "column", "key", "kind", "title", "unit", "description"]]


def _with_id(frames: dict, id_name: str) -> dict:
    """Outputs carry the caller's id column name instead of the internal ``adcode``."""
    if id_name == "adcode":
        return frames
    out = {}
    for k, df in frames.items():
        ren = {c: c.replace("adcode", id_name) for c in df.columns if "adcode" in c}
        ren = {c: n for c, n in ren.items() if n not in df.columns}  # never two columns of one name
        out[k] = df.rename(columns=ren)
    return out
