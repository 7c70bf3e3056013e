"""Interactive Leaflet maps that work offline (``DIR/map.html``).

* Thematic layers (numeric or categorical polygons) are exclusive: radio
  buttons grouped by theme, with a year switch when they span several
  years.  Outlines, place names, ties, rail, circles (one overlay per
  centre) and points are overlays.  The layer control collapses on small
  screens.  ``default=`` picks the layer the map opens with.
* Polygon geometry is written once per set of units, rounded to 0.001
  degree; each thematic layer carries only its classes, values and legend,
  and JavaScript restyles the shared polygons when the layer changes.
* Names of the coarsest units are always shown, finer units' names from a
  zoom level on, in the language of ``lang``; tooltips give name, value,
  class and mask reason; a search box finds a place by name (plain
  JavaScript over the page's names, offline).
* Numeric layers are classed with mapclassify (quantiles, natural breaks,
  user breaks) or with fixed breaks (LQ: around 1, diverging palette);
  categorical layers use fixed colours.  Legends switch with their layer.
  Masked / missing values are grey.
* Title, unit, kind, classing and colours a layer is not given come from the
  layer registry (:mod:`jilin_spatial.layers`), which the figures and the
  GeoPackage metadata read too; this module imports no metric module.
* Tie widths scale with log R; circles are outlined bands per centre with
  borderline seats marked; rail edges are schematic lines between seats.
* Offline (default): Leaflet 1.9.3 is inlined and every external script or
  stylesheet folium adds is removed, so the page needs no network.  An
  optional online basemap (``tiles="osm"``) says which datum its tiles use.
* Every string from data (names, ids, column names, categories, values,
  titles, units, notes) goes through one escape, :func:`_esc`; the page's
  data are JSON in which ``< > & '`` are escaped too; colours must be colours.
* Deterministic: element ids come from each element's place in the map
  (:func:`_stable_ids`), so the same map always gives the same bytes.

This module renders; it computes no metric.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._errors import InputError, check_choice
from .layers import CLASS3_COLORS, COUPLING_COLORS, HOTCOLD_COLORS, LISA_COLORS, NODATA, STAGE_COLORS, layer_style

__all__ = ["MapLayer", "build_map", "save_map", "classify", "class_entries", "fill_colors", "LANGS", "LISA_COLORS", "STAGE_COLORS",
           "CLASS3_COLORS", "COUPLING_COLORS", "HOTCOLD_COLORS", "NODATA", "SCHEMES"]

SCHEMES = ("quantiles", "natural_breaks", "user_defined", "fixed_breaks")
THEME_KINDS = ("numeric", "categorical")
OVERLAY_KINDS = ("ties", "rail", "circles", "points", "context")
# The colour constants (LISA_COLORS, STAGE_COLORS, CLASS3_COLORS, COUPLING_COLORS, HOTCOLD_COLORS, NODATA) live in
# the layer registry (:mod:`jilin_spatial.layers`) and are re-exported here for code that imports them from webmap.
TILES = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "&copy; OpenStreetMap contributors",
            "WGS84 (OpenStreetMap): lines up with these polygons"),
}


@dataclass
class MapLayer:
    """What to draw.

    ``kind``: ``numeric`` or ``categorical`` (a thematic layer: polygons
    coloured by ``column``; thematic layers are exclusive, one at a time),
    or an overlay drawn over it: ``ties``, ``rail``, ``circles`` (one
    overlay per centre) or ``points`` (e.g. seats; a ``borderline`` boolean
    column marks borderline seats).  ``context`` is an overlay drawn
    *under* the thematic layers, for orientation: lines or polygons as thin
    grey lines (labelled at ``label_lon``/``label_lat`` where given), or
    points as small grey dots labelled with their name (a true
    ``is_capital`` column draws a larger dot); see
    :func:`jilin_spatial.china.context`.

    Options left as None (``kind``, ``unit``, ``scheme``, ``k``,
    ``colors``, ``cmap``, ``bins``, ``palette``) are filled from the layer
    registry, :func:`jilin_spatial.layers.layer_style` of ``column``, so the
    map draws a column as the figures do: ``MapLayer("LISA", g,
    "lisa_lq_manufacturing_2020")`` is categorical in GeoDa's LISA colours,
    an LQ column has the fixed classes around 1.  A column outside the
    registry is numeric, quantiles, 5 classes, YlOrRd.

    ``group``: the heading the thematic layer is listed under in the layer
    control (default: ``name``); ``reason``: a column of the layer holding
    why a value is missing or masked, shown in the tooltip; ``points``: for
    a circles layer, seat points (columns ``centre``, ``name_*`` and
    optionally ``borderline``) drawn in their centre's overlay.

    Examples
    --------
    >>> ly = MapLayer("Stage", None, "stage_producer_services")
    >>> ly.kind, ly.colors["growing"], ly.unit
    ('categorical', '#5e3c99', '')
    >>> MapLayer("D", None, "D_2020", k=4).k, MapLayer("D", None, "D_2020").scheme
    (4, 'quantiles')
    >>> MapLayer("LQ", None, "lq_manufacturing_2020").bins
    [0.8, 1.0, 1.25, 2.0]
    """

    name: str
    gdf: object
    column: str | None = None
    kind: str | None = None
    unit: str | None = None
    year: object = None
    scheme: str | None = None
    k: int | None = None
    bins: list | None = None
    colors: dict | None = None
    cmap: str | None = None
    show: bool = False
    note: str = ""
    extra_fields: list = field(default_factory=list)
    palette: list | None = None
    group: str | None = None
    reason: str | None = None
    points: object = None

    def __post_init__(self):
        if self.kind in OVERLAY_KINDS:
            return
        st = layer_style(self.column, kind=self.kind, unit=self.unit, scheme=self.scheme, k=self.k,
                         cmap=self.cmap, colors=self.colors, bins=self.bins, palette=self.palette)
        for key in ("kind", "unit", "scheme", "k", "cmap", "colors", "bins", "palette"):
            setattr(self, key, st[key])

    @property
    def label(self) -> str:
        """The layer's name in the layer control: ``name`` and ``year``."""
        return self.name + (f" {self.year}" if self.year is not None else "")


