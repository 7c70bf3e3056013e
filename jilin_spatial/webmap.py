"""Interactive folium maps that work offline (``DIR/map.html``).

* One toggleable FeatureGroup per layer, in one LayerControl; each layer has
  its own legend, shown only while the layer is on.
* Numeric layers are classed with mapclassify (quantiles, natural breaks or
  user breaks); the number of classes drops to the number of distinct
  values for small n.  Masked / missing values are grey.
* Categorical layers use fixed colours (stage, coupling class, LISA quadrant
  in GeoDa's colours; insignificant grey).
* Title, unit, kind, classing and colours a layer is not given come from the
  layer registry (:mod:`jilin_spatial.layers`), which the figures and the
  GeoPackage metadata read too; this module imports no metric module.
* Ties are lines whose width scales with R; circles are semi-transparent
  polygons with the centre marked; rail edges are schematic lines between
  seats, high-speed solid and conventional dashed, labelled as modelled.
* Offline (default): Leaflet 1.9.3 is inlined and every external script or
  stylesheet folium adds is removed, so the page needs no network.  An
  optional online basemap says which datum its tiles use.
* Every string from data (names, ids, column names, categories, values,
  titles, units, notes) goes through one escape, :func:`_esc`, which also
  makes it inert inside the JavaScript template literals folium puts
  tooltips and popups in; colours must be colours.
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

__all__ = ["MapLayer", "build_map", "save_map", "classify", "fill_colors", "LISA_COLORS", "STAGE_COLORS",
           "CLASS3_COLORS", "COUPLING_COLORS", "HOTCOLD_COLORS", "NODATA", "SCHEMES"]

SCHEMES = ("quantiles", "natural_breaks", "user_defined")
# The colour constants (LISA_COLORS, STAGE_COLORS, CLASS3_COLORS, COUPLING_COLORS, HOTCOLD_COLORS, NODATA) live in
# the layer registry (:mod:`jilin_spatial.layers`) and are re-exported here for code that imports them from webmap.
TILES = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "&copy; OpenStreetMap contributors",
            "WGS84 (OpenStreetMap): lines up with these polygons"),
}


@dataclass
class MapLayer:
    """What to draw.  ``kind``: numeric, categorical, ties, circles or rail.

    Options left as None (``kind``, ``unit``, ``scheme``, ``k``,
    ``colors``, ``cmap``, ``bins``) are filled from the layer registry,
    :func:`jilin_spatial.layers.layer_style` of ``column``, so the map
    draws a column as the figures do: ``MapLayer("LISA", g,
    "lisa_lq_manufacturing_2020")`` is categorical in GeoDa's LISA colours.
    A column outside the registry is numeric, quantiles, 5 classes, YlOrRd.

    Examples
    --------
    >>> ly = MapLayer("Stage", None, "stage_producer_services")
    >>> ly.kind, ly.colors["growing"], ly.unit
    ('categorical', '#1a9641', '')
    >>> MapLayer("D", None, "D_2020", k=4).k, MapLayer("D", None, "D_2020").scheme
    (4, 'quantiles')
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

    def __post_init__(self):
        if self.kind in ("ties", "rail", "circles"):
            return
        st = layer_style(self.column, kind=self.kind, unit=self.unit, scheme=self.scheme, k=self.k,
                         cmap=self.cmap, colors=self.colors, bins=self.bins)
        for key in ("kind", "unit", "scheme", "k", "cmap", "colors", "bins"):
            setattr(self, key, st[key])


def classify(values, *, scheme: str = "quantiles", k: int = 5, bins=None):
    """Class values with mapclassify; k drops to the number of distinct values.

    Returns (class index per value, -1 for NaN; list of upper bounds).

    Examples
    --------
    >>> classify([1.0, 2.0, 3.0], k=5)[1]
    [1.0, 2.0, 3.0]
    """
    import mapclassify

    check_choice("scheme", scheme, SCHEMES)
    y = np.asarray(values, float)
    ok = ~np.isnan(y)
    out = np.full(y.shape, -1)
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


