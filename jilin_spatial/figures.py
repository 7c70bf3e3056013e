"""Static matplotlib choropleths for reports: legend, scale bar, north arrow, source line.

Maps are drawn in an Albers equal-area CRS fitted to the layer
(:func:`jilin_spatial.crs.fitted_crs`, metres, named on the figure), so the
scale bar is true.  Chinese labels need a CJK font; when none is installed
(e.g. a fresh machine without ``fonts-wqy-zenhei``) labels fall back to
English with a warning.  Fonts are set per figure (``rc_context``): the
global rcParams are never changed.  Text is DejaVu Sans; only text with
Chinese characters is drawn with the CJK font, addressed by its file (no
font-family lookup, so no "failed to find font weight" log lines).
Title, unit, classing and colours not given come from the layer registry
(:mod:`jilin_spatial.layers`), as on the web map: LQ in fixed classes around
1 on a diverging palette, the same classes as the map.  Every unit is named
(the language of ``labels``), in dark text with a white halo so names stay
readable on dark fills; the source line is plain words.
This module renders; it computes no metric.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._errors import DataNoteWarning
from .layers import layer_style

__all__ = ["cjk_font", "choropleth_png", "short_name"]

_CJK_NAMES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC",
              "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN")


def cjk_font() -> str | None:
    """Name of an installed font that can draw Chinese, or None."""
    from matplotlib import font_manager

    have = {f.name for f in font_manager.fontManager.ttflist}
    for n in _CJK_NAMES:
        if n in have:
            return n
    return None


def _font_file(name):
    from matplotlib import font_manager

    return next((f.fname for f in font_manager.fontManager.ttflist if f.name == name), None)


def _has_cjk(text: str) -> bool:
    return any(ord(c) >= 0x2E80 for c in str(text))


def _rc():
    """Per-figure settings: DejaVu Sans and an ASCII minus (CJK fonts often lack U+2212)."""
    return {"font.family": ["DejaVu Sans"], "axes.unicode_minus": False}


def _nice(x):
    e = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 5, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def choropleth_png(gdf, column, path, *, title: str | None = None, kind: str | None = None,
                   colors: dict | None = None, scheme: str | None = None, k: int | None = None,
                   unit: str | None = None, cmap: str | None = None, bins=None, source: str = "",
                   labels: str = "en", dpi: int = 150, palette=None, names: bool = True):
    """Write one PNG choropleth with legend, scale bar, north arrow and source line.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
    column : str
        The layer column to draw.
    path : str or Path
    title, kind, colors, scheme, k, unit, cmap, bins : optional
        Drawing options; those left as None come from the layer registry
        (:func:`jilin_spatial.layers.layer_style`), as on the web map, so a
        column has the same colours in both.  A column outside the registry
        is numeric, quantiles, 5 classes, YlOrRd, titled by its name.
    source : str
        The source line.
    labels : {"en", "zh"}
        Label language for unit names; ``"zh"`` falls back to English with a
        :class:`DataNoteWarning` when no CJK font is installed.
    dpi : int
    palette : list of str, optional
        One colour per class (fixed breaks).
    names : bool
        Write each unit's name on it (default); smaller type above 30 units.
    """
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import Patch

    from .crs import fitted_crs

    font = cjk_font()
    use_zh = labels == "zh" and font is not None
    if labels == "zh" and font is None:
        warnings.warn("no CJK font installed (e.g. apt-get install fonts-wqy-zenhei): labels fall back to English",
                      DataNoteWarning, stacklevel=2)
    st = layer_style(column, title=title, kind=kind, unit=unit, scheme=scheme, k=k, cmap=cmap, colors=colors,
                     bins=bins, palette=palette)
    crs = fitted_crs(gdf)
    cjk = FontProperties(fname=_font_file(font)) if font else None
    with matplotlib.rc_context(_rc()):
        _draw(Figure, Patch, gdf.to_crs(crs), column, path, crs=crs, title=st["title"], kind=st["kind"],
              colors=st["colors"], scheme=st["scheme"], k=st["k"], cmap=st["cmap"], bins=st["bins"],
              palette=st["palette"], unit=st["unit"], source=source, use_zh=use_zh, dpi=dpi, cjk=cjk, names=names)
    return path


_SHORT = (" Korean Autonomous Prefecture", " Mongol Autonomous County", " Korean Autonomous County",
          " Manchu Autonomous County", "朝鲜族自治州", "朝鲜族自治县", "满族自治县", "蒙古族自治县")


def short_name(name: str) -> str:
    """A unit's name without its autonomous-area suffix, for labels on small polygons.

    Examples
    --------
    >>> short_name("Yanbian Korean Autonomous Prefecture"), short_name("延边朝鲜族自治州")
    ('Yanbian', '延边')
    """
    name = str(name)
    for suffix in _SHORT:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _crs_words(crs) -> str:
    parts = dict(p.split("=", 1) for p in crs.split() if "=" in p)

    def deg(v, pos, neg):
        x = float(v)
        return f"{round(abs(x), 2):g}°{pos if x >= 0 else neg}"

    return (f"Map projection: Albers equal-area on WGS84, centred on {deg(parts['+lon_0'], 'E', 'W')}, standard "
            f"parallels {deg(parts['+lat_1'], 'N', 'S')} and {deg(parts['+lat_2'], 'N', 'S')}; areas and the scale "
            "bar are true.")


def _draw(Figure, Patch, g, column, path, *, crs, title, kind, colors, scheme, k, cmap, bins, unit,  # noqa: N803
          source, use_zh, dpi, cjk, palette=None, names=True):
    from matplotlib import patheffects

    from .webmap import fill_colors

    def fp(text):
        return {"fontproperties": cjk} if cjk is not None and _has_cjk(text) else {}

    fig = Figure(figsize=(7.5, 7), dpi=dpi)  # no pyplot: no global figure registry, no backend switch
    ax = fig.subplots()
    fill, entries = fill_colors(g[column].to_numpy(), kind=kind, scheme=scheme, k=k, bins=bins, colors=colors,
                                cmap=cmap, palette=palette)
    handles = [Patch(facecolor=c, edgecolor="#555", label=lab) for lab, c in entries]
    g.plot(ax=ax, color=fill, edgecolor="#555", linewidth=0.5)
    name_col = "name_zh" if use_zh and "name_zh" in g else ("name_en" if "name_en" in g else None)
    if names and name_col is not None:
        size = 7 if len(g) <= 30 else 4.5
        halo = [patheffects.withStroke(linewidth=2.2 if len(g) <= 30 else 1.6, foreground="white")]
        unit_labels = []
        for _, r in g.iterrows():
            if r.geometry is None or r.geometry.is_empty or not isinstance(r[name_col], str):
                continue
            p = r.geometry.representative_point()
            label = short_name(r[name_col])
            # the point lies inside its polygon, so inside the axes: annotation_clip=False skips
            # matplotlib's per-label inside-the-axes test at draw time (same drawing, much faster at 2,850 units)
            unit_labels.append(ax.annotate(label, (p.x, p.y), ha="center", va="center", fontsize=size,
                                           color="#111", path_effects=halo, annotation_clip=False, **fp(label)))
    else:
        unit_labels = []
    leg = ax.legend(handles=handles, title=unit or None, loc="lower right", fontsize=7, title_fontsize=7,
                    frameon=True)
    for t in [leg.get_title(), *leg.get_texts()]:
        if fp(t.get_text()):
            t.set_fontproperties(cjk.copy())
            t.set_fontsize(7)
    xmin, ymin, xmax, ymax = g.total_bounds
    length = _nice((xmax - xmin) / 5)
    x0, y0 = xmin + (xmax - xmin) * 0.04, ymin + (ymax - ymin) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3)
    ax.text(x0 + length / 2, y0 + (ymax - ymin) * 0.015, f"{length / 1000:.0f} km", ha="center", fontsize=7)
    ax.annotate("N", xy=(xmax - (xmax - xmin) * 0.05, ymax - (ymax - ymin) * 0.03),
                xytext=(xmax - (xmax - xmin) * 0.05, ymax - (ymax - ymin) * 0.13),
                arrowprops={"facecolor": "black", "width": 3, "headwidth": 9}, ha="center", fontsize=10,
                fontweight="bold")
    ax.set_title(title, fontsize=11, **fp(title))
    ax.set_axis_off()
    import textwrap

    line = (f"Source: {source}. " if source else "") + _crs_words(crs)
    fig.text(0.01, 0.01, "\n".join(textwrap.wrap(line, 150)), fontsize=6, color="#444", va="bottom",
             **fp(line))
    _interior_out_of_layout(fig, ax, unit_labels)
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine, which makes savefig draw the whole figure once more
    # (with rendering switched off) before the real draw; the layout is already final, so drop it (unless the
    # caller's rcParams ask for an automatic layout, where None would mean that layout)
    import matplotlib as mpl

    if not (mpl.rcParams["figure.autolayout"] or mpl.rcParams["figure.constrained_layout.use"]):
        fig.set_layout_engine(None)
    fig.savefig(path)


def _interior_out_of_layout(fig, ax, texts):
    """Leave labels that surely lie inside the axes out of ``tight_layout``'s measuring (same layout, faster).

    ``tight_layout`` measures every text to find what sticks out of the axes; a label whose generous box (each
    character at most 1.5 em wide plus 1 em, 3 em tall, centred on its anchor) lies inside the axes cannot
    change the layout, so only labels near the frame are measured (at 2,850 county names this saves seconds
    per figure).
    """
    if not texts:
        return
    ax.apply_aspect()  # the axes box tight_layout measures against
    box = ax.bbox
    xy = ax.transData.transform(np.array([t.xy for t in texts], float))
    px = fig.dpi / 72.0  # pixels per point
    for t, (x, y) in zip(texts, xy):
        text = t.get_text()
        if "\n" in text or t.get_rotation() != 0:
            continue
        em = t.get_fontsize() * px
        hw, hh = (0.75 * len(text) + 1.0) * em, 1.5 * em
        if box.x0 + hw < x < box.x1 - hw and box.y0 + hh < y < box.y1 - hh:
            t.set_in_layout(False)