def classify(values, *, scheme: str = "quantiles", k: int = 5, bins=None):
    """Class values with mapclassify; k drops to the number of distinct values.

    Returns (class index per value, -1 for NaN; list of upper bounds).
    ``scheme="fixed_breaks"``: the classes are the intervals between
    ``bins`` with the lower bound included, ``len(bins) + 1`` of them
    whatever the data (``(-inf, b0), [b0, b1), ..., [bn, inf)``); the
    returned bounds are ``bins`` followed by ``inf``.

    Examples
    --------
    >>> classify([1.0, 2.0, 3.0], k=5)[1]
    [1.0, 2.0, 3.0]
    >>> cls, ub = classify([0.5, 0.8, 0.99, 1.0, 3.0], scheme="fixed_breaks", bins=[0.8, 1.0, 1.25, 2.0])
    >>> cls.tolist(), ub[-1]
    ([0, 1, 1, 2, 4], inf)
    """
    import mapclassify

    check_choice("scheme", scheme, SCHEMES)
    y = np.asarray(values, float)
    ok = ~np.isnan(y)
    out = np.full(y.shape, -1)
    if scheme == "fixed_breaks":
        if not bins:
            raise InputError("bins", "a list of class bounds for scheme='fixed_breaks'", repr(bins),
                             "e.g. bins=[0.8, 1.0, 1.25, 2.0]")
        b = sorted(float(x) for x in bins)
        out[ok] = np.searchsorted(b, y[ok], side="right")
        return out, b + [float("inf")]
    if not ok.any():
        return out, []
    uniq = np.unique(y[ok])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "user_defined":
            if not bins:
                raise InputError("bins", "a list of class upper bounds for scheme='user_defined'", repr(bins),
                                 "e.g. bins=[0.8, 1.0, 1.2]")
            c = mapclassify.UserDefined(y[ok], bins=sorted(bins))
        elif len(uniq) <= k:
            c = mapclassify.UserDefined(y[ok], bins=list(uniq))
        elif scheme == "natural_breaks":
            c = mapclassify.NaturalBreaks(y[ok], k=min(k, len(uniq)))
        else:
            c = mapclassify.Quantiles(y[ok], k=min(k, len(uniq)))
    out[ok] = c.yb
    return out, [float(b) for b in c.bins]


def _palette(cmap, n):
    import matplotlib

    cm = matplotlib.colormaps[cmap]
    return [matplotlib.colors.to_hex(cm(x)) for x in (np.linspace(0.15, 0.95, n) if n > 1 else [0.6])]


def _fmt(x):
    return f"{x:g}" if abs(x) < 1e5 else f"{x:,.0f}"


def class_entries(values, *, kind: str = "numeric", scheme: str = "quantiles", k: int = 5, bins=None,
                  colors: dict | None = None, cmap: str = "YlOrRd", palette=None):
    """Class index per value (-1: missing, masked or unknown) and the classes ``[(label, colour)]``.

    What :func:`fill_colors` (the map and the figures) colours by.  Fixed
    breaks list every class, with the data or not, so that two maps of one
    measure read alike.

    Examples
    --------
    >>> cls, entries = class_entries([0.5, 1.1, None], scheme="fixed_breaks", bins=[0.8, 1.0, 1.25, 2.0],
    ...                              palette=["#4393c3", "#d1e5f0", "#fddbc7", "#f4a582", "#b2182b"])
    >>> cls.tolist(), [lab for lab, _ in entries]
    ([0, 2, -1], ['< 0.8', '0.8 – < 1', '1 – < 1.25', '1.25 – < 2', '≥ 2'])
    """
    if kind == "numeric":
        vals = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)
        cls, ub = classify(vals, scheme=scheme, k=k, bins=bins)
        if scheme == "fixed_breaks":
            b = ub[:-1]
            pal = list(palette) if palette else _palette(cmap, len(b) + 1)
            if len(pal) != len(b) + 1:
                raise InputError("palette", f"{len(b) + 1} colours (one per class)", repr(pal),
                                 "give len(bins) + 1 colours")
            labels = [f"< {_fmt(b[0])}"] + [f"{_fmt(a)} – < {_fmt(c)}" for a, c in zip(b[:-1], b[1:])] + [
                f"≥ {_fmt(b[-1])}"]
            return cls, list(zip(labels, _hex(pal)))
        pal = list(palette) if palette and len(palette) == len(ub) else _palette(cmap, max(len(ub), 1))
        lo = [float(np.nanmin(vals))] + ub[:-1] if ub else []
        return cls, [(f"{a:.3g} – {b:.3g}", pal[i]) for i, (a, b) in enumerate(zip(lo, ub))]
    colors = colors or {}
    cmap_ = _hex_map(colors)
    cats = pd.Series(values, dtype=object)
    cats = cats.where(cats.notna(), None)
    present = set(cats)
    keys = [c for c in cmap_ if c in present]
    idx = {c: i for i, c in enumerate(keys)}
    cls = np.array([idx.get(c, -1) if c is not None else -1 for c in cats], dtype=int)
    return cls, [(c, cmap_[c]) for c in keys]


def _hex(cols):
    import matplotlib.colors as mcolors

    bad = [c for c in cols if not mcolors.is_color_like(c)]
    if bad:
        raise InputError("palette", "colours, e.g. '#1a9641' or 'green'", f"{bad!r}",
                         "use a hex colour or a matplotlib colour name")
    return [mcolors.to_hex(c) for c in cols]


def _hex_map(colors):
    import matplotlib.colors as mcolors

    bad = {k: v for k, v in colors.items() if not mcolors.is_color_like(v)}
    if bad:
        raise InputError("colors", "a colour per category, e.g. '#1a9641' or 'green'", f"{bad!r}",
                         "use a hex colour or a matplotlib colour name")
    return {k: mcolors.to_hex(v) for k, v in colors.items()}


def fill_colors(values, *, kind: str = "numeric", scheme: str = "quantiles", k: int = 5, bins=None,
                colors: dict | None = None, cmap: str = "YlOrRd", palette=None):
    """Fill colour per value and the legend entries ``[(label, colour)]``; shared by map and figures.

    Numeric values are classed with :func:`classify` on ``cmap`` (or
    ``palette``, one colour per class); categorical values take ``colors``
    (label -> colour, any matplotlib colour; returned as ``#rrggbb``).
    Missing, masked or unknown values are grey (:data:`NODATA`) with their
    own legend entry.
    """
    cls, entries = class_entries(values, kind=kind, scheme=scheme, k=k, bins=bins, colors=colors, cmap=cmap,
                                 palette=palette)
    fill = [entries[c][1] if c >= 0 else NODATA for c in cls]
    if (cls < 0).any():
        entries = entries + [("no data / masked" if kind == "numeric" else "no data / other", NODATA)]
    return fill, entries


_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _esc(x, spec: str = "") -> str:
    """The one escape for every string from data that the map shows (tooltips, popups, legends, titles).

    ``str(x)`` (or ``format(x, spec)`` for a number) with ``& < > " '``
    HTML-escaped and the backtick, ``$`` and backslash as character
    references too, so the text is inert in HTML, in attributes and in
    JavaScript template literals.  The browser shows the original text.
    ``spec`` formats numbers (``",.1f"``); a value that is not a number is
    shown as it is.

    Examples
    --------
    >>> _esc('<b title="x">`${1}`</b>')
    '&lt;b title=&quot;x&quot;&gt;&#96;&#36;{1}&#96;&lt;/b&gt;'
    >>> _esc(1234.5, ",.1f"), _esc("n/a", ".3f")
    ('1,234.5', 'n/a')
    """
    if spec:
        try:
            x = format(float(x), spec)
        except (TypeError, ValueError):
            pass
    return html.escape(str(x), quote=True).translate(_JS_TEMPLATE)


