"""The layer registry: every report column has a spec; map, figures and GeoPackage metadata read the same spec."""

import ast
import re
from pathlib import Path

import geopandas as gpd
import matplotlib.colors as mcolors
import pytest
from shapely.geometry import box

from jilin_spatial import layers
from jilin_spatial._errors import InputError
from jilin_spatial.layers import LAYER_SPECS, gpkg_metadata, known_patterns, layer_spec, layer_style

PKG = Path(layers.__file__).parent
#: metric and transport modules: a renderer imports none of them
METRIC_MODULES = {"concentration", "coupling", "autocorrelation", "productivity", "econometrics", "network", "gravity",
                  "circles", "weights"}


# ---- lookup -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, key, title", [
    ("lq_manufacturing_2020", "lq", "Location quotient, manufacturing, 2020"),
    ("lq_C_manuf_2010", "lq", "Location quotient, C manuf, 2010"),
    ("lq_nonagri_producer_services_high_2010", "lq_nonagri",
     "Location quotient (non-agricultural denominator), producer services high, 2010"),
    ("lq", "lq", "Location quotient"),
    ("A_producer_services", "A", "Agglomeration index (growth factor), producer services"),
    ("stage_producer_services", "stage", "Comparative-advantage stage, producer services"),
    ("stage", "stage", "Comparative-advantage stage"),
    ("CA_2020", "CA", "Co-agglomeration (quality), 2020"),
    ("CAstar_2010", "CAstar", "Co-agglomeration (quality + depth), 2010"),
    ("D_2020", "coupling_D", "Coupling coordination degree D, 2020"),
    ("coupling_D", "coupling_D", "Coupling coordination degree D"),
    ("Dclass_2010", "coupling_class", "Coupling coordination class, 2010"),
    ("class_en_2020", "coupling_class", "Coupling coordination class, 2020"),
    ("class_zh_2020", "coupling_class_zh", "Coupling coordination class (Chinese), 2020"),
    ("class_3_2020", "coupling_class_3", "Coupling coordination, coarse class, 2020"),
    ("U_innovation_2020", "coupling_U", "Subsystem index U, innovation, 2020"),
    ("lisa_lq_producer_services_2010", "lisa", "LISA cluster, location quotient, producer services, 2010"),
    ("lisa_coupling_D_2020", "lisa", "LISA cluster, coupling coordination degree D, 2020"),
    ("lisa", "lisa", "LISA cluster"),
    ("gi_star_lq_manufacturing_2020", "gi_star",
     "Getis-Ord Gi* hot and cold spots, location quotient, manufacturing, 2020"),
])
def test_column_resolves_to_its_spec_and_title(column, key, title):
    spec = layer_spec(column)
    assert spec.key == key
    assert spec.title_for(column) == title


def test_specs_kind_palette_and_legend_order():
    lisa = layer_spec("lisa_lq_manufacturing_2020")
    assert lisa.kind == "categorical" and lisa.order == ("HH", "LL", "LH", "HL", "ns")
    assert dict(lisa.colors) == {"HH": "#d7191c", "LL": "#2c7bb6", "LH": "#abd9e9", "HL": "#fdae61", "ns": "#d3d3d3"}
    assert layer_spec("gi_star").order == ("hot", "cold", "ns")
    assert layer_spec("stage_manufacturing").order == ("formative", "growing", "mature", "declining")
    lq = layer_spec("lq_manufacturing_2020")
    assert (lq.kind, lq.scheme, lq.bins, lq.colors) == ("numeric", "fixed_breaks", (0.8, 1.0, 1.25, 2.0), None)
    assert layer_spec("lq_nonagri_manufacturing_2020").palette == lq.palette == layers.LQ_COLORS
    assert layer_spec("D_2020").scheme == "quantiles"  # other measures keep data-driven classes
    assert layer_spec("D_2020").unit == "index [0, 1]"
    for spec in LAYER_SPECS.values():  # every colour a real colour, every spec described
        assert spec.description and spec.title
        assert bool(spec.unit) == (spec.kind == "numeric")  # a class has no unit
        for c in (spec.colors or {}).values():
            assert mcolors.is_color_like(c)


