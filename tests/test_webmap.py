"""Maps: rendered HTML content, small-n classing, figures, and a real headless Chromium."""

import os
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial._errors import DataNoteWarning, InputError
from jilin_spatial.webmap import LISA_COLORS, MapLayer, build_map, classify, render_html, save_map

EVIL = "<img src=x onerror=alert(1)>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("JILIN_SPATIAL_REQUIRE_BROWSER") == "1"


def _pref_layer():
    emp = datasets.load_employment("prefecture", years=[2020])
    lq = js.location_quotient(emp, sectors=["manufacturing", "producer_services"])
    g = js.layers.attach(datasets.load_boundaries("prefecture"), lq, value="lq")
    g.loc[0, "name_en"] = EVIL
    g["quad"] = ["HH", "LL", "ns", "HL", "LH", "ns", "HH", "LL", EVIL]
    return g


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    g = _pref_layer()
    m = build_map([
        MapLayer("LQ manufacturing", g, "lq_manufacturing_2020", unit="LQ", year=2020, show=True),
        MapLayer(f"quad {EVIL}", g, "quad", kind="categorical", colors={**LISA_COLORS, EVIL: "#000000"}),
    ])
    path = tmp_path_factory.mktemp("map") / "map.html"
    save_map(m, path)
    return path, len(g)


def test_html_content_layers_escaped_and_offline(page):
    path, n = page
    text = path.read_text(encoding="utf-8")
    assert "LQ manufacturing 2020" in text
    assert EVIL not in text  # never raw
    # layer name and data value escaped, then JSON-encoded for the page's data (& < > ' as \\u escapes)
    assert "quad \\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in text
    assert text.count("\\u0026lt;img src=x onerror=alert(1)\\u0026gt;") >= 3
    ext = re.findall(r'<script[^>]+src="https?://', text) + re.findall(r'<link[^>]+href="https?://', text)
    assert ext == []
    assert "Leaflet 1.9.3, BSD-2-Clause" in text


def test_online_page_keeps_cdn_links_when_offline_false():
    g = _pref_layer()
    m = build_map([MapLayer("x", g, "lq_manufacturing_2020")], offline=False)
    assert re.search(r'<script[^>]+src="https://', render_html(m))


@pytest.mark.parametrize("n", [3, 5, 9])
def test_small_n_classing_no_crash(n):
    vals = np.linspace(0.5, 1.5, n)
    cls, bins = classify(vals, scheme="quantiles", k=5)
    assert len(bins) == min(5, n) and cls.min() == 0 and cls.max() == len(bins) - 1
    cls2, bins2 = classify(vals, scheme="natural_breaks", k=5)
    assert len(bins2) == min(5, n)
    grid = gpd.GeoDataFrame({"adcode": [str(i) for i in range(n)], "name_zh": "x", "name_en": "y", "v": vals},
                            geometry=[box(i, 0, i + 1, 1) for i in range(n)], crs="EPSG:4326")
    render_html(build_map([MapLayer("v", grid, "v", k=5)]))


def test_classify_repeated_values_and_nan():
    cls, bins = classify([1.0, 1.0, 1.0, np.nan], k=5)
    assert bins == [1.0] and cls.tolist() == [0, 0, 0, -1]
    with pytest.raises(InputError, match=r"scheme: expected one of \['quantiles', 'natural_breaks', 'user_defined', "
                                         r"'fixed_breaks'\]"):
        classify([1.0], scheme="jenks")


def test_user_breaks():
    cls, bins = classify([0.5, 0.9, 1.1, 2.0], scheme="user_defined", bins=[1.0, 3.0])
    assert cls.tolist() == [0, 0, 1, 1] and bins == [1.0, 3.0]


def test_duplicate_layer_names_rejected():
    g = _pref_layer()
    with pytest.raises(InputError, match=r"layers: expected unique layer names"):
        build_map([MapLayer("a", g, "lq_manufacturing_2020"), MapLayer("a", g, "lq_manufacturing_2020")])


def test_static_figure_and_font_fallback(tmp_path):
    from jilin_spatial import figures
    g = _pref_layer()
    p = figures.choropleth_png(g, "lq_manufacturing_2020", tmp_path / "f.png", title="t", unit="LQ", source="s")
    assert p.stat().st_size > 10_000
    if figures.cjk_font() is None:
        with pytest.warns(DataNoteWarning, match="no CJK font installed"):
            figures.choropleth_png(g, "quad", tmp_path / "g.png", title="t", kind="categorical",
                                   colors=LISA_COLORS, labels="zh")