def _value_text(v):
    """A value as the tooltip shows it (escaped): numbers to 3 significant digits, NaN as n/a."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        v = float(v)
        return _esc(v, ",.0f") if abs(v) >= 1000 else _esc(v, ".3g")
    return _esc(v)


def _ring(coords):
    a = np.round(np.asarray(coords, float)[:, :2], 3)
    keep = np.ones(len(a), bool)
    keep[1:] = np.any(a[1:] != a[:-1], axis=1)
    return a[keep].tolist()


def _geom(g):
    """GeoJSON geometry with coordinates rounded to 0.001 degree (about 100 m) and repeated points dropped."""
    if g is None or g.is_empty:
        return None
    t = g.geom_type
    if t == "Polygon":
        return {"type": "Polygon", "coordinates": [_ring(g.exterior.coords)] + [_ring(r.coords) for r in g.interiors]}
    if t == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [
            [_ring(p.exterior.coords)] + [_ring(r.coords) for r in p.interiors] for p in g.geoms]}
    if t == "LineString":
        return {"type": "LineString", "coordinates": _ring(g.coords)}
    if t == "MultiLineString":
        return {"type": "MultiLineString", "coordinates": [_ring(x.coords) for x in g.geoms]}
    if t == "Point":
        return {"type": "Point", "coordinates": _ring(g.coords)[0]}
    return _geom(g.buffer(0)) if t == "GeometryCollection" else None


def _latlon(g):
    return [round(float(g.y), 4), round(float(g.x), 4)]


def _wgs84(gdf):
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        return gdf.to_crs("EPSG:4326")
    return gdf


class _GeoSets:
    """Polygon geometry shipped once per set of units, shared by every thematic layer drawn on it."""

    def __init__(self, names, lang):
        self.names = list(names)
        self.lang = lang
        self.sets = []
        self._key = {}

    def add(self, gdf) -> int:
        import hashlib

        import shapely

        g = _wgs84(gdf)
        name_cols = [c for c in self._order() if c in g.columns]
        h = hashlib.sha256(b"".join(shapely.to_wkb(g.geometry.values, hex=False, include_srid=False)))
        for c in name_cols:
            h.update(json.dumps([str(x) for x in g[c]], ensure_ascii=False).encode("utf-8"))
        key = h.hexdigest()
        if key in self._key:
            return self._key[key]
        first = [_esc(x) if pd.notna(x) else "" for x in g[name_cols[0]]] if name_cols else [
            _esc(i) for i in g.index]
        second = [_esc(x) if pd.notna(x) else "" for x in g[name_cols[1]]] if len(name_cols) > 1 else None
        pts = [_latlon(x.representative_point()) if x is not None and not x.is_empty else None for x in g.geometry]
        from .figures import short_name

        short = [short_name(x) for x in first]
        self.sets.append({"f": [_geom(x) for x in g.geometry], "n": first, "n2": second, "p": pts, "z": 0,
                          "ln": short if short != first else None,
                          "_geoms": g.geometry})
        self._key[key] = len(self.sets) - 1
        return len(self.sets) - 1

    def _order(self):
        pref = "name_zh" if self.lang == "zh" else "name_en"
        return ([pref] if pref in self.names else []) + [c for c in self.names if c != pref]

    def finish(self, label_min_zoom):
        """Names of the coarsest set always shown; of finer sets from ``label_min_zoom`` on."""
        if not self.sets:
            return None
        n = [len(s["f"]) for s in self.sets]
        coarse = int(np.argmin(n))
        for i, s in enumerate(self.sets):
            s["z"] = 0 if n[i] == n[coarse] else int(label_min_zoom)
        import shapely

        outline = shapely.union_all(shapely.make_valid(self.sets[coarse]["_geoms"].values)).simplify(0.002)
        for s in self.sets:
            del s["_geoms"]
        return coarse, _geom(outline)


_UI = {
    "en": {"none": "No thematic layer", "year": "Year", "outlines": "Outlines (units, region)",
           "labels": "Place names", "search": "Find a place", "notfound": "not found", "class": "class",
           "masked": "masked", "nodata": "no data / masked", "other": "no data / other",
           "nobase": "no basemap (offline); polygons are WGS84 / EPSG:4326",
           "gcj": "Chinese tile providers (Amap, Baidu, Tencent) use GCJ-02 / BD-09 and would be offset by "
                  "up to ~0.5 km; only WGS84 tiles are offered.",
           "borderline": "borderline seat", "seat": "seat", "centre": "centre"},
    "zh": {"none": "无专题图层", "year": "年份", "outlines": "边界（单元、区域）", "labels": "地名",
           "search": "查找地名", "notfound": "未找到", "class": "分级", "masked": "已屏蔽", "nodata": "无数据 / 已屏蔽",
           "other": "无数据 / 其他", "nobase": "无底图（离线）；多边形为 WGS84 / EPSG:4326",
           "gcj": "国内瓦片服务（高德、百度、腾讯）使用 GCJ-02 / BD-09 坐标，会偏移约 0.5 公里；此处只提供 WGS84 瓦片。",
           "borderline": "边界附近的驻地", "seat": "驻地", "centre": "中心"},
}
LANGS = tuple(_UI)


def _theme(ly, geo, idx):
    g = ly.gdf
    if ly.column not in g.columns:
        raise InputError("layers", f"column {ly.column!r} in layer {ly.name!r}", f"columns {list(g.columns)}",
                         "check the layer's column name")
    cls, entries = class_entries(g[ly.column].to_numpy(), kind=ly.kind, scheme=ly.scheme, k=ly.k, bins=ly.bins,
                                 colors=ly.colors, cmap=ly.cmap, palette=ly.palette)
    reasons = None
    if ly.reason is not None and ly.reason in g.columns:
        reasons = [_esc(r) if isinstance(r, str) and r else "" for r in g[ly.reason]]
    extra = [c for c in ly.extra_fields if c in g.columns]
    return {"i": idx, "t": _esc(ly.label), "g": _esc(ly.group if ly.group is not None else ly.name),
            "key": _esc(ly.name), "y": None if ly.year is None else _esc(ly.year), "s": geo.add(g),
            "k": ly.kind, "u": _esc(ly.unit or ""), "n": _esc(ly.note), "c": [int(c) for c in cls],
            "v": [_value_text(v) for v in g[ly.column]], "r": reasons,
            "l": [_esc(lab) for lab, _ in entries], "p": [c for _, c in entries], "nd": bool((cls < 0).any()),
            "x": [[_esc(c), [_value_text(v) for v in g[c]]] for c in extra]}


def _lines(ly, idx, ui):
    g = _wgs84(ly.gdf)
    items = []
    if ly.kind == "ties":
        r = pd.to_numeric(g["R"], errors="coerce").to_numpy(float)
        lr = np.log(np.where(r > 0, r, np.nan))
        lo, hi = np.nanmin(lr), np.nanmax(lr)
        w = 1.5 + 8.5 * (lr - lo) / (hi - lo) if hi > lo else np.full(len(g), 4.0)
        for (_, row), width in zip(g.iterrows(), w):
            label = f"{_esc(row.get('from_name_en', ''))} – {_esc(row.get('to_name_en', ''))}"
            popup = (f"<b>{label}</b><br>R = {_esc(row['R'], ',.1f')}<br>F = {_esc(row['F'], '.3f')}"
                     + (f"<br>F (reverse) = {_esc(row['F_reverse'], '.3f')}" if "F_reverse" in row else "")
                     + f"<br>{_esc(row.get('distance', ''))} {_esc(row.get('distance_unit', ''))}")
            items.append({"c": [[y, x] for x, y in _ring(row.geometry.coords)],
                          "w": round(float(width if np.isfinite(width) else 1.5), 2), "col": "#54278f",
                          "o": 0.85, "tip": label, "pop": popup})
        legend = [("line width ∝ log R (gravity tie)", "#54278f")]
    else:
        for _, row in g.iterrows():
            hs = row.get("line_mode") == "high-speed"
            tip = (f"{_esc(row.get('line_zh', ''))} ({_esc(row.get('line_mode', ''))}), "
                   f"{_esc(row.get('rail_km', ''))} km — schematic, modelled geometry")
            items.append({"c": [[y, x] for x, y in _ring(row.geometry.coords)], "w": 4 if hs else 2,
                          "col": "#b2182b" if hs else "#333333", "d": None if hs else "6 4", "o": 0.9, "tip": tip})
        legend = [("high-speed rail (schematic)", "#b2182b"), ("conventional rail (schematic, dashed)", "#333333")]
    return {"i": idx, "t": _esc(ly.label), "k": "lines", "show": bool(ly.show), "n": _esc(ly.note),
            "lines": items, "l": [_esc(a) for a, _ in legend], "p": [c for _, c in legend]}


#: colour of each circle centre's overlay (Okabe-Ito, colour-blind safe)
CENTRE_COLORS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
_DASH = (None, "8 5", "2 5", "12 4 2 4")


def _circles(ly, idx0, ui):
    g = _wgs84(ly.gdf)
    out = []
    mins = sorted(pd.to_numeric(g.minutes).unique())
    seats = _wgs84(ly.points) if ly.points is not None else None
    for j, centre in enumerate(dict.fromkeys(g.centre)):
        col = CENTRE_COLORS[j % len(CENTRE_COLORS)]
        sub = g[g.centre == centre].sort_values("minutes", ascending=False)
        bands = []
        for _, row in sub.iterrows():
            if row.geometry is None or row.geometry.is_empty:
                continue
            k = mins.index(row["minutes"])
            bands.append({"g": _geom(row.geometry), "d": _DASH[k % len(_DASH)], "fo": round(0.06 + 0.04 * (
                len(mins) - 1 - k) / max(len(mins) - 1, 1), 3),
                "tip": f"{_esc(centre)}: {_esc(row['minutes'], '.0f')}-minute circle, "
                       f"{_esc(row['n_counties'], '.0f')} counties (modelled times)"})
        first = sub.iloc[0]
        c = [round(float(first["centre_lat"]), 4), round(float(first["centre_lon"]), 4)] if (
            "centre_lat" in sub and pd.notna(first.get("centre_lat"))) else None
        pts = []
        if seats is not None and len(seats):
            s = seats[seats["centre"] == centre] if "centre" in seats.columns else seats
            for _, r in s.iterrows():
                b = bool(r["borderline"]) if "borderline" in s.columns and pd.notna(r["borderline"]) else False
                nm = next((_esc(r[n]) for n in ("name_zh", "name_en", "adcode") if n in s.columns), "")
                pts.append({"p": _latlon(r.geometry), "b": b,
                            "tip": f"{nm} — {_esc(ui['borderline'] if b else ui['seat'])}"})
        legend = [(f"{m:.0f} min" + (" (solid)" if _DASH[i % len(_DASH)] is None else " (dashed)"), col)
                  for i, m in enumerate(mins)] + [(ui["centre"], "#ffff33")]
        if any(p["b"] for p in pts):
            legend.append((ui["borderline"], "#ffffff"))
        out.append({"i": idx0 + j, "t": _esc(f"{ly.label}: {centre}"), "k": "circles", "show": bool(ly.show),
                    "n": _esc(ly.note), "col": col, "bands": bands, "c": c, "ctip": f"centre: {_esc(centre)}",
                    "pts": pts, "l": [_esc(a) for a, _ in legend], "p": [c_ for _, c_ in legend]})
    return out


def _points(ly, idx, ui):
    g = _wgs84(ly.gdf)
    pts = []
    for _, r in g.iterrows():
        b = bool(r["borderline"]) if "borderline" in g.columns and pd.notna(r["borderline"]) else False
        nm = next((_esc(r[n]) for n in ("name_zh", "name_en", "adcode") if n in g.columns and pd.notna(r[n])), "")
        pts.append({"p": _latlon(r.geometry), "b": b, "tip": f"{nm}" + (f" — {_esc(ui['borderline'])}" if b else "")})
    legend = [(ly.name, "#333333")] + ([(ui["borderline"], "#ffffff")] if any(p["b"] for p in pts) else [])
    return {"i": idx, "t": _esc(ly.label), "k": "points", "show": bool(ly.show), "n": _esc(ly.note), "pts": pts,
            "l": [_esc(a) for a, _ in legend], "p": [c for _, c in legend]}


def _context(ly, idx, lang):
    """A context overlay: grey lines (outlines) or small labelled dots (cities), drawn under the thematic layers."""
    g = _wgs84(ly.gdf)
    pref = ["name_zh", "name_en"] if lang == "zh" else ["name_en", "name_zh"]

    def name(r):
        return next((_esc(r[n]) for n in pref + ["adcode"] if n in g.columns and pd.notna(r[n]) and r[n] != ""), "")

    lines, pts, labels = [], [], []
    for _, r in g.iterrows():
        geom = r.geometry
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type in ("Point", "MultiPoint"):
            p = geom if geom.geom_type == "Point" else geom.geoms[0]
            cap = "is_capital" in g.columns and bool(r["is_capital"])
            pts.append({"p": _latlon(p), "n": name(r), "b": cap})
            continue
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            geom = geom.boundary
        lines.append(_geom(geom))
        if "label_lon" in g.columns and pd.notna(r.get("label_lon")) and pd.notna(r.get("label_lat")):
            labels.append({"p": [round(float(r["label_lat"]), 4), round(float(r["label_lon"]), 4)], "n": name(r)})
    legend = ([("province border", "#8c8c8c")] if lines else []) + (
        [("prefecture-level city (larger: capital)", "#666666")] if pts else [])
    return {"i": idx, "t": _esc(ly.label), "k": "context", "show": bool(ly.show), "n": _esc(ly.note),
            "lines": [x for x in lines if x is not None], "labels": labels, "pts": pts,
            "l": [_esc(a) for a, _ in legend], "p": [c for _, c in legend]}


def _json(obj) -> str:
    """JSON for a ``<script>``: nothing in it can close the script or start markup."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("'", "\\u0027")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_CSS = """