def test_registry_categories_match_the_metric_modules():
    """The registry's categories are the labels the metric modules write (tests may import metrics)."""
    from jilin_spatial.autocorrelation import QUADRANTS
    from jilin_spatial.concentration import STAGES
    from jilin_spatial.coupling import CLASSES_3, CLASSES_10

    assert list(layers.COUPLING_COLORS) == [en for _, en in CLASSES_10]
    assert list(layers.COUPLING_COLORS_ZH) == [zh for zh, _ in CLASSES_10]
    assert list(layers.COUPLING_COLORS.values()) == list(layers.COUPLING_COLORS_ZH.values())
    assert len(set(layers.COUPLING_COLORS.values())) == 10
    assert set(layers.STAGE_COLORS) == {en for _, en in STAGES.values()}
    assert set(layers.LISA_COLORS) == set(QUADRANTS.values()) | {"ns"}
    assert list(layers.CLASS3_COLORS) == [name for name, _ in CLASSES_3]


def test_palettes_are_read_only_and_webmap_reexports_the_same_objects():
    from jilin_spatial import webmap

    for name in ("LISA_COLORS", "STAGE_COLORS", "CLASS3_COLORS", "COUPLING_COLORS", "HOTCOLD_COLORS", "NODATA"):
        assert getattr(webmap, name) is getattr(layers, name)
    with pytest.raises(TypeError):
        layers.LISA_COLORS["HH"] = "#000000"
    assert {**layers.LISA_COLORS, "x": "#000000"}["HH"] == "#d7191c"  # still usable as a mapping


def test_unknown_column_raises_with_the_known_patterns():
    with pytest.raises(InputError, match=r"^column: expected a layer column matching one of "
                                         r"\['lq_nonagri_\{sector\}_\{year\}', .*got 'population'") as e:
        layer_spec("population")
    msg = str(e.value)
    assert all(f"'{p}'" in msg for p in known_patterns())
    assert "lisa_{metric}_{year}" in msg and "Dclass_{year}" in msg
    assert len(msg.splitlines()) == 1
    assert layer_spec("population", missing="none") is None
    with pytest.raises(InputError, match=r"missing: expected one of \['raise', 'none'\]"):
        layer_spec("lq", missing="ignore")


def test_first_match_wins_in_registry_order():
    # lq_{sector}_{year} would also match with sector 'nonagri_manufacturing'
    assert layer_spec("lq_nonagri_manufacturing_2020").key == "lq_nonagri"
    assert layer_spec("lq_nonagri_manufacturing_2020").parts("lq_nonagri_manufacturing_2020") == {
        "sector": "manufacturing", "year": "2020"}
    assert layer_spec("lisa_lq_producer_services_2010").parts("lisa_lq_producer_services_2010") == {
        "metric": "lq_producer_services", "year": "2010"}
    assert layer_spec("A_C_manuf").key == "A" and layer_spec("CA_2010").key == "CA"


# ---- every column the report writes ---------------------------------------------------------------------------

def test_every_report_layer_column_resolves_and_has_metadata(jilin_report):
    import pyogrio

    out, _, rc = jilin_report
    assert rc == 0
    gpkg = out / "layers.gpkg"
    names = [n for n, _ in pyogrio.list_layers(gpkg)]
    metric_layers = [n for n in names if n.endswith(("_concentration", "_coupling", "_lisa"))]
    assert len(metric_layers) == 6
    n_cols = 0
    for n in metric_layers:
        g = gpd.read_file(gpkg, layer=n, engine="pyogrio")
        for c in g.columns:
            if c in ("geometry", "adcode", "name_zh", "name_en"):
                continue
            spec = layer_spec(c)  # raises for a column without a spec
            assert spec.title_for(c)
            n_cols += 1
    # per level: 20 sections x 2 years + 4 groups x 2 + 4 non-agricultural groups x 2 + CA, CA* x 2 + 5 A + 5 stages
    # + D, class x 2 + LISA of 3 metrics x 2
    assert n_cols == 2 * (40 + 8 + 8 + 4 + 5 + 5 + 4 + 6)
    written = gpd.read_file(gpkg, layer="layer_metadata", engine="pyogrio")  # the report's own metadata table
    for n in [x for x in names if x != "layer_metadata"]:  # it covers every column of every layer
        g = gpd.read_file(gpkg, layer=n, engine="pyogrio")
        meta = gpkg_metadata(g)
        assert meta["column"].tolist() == [c for c in g.columns if c != "geometry"]
        assert meta.attrs["skipped"] == []
        assert (meta["title"] != "").all() and (meta["description"] != "").all()
        assert written[written.layer == n]["title"].tolist() == meta["title"].tolist()