@pytest.mark.skipif(not CHROMIUM and not REQUIRE, reason="Chromium not installed (apt-get install chromium); "
                    "set JILIN_SPATIAL_REQUIRE_BROWSER=1 to make this a failure")
def test_in_headless_chromium(page, tmp_path):
    assert CHROMIUM, "JILIN_SPATIAL_REQUIRE_BROWSER=1 but chromium is not installed"
    from playwright.sync_api import sync_playwright

    path, n = page
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                               "--disable-background-networking"])
        try:
            ctx = b.new_context(offline=True, viewport={"width": 1000, "height": 800})
            pg = ctx.new_page()
            dialogs, errors, remote = [], [], []
            pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.on("request", lambda r: remote.append(r.url) if r.url.startswith("http") else None)
            pg.goto(path.as_uri())
            pg.wait_for_timeout(500)
            assert pg.evaluate("typeof L") == "object"
            assert pg.locator(".leaflet-container").count() == 1
            assert pg.locator("path.leaflet-interactive").count() == n  # one path per feature of the shown layer
            legends = pg.locator(".js-legend")
            assert [x.is_visible() for x in legends.all()] == [True, False]
            radios = pg.locator(".leaflet-control-layers-base input[type=radio]")
            assert radios.count() == 3  # "no thematic layer" + the two layers
            radios.nth(0).click()  # no thematic layer: no polygons, no legend
            pg.wait_for_timeout(200)
            assert [x.is_visible() for x in legends.all()] == [False, False]
            assert pg.locator(".leaflet-overlay-pane path.leaflet-interactive").count() == 0
            radios.nth(2).click()
            pg.wait_for_timeout(200)
            assert [x.is_visible() for x in legends.all()] == [False, True]
            assert pg.locator("path.leaflet-interactive").count() == n
            pg.mouse.move(500, 400)
            pg.wait_for_timeout(200)
            assert dialogs == [] and errors == [] and remote == []  # injected name did not execute
            assert pg.evaluate("document.querySelectorAll('img[src=x]').length") == 0
            shot = os.environ.get("JILIN_SPATIAL_ARTIFACTS", str(tmp_path))
            os.makedirs(shot, exist_ok=True)
            pg.screenshot(path=os.path.join(shot, "map_screenshot.png"))
        finally:
            b.close()


# ---- deterministic map.html: element ids derive from the element's place in the map, not from urandom/uuid4 ----

_BUILD = """
import sys
sys.path.insert(0, {tests!r})
from _synthetic_map import hostile_layers
import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial.webmap import MapLayer, build_map, save_map
emp = datasets.load_employment("prefecture", years=[2020])
lq = js.location_quotient(emp, sectors=["manufacturing"])
g = js.layers.attach(datasets.load_boundaries("prefecture"), lq, value="lq")
layers = [MapLayer("LQ manufacturing", g, "lq_manufacturing_2020", year=2020, show=True)] + hostile_layers("a<b>`$")
save_map(build_map(layers, title="t"), sys.argv[1])
"""


def _det_layers():
    from _synthetic_map import hostile_layers
    return [MapLayer("LQ", _pref_layer(), "lq_manufacturing_2020", show=True)] + hostile_layers("a<b>`$")


def _names(page):
    return re.findall(r"\b(?:var|let) (\w+_[0-9a-f]{32}) =", page)


def test_same_map_twice_gives_identical_html(tmp_path):
    a = save_map(build_map(_det_layers()), tmp_path / "a.html").read_bytes()
    m = build_map(_det_layers())
    b = save_map(m, tmp_path / "b.html").read_bytes()
    assert a == b
    assert render_html(m).encode("utf-8") == b  # rendering again changes nothing
    names = _names(a.decode("utf-8"))
    assert len(names) >= 1 and len(set(names)) == len(names)  # one distinct JS variable per element
    assert re.search(r"var map = (map_[0-9a-f]{32});", a.decode("utf-8")).group(1) == names[0]


def test_elements_added_after_build_keep_earlier_ids():
    import folium

    m = build_map(_det_layers())
    before = _names(render_html(m))
    folium.Marker((43.0, 125.0), tooltip="added later").add_to(m)
    after = _names(render_html(m))
    assert set(before) <= set(after)
    assert len(after) == len(before) + 1 and len(set(after)) == len(after)


def test_identical_html_from_two_processes(tmp_path):
    import subprocess
    import sys

    code = _BUILD.format(tests=os.path.dirname(__file__))
    out = []
    for seed in ("1", "2"):
        p = tmp_path / f"map{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-c", code, str(p)], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        out.append(p.read_bytes())
    assert len(out[0]) > 100_000 and out[0] == out[1]