<style>
.js-label span{display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;font:12px sans-serif;
 color:#111;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff,0 0 1px #fff;pointer-events:none}
.js-label-coarse span{font-weight:bold;font-size:13px}
.js-group{font-weight:bold;margin:6px 0 2px;border-top:1px solid #ddd;padding-top:3px}
.js-year{margin-bottom:4px}
.leaflet-control-layers-expanded{max-height:60vh;overflow-y:auto;font:12px sans-serif}
.js-legendbox{background:#fff;padding:6px 8px;border:1px solid #999;font:12px sans-serif;max-height:35vh;
 overflow:auto;max-width:40vw}
.js-legend .sw{display:inline-block;width:14px;height:10px;border:1px solid #777;margin-right:4px}
.js-note{background:rgba(255,255,255,.85);font:11px sans-serif;padding:1px 4px;max-width:50vw}
.js-search input{width:150px;font:13px sans-serif;padding:3px}
.js-ctx span{display:inline-block;white-space:nowrap;font:11px sans-serif;color:#555;
 text-shadow:0 0 2px #fff,0 0 2px #fff;pointer-events:none;transform:translate(5px,-50%)}
.js-ctx-area span{font-style:italic;color:#777;transform:translate(-50%,-50%);letter-spacing:1px}
.js-search .msg{font:11px sans-serif;color:#a00}
@media (max-width:600px){.js-legendbox{max-width:55vw;max-height:28vh;font-size:11px}
 .js-note{max-width:40vw;font-size:10px}.js-note-more{display:none}.js-search input{width:110px}}
</style>
"""

_JS = r"""
(function() {
  var map = __MAP__;
  var D = __DATA__;
  var UI = D.ui, NODATA = D.nodata;
  var svg = L.svg(), canvas = L.canvas({padding: 0.3});
  var feats = D.geo.map(function(s) {
    return s.f.map(function(g, i) { return {type: 'Feature', properties: {i: i}, geometry: g}; });
  });
  var current = {}, layersOf = {};
  function tip(t, i) {
    var s = D.geo[t.s];
    var h = '<b>' + s.n[i] + '</b>' + (s.n2 && s.n2[i] ? ' (' + s.n2[i] + ')' : '');
    h += '<br>' + t.t + (t.u ? ' (' + t.u + ')' : '') + ': ' + t.v[i];
    var c = t.c[i];
    if (c >= 0 && t.k === 'numeric') { h += '<br>' + UI['class'] + ': ' + t.l[c]; }
    if (t.r && t.r[i]) { h += '<br>' + UI.masked + ': ' + t.r[i]; }
    else if (c < 0) { h += '<br>' + (t.k === 'numeric' ? UI.nodata : UI.other); }
    t.x.forEach(function(x) { h += '<br>' + x[0] + ': ' + x[1][i]; });
    return h;
  }
  function geoLayer(si) {
    if (layersOf[si]) { return layersOf[si]; }
    var gl = L.geoJSON(feats[si], {
      renderer: feats[si].length > 1000 ? canvas : svg,
      style: function() { return {color: '#555', weight: 0.7, fillOpacity: 0.78, fillColor: NODATA}; },
      onEachFeature: function(f, l) {
        l.bindTooltip(function() { return current[si] ? tip(current[si], f.properties.i) : D.geo[si].n[f.properties.i]; },
                      {sticky: true});
      }
    });
    layersOf[si] = gl;
    return gl;
  }
  var Theme = L.Layer.extend({
    initialize: function(t) { this.t = t; },
    onAdd: function(m) {
      var t = this.t, gl = geoLayer(t.s);
      current[t.s] = t;
      gl.eachLayer(function(l) {
        var c = t.c[l.feature.properties.i];
        l.setStyle({fillColor: c >= 0 ? t.p[c] : NODATA});
      });
      if (!m.hasLayer(gl)) { m.addLayer(gl); }
      gl.bringToBack();
    },
    onRemove: function(m) {
      var t = this.t;
      if (current[t.s] === t) { current[t.s] = null; m.removeLayer(geoLayer(t.s)); }
    }
  });
  var themes = D.themes.map(function(t) { return new Theme(t); });
  var none = L.layerGroup();
  // ---- overlays
  function lineLayer(o) {
    var g = L.featureGroup();
    o.lines.forEach(function(x) {
      var pl = L.polyline(x.c, {color: x.col, weight: x.w, opacity: x.o, dashArray: x.d || null}).addTo(g);
      pl.bindTooltip(x.tip, {sticky: true});
      if (x.pop) { pl.bindPopup(x.pop, {maxWidth: 300}); }
    });
    return g;
  }
  function pointMarkers(g, pts, col) {
    pts.forEach(function(p) {
      var mk = p.b ? L.circleMarker(p.p, {radius: 7, color: '#e66101', weight: 3, dashArray: '3 2', fill: true,
                                          fillColor: '#ffffff', fillOpacity: 1})
                   : L.circleMarker(p.p, {radius: 4, color: '#222', weight: 1, fill: true, fillColor: col,
                                          fillOpacity: 1});
      mk.bindTooltip(p.tip).addTo(g);
    });
  }
  function circleLayer(o) {
    var g = L.featureGroup();
    o.bands.forEach(function(b) {
      L.geoJSON(b.g, {style: {color: o.col, weight: 2.5, dashArray: b.d, fillColor: o.col, fillOpacity: b.fo}})
        .bindTooltip(b.tip, {sticky: true}).addTo(g);
    });
    pointMarkers(g, o.pts, o.col);
    if (o.c) {
      L.circleMarker(o.c, {radius: 7, color: '#000', weight: 2, fill: true, fillColor: '#ffff33', fillOpacity: 1})
        .bindTooltip(o.ctip).addTo(g);
    }
    return g;
  }
  // context overlays sit in their own pane inside the overlay pane, under the thematic layers (z-index -1 there)
  map.createPane('jsctx', map.getPane('overlayPane')).style.zIndex = -1;
  map.createPane('jsctxlabel').style.zIndex = 590;
  function contextLayer(o) {
    var g = L.featureGroup();
    o.lines.forEach(function(x) {
      L.geoJSON(x, {pane: 'jsctx', interactive: false, style: {color: '#8c8c8c', weight: 1.3, opacity: 0.9, fill: false}}).addTo(g);
    });
    o.labels.forEach(function(x) {
      L.marker(x.p, {pane: 'jsctxlabel', interactive: false, keyboard: false, icon: L.divIcon({
        className: 'js-ctx js-ctx-area', html: '<span>' + x.n + '</span>', iconSize: null})}).addTo(g);
    });
    o.pts.forEach(function(x) {
      L.circleMarker(x.p, {pane: 'jsctx', interactive: false, radius: x.b ? 4 : 2.5, color: '#444', weight: 1,
                           fill: true, fillColor: x.b ? '#444' : '#999', fillOpacity: 1}).addTo(g);
      L.marker(x.p, {pane: 'jsctxlabel', interactive: false, keyboard: false, icon: L.divIcon({
        className: 'js-ctx', html: '<span>' + x.n + '</span>', iconSize: null})}).addTo(g);
    });
    return g;
  }
  var overlays = D.overlays.map(function(o) {
    if (o.k === 'context') { return contextLayer(o); }
    if (o.k === 'lines') { return lineLayer(o); }
    if (o.k === 'circles') { return circleLayer(o); }
    var g = L.featureGroup(); pointMarkers(g, o.pts, '#333333'); return g;
  });
  var outline = L.layerGroup();
  if (D.coarse !== null) {
    L.geoJSON(feats[D.coarse], {interactive: false, style: {fill: false, color: '#222', weight: 1.4}}).addTo(outline);
    if (D.outline) { L.geoJSON(D.outline, {interactive: false, style: {fill: false, color: '#000', weight: 2.6}}).addTo(outline); }
  }
  var Labels = L.LayerGroup.extend({
    onAdd: function(m) { L.LayerGroup.prototype.onAdd.call(this, m); m.on('zoomend moveend', this.upd, this); this.upd(); },
    onRemove: function(m) { m.off('zoomend moveend', this.upd, this); L.LayerGroup.prototype.onRemove.call(this, m); },
    upd: function() {
      var m = this._map, z = m.getZoom(), b = m.getBounds().pad(0.2), self = this;
      this._mk = this._mk || {};
      D.geo.forEach(function(s, si) {
        s.p.forEach(function(p, i) {
          var key = si + ':' + i, mk = self._mk[key], want = p && z >= s.z && b.contains(p);
          if (want && !mk) {
            mk = self._mk[key] = L.marker(p, {interactive: false, keyboard: false, icon: L.divIcon({
              className: 'js-label ' + (s.z === 0 ? 'js-label-coarse' : 'js-label-fine'), html: '<span>' + (s.ln ? s.ln[i] : s.n[i]) + '</span>',
              iconSize: null})});
          }
          if (mk) { if (want && !self.hasLayer(mk)) { self.addLayer(mk); } else if (!want && self.hasLayer(mk)) { self.removeLayer(mk); } }
        });
      });
    }
  });
  var labels = new Labels();
  // ---- layer control: thematic layers are radio buttons under their group, one year at a time
  var years = [];
  D.themes.forEach(function(t) { if (t.y !== null && years.indexOf(t.y) < 0) { years.push(t.y); } });
  years.sort().reverse();
  var year = D.def >= 0 && D.themes[D.def].y !== null ? D.themes[D.def].y : (years[0] || null);
  var base = {}, over = {};
  base['<span class="js-theme" data-i="-1">' + UI.none + '</span>'] = none;
  D.themes.forEach(function(t, i) { base['<span class="js-theme" data-i="' + i + '">' + t.t + '</span>'] = themes[i]; });
  if (D.tiles) {
    over['<span class="js-over">' + D.tiles.name + '</span>'] = L.tileLayer(D.tiles.url, {attribution: D.tiles.attr, maxZoom: 18});
  }
  over['<span class="js-over">' + UI.outlines + '</span>'] = outline;
  over['<span class="js-over">' + UI.labels + '</span>'] = labels;
  D.overlays.forEach(function(o, i) { over['<span class="js-over" data-o="' + i + '">' + o.t + '</span>'] = overlays[i]; });
  var Ctl = L.Control.Layers.extend({
    _update: function() {
      L.Control.Layers.prototype._update.call(this);
      var list = this._baseLayersList, prev = null, self = this;
      if (years.length > 1) {
        var d = L.DomUtil.create('div', 'js-year');
        d.innerHTML = UI.year + ': <select>' + years.map(function(y) {
          return '<option' + (y === year ? ' selected' : '') + '>' + y + '</option>'; }).join('') + '</select>';
        list.insertBefore(d, list.firstChild);
        L.DomEvent.disableClickPropagation(d);
        d.querySelector('select').onchange = function() { setYear(this.value); };
      }
      Array.prototype.forEach.call(list.querySelectorAll('label'), function(lab) {
        var sp = lab.querySelector('.js-theme'); if (!sp) { return; }
        var i = +sp.getAttribute('data-i'); if (i < 0) { return; }
        var t = D.themes[i];
        if (t.y !== null && years.length > 1 && t.y !== year) { lab.style.display = 'none'; return; }
        if (t.g !== prev) {
          var h = document.createElement('div'); h.className = 'js-group'; h.innerHTML = t.g;
          lab.parentNode.insertBefore(h, lab); prev = t.g;
        }
      });
      return this;
    }
  });
  var small = window.innerWidth < 700 || window.innerHeight < 500;
  var ctl = new Ctl(base, over, {collapsed: small, sortLayers: false}).addTo(map);
  function activeTheme() { for (var i = 0; i < themes.length; i++) { if (map.hasLayer(themes[i])) { return i; } } return -1; }
  function setYear(y) {
    year = y;
    var i = activeTheme();
    if (i >= 0 && D.themes[i].y !== null && D.themes[i].y !== y) {
      var t = D.themes[i];
      for (var j = 0; j < D.themes.length; j++) {
        var u = D.themes[j];
        if (u.key === t.key && u.g === t.g && u.y === y) { map.removeLayer(themes[i]); map.addLayer(themes[j]); break; }
      }
    }
    ctl._update(); legend();
  }
  // ---- legends: the active thematic layer's and those of the overlays switched on
  var Box = L.Control.extend({options: {position: 'bottomright'}, onAdd: function() {
    var div = L.DomUtil.create('div', 'js-legendbox'); div.id = 'js-legends';
    function block(id, o, nd) {
      var rows = o.l.map(function(lab, k) { return '<div><span class="sw" style="background:' + o.p[k] + '"></span>' + lab + '</div>'; });
      if (nd) { rows.push('<div><span class="sw" style="background:' + NODATA + '"></span>' + (o.k === 'numeric' ? UI.nodata : UI.other) + '</div>'); }
      return '<div id="' + id + '" class="js-legend" style="display:none;margin-top:4px"><div style="font-weight:bold">' + o.t +
        (o.u ? ' <span style="font-weight:normal">(' + o.u + ')</span>' : '') + '</div>' + rows.join('') +
        (o.n ? '<div style="font-size:10px;color:#555">' + o.n + '</div>' : '') + '</div>';
    }
    div.innerHTML = D.themes.map(function(t, i) { return block('legend_t' + i, t, t.nd); }).join('') +
      D.overlays.map(function(o, i) { return block('legend_o' + i, o, false); }).join('');
    L.DomEvent.disableClickPropagation(div); L.DomEvent.disableScrollPropagation(div);
    return div;
  }});
  new Box().addTo(map);
  function legend() {
    var any = false;
    themes.forEach(function(l, i) { var on = map.hasLayer(l); any = any || on; document.getElementById('legend_t' + i).style.display = on ? 'block' : 'none'; });
    overlays.forEach(function(l, i) { var on = map.hasLayer(l); any = any || on; document.getElementById('legend_o' + i).style.display = on ? 'block' : 'none'; });
    document.getElementById('js-legends').style.display = any ? 'block' : 'none';
  }
  map.on('baselayerchange overlayadd overlayremove', legend);
  // ---- title and datum note
  var Note = L.Control.extend({options: {position: 'bottomleft'}, onAdd: function() {
    var d = L.DomUtil.create('div', 'js-note'); d.innerHTML = D.note; return d; }});
  new Note().addTo(map);
  // ---- search: a place by name, over the names in this page
  var Search = L.Control.extend({options: {position: 'topleft'}, onAdd: function() {
    var d = L.DomUtil.create('div', 'js-search leaflet-bar');
    var opts = [];
    D.geo.forEach(function(s) { s.n.forEach(function(n, i) { opts.push('<option value="' + n + '">'); if (s.n2 && s.n2[i]) { opts.push('<option value="' + s.n2[i] + '">'); } }); });
    d.innerHTML = '<input type="search" list="js-places" placeholder="' + UI.search + '" aria-label="' + UI.search +
      '"><datalist id="js-places">' + opts.join('') + '</datalist><div class="msg"></div>';
    L.DomEvent.disableClickPropagation(d);
    var input = d.querySelector('input'), msg = d.querySelector('.msg'), hl = null;
    var text = document.createElement('textarea');
    function plain(h) { text.innerHTML = h; return text.value; }
    var index = [];
    D.geo.forEach(function(s, si) { s.n.forEach(function(n, i) {
      index.push([plain(n).toLowerCase(), si, i]); if (s.n2 && s.n2[i]) { index.push([plain(s.n2[i]).toLowerCase(), si, i]); } }); });
    function go() {
      var q = input.value.trim().toLowerCase(); if (!q) { return; }
      var hit = index.filter(function(x) { return x[0] === q; })[0] || index.filter(function(x) { return x[0].indexOf(q) >= 0; })[0];
      if (hl) { map.removeLayer(hl); hl = null; }
      if (!hit) { msg.textContent = input.value + ': ' + UI.notfound; return; }
      msg.textContent = '';
      hl = L.geoJSON(feats[hit[1]][hit[2]], {interactive: false, style: {fill: false, color: '#00e5ff', weight: 4}}).addTo(map);
      map.fitBounds(hl.getBounds(), {maxZoom: 10});
    }
    input.addEventListener('change', go);
    input.addEventListener('keydown', function(e) { if (e.key === 'Enter') { go(); } });
    return d;
  }});
  new Search().addTo(map);
  // ---- start: the default thematic layer, outlines and names on
  map.options.zoomSnap = 0.25;
  map.fitBounds(D.bounds);
  map.addLayer(D.def >= 0 ? themes[D.def] : none);
  map.addLayer(outline);
  map.addLayer(labels);
  if (D.tiles) { map.addLayer(over['<span class="js-over">' + D.tiles.name + '</span>']); }
  D.overlays.forEach(function(o, i) { if (o.show) { map.addLayer(overlays[i]); } });
  ctl._update();
  legend();
  window.jsMap = {map: map, themes: themes, overlays: overlays, labels: labels, control: ctl};
})();
"""


def build_map(layers, *, offline: bool = True, tiles: str | None = None, title: str = "jilin_spatial map",
              names=("name_zh", "name_en"), bounds=None, lang: str = "en", default: str | None = None,
              label_min_zoom: int = 8):
    """Build a folium Map from :class:`MapLayer` objects.

    Polygon geometry is written once per set of units (rounded to 0.001
    degree) and every thematic layer on it carries only its classes,
    values and legend, so a map of many layers stays small.

    Parameters
    ----------
    layers : list of MapLayer
        Numeric and categorical layers are thematic (radio buttons, grouped
        by ``group``, with a year switch when they span several years); ties,
        rail, circles (one overlay per centre) and points are overlays
        (check boxes), as are the unit outlines and the place names;
        ``context`` overlays (outlines, cities) are drawn under the thematic
        layers and do not set the initial view.
    offline : bool
        Inline Leaflet and strip every external script/stylesheet (default).
    tiles : {"osm"} or None
        Optional online basemap (WGS84); the page states its datum and warns
        that Chinese tile providers (GCJ-02 / BD-09) would not line up.  None:
        no basemap, the unit outlines give the context.
    names : sequence of str
        Name columns; the one of ``lang`` labels the map, the other is shown
        beside it in tooltips.
    lang : {"en", "zh"}
        Language of the place names and of the page's controls.
    default : str, optional
        The layer shown first, by its label (``name`` and ``year``, or
        ``name`` for an overlay such as the circles).  Default: the first
        thematic layer with ``show=True``, else the first thematic layer.
    label_min_zoom : int
        Names of the coarsest units are always shown; names of finer units
        (e.g. counties) from this zoom level on.

    Returns
    -------
    folium.Map
    """
    import folium
    from branca.element import MacroElement, Template

    if not layers:
        raise InputError("layers", "at least one MapLayer", "none", "pass e.g. [MapLayer('LQ', gdf, 'lq')]")
    check_choice("lang", lang, LANGS)
    labels = [ly.label for ly in layers]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise InputError("layers", "unique layer names (name + year)", f"duplicates {dup}",
                         "give each layer its own name or year")
    if tiles is not None and tiles not in TILES:
        raise InputError("tiles", f"None or one of {list(TILES)}", repr(tiles), "Amap/Baidu tiles are GCJ-02/BD-09 "
                         "and do not line up with WGS84 polygons; Tianditu needs a user key")
    bad = [ly.kind for ly in layers if ly.kind not in THEME_KINDS + OVERLAY_KINDS]
    if bad:
        raise InputError("kind", f"one of {list(THEME_KINDS + OVERLAY_KINDS)}", repr(bad[0]), "fix the MapLayer")
    if default is not None and default not in labels:
        raise InputError("default", f"one of the layer labels {labels}", repr(default), "pass a layer's name (+ year)")
    ui = _UI[lang]
    geo = _GeoSets(names, lang)
    themes, overlays = [], []
    groups = list(dict.fromkeys(ly.group if ly.group is not None else ly.name for ly in layers
                                if ly.kind in THEME_KINDS))
    theme_layers = sorted([ly for ly in layers if ly.kind in THEME_KINDS],
                          key=lambda ly: groups.index(ly.group if ly.group is not None else ly.name))
    for ly in theme_layers:  # listed by group, in the order the groups first appear
        themes.append(_theme(ly, geo, len(themes)))
    for ly in layers:
        if ly.kind in THEME_KINDS:
            continue
        elif ly.kind in ("ties", "rail"):
            overlays.append(_lines(ly, len(overlays), ui))
        elif ly.kind == "circles":
            overlays.extend(_circles(ly, len(overlays), ui))
        elif ly.kind == "context":
            overlays.append(_context(ly, len(overlays), lang))
        else:
            overlays.append(_points(ly, len(overlays), ui))
    if default is not None:
        dly = layers[labels.index(default)]
        if dly.kind in THEME_KINDS:
            d = theme_layers.index(dly)
        else:
            d = -1
            for o in overlays:
                o["show"] = o["show"] or o["t"] == _esc(default) or o["t"].startswith(_esc(default) + ": ")
    else:
        d = next((i for i, ly in enumerate(theme_layers) if ly.show), 0 if theme_layers else -1)
    coarse, outline = geo.finish(label_min_zoom) or (None, None)
    first = next((ly for ly in layers if ly.kind != "context"), layers[0])  # context reaches beyond the region
    allb = bounds if bounds is not None else _wgs84(first.gdf).total_bounds
    datum = TILES[tiles][2] if tiles else ui["nobase"]
    data = {"ui": {k: _esc(v) for k, v in ui.items()}, "nodata": NODATA, "geo": geo.sets, "themes": themes,
            "overlays": overlays, "def": d, "coarse": coarse, "outline": outline,
            "note": f"<b>{_esc(title)}</b><span class=\"js-note-more\"> — {_esc(datum)}. {_esc(ui['gcj'])}</span>",
            "bounds": [[float(allb[1]), float(allb[0])], [float(allb[3]), float(allb[2])]],
            "tiles": None if not tiles else {"url": TILES[tiles][0], "attr": TILES[tiles][1],
                                             "name": _esc(f"basemap ({TILES[tiles][2]})")}}
    m = folium.Map(location=[(allb[1] + allb[3]) / 2, (allb[0] + allb[2]) / 2], zoom_start=6, tiles=None,
                   control_scale=True, prefer_canvas=False)
    macro = MacroElement()
    macro._template = Template("{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}"
                               "{% macro script(this, kwargs) %}{{ this.js.replace('__MAP__', this._parent.get_name()) }}"
                               "{% endmacro %}")
    macro.css = _CSS
    macro.data = data
    m.add_child(macro)
    m.fit_bounds([[allb[1], allb[0]], [allb[3], allb[2]]])
    macro.js = _JS.replace("__DATA__", _json(data))
    _stable_ids(m.get_root())
    m._jilin_offline = offline
    m._jilin_layers = {"themes": len(themes), "overlays": len(overlays), "geometry_sets": len(geo.sets)}
    return m


def _stable_ids(root):
    """Give every element under ``root`` an id derived from its place in the tree, not a random one.

    folium/branca name each element ``<kind>_<32 random hex digits>`` and
    those names are JavaScript variables and HTML ids in the page, so two
    builds of the same map differed.  Here the id is the SHA-256 (first 32
    hex digits) of the element's path (child positions and kinds from the
    root): the same map gives the same page, elements keep distinct names,
    and appending elements later leaves the ids of earlier ones unchanged.
    Children keyed by their old name are re-keyed by the new one; children
    added under an explicit name keep it.  Popups hold their content in
    ``header``/``html``/``script`` elements outside ``_children``; those are
    walked too.  Returns the elements visited.

    Examples
    --------
    >>> import hashlib
    >>> from branca.element import Element
    >>> a, b = Element(), Element()
    >>> _ = a.add_child(b)
    >>> _ = _stable_ids(a)
    >>> b._id == hashlib.sha256(b"root/0:Element").hexdigest()[:32], list(a._children) == [b.get_name()]
    (True, True)
    >>> b.get_name()
    'element_fc815ba404aef5a06aa4acfa44e240e6'
    """
    import hashlib
    from collections import OrderedDict

    from branca.element import Element

    seen = []

    def walk(el, path):
        seen.append(el)
        el._id = hashlib.sha256(path.encode("utf-8")).hexdigest()[:32]
        items = list(el._children.items())
        auto = [key == child.get_name() for key, child in items]
        for i, (_, child) in enumerate(items):
            walk(child, f"{path}/{i}:{child._name}")
        el._children = OrderedDict((child.get_name() if a else key, child) for (key, child), a in zip(items, auto))
        for attr in ("header", "html", "script"):
            sub = getattr(el, attr, None)
            if isinstance(sub, Element) and sub._parent is el and not any(sub is c for _, c in items):
                walk(sub, f"{path}/{attr}")

    walk(root, "root")
    return seen


_EXT_SCRIPT = re.compile(r'<script[^>]+src="(https?:)?//[^"]*"[^>]*>\s*</script>\s*', re.I)
_EXT_LINK = re.compile(r'<link[^>]+href="(https?:)?//[^"]*"[^>]*/?>\s*', re.I)


def render_html(m, *, offline: bool | None = None) -> str:
    """Render the page; offline pages inline Leaflet and drop every external asset."""
    from . import datasets

    offline = getattr(m, "_jilin_offline", True) if offline is None else offline
    # ids also for anything added since build_map; rendering adds elements (script snippets, `addTo` calls)
    # to the tree, so put every child list back afterwards: rendering twice gives the same page
    snapshot = [(el, el._children.copy()) for el in _stable_ids(m.get_root())]
    try:
        page = m.get_root().render()
    finally:
        for el, children in snapshot:
            el._children = children
    if offline:
        page = _EXT_SCRIPT.sub("", page)
        page = _EXT_LINK.sub("", page)
        css = datasets.asset_text("leaflet-1.9.3.css")
        js = datasets.asset_text("leaflet-1.9.3.js")
        jq = datasets.asset_text("jquery-3.7.1.min.js")
        inline = (f"<style>/* Leaflet 1.9.3, BSD-2-Clause */\n{css}</style>\n"
                  f"<script>/* Leaflet 1.9.3, BSD-2-Clause, (c) Vladimir Agafonkin, CloudMade */\n{js}</script>\n"
                  f"<script>/* jQuery 3.7.1, MIT, (c) OpenJS Foundation */\n{jq}</script>\n")
        page = page.replace("<head>", "<head>\n" + inline, 1)
    return page


def save_map(m, path, *, offline: bool | None = None):
    """Write the map page atomically (see :mod:`jilin_spatial.export`)."""
    import os
    import tempfile
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(m, offline=offline)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