def fill_colors(values, *, kind: str = "numeric", scheme: str = "quantiles", k: int = 5, bins=None,
                colors: dict | None = None, cmap: str = "YlOrRd"):
    """Fill colour per value and the legend entries ``[(label, colour)]``; shared by map and figures.

    Numeric values are classed with :func:`classify` on ``cmap``; categorical
    values take ``colors`` (label -> colour, any matplotlib colour; returned
    as ``#rrggbb``).  Missing, masked or unknown values are grey
    (:data:`NODATA`) with their own legend entry.
    """
    if kind == "numeric":
        vals = pd.to_numeric(pd.Series(values), errors="coerce")
        cls, ub = classify(vals, scheme=scheme, k=k, bins=bins)
        pal = _palette(cmap, max(len(ub), 1))
        fill = [pal[c] if c >= 0 else NODATA for c in cls]
        lo = [float(np.nanmin(vals))] + ub[:-1] if ub else []
        entries = [(f"{a:.3g} – {b:.3g}", pal[i]) for i, (a, b) in enumerate(zip(lo, ub))]
        if (cls < 0).any():
            entries.append(("no data / masked", NODATA))
        return fill, entries
    import matplotlib.colors as mcolors

    colors = colors or {}
    bad = {k: v for k, v in colors.items() if not mcolors.is_color_like(v)}
    if bad:
        raise InputError("colors", "a colour per category, e.g. '#1a9641' or 'green'", f"{bad!r}",
                         "use a hex colour or a matplotlib colour name")
    colors = {k: mcolors.to_hex(v) for k, v in colors.items()}
    cats = pd.Series(values).astype(object)
    cats = cats.where(cats.notna(), None)
    fill = [colors.get(c, NODATA) if c is not None else NODATA for c in cats]
    entries = [(c, colors[c]) for c in colors if c in set(cats)]
    if any(c is None or c not in colors for c in cats):
        entries.append(("no data / other", NODATA))
    return fill, entries