# ---- MapLayer and choropleth_png take their defaults from the spec --------------------------------------------

def _grid():
    return gpd.GeoDataFrame(
        {"adcode": list("abcde"), "name_zh": list("abcde"), "name_en": list("abcde"),
         "lisa_lq_manufacturing_2020": ["HH", "LL", "LH", "HL", "ns"],
         "Dclass_2020": ["extreme disorder", "mild disorder", "barely coordinated", "good coordination", None],
         "lq_manufacturing_2020": [0.5, 0.8, 1.0, 1.3, 2.0]},
        geometry=[box(125 + i, 43, 126 + i, 44) for i in range(5)], crs="EPSG:4326")


def _page_data(page):
    """The data the map page's JavaScript draws from (JSON; its \\u escapes decode as JSON)."""
    import json

    return json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))


def _map_fills(column):
    from jilin_spatial.webmap import MapLayer, build_map, render_html

    page = render_html(build_map([MapLayer("x", _grid(), column)]))
    t = _page_data(page)["themes"][0]
    return [t["p"][c] if c >= 0 else layers.NODATA for c in t["c"]], t


def _figure_fills(column, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from jilin_spatial import figures

    drawn = []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **kw: (drawn.append(self), real(self, *a, **kw))[1])
    figures.choropleth_png(_grid(), column, tmp_path / f"{column}.png", source="s")
    ax = drawn[0].axes[0]
    fills = [mcolors.to_hex(c) for c in ax.collections[0].get_facecolor()]
    legend = [(t.get_text(), mcolors.to_hex(h.get_facecolor())) for t, h in
              zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)]
    return fills, legend, ax.get_title()


@pytest.mark.parametrize("column, expected", [
    ("lisa_lq_manufacturing_2020", ["#d7191c", "#2c7bb6", "#abd9e9", "#fdae61", "#d3d3d3"]),
    ("Dclass_2020", ["#a50026", "#fdae61", "#e0f3f8", "#4575b4", "#d3d3d3"]),
])
def test_map_and_figure_draw_a_column_in_the_same_registry_colours(column, expected, tmp_path, monkeypatch):
    map_fills, page = _map_fills(column)
    fig_fills, legend, title = _figure_fills(column, tmp_path, monkeypatch)
    assert map_fills == expected  # HH red, LL blue ...; 'mild disorder' is class 4 of 10
    assert fig_fills == expected
    assert title == layer_spec(column).title_for(column)
    if column.startswith("lisa"):  # legend in registry order, as on the map
        assert legend == list(layers.LISA_COLORS.items())
        assert page["l"] == ["HH", "LL", "LH", "HL", "ns"]


def test_numeric_column_same_classes_and_colours_on_map_and_figure(tmp_path, monkeypatch):
    from jilin_spatial.webmap import fill_colors

    map_fills, _ = _map_fills("lq_manufacturing_2020")
    fig_fills, _, title = _figure_fills("lq_manufacturing_2020", tmp_path, monkeypatch)
    expected, _ = fill_colors([0.5, 0.8, 1.0, 1.3, 2.0], kind="numeric", scheme="fixed_breaks",
                              bins=[0.8, 1.0, 1.25, 2.0], palette=layers.LQ_COLORS)
    # fixed classes around 1, lower bound included: 0.5 | 0.8 | 1.0 | 1.3 | 2.0 are one class each
    assert map_fills == fig_fills == expected == list(layers.LQ_COLORS)
    assert title == "Location quotient, manufacturing, 2020"


