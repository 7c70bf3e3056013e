"""Join metric results to polygons as map layers, and describe each layer.

:func:`attach` turns a tidy result (one row per unit and key) into a new
GeoDataFrame with one clearly named column per metric, sector and year,
e.g. ``lq_C_manuf_2020`` or ``lq_nonagri_producer_services_2010``.

The layer registry :data:`LAYER_SPECS` is the one place that says, for each
kind of layer column, its title, unit, kind (numeric or categorical),
classing (scheme, k, colour map) or category colours in legend order, and a
description.  :func:`layer_spec` finds the spec of a column such as
``lq_manufacturing_2020`` or ``lisa_lq_producer_services_2010``; the web map
(:class:`jilin_spatial.webmap.MapLayer`), the figures
(:func:`jilin_spatial.figures.choropleth_png`) and the GeoPackage metadata
(:func:`gpkg_metadata`) all read it, so one column looks the same everywhere.
Renderers read this module and never a metric module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ._errors import InputError, check_choice
from .coupling import CLASSES_10

__all__ = ["attach", "column_name", "LayerSpec", "LAYER_SPECS", "layer_spec", "layer_style", "gpkg_metadata",
           "known_patterns", "ATTRIBUTES", "NODATA", "LISA_COLORS", "HOTCOLD_COLORS", "STAGE_COLORS", "CLASS3_COLORS",
           "COUPLING_COLORS", "COUPLING_COLORS_ZH", "KINDS", "DEFAULT_STYLE", "LQ_BREAKS", "LQ_COLORS"]

#: the kinds of polygon layer a spec can describe
KINDS = ("numeric", "categorical")
#: colour of missing, masked, unknown or not-significant values
NODATA = "#d3d3d3"
#: GeoDa / esda LISA cluster colours (quadrant of a significant unit; ``ns`` not significant), legend order
LISA_COLORS = MappingProxyType({"HH": "#d7191c", "LL": "#2c7bb6", "LH": "#abd9e9", "HL": "#fdae61", "ns": NODATA})
#: Getis-Ord Gi* hot and cold spots (GeoDa's colours; ``ns`` not significant)
HOTCOLD_COLORS = MappingProxyType({"hot": "#d7191c", "cold": "#2c7bb6", "ns": NODATA})
#: comparative-advantage stages (``concentration.STAGES``), in the order of the life cycle; ColorBrewer PuOr
#: (purple = rising, orange = high or falling), colour-blind safe: no red/green pair
STAGE_COLORS = MappingProxyType({"formative": "#b2abd2", "growing": "#5e3c99", "mature": "#e66101",
                                 "declining": "#fdb863"})
#: coarse coupling classes (``coupling.CLASSES_3``); ColorBrewer RdYlBu, colour-blind safe
CLASS3_COLORS = MappingProxyType({"low": "#fc8d59", "medium": "#ffffbf", "high": "#91bfdb"})
# ColorBrewer RdYlBu (10 classes, colour-blind safe): disorder red, coordination blue
_COUPLING_10 = ("#a50026", "#d73027", "#f46d43", "#fdae61", "#fee090", "#e0f3f8", "#abd9e9", "#74add1", "#4575b4",
                "#313695")
#: fixed LQ class bounds: classes < 0.8, 0.8 to < 1, 1 to < 1.25, 1.25 to < 2, >= 2 (lower bound included)
LQ_BREAKS = (0.8, 1.0, 1.25, 2.0)
#: LQ class colours, diverging at 1 (ColorBrewer RdBu, colour-blind safe): blue below the reference share, red above
LQ_COLORS = ("#4393c3", "#d1e5f0", "#fddbc7", "#f4a582", "#b2182b")
#: the 10 coupling-coordination classes (``coupling.CLASSES_10``, English labels), lowest first
COUPLING_COLORS = MappingProxyType({en: c for (_, en), c in zip(CLASSES_10, _COUPLING_10)})
#: the same colours keyed by the Chinese class labels
COUPLING_COLORS_ZH = MappingProxyType({zh: c for (zh, _), c in zip(CLASSES_10, _COUPLING_10)})
#: what a column outside the registry gets when the caller gives nothing (the renderers' historical defaults)
DEFAULT_STYLE = MappingProxyType({"kind": "numeric", "unit": "", "scheme": "quantiles", "k": 5, "cmap": "YlOrRd",
                                  "colors": None, "bins": None, "palette": None})

_FIELDS = {"year": r"\d{4}"}  # every other placeholder: one or more characters
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _compile(pattern: str):
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(pattern):
        parts.append(re.escape(pattern[pos:m.start()]))
        parts.append(f"(?P<{m.group(1)}>{_FIELDS.get(m.group(1), '.+?')})")
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    return re.compile("".join(parts))


@dataclass(frozen=True)
class LayerSpec:
    """How one kind of layer column is titled, measured, classed and coloured.

    Parameters
    ----------
    key : str
        Registry key, e.g. ``"lq"``, ``"lisa"``, ``"coupling_class"``.
    patterns : tuple of str
        Column names this spec describes, most specific first, with
        placeholders ``{year}`` (four digits) and ``{sector}``, ``{metric}``
        ... (any text), e.g. ``"lq_{sector}_{year}"``.
    title : str
        Title template; parts separated by ``", "`` are dropped when a
        placeholder in them is not in the column, e.g.
        ``"Location quotient, {sector}, {year}"``.
    unit : str
        Unit of a numeric value; ``""`` for a categorical layer (a class has no unit).
    kind : {"numeric", "categorical"}
    scheme : {"quantiles", "natural_breaks", "user_defined", "fixed_breaks"} or None
        Classing of a numeric layer (None for categorical).  ``"fixed_breaks"``:
        the classes are the intervals between ``bins`` (lower bound included),
        the same on every map whatever the data, all in the legend.
    k : int or None
        Number of classes of a numeric layer.
    cmap : str or None
        matplotlib colour map of a numeric layer.
    bins : tuple of float or None
        Class upper bounds for ``scheme="user_defined"``; class bounds for ``"fixed_breaks"``.
    palette : tuple of str or None
        One colour per class of a ``"fixed_breaks"`` layer (``len(bins) + 1``).
    colors : mapping or None
        Category -> colour of a categorical layer, in legend order.
    description : str
        One or two sentences: what the value means, where it comes from.

    Attributes
    ----------
    order : tuple
        Legend order of a categorical layer (the keys of ``colors``).
    """

    key: str
    patterns: tuple
    title: str
    unit: str
    kind: str
    scheme: str | None = "quantiles"
    k: int | None = 5
    cmap: str | None = "YlOrRd"
    bins: tuple | None = None
    colors: Mapping | None = None
    description: str = ""
    palette: tuple | None = None
    order: tuple = field(init=False, default=())
    _regex: tuple = field(init=False, default=(), repr=False, compare=False)

    def __post_init__(self):
        check_choice("kind", self.kind, KINDS)
        if self.kind == "categorical":
            if not self.colors:
                raise InputError("colors", f"a category -> colour mapping for categorical spec {self.key!r}",
                                 repr(self.colors), "pass colors={'a': '#1a9641', ...}")
            object.__setattr__(self, "colors", MappingProxyType(dict(self.colors)))
            object.__setattr__(self, "scheme", None)
            object.__setattr__(self, "k", None)
            object.__setattr__(self, "cmap", None)
            object.__setattr__(self, "order", tuple(self.colors))
        if self.palette is not None and (self.bins is None or len(self.palette) != len(self.bins) + 1):
            raise InputError("palette", f"len(bins) + 1 colours for spec {self.key!r}", repr(self.palette),
                             "give one colour per class")
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "_regex", tuple(_compile(p) for p in self.patterns))

    def parts(self, column: str) -> dict | None:
        """The placeholder values of ``column`` (``{"sector": ..., "year": ...}``), or None if no pattern fits."""
        for rx in self._regex:
            m = rx.fullmatch(str(column))
            if m:
                return m.groupdict()
        return None

    def title_for(self, column: str) -> str:
        """The title of ``column``: the template with its parts filled in (underscores shown as spaces).

        Examples
        --------
        >>> layer_spec("lq_producer_services_2020").title_for("lq_producer_services_2020")
        'Location quotient, producer services, 2020'
        >>> LAYER_SPECS["lisa"].title_for("lisa_coupling_D_2010")
        'LISA cluster, coupling coordination degree D, 2010'
        """
        parts = self.parts(column)
        if parts is None:
            raise InputError("column", f"a column matching {list(self.patterns)}", repr(column),
                             "use layer_spec(column) to find the column's spec")
        shown = {}
        for name, v in parts.items():
            if name == "metric":  # a metric inside a layer (LISA of an LQ) is shown by its own title
                inner = layer_spec(v, missing="none")
                t = inner.title_for(v) if inner is not None else v.replace("_", " ")
                shown[name] = t[0].lower() + t[1:] if len(t) > 1 and t[1].islower() else t
            else:
                shown[name] = v.replace("_", " ")
        keep = [seg for seg in self.title.split(", ")
                if all(shown.get(f) for f in _PLACEHOLDER.findall(seg))]
        text = ", ".join(seg.format(**shown) for seg in keep)
        return text[0].upper() + text[1:] if text else text


def _spec(key, patterns, title, unit, kind="numeric", description="", **kw):
    return key, LayerSpec(key, tuple(patterns), title, unit, kind, description=description, **kw)


#: registry key -> :class:`LayerSpec`; :func:`layer_spec` tries them in this order (first match wins)
LAYER_SPECS = MappingProxyType(dict([
    _spec("lq_nonagri", ["lq_nonagri_{sector}_{year}", "lq_nonagri_{sector}"],
          "Location quotient (non-agricultural denominator), {sector}, {year}", "ratio (1 = reference average)",
          scheme="fixed_breaks", bins=LQ_BREAKS, palette=LQ_COLORS, k=len(LQ_COLORS), cmap="RdBu_r",
          description="Share of the sector in the unit's non-agricultural employment over the same share in the "
                      "reference; masked below 10 sample persons (methods.md §1.1)."),
    _spec("lq", ["lq_{sector}_{year}", "lq_{sector}", "lq"], "Location quotient, {sector}, {year}",
          "ratio (1 = reference average)",
          scheme="fixed_breaks", bins=LQ_BREAKS, palette=LQ_COLORS, k=len(LQ_COLORS), cmap="RdBu_r",
          description="Share of the sector in the unit's employment over the same share in the reference "
                      "(all industries); masked below 10 sample persons (methods.md §1.1)."),
    _spec("A", ["A_{sector}", "A"], "Agglomeration index (growth factor), {sector}", "ratio (1 = reference growth)",
          description="Growth of the unit's sector employment over the reference sector's growth, start to end "
                      "year (methods.md §1.2)."),
    _spec("stage", ["stage_{sector}", "stage"], "Comparative-advantage stage, {sector}", "",
          kind="categorical", colors=STAGE_COLORS,
          description="Stage from the end-year LQ and the agglomeration index: formative, growing, mature or "
                      "declining (methods.md §1.2)."),
    _spec("CAstar", ["CAstar_{year}", "CA_star_{year}", "CAstar", "CA_star"],
          "Co-agglomeration (quality + depth), {year}", "index",
          description="Co-agglomeration of manufacturing and producer services, weighted by depth "
                      "(methods.md §1.4)."),
    _spec("CA", ["CA_{year}", "CA"], "Co-agglomeration (quality), {year}", "index (0-1]",
          description="Co-agglomeration of manufacturing and producer services, 1 - |a - b| / (a + b) of their "
                      "LQs (methods.md §1.4)."),
    _spec("coupling_D", ["D_{year}", "coupling_D_{year}", "D", "coupling_D"],
          "Coupling coordination degree D, {year}", "index [0, 1]",
          description="D = sqrt(C * T) of the agglomeration and innovation subsystem indices (methods.md §2)."),
    _spec("coupling_C", ["C_{year}", "coupling_C_{year}", "coupling_C"], "Coupling degree C, {year}", "index [0, 1]",
          description="Degree of coupling C of the subsystem indices (methods.md §2)."),
    _spec("coupling_T", ["T_{year}", "coupling_T_{year}", "coupling_T"],
          "Comprehensive development index T, {year}", "index [0, 1]",
          description="T = weighted mean of the subsystem indices (methods.md §2)."),
    _spec("coupling_U", ["U_{subsystem}_{year}", "U_{subsystem}"], "Subsystem index U, {subsystem}, {year}",
          "index [0, 1]", description="Entropy-weighted index of one subsystem's scaled indicators (methods.md §2)."),
    _spec("coupling_class", ["Dclass_{year}", "class_en_{year}", "coupling_class_{year}", "Dclass", "class_en",
                             "coupling_class"],
          "Coupling coordination class, {year}", "", kind="categorical", colors=COUPLING_COLORS,
          description="Ten classes of D, lower-closed intervals of width 0.1, from extreme disorder to "
                      "high-quality coordination (methods.md §2)."),
    _spec("coupling_class_zh", ["class_zh_{year}", "class_zh"], "Coupling coordination class (Chinese), {year}",
          "", kind="categorical", colors=COUPLING_COLORS_ZH,
          description="The ten classes of D with their Chinese labels (methods.md §2)."),
    _spec("coupling_class_3", ["class_3_{year}", "class_3"], "Coupling coordination, coarse class, {year}",
          "", kind="categorical", colors=CLASS3_COLORS,
          description="low (D < 0.4), medium (0.4 <= D < 0.7), high (D >= 0.7)."),
    _spec("lisa", ["lisa_{metric}_{year}", "lisa_{metric}", "lisa"], "LISA cluster, {metric}, {year}",
          "", kind="categorical", colors=LISA_COLORS,
          description="Local Moran's I quadrant of units significant at p <= 0.05 (conditional permutations); "
                      "ns = not significant (methods.md §4)."),
    _spec("gi_star", ["gi_star_{metric}_{year}", "gi_star_{metric}", "gi_star"],
          "Getis-Ord Gi* hot and cold spots, {metric}, {year}", "", kind="categorical",
          colors=HOTCOLD_COLORS,
          description="Hot (Zs > 0) and cold spots of Gi* significant at p <= 0.05; ns = not significant "
                      "(methods.md §4.6)."),
]))

#: descriptions of the identifying and descriptive columns of the report's layers (not drawn as choropleths)
ATTRIBUTES = MappingProxyType({
    "adcode": ("Administrative code", "", "Six-digit code of the unit (2020 codes)."),
    "name_zh": ("Name (Chinese)", "", "Official Chinese name of the unit."),
    "name_pinyin": ("Name (pinyin)", "", "Pinyin of the Chinese name."),
    "name_en": ("Name (English)", "", "English name of the unit."),
    "type": ("Unit type", "", "Type of administrative unit (e.g. prefecture-level city, district, county)."),
    "level": ("Level", "", "Administrative level: province, prefecture or county."),
    "parent_adcode": ("Parent code", "", "Code of the unit one level up."),
    "prefecture_adcode": ("Prefecture code", "", "Code of the county's prefecture."),
    "prefecture_zh": ("Prefecture (Chinese)", "", "Chinese name of the county's prefecture."),
    "prefecture_en": ("Prefecture (English)", "", "English name of the county's prefecture."),
    "n_counties": ("Number of counties", "count", "Counties in the prefecture, or within the circle."),
    "area_km2": ("Area", "km2", "Area in the equal-area measuring CRS."),
    "note": ("Note", "", "Remarks on the unit (boundary changes, derivations)."),
    "seat_zh": ("Seat (Chinese)", "", "Chinese name of the government seat."),
    "seat_en": ("Seat (English)", "", "English name of the government seat."),
    "lat": ("Latitude", "degree (WGS84)", "Latitude of the point."),
    "lon": ("Longitude", "degree (WGS84)", "Longitude of the point."),
    "what": ("Point type", "", "What the point marks."),
    "source": ("Source", "", "Where the value comes from."),
    "from_adcode": ("From (code)", "", "Code of the tie's origin unit."),
    "from_name_en": ("From", "", "English name of the tie's origin unit."),
    "to_adcode": ("To (code)", "", "Code of the tie's destination unit."),
    "to_name_en": ("To", "", "English name of the tie's destination unit."),
    "distance": ("Distance", "see distance_unit", "Distance between the two units used by the gravity model."),
    "distance_unit": ("Distance unit", "", "Unit of the distance column (e.g. rail_km)."),
    "R": ("Gravity tie strength R", "mass^2 / distance^b", "R = k * sqrt(P_i G_i) * sqrt(P_j G_j) / d^b "
          "(methods.md §3)."),
    "F": ("Tie share F", "share (0-1]", "Share of the origin's total R that goes to this destination."),
    "F_reverse": ("Tie share F (reverse)", "share (0-1]", "Share of the destination's total R that goes to the "
                  "origin."),
    "backbone": ("Backbone tie", "true/false", "Whether the tie is in the network backbone."),
    "centre": ("Circle centre", "", "Name of the centre the circle is drawn around."),
    "minutes": ("Travel time threshold", "min", "Modelled travel-time threshold of the circle."),
    "centre_lon": ("Centre longitude", "degree (WGS84)", "Longitude of the circle's centre."),
    "centre_lat": ("Centre latitude", "degree (WGS84)", "Latitude of the circle's centre."),
    "modelled": ("Modelled location", "true/false", "Whether the point is modelled (a representative point) "
                 "rather than a surveyed seat."),
})
_MISSING = ("raise", "none")
_UNKNOWN = ("raise", "skip")


def known_patterns() -> list:
    """Every registered column pattern, in lookup order.

    Examples
    --------
    >>> known_patterns()[:3]
    ['lq_nonagri_{sector}_{year}', 'lq_nonagri_{sector}', 'lq_{sector}_{year}']
    """
    return [p for spec in LAYER_SPECS.values() for p in spec.patterns]


def layer_spec(column: str, *, missing: str = "raise") -> LayerSpec | None:
    """The :class:`LayerSpec` of a layer column.

    Specs are tried in :data:`LAYER_SPECS` order and the first whose
    pattern matches the whole column name is returned (so
    ``lq_nonagri_manufacturing_2020`` is the non-agricultural LQ, not an LQ
    of a sector called ``nonagri_manufacturing``).

    Parameters
    ----------
    column : str
        A layer column name, e.g. ``"lq_manufacturing_2020"``,
        ``"lisa_lq_producer_services_2010"``, ``"stage_producer_services"``,
        ``"D_2020"``, ``"class_en_2020"``.
    missing : {"raise", "none"}
        What an unknown column gives: an error listing the known patterns
        (default) or None.

    Returns
    -------
    LayerSpec or None

    Raises
    ------
    InputError
        ``column`` matches no registered pattern (and ``missing="raise"``).

    Examples
    --------
    >>> s = layer_spec("lisa_lq_producer_services_2010")
    >>> s.key, s.kind, s.colors["HH"], s.order[:2]
    ('lisa', 'categorical', '#d7191c', ('HH', 'LL'))
    >>> layer_spec("D_2020").title_for("D_2020")
    'Coupling coordination degree D, 2020'
    >>> layer_spec("population", missing="none") is None
    True
    """
    check_choice("missing", missing, _MISSING)
    name = str(column)
    for spec in LAYER_SPECS.values():
        if spec.parts(name) is not None:
            return spec
    if missing == "none":
        return None
    raise InputError("column", f"a layer column matching one of {known_patterns()}", repr(column),
                     "rename the column after a registered pattern, or pass title/unit/kind explicitly")


def layer_style(column, *, title=None, kind=None, unit=None, scheme=None, k=None, cmap=None, colors=None,
                bins=None, palette=None) -> dict:
    """The drawing options of ``column``: the ones given, the rest from its :class:`LayerSpec`.

    This is how the map and the figures fill their defaults, so a column
    looks the same in both.  A column outside the registry, or one drawn
    as another ``kind`` than its spec's, takes :data:`DEFAULT_STYLE`
    (numeric, quantiles, 5 classes, YlOrRd) for what is not given, and its
    own name as title.

    Returns
    -------
    dict
        ``title, kind, unit, scheme, k, cmap, colors, bins, palette`` and ``key``
        (the spec's key, or None).

    Examples
    --------
    >>> st = layer_style("stage_producer_services")
    >>> st["kind"], list(st["colors"])[0], st["title"]
    ('categorical', 'formative', 'Comparative-advantage stage, producer services')
    >>> layer_style("lq_manufacturing_2020", unit="LQ")["unit"], layer_style("v")["scheme"]
    ('LQ', 'quantiles')
    """
    spec = layer_spec(column, missing="none") if column is not None else None
    if spec is not None and kind is not None and kind != spec.kind:
        spec = None  # drawn as something else: the spec's classing or colours do not apply
    base = dict(DEFAULT_STYLE) if spec is None else {
        "kind": spec.kind, "unit": spec.unit, "scheme": spec.scheme, "k": spec.k, "cmap": spec.cmap,
        "colors": spec.colors, "bins": list(spec.bins) if spec.bins else None,
        "palette": list(spec.palette) if spec.palette else None}
    if spec is not None and spec.kind == "categorical":  # numeric options stay usable if the caller sets them
        base.update(scheme=DEFAULT_STYLE["scheme"], k=DEFAULT_STYLE["k"], cmap=DEFAULT_STYLE["cmap"])
    if scheme is not None and scheme != base["scheme"]:  # another classing: the spec's bounds and colours do not apply
        base.update(bins=None, palette=None, k=DEFAULT_STYLE["k"], cmap=DEFAULT_STYLE["cmap"])
    given = {"kind": kind, "unit": unit, "scheme": scheme, "k": k, "cmap": cmap, "colors": colors, "bins": bins,
             "palette": palette}
    out = {key: (v if v is not None else base[key]) for key, v in given.items()}
    out["title"] = title if title is not None else (spec.title_for(column) if spec is not None else str(column))
    out["key"] = spec.key if spec is not None else None
    return out


def gpkg_metadata(gdf, *, unknown: str = "raise") -> pd.DataFrame:
    """Title, unit and description of every column of a layer, for the GeoPackage's metadata table.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or pandas.DataFrame
        A layer as written to the GeoPackage.  Its active geometry column
        is not described.
    unknown : {"raise", "skip"}
        A column that is neither a registered layer column
        (:func:`layer_spec`) nor a known attribute (:data:`ATTRIBUTES`):
        raise, listing the known patterns (default), or leave it out and
        list it in ``.attrs["skipped"]``.

    Returns
    -------
    pandas.DataFrame
        One row per column in the layer's order: ``column, key, kind,
        title, unit, description``; ``kind`` is ``"numeric"``,
        ``"categorical"`` or ``"attribute"``, ``key`` the registry key (the
        column itself for an attribute).

    Examples
    --------
    >>> df = pd.DataFrame({"adcode": ["220100"], "lq_manufacturing_2020": [1.2], "Dclass_2020": ["mild disorder"]})
    >>> m = gpkg_metadata(df)
    >>> for r in m.itertuples():
    ...     print(r.column, r.kind, r.title, repr(r.unit), sep=" | ")
    adcode | attribute | Administrative code | ''
    lq_manufacturing_2020 | numeric | Location quotient, manufacturing, 2020 | 'ratio (1 = reference average)'
    Dclass_2020 | categorical | Coupling coordination class, 2020 | ''
    """
    check_choice("unknown", unknown, _UNKNOWN)
    geom = getattr(gdf, "_geometry_column_name", None)
    rows, skipped = [], []
    for c in gdf.columns:
        if c == geom:
            continue
        spec = layer_spec(c, missing="none")
        if spec is not None:
            rows.append((c, spec.key, spec.kind, spec.title_for(c), spec.unit, spec.description))
        elif c in ATTRIBUTES:
            rows.append((c, c, "attribute", *ATTRIBUTES[c]))
        elif unknown == "skip":
            skipped.append(c)
        else:
            raise InputError("gdf", f"columns matching one of {known_patterns()} or attributes {list(ATTRIBUTES)}",
                             f"column {c!r}", "rename it, add a LayerSpec, or pass unknown='skip'")
    out = pd.DataFrame(rows, columns=["column", "key", "kind", "title", "unit", "description"])
    out.attrs["skipped"] = skipped
    return out


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
