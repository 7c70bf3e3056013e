"""A region is data: units, tables, seats, links (``docs/architecture.md``).

A :class:`Region` holds everything an analysis of one level of one region
needs, validated when it is built:

* ``units``: polygons in EPSG:4326 with ``adcode`` (the caller's id, as text;
  the caller's column name is kept in ``id_name`` and restored in outputs),
  ``name_zh``/``name_en`` and an optional ``parent_adcode``;
* ``employment``: tidy ``adcode, sector, year, value`` with sector keys of
  :mod:`jilin_spatial.sectors` (rows without a polygon are allowed only when
  flagged ``is_zone``; they are counted in references, never drawn);
* optional ``population`` (``adcode, year, population``), ``indicators`` and
  ``indicator_system`` (coupling), ``masses`` (gravity ``P``, ``G``), ``seats``
  (``adcode, lon, lat``), a transport ``graph`` and default ``centres``;
* its ``name``, ``level``, ``sources``, ``notes`` and the ``measure_crs``
  (an equal-area CRS fitted to its bounds unless given);
* optional extras a recipe provides: ``tables`` (written as they are),
  ``layers`` (e.g. an outline), ``rail_lines`` (seat-to-seat rail edges for a
  schematic map layer), ``places`` (a name table for centres) and
  ``circle_totals`` (reference totals for circle shares), and ``groups``
  (``adcode`` -> macro-region columns, e.g. ``region_3belt``; the report then
  adds a regional comparison).

Constructors: :meth:`Region.jilin` (the embedded default, built by the
recipe in :mod:`jilin_spatial.jilin`), :meth:`Region.from_files` (the user's
files, through :mod:`jilin_spatial.io`), and :meth:`Region.aggregate` (sum to
the parent level).  Metrics never see a Region: jobs take the tables out of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._errors import IdMismatchError, InputError, InputTypeError

__all__ = ["Region", "PLURALS"]

#: Layer names of the units of a level in the outputs.
PLURALS = {"prefecture": "prefectures", "county": "counties", "province": "provinces"}


def _frame(obj, argument, need):
    if obj is None:
        return None
    if not isinstance(obj, pd.DataFrame):
        raise InputTypeError(argument, "a pandas DataFrame", type(obj).__name__, f"pass a table with columns {need}")
    miss = [c for c in need if c not in obj.columns]
    if miss:
        raise InputError(argument, f"columns {need}", f"missing {miss} (have {list(obj.columns)})",
                         "rename the columns")
    out = obj.copy()
    if "adcode" in out:
        out["adcode"] = out["adcode"].astype(str)
    return out


@dataclass
class Region:
    """One level of one region, as data.  Build it with a constructor; every part is validated.

    Examples
    --------
    >>> r = Region.jilin("prefecture")
    >>> r.name, r.level, len(r.units), sorted(r.employment.year.unique().tolist())
    ('Jilin Province', 'prefecture', 9, [2010, 2020])
    >>> r.resolve("长春")
    '220100'
    """

    name: str
    level: str
    units: object
    employment: pd.DataFrame
    id_name: str = "adcode"
    population: pd.DataFrame | None = None
    indicators: pd.DataFrame | None = None
    indicator_system: pd.DataFrame | None = None
    masses: pd.DataFrame | None = None
    seats: pd.DataFrame | None = None
    graph: object = None
    centres: tuple = ()
    minutes: tuple = (30, 60, 90)
    measure_crs: str = ""
    parent_level: str | None = None
    sources: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    circle_totals: dict | None = None
    places: pd.DataFrame | None = None
    layers: dict = field(default_factory=dict)
    rail_lines: pd.DataFrame | None = None
    graph_factory: object = None
    rail_edges: pd.DataFrame | None = None
    groups: pd.DataFrame | None = None
    papers: bool = False  # the embedded Jilin data: the report sets the published studies beside it

    def __post_init__(self):
        import geopandas as gpd

        from .crs import fitted_crs

        if not isinstance(self.units, gpd.GeoDataFrame):
            raise InputTypeError("units", "a GeoDataFrame of polygons", type(self.units).__name__,
                                 "read them with jilin_spatial.io.read_polygons")
        if "adcode" not in self.units.columns:
            raise InputError("units", "an 'adcode' id column", f"columns {list(self.units.columns)}",
                             "read them with io.read_polygons(path, id_col=...)")
        if self.units.crs is None:
            raise InputError("units", "polygons with a CRS", "crs=None", "set_crs('EPSG:4326')")
        u = self.units.to_crs("EPSG:4326") if str(self.units.crs).upper() != "EPSG:4326" else self.units.copy()
        u["adcode"] = u["adcode"].astype(str)
        if u["adcode"].duplicated().any():
            dup = u.loc[u["adcode"].duplicated(), "adcode"].tolist()[:5]
            raise IdMismatchError("units", "one polygon per id", f"duplicated ids {dup}", "dissolve them first")
        for col in ("name_zh", "name_en"):
            if col not in u:
                other = "name_en" if col == "name_zh" else "name_zh"
                u[col] = u[other] if other in u else u["adcode"]
        self.units = u.reset_index(drop=True)
        emp = _frame(self.employment, "employment", ["adcode", "sector", "year", "value"])
        if "is_zone" not in emp:
            emp["is_zone"] = False
        stray = sorted(set(emp.loc[~emp["is_zone"].astype(bool), "adcode"]) - set(u["adcode"]))
        if stray:
            raise IdMismatchError("employment", "an id of the units for every row not flagged is_zone",
                                  f"{len(stray)} ids without a polygon {stray[:8]}",
                                  "add their polygons, drop them explicitly, or flag them is_zone=True")
        for col in ("name_zh", "name_en"):
            if col not in emp:
                emp[col] = emp["adcode"].map(u.set_index("adcode")[col])
        self.employment = emp
        self.population = _frame(self.population, "population", ["adcode", "year", "population"])
        self.indicators = _frame(self.indicators, "indicators", ["adcode", "year"])
        if self.masses is not None:
            if not isinstance(self.masses, pd.DataFrame) or not {"P", "G"} <= set(self.masses.columns):
                raise InputError("masses", "a DataFrame indexed by id with columns P and G",
                                 type(self.masses).__name__, "e.g. pd.DataFrame({'P': gdp, 'G': pop})")
        self.seats = _frame(self.seats, "seats", ["adcode", "lon", "lat"])
        self.groups = _frame(self.groups, "groups", ["adcode"])
        if not self.measure_crs:
            self.measure_crs = fitted_crs(u)
        self.centres = tuple(self.centres)
        for c in self.centres:
            self.resolve(c)

    # -------------------------------------------------------------- constructors

    @classmethod
    def jilin(cls, level: str = "county") -> Region:
        """The embedded Jilin Province at ``level`` ("prefecture" or "county"), built by :mod:`jilin_spatial.jilin`."""
        from . import jilin

        return jilin.region(level)

    @classmethod
    def china(cls, level: str = "county", *, provinces=None, years=(2010, 2020),
              reference: str = "national") -> Region:
        """China, or some ``provinces``, at ``level`` ("county" or "prefecture") from the shipped national pack,
        with macro-region ``groups``; built by :func:`jilin_spatial.china.region` (see it for the rules)."""
        from . import china

        return china.region(level, provinces=provinces, years=years, reference=reference)

    @classmethod
    def from_files(cls, polygons, *, id_col: str, table, name_col: str | None = None, form: str = "wide",
                   year: int | None = None, letters: str | None = None, poly_id_col: str | None = None,
                   population=None, population_col: str = "population", indicators=None, indicator_system=None,
                   seats=None, rail=None, centres=(), minutes=(30, 60, 90), parent_col: str | None = None,
                   level: str = "unit", name: str | None = None, encoding: str | None = None,
                   sep: str | None = None, invalid: str = "raise", on_mismatch: str = "raise",
                   sector_names: str = "auto") -> Region:
        """A region from the user's files.

        Parameters
        ----------
        polygons : path
            GeoPackage, GeoJSON or Shapefile with ``poly_id_col`` (default ``id_col``).
        id_col : str
            Unit id column of the table (and the polygons); kept as the id name in outputs.
        table : path or list of paths
            Employment by unit and sector, CSV or Excel, ``form="wide"`` (one column
            per sector, default) or ``"long"`` (``sector, year, value``).  Several
            tables (e.g. one per census) with one ``year`` each.  Sector
            headers may be keys, census section names in Chinese (both GB/T 4754
            wordings), English names, or letters with ``letters`` ("2002"/"2017")
            (:func:`jilin_spatial.sectors.match_sectors`).
        name_col : str, optional
            Unit names (polygons and/or table); used for labels and to resolve centres.
        year : int or list of int, optional
            Year of a wide table without a year column (one per table).
        population : path, optional
            CSV with ``id_col``, ``population_col`` and optionally ``year``.
        indicators, indicator_system : path, optional
            Coupling indicators (``id_col``, ``year``, one column per indicator) and
            the system table (``subsystem, indicator, direction``).  Without a system:
            agglomeration = LQ of manufacturing, of producer services and their
            co-agglomeration (computed from the table), innovation = every column of
            the indicator table, all positive (stated in the summary).
        seats : path, optional
            CSV with ``id_col``, ``lon``, ``lat`` (WGS84); default: representative
            points of the polygons (modelled).
        rail : path, optional
            Rail edges CSV (``from, to, rail_km, mode`` [, ``travel_min``]) between
            unit ids or station names; seats connect to stations named like their id.
        centres : iterable of str
            Circle centres (ids or names of units).
        parent_col : str, optional
            Parent id column of the polygons, for :meth:`aggregate`.
        level, name : str
            Names used in outputs.
        encoding, sep : str, optional
            Text encoding and delimiter of CSV files (default: UTF-8 then GB18030; sniffed).
        invalid : {"raise", "repair"}
            Invalid polygons.
        on_mismatch : {"raise", "warn"}
            Table ids without a polygon: raise, or warn and keep them as rows
            without a polygon (``is_zone``: counted in references, never drawn).
        sector_names : {"auto", "census", "as_is"}
            ``"census"``: every header must map to a GB/T 4754 section (unrecognised
            ones are listed in an error); ``"as_is"``: keep the labels (your own
            classification; groups such as producer services are then not formed);
            ``"auto"`` (default): ``"census"`` when any header is recognised, else ``"as_is"``.

        """
        from . import io

        poly = io.read_polygons(polygons, id_col=poly_id_col or id_col, name_col=name_col, invalid=invalid)
        if parent_col:
            if parent_col not in poly.columns:
                raise InputError("parent_col", "a column of the polygons", repr(parent_col),
                                 f"choose from {list(poly.columns)}")
            poly["parent_adcode"] = io._id_strings(poly[parent_col])
        tables = list(table) if isinstance(table, (list, tuple)) else [table]
        years = list(year) if isinstance(year, (list, tuple)) else [year] * len(tables)
        if len(years) != len(tables):
            raise InputError("year", f"one year per table ({len(tables)} tables)", repr(year),
                             "pass --year 2010 2020 for --table t2010.csv t2020.csv")
        parts = []
        for tab, yr in zip(tables, years):
            raw = io._read_any_table(tab, encoding=encoding, sep=sep)
            skip = {id_col, "year"} | ({name_col} if name_col else set())
            sectors = [c for c in raw.columns if c not in skip] if form == "wide" else None
            part = io.read_table(tab, id_col=id_col, form=form, year=yr, sectors=sectors, encoding=encoding, sep=sep)
            parts.append(_sector_keys(part, letters, sector_names))
        emp = pd.concat(parts, ignore_index=True)
        dup = emp.duplicated(["adcode", "sector", "year"])
        if dup.any():
            raise IdMismatchError("table", "one value per unit, sector and year across the tables",
                                  f"{int(dup.sum())} repeated, e.g. year {int(emp[dup].year.iloc[0])}",
                                  "give each table its own --year")
        if name_col and name_col in raw.columns and not {"name_zh", "name_en"} & set(poly.columns):
            names = raw.drop_duplicates(id_col).set_index(io._id_strings(raw[id_col]))[name_col]
            poly["name_zh"] = poly["adcode"].map(names)
        io.check_pairing(emp, poly, on_mismatch=on_mismatch)
        emp["is_zone"] = ~emp["adcode"].isin(set(poly["adcode"]))
        pop = None
        if population is not None:
            p = io._read_any_table(population, encoding=encoding)
            for c in (id_col, population_col):
                if c not in p.columns:
                    raise InputError("population", f"a column {c!r}", f"columns {list(p.columns)}",
                                     "pass population_col= / id_col=")
            years = sorted(emp.year.unique())
            pop = pd.DataFrame({"adcode": io._id_strings(p[id_col]),
                                "year": p["year"].astype(int) if "year" in p else max(years),
                                "population": io._numeric(p[population_col], "population")})
        ind = system = None
        if indicators is not None:
            i = io._read_any_table(indicators, encoding=encoding)
            if id_col not in i.columns or "year" not in i.columns:
                raise InputError("indicators", f"columns {id_col!r} and 'year'", f"columns {list(i.columns)}",
                                 "add them")
            ind = i.rename(columns={id_col: "adcode"})
            ind["adcode"] = io._id_strings(ind["adcode"])
            ind["year"] = ind["year"].astype(int)
            for c in ind.columns:
                if c not in ("adcode", "year", name_col):
                    ind[c] = io._numeric(ind[c], c)
            if indicator_system is None:
                own = [c for c in ind.columns if c not in ("adcode", "year", name_col)]
                system = pd.DataFrame(
                    [{"subsystem": "agglomeration", "indicator": k, "direction": "positive",
                      "definition": "computed from the employment table"} for k in
                     ("lq_manufacturing", "lq_producer_services", "coagglomeration")]
                    + [{"subsystem": "innovation", "indicator": k, "direction": "positive",
                        "definition": "from the indicator table; direction assumed positive"} for k in own])
            else:
                system = io._read_any_table(indicator_system, encoding=encoding)
        st = None
        if seats is not None:
            s = io._read_any_table(seats, encoding=encoding)
            for c in (id_col, "lon", "lat"):
                if c not in s.columns:
                    raise InputError("seats", f"a column {c!r}", f"columns {list(s.columns)}",
                                     "a CSV with id, lon, lat (WGS84)")
            st = pd.DataFrame({"adcode": io._id_strings(s[id_col]), "lon": io._numeric(s["lon"], "lon"),
                               "lat": io._numeric(s["lat"], "lat"), "modelled": False})
            bad = ~(st.lon.between(-180, 180) & st.lat.between(-90, 90))
            if bad.any():
                raise InputError("seats", "lon/lat in degrees (WGS84)", f"{int(bad.sum())} points out of range, "
                                 f"ids {st.adcode[bad].tolist()[:5]}", "reproject the seats to EPSG:4326")
        sources = [{"name": "table", "path": str(t)} for t in tables] + [{"name": "polygons", "path": str(polygons)}]
        sources += [{"name": k, "path": str(v)} for k, v in (("population", population), ("indicators", indicators),
                                                            ("seats", seats), ("rail", rail)) if v is not None]
        reg = cls(name=name or Path(str(polygons)).stem, level=level, units=poly, employment=emp, id_name=id_col,
                  population=pop, indicators=ind, indicator_system=system, seats=st, minutes=tuple(minutes),
                  parent_level="parent" if parent_col else None, sources=sources)
        if rail is not None:
            reg.rail_edges = io._read_any_table(rail, encoding=encoding)
            reg.graph = reg.build_graph()
        if centres:
            reg.centres = tuple(centres)
            for c in reg.centres:
                reg.resolve(c)
        return reg

    # -------------------------------------------------------------- derived data

    def aggregate(self, level: str | None = None, *, units=None) -> Region:
        """Sum the units to their parents (``parent_adcode``): employment and population by parent and year.

        Polygons are dissolved by parent unless ``units`` (parent polygons with
        ``adcode``) are given.  Indicators, masses, seats and the graph do not
        aggregate and are dropped (a note says so).

        Examples
        --------
        >>> c = Region.jilin("county")
        >>> p = c.aggregate("prefecture")
        >>> len(p.units), int(p.employment.query("year == 2020 and sector == 'C_manuf'").value.sum())
        (9, 82993)
        """
        if "parent_adcode" not in self.units.columns:
            raise InputError("units", "a parent_adcode column to aggregate", f"columns {list(self.units.columns)}",
                             "pass parent_col= to Region.from_files")
        parent = self.units.set_index("adcode")["parent_adcode"]
        emp = self.employment.copy()
        if "prefecture_adcode" in emp and emp["adcode"].map(parent).isna().any():
            par = emp["adcode"].map(parent).fillna(emp["prefecture_adcode"])
        else:
            par = emp["adcode"].map(parent)
        if par.isna().any():
            raise IdMismatchError("employment", "a parent for every row", f"{int(par.isna().sum())} rows without one",
                                  "give every unit a parent")
        emp["adcode"] = par.astype(str)
        emp = emp.groupby(["adcode", "sector", "year"], as_index=False)["value"].sum(min_count=1)
        emp["is_zone"] = False
        if units is None:
            g = self.units.dissolve(by="parent_adcode", as_index=False)[["parent_adcode", "geometry"]]
            g = g.rename(columns={"parent_adcode": "adcode"})
        else:
            g = units.copy()
        pop = None
        if self.population is not None:
            p = self.population.copy()
            p["adcode"] = p["adcode"].map(parent)
            pop = p.dropna(subset=["adcode"]).groupby(["adcode", "year"], as_index=False)["population"].sum()
        notes = self.notes + [f"{level or 'parent'} units are sums of the {self.level} units (employment, "
                              "population); indicators, masses, seats and links do not aggregate."]
        return Region(name=self.name, level=level or self.parent_level or "parent", units=g, employment=emp,
                      id_name=self.id_name, population=pop, measure_crs=self.measure_crs, sources=self.sources,
                      notes=notes)

    def place_table(self) -> pd.DataFrame:
        """Names that resolve to units of this region: ``adcode, key`` (first match wins)."""
        from .circles import place_keys

        return self.places if self.places is not None else place_keys(self.units)

    def resolve(self, name) -> str:
        """The id of a place of this region, from its id or a name (Chinese or English, with or without suffix).

        Raises
        ------
        InputError
            A name not in this region, with suggestions from this region only.
        """
        from .circles import resolve_place

        return resolve_place(name, self.place_table(), where=f"{self.name} ({self.level})")[len("seat:"):]

    def seat_points(self) -> pd.DataFrame:
        """``adcode, lon, lat, modelled``: the given seats, else representative points (modelled)."""
        if self.seats is not None:
            s = self.seats.copy()
            if "modelled" not in s:
                s["modelled"] = False
            missing = sorted(set(self.units.adcode) - set(s.adcode))
            if not missing:
                return s
            rest = self.units[self.units.adcode.isin(missing)]
        else:
            s, rest = None, self.units
        rp = rest.to_crs(self.measure_crs).representative_point().to_crs("EPSG:4326")
        rp = pd.DataFrame({"adcode": rest.adcode.to_numpy(), "lon": rp.x.to_numpy(), "lat": rp.y.to_numpy(),
                           "modelled": True})
        return rp if s is None else pd.concat([s, rp], ignore_index=True)

    def build_graph(self, *, rail_edges: pd.DataFrame | None = None, speeds_kph=None, **trip):
        """A transport graph: rail edges (``rail_edges``, default the region's) plus seats with access edges and a
        road between every pair of contiguous units (road is always an alternative; ``docs/circles.md``).

        ``trip`` are the door-to-door parameters of :func:`jilin_spatial.network.connect_seats` (``access_min``,
        ``road_speed_kph``, ``detour``, ``urban_speed_kph``, ``urban_km``, ``boarding_min``, ``transfer_min``,
        ``road_times``), with its documented defaults.
        """
        import networkx as nx

        from .network import connect_seats, graph_from_edges
        from .weights import spatial_weights

        rail_edges = self.rail_edges if rail_edges is None else rail_edges
        seats = self.seat_points().assign(level=self.level)
        if rail_edges is not None:
            e = rail_edges.copy()
            for c in ("from", "to"):
                if c in e:
                    e[c] = e[c].astype(str)
            G = graph_from_edges(e, speeds_kph=speeds_kph)
            seats["stations"] = [a if a in G else "" for a in seats.adcode]
        else:
            G = nx.Graph()
            seats["stations"] = ""
        nb = spatial_weights(self.units, kind="queen", islands="zero").w.neighbors
        H = connect_seats(G, seats, road="all", neighbours=nb, **trip)
        H.graph["source"] = ("user rail edges; access and roads modelled" if rail_edges is not None
                             else "modelled roads between neighbouring units only (no rail given)")
        return H

    def transport_graph(self, **params):
        """The region's graph: ``graph`` as given when no ``params``; else rebuilt with them.

        ``params`` (``speeds_kph``, ``access_min``, ``road_speed_kph``, ``detour``) go to the
        recipe's ``graph_factory`` when there is one, else to :meth:`build_graph`.
        """
        if not params and self.graph is not None:
            return self.graph
        if self.graph_factory is not None:
            return self.graph_factory(**params)
        G = self.build_graph(**params)
        if not params:
            self.graph = G
        return G

    def gravity_masses(self) -> tuple[pd.DataFrame, str]:
        """Masses ``P``, ``G`` by unit and where they come from: the region's own masses, else population,
        else employment (both masses the same), named in the returned note."""
        if self.masses is not None:
            return self.masses, self.masses.attrs.get("note", "masses given with the region")
        ids = self.units.adcode
        if self.population is not None:
            y = int(self.population.year.max())
            p = self.population[self.population.year == y].set_index("adcode")["population"].reindex(ids)
            return pd.DataFrame({"P": p, "G": p}), f"population ({y}) as both masses (no GDP given)"
        e = self.total_employment().reindex(ids)
        return (pd.DataFrame({"P": e, "G": e}),
                f"employment ({max(self.years)}, all sections) as both masses (no population given)")

    def distance_matrix(self):
        """Distances between the units' seats: ``(matrix, unit, note, seat_matrix or None)``.

        Rail km (shortest, on rail edges) when the graph links every pair of this
        level's seats; otherwise great-circle km between the seats (or the
        representative points, modelled).
        """
        from .network import great_circle_matrix, pair_matrix, seat_matrix

        G = self.graph
        if G is not None and any(d.get("mode") in ("high-speed", "conventional") for _, _, d in G.edges(data=True)):
            sm = seat_matrix(G, level=self.level)
            ids = set(sm["from"]) | set(sm["to"])
            if len(sm) and sm.reachable.all() and set(self.units.adcode) <= ids:
                return pair_matrix(sm, "rail_km"), "rail_km", "rail km between seats (shortest, on rail edges)", sm
        kind = "seat points" if self.seats is not None else "representative points (modelled)"
        return (great_circle_matrix(self.seat_points()), "great_circle_km",
                f"great-circle km between {kind}, modelled", None)

    def describe(self) -> str:
        """One line: name, level, units, years, what is present."""
        parts = [f"{self.name} ({self.level}): {len(self.units)} units",
                 f"years {sorted(int(y) for y in self.employment.year.unique())}"]
        for k in ("population", "indicators", "masses", "seats", "graph"):
            if getattr(self, k) is not None:
                parts.append(k)
        return ", ".join(parts)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.employment.year.unique())

    def total_employment(self) -> pd.Series:
        """Employment of all sections by unit for the last year (TOTAL rows if present)."""
        e = self.employment[self.employment.year == max(self.years)]
        tot = e[e.sector == "TOTAL"]
        if len(tot):
            return tot.set_index("adcode")["value"]
        return e.groupby("adcode")["value"].sum(min_count=1)


def _sector_keys(table: pd.DataFrame, letters, sector_names) -> pd.DataFrame:
    """The table with census-style sector labels mapped to sector keys (per table: vintages differ)."""
    from .sectors import match_sectors

    if sector_names not in ("auto", "census", "as_is"):
        raise InputError("sector_names", "one of ['auto', 'census', 'as_is']", repr(sector_names),
                         "pass sector_names='auto'")
    labels = list(table["sector"].unique())
    if sector_names == "census" or (sector_names == "auto" and _any_known(labels, letters)):
        table = table.assign(sector=table["sector"].map(match_sectors(labels, letters=letters, argument="table")))
    return table


def _any_known(labels, letters) -> bool:
    """Whether any label is a recognised sector header (then all of them must be)."""
    from .sectors import match_sectors

    for lab in labels:
        try:
            match_sectors([lab], letters=letters or "2017")
        except InputError:
            continue
        return True
    return False