def test_maplayer_defaults_from_spec_and_explicit_values_win():
    from jilin_spatial.webmap import MapLayer

    ly = MapLayer("LISA", None, "lisa_coupling_D_2020")
    assert (ly.kind, ly.unit, dict(ly.colors)) == ("categorical", "", dict(layers.LISA_COLORS))
    ly = MapLayer("LQ", None, "lq_manufacturing_2020", unit="LQ", k=3, scheme="natural_breaks")
    assert (ly.kind, ly.unit, ly.k, ly.scheme, ly.cmap) == ("numeric", "LQ", 3, "natural_breaks", "YlOrRd")
    mine = {"HH": "#000000"}
    assert MapLayer("LISA", None, "lisa", colors=mine).colors is mine
    # a column outside the registry, or drawn as another kind: the historical defaults
    ly = MapLayer("v", None, "v")
    assert (ly.kind, ly.unit, ly.scheme, ly.k, ly.cmap, ly.colors) == ("numeric", "", "quantiles", 5, "YlOrRd", None)
    ly = MapLayer("stage as numbers", None, "stage_manufacturing", kind="numeric")
    assert (ly.kind, ly.unit, ly.scheme, ly.colors) == ("numeric", "", "quantiles", None)
    assert MapLayer("t", None, kind="ties").unit is None  # line and circle layers are not looked up


def test_layer_style_title_and_key():
    st = layer_style("D_2010")
    assert (st["key"], st["title"], st["kind"], st["unit"]) == ("coupling_D", "Coupling coordination degree D, 2010",
                                                                "numeric", "index [0, 1]")
    assert layer_style("D_2010", title="mine")["title"] == "mine"
    assert (layer_style("v")["key"], layer_style("v")["title"]) == (None, "v")


# ---- GeoPackage metadata ---------------------------------------------------------------------------------------

def test_gpkg_metadata_per_column():
    g = _grid()
    meta = gpkg_metadata(g)
    assert meta.columns.tolist() == ["column", "key", "kind", "title", "unit", "description"]
    assert meta["column"].tolist() == [c for c in g.columns if c != "geometry"]
    row = meta.set_index("column").loc["lisa_lq_manufacturing_2020"]
    assert (row.key, row.kind, row.title, row.unit) == (
        "lisa", "categorical", "LISA cluster, location quotient, manufacturing, 2020", "")
    assert row.description == LAYER_SPECS["lisa"].description
    row = meta.set_index("column").loc["adcode"]
    assert (row.key, row.kind, row.title) == ("adcode", "attribute", "Administrative code")


def test_gpkg_metadata_unknown_column():
    g = _grid().assign(population=1.0)
    with pytest.raises(InputError, match=r"^gdf: expected columns matching one of \[.*got column 'population'.*"
                                         r"unknown='skip'"):
        gpkg_metadata(g)
    meta = gpkg_metadata(g, unknown="skip")
    assert meta.attrs["skipped"] == ["population"] and "population" not in set(meta["column"])
    with pytest.raises(InputError, match=r"unknown: expected one of \['raise', 'skip'\]"):
        gpkg_metadata(g, unknown="keep")


# ---- renderers import no metric module ---------------------------------------------------------------------------

def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mods = set()
    for node in ast.walk(tree):  # function-level imports too
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[-1] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.module:
                mods.add(node.module.split(".")[-1])
            if node.module in (None, "jilin_spatial"):  # from . import coupling
                mods |= {a.name for a in node.names}
    return mods


@pytest.mark.parametrize("module", ["webmap.py", "figures.py"])
def test_renderers_import_no_metric_module(module):
    mods = _imported_modules(PKG / module)
    assert "layers" in mods  # they read the registry ...
    assert mods & METRIC_MODULES == set()  # ... and no metric module


def test_import_check_sees_relative_imports(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("from .coupling import CLASSES_10\ndef f():\n    from . import autocorrelation\n")
    assert _imported_modules(p) & METRIC_MODULES == {"coupling", "autocorrelation"}


@pytest.mark.parametrize("name", ["STAGE_COLORS", "COUPLING_COLORS", "CLASS3_COLORS"])
def test_palettes_have_no_green(name):
    """Colour-blind safe: no red/green contrast; stages and coupling classes used red and green before."""
    import colorsys

    for c in getattr(layers, name).values():
        h, lum, s = colorsys.rgb_to_hls(*mcolors.to_rgb(c))
        assert not (70 / 360 <= h <= 170 / 360 and s > 0.25), (name, c)


def test_lq_palette_diverges_at_one():
    import colorsys

    hues = [colorsys.rgb_to_hls(*mcolors.to_rgb(c))[0] for c in layers.LQ_COLORS]
    assert all(0.5 < h < 0.7 for h in hues[:2]) and all(h < 0.1 or h > 0.9 for h in hues[2:])  # blue < 1 <= red
    assert layers.LQ_BREAKS[1] == 1.0