_JS_TEMPLATE = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _esc(x, spec: str = "") -> str:
    """The one escape for every string from data that the map shows (tooltips, popups, legends, titles).

    ``str(x)`` (or ``format(x, spec)`` for a number) with ``& < > " '``
    HTML-escaped and, because folium places tooltip and popup HTML inside
    JavaScript template literals, the backtick, ``$`` and backslash as
    character references too.  The browser shows the original text.
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


def _clean_frame(gdf, keep):
    """Keep the needed columns, escape every string value, JSON-safe numbers."""
    g = gdf[[c for c in keep if c in gdf.columns] + [gdf.geometry.name]].copy()
    for c in g.columns:
        if c == g.geometry.name:
            continue
        if g[c].dtype == object or pd.api.types.is_string_dtype(g[c]):
            g[c] = g[c].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else _esc(v))
        elif pd.api.types.is_float_dtype(g[c]):
            g[c] = g[c].round(4).astype(object).where(g[c].notna(), None)
        elif pd.api.types.is_bool_dtype(g[c]):
            g[c] = g[c].astype(str)
    return g.to_crs("EPSG:4326")


def _legend_html(title, entries, note=""):
    rows = "".join(f'<div><span style="display:inline-block;width:14px;height:10px;background:{_esc(c)};'
                   f'border:1px solid #777;margin-right:4px"></span>{_esc(label)}</div>' for label, c in entries)
    n = f'<div style="font-size:10px;color:#555">{_esc(note)}</div>' if note else ""
    return f'<div style="font-weight:bold">{_esc(title)}</div>{rows}{n}'


def _add_polygons(fg, layer, names):
    import folium

    g = layer.gdf
    if layer.column not in g.columns:
        raise InputError("layers", f"column {layer.column!r} in layer {layer.name!r}", f"columns {list(g.columns)}",
                         "check the layer's column name")
    fill, entries = fill_colors(g[layer.column].to_numpy(), kind=layer.kind, scheme=layer.scheme, k=layer.k,
                                bins=layer.bins, colors=layer.colors, cmap=layer.cmap)
    unit = f" ({layer.unit})" if layer.unit else ""
    yr = f" {layer.year}" if layer.year is not None else ""
    extra = [c for c in layer.extra_fields if c in g.columns]
    cols = list(dict.fromkeys([c for c in names if c in g.columns] + [layer.column] + extra))
    labels = [c if c != layer.column else f"{layer.name}{yr}{unit}" for c in cols]
    # property keys f0, f1, ...: column names are data as well and appear on the page only as escaped labels
    d = _clean_frame(g, cols)
    d.columns = [f"f{i}" for i in range(len(cols))] + [d.geometry.name]
    d["_fill"] = fill
    fields = [f"f{i}" for i in range(len(cols))]
    aliases = [_esc(c) for c in labels]
    folium.GeoJson(
        json.loads(d.to_json()),
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "color": "#555", "weight": 0.7,
                                  "fillOpacity": 0.75},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, localize=False),
        name=_esc(layer.name),
    ).add_to(fg)
    return entries


def _add_lines(fg, layer):
    import folium

    g = layer.gdf.to_crs("EPSG:4326")
    if layer.kind == "ties":
        r = pd.to_numeric(g["R"], errors="coerce")
        w = 1 + 9 * (r - r.min()) / (r.max() - r.min()) if r.max() > r.min() else pd.Series(3.0, index=g.index)
        for (idx, row), width in zip(g.iterrows(), w):
            coords = [(y, x) for x, y in row.geometry.coords]
            label = f"{_esc(row.get('from_name_en', ''))} – {_esc(row.get('to_name_en', ''))}"
            popup = (f"<b>{label}</b><br>R = {_esc(row['R'], ',.1f')}<br>F = {_esc(row['F'], '.3f')}"
                     + (f"<br>F (reverse) = {_esc(row['F_reverse'], '.3f')}" if "F_reverse" in row else "")
                     + f"<br>{_esc(row.get('distance', ''))} {_esc(row.get('distance_unit', ''))}")
            folium.PolyLine(coords, weight=float(width), color="#6a3d9a", opacity=0.7,
                            popup=folium.Popup(popup, max_width=300), tooltip=label).add_to(fg)
        return [("line width ∝ R (gravity tie)", "#6a3d9a")]
    # rail: schematic
    for _, row in g.iterrows():
        coords = [(y, x) for x, y in row.geometry.coords]
        hs = row.get("line_mode") == "high-speed"
        tip = (f"{_esc(row.get('line_zh', ''))} ({_esc(row.get('line_mode', ''))}), {_esc(row.get('rail_km', ''))} km"
               " — schematic, modelled geometry")
        folium.PolyLine(coords, weight=4 if hs else 2, color="#e31a1c" if hs else "#333333",
                        dash_array=None if hs else "6 4", tooltip=tip).add_to(fg)
    return [("high-speed rail (schematic)", "#e31a1c"), ("conventional rail (schematic, dashed)", "#333333")]


def _add_circles(fg, layer):
    import folium

    g = layer.gdf.to_crs("EPSG:4326").sort_values("minutes", ascending=False)
    mins = sorted(g.minutes.unique())
    pal = dict(zip(mins, _palette("Blues", len(mins))[::-1]))
    for _, row in g.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        tip = (f"{_esc(row['centre'])}: {_esc(row['minutes'], '.0f')}-minute circle, {_esc(row['n_counties'], '.0f')}"
               " counties (modelled times)")
        folium.GeoJson(row.geometry.__geo_interface__, style_function=lambda f, c=pal[row["minutes"]]: {
            "fillColor": c, "color": c, "weight": 1, "fillOpacity": 0.25}, tooltip=tip).add_to(fg)
    for centre, row in g.drop_duplicates("centre").set_index("centre").iterrows():
        if pd.notna(row.get("centre_lat")):
            folium.CircleMarker((row["centre_lat"], row["centre_lon"]), radius=6, color="#000", fill=True,
                                fill_color="#ffff33", fill_opacity=1, tooltip=f"centre: {_esc(centre)}").add_to(fg)
    return [(f"{m:.0f} min", pal[m]) for m in mins] + [("centre", "#ffff33")]


_LEGEND_JS = """
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }};
  var pairs = [{% for fg, lid in this.pairs %}[{{ fg.get_name() }}, {{ lid|tojson }}],{% endfor %}];
  function update() {
    pairs.forEach(function(p) {
      var el = document.getElementById(p[1]);
      if (el) { el.style.display = map.hasLayer(p[0]) ? 'block' : 'none'; }
    });
  }
  map.on('overlayadd', update);
  map.on('overlayremove', update);
  update();
})();
{% endmacro %}
"""


def build_map(layers, *, offline: bool = True, tiles: str | None = None, title: str = "jilin_spatial map",
              names=("name_zh", "name_en"), bounds=None):
    """Build a folium Map from :class:`MapLayer` objects.

    Parameters
    ----------
    layers : list of MapLayer
        The first layer with ``show=True`` (or the first layer) starts visible.
    offline : bool
        Inline Leaflet and strip every external script/stylesheet (default).
    tiles : {"osm"} or None
        Optional online basemap; the page states its datum.  None: no basemap
        (the polygons draw on their own).

    Returns
    -------
    folium.Map
    """
    import folium
    from branca.element import Element, MacroElement, Template

    if not layers:
        raise InputError("layers", "at least one MapLayer", "none", "pass e.g. [MapLayer('LQ', gdf, 'lq')]")
    labels = [ly.name + (f" {ly.year}" if ly.year is not None else "") for ly in layers]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise InputError("layers", "unique layer names (name + year)", f"duplicates {dup}",
                         "give each layer its own name or year")
    if tiles is not None and tiles not in TILES:
        raise InputError("tiles", f"None or one of {list(TILES)}", repr(tiles), "Amap/Baidu tiles are GCJ-02/BD-09 "
                         "and do not line up with WGS84 polygons; Tianditu needs a user key")
    first = next((i for i, ly in enumerate(layers) if ly.show), 0)
    allb = bounds or layers[0].gdf.to_crs("EPSG:4326").total_bounds
    m = folium.Map(location=[(allb[1] + allb[3]) / 2, (allb[0] + allb[2]) / 2], zoom_start=6, tiles=None,
                   control_scale=True, prefer_canvas=False)
    if tiles:
        url, attr, datum = TILES[tiles]
        folium.TileLayer(url, attr=attr, name=f"basemap ({datum})", show=True, overlay=False).add_to(m)
    pairs, legends = [], []
    for i, ly in enumerate(layers):
        label = ly.name + (f" {ly.year}" if ly.year is not None else "")
        fg = folium.FeatureGroup(name=_esc(label), show=(i == first), overlay=True)
        if ly.kind in ("numeric", "categorical"):
            entries = _add_polygons(fg, ly, list(names))
        elif ly.kind in ("ties", "rail"):
            entries = _add_lines(fg, ly)
        elif ly.kind == "circles":
            entries = _add_circles(fg, ly)
        else:
            raise InputError("kind", "numeric, categorical, ties, rail or circles", repr(ly.kind), "fix the MapLayer")
        fg.add_to(m)
        lid = f"legend_{i}"
        legends.append(f'<div id="{lid}" class="js-legend" style="display:{"block" if i == first else "none"};'
                       f'margin-top:4px">{_legend_html(ly.name + (f" {ly.year}" if ly.year is not None else ""), entries, ly.note)}</div>')
        pairs.append((fg, lid))
    folium.LayerControl(collapsed=False).add_to(m)
    box = ('<div id="js-legends" style="position:absolute;bottom:20px;right:10px;z-index:1000;background:white;'
           'padding:6px 8px;border:1px solid #999;font:12px sans-serif;max-height:45%;overflow:auto">'
           + "".join(legends) + "</div>")
    datum = TILES[tiles][2] if tiles else "no basemap (offline); polygons are WGS84 / EPSG:4326"
    note = (f'<div style="position:absolute;top:4px;left:50px;z-index:1000;background:rgba(255,255,255,.8);'
            f'font:11px sans-serif;padding:1px 4px">{_esc(title)} — {_esc(datum)}. Amap/Baidu tiles (GCJ-02/BD-09) '
            f'would not line up.</div>')
    m.get_root().html.add_child(Element(box + note))
    # many layers: keep the layer list scrollable in the top half so it never covers the legends below
    m.get_root().header.add_child(Element(
        "<style>.leaflet-control-layers-expanded{max-height:45vh;overflow-y:auto;}</style>"))
    macro = MacroElement()
    macro._template = Template(_LEGEND_JS)
    macro.pairs = pairs
    m.add_child(macro)
    m.fit_bounds([[allb[1], allb[0]], [allb[3], allb[2]]])
    m._jilin_offline = offline
    _stable_ids(m.get_root())
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
