"""The map as a planner opens it: exclusive thematic layers, names, search, zoom buttons free, and its size.

Browser tests run in headless Chromium at a desktop (1400x900) and a phone (390x844) size; without Chromium
they are skipped unless ``JILIN_SPATIAL_REQUIRE_BROWSER=1``.  Screenshots go to ``JILIN_SPATIAL_ARTIFACTS``
when it is set.
"""

import json
import os
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial.webmap import MapLayer, build_map, render_html, save_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("JILIN_SPATIAL_REQUIRE_BROWSER") == "1"
browser = pytest.mark.skipif(not CHROMIUM and not REQUIRE, reason="Chromium not installed (apt-get install "
                             "chromium); set JILIN_SPATIAL_REQUIRE_BROWSER=1 to make this a failure")


def _data(page):
    return json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))


def _jilin_layers():
    out = []
    for level in ("prefecture", "county"):
        emp = datasets.load_employment(level)
        lq = js.location_quotient(emp, sectors=["manufacturing", "producer_services"])
        g = js.layers.attach(datasets.load_boundaries(level), lq, value="lq")
        for sector in ("producer_services", "manufacturing"):
            for y in (2020, 2010):
                out.append(MapLayer(f"{level.title()} LQ {sector.replace('_', ' ')}", g, f"lq_{sector}_{y}", year=y,
                                    group="Location quotient"))
    return out


@pytest.fixture(scope="module")
def jilin_maps(tmp_path_factory):
    d = tmp_path_factory.mktemp("maps")
    layers = _jilin_layers()
    en = save_map(build_map(layers, default="County LQ producer services 2020"), d / "en.html")
    zh = save_map(build_map(layers, lang="zh"), d / "zh.html")
    return en, zh


def test_geometry_written_once_per_set_of_units(jilin_maps):
    en, _ = jilin_maps
    page = en.read_text(encoding="utf-8")
    data = _data(page)
    assert len(data["themes"]) == 8 and len(data["geo"]) == 2  # 8 thematic layers on 2 sets of polygons
    assert [len(s["f"]) for s in data["geo"]] == [9, 60]
    # one polygon's coordinates appear once in the page, although four thematic layers draw it
    first = json.dumps(data["geo"][1]["f"][0]["coordinates"], separators=(",", ":"))
    assert page.count(first) == 1
    assert en.stat().st_size < 1_000_000  # was 4.15 MB with one GeoJSON copy per layer
    # coordinates rounded to 0.001 degree
    xy = np.array(data["geo"][0]["f"][0]["coordinates"][0])
    np.testing.assert_allclose(xy, np.round(xy, 3), atol=1e-12)
    # default: the layer asked for; LQ classes fixed around 1 with their lower bound included
    t = data["themes"][data["def"]]
    assert t["t"] == "County LQ producer services 2020"
    assert t["l"] == ["&lt; 0.8", "0.8 – &lt; 1", "1 – &lt; 1.25", "1.25 – &lt; 2", "≥ 2"]  # escaped text


def test_national_size_map_stays_under_15_mb(tmp_path):
    """~2,850 county-sized polygons (120 vertices each) and 12 thematic layers: geometry shipped once."""
    rng = np.random.default_rng(0)
    xy = [(75 + 0.9 * (i % 60), 20 + 0.6 * (i // 60)) for i in range(2850)]
    g = gpd.GeoDataFrame({"adcode": [f"{i:06d}" for i in range(2850)], "name_zh": [f"县{i}" for i in range(2850)],
                          "name_en": [f"County {i}" for i in range(2850)]},
                         geometry=[Point(x, y).buffer(0.28, quad_segs=30) for x, y in xy], crs="EPSG:4326")
    for k in range(12):
        g[f"lq_s{k}_2020"] = rng.lognormal(0, 0.5, len(g))
    layers = [MapLayer(f"LQ s{k}", g, f"lq_s{k}_2020", year=2020) for k in range(12)]
    path = save_map(build_map(layers), tmp_path / "national.html")
    size = path.stat().st_size
    data = _data(path.read_text(encoding="utf-8"))
    geo = len(json.dumps(data["geo"], ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    per_layer = (size - geo) / 12
    assert size < 15_000_000
    assert per_layer < 0.05 * geo  # a thematic layer costs classes and values, not geometry
    assert len(data["geo"]) == 1


def test_lang_zh_names_and_controls(jilin_maps):
    _, zh = jilin_maps
    data = _data(zh.read_text(encoding="utf-8"))
    assert data["geo"][0]["n"][0] == "长春市" and data["geo"][0]["n2"][0] == "Changchun"
    assert data["ui"]["none"] == "无专题图层"


def test_default_overlay_and_bad_default():
    from _synthetic_map import circles, polygons

    from jilin_spatial._errors import InputError

    layers = [MapLayer("v", polygons("a"), "v"), MapLayer("Circles", circles("a"), kind="circles")]
    data = _data(render_html(build_map(layers, default="Circles")))
    assert data["def"] == -1 and [o["show"] for o in data["overlays"]] == [True, True]  # one overlay per centre
    assert [o["t"] for o in data["overlays"]] == ["Circles: a", "Circles: a B"]
    with pytest.raises(InputError, match=r"^default: expected one of the layer labels"):
        build_map(layers, default="nope")


def test_tie_width_scales_with_log_r():
    from _synthetic_map import ties

    t = ties("a").assign(R=[10.0, 1000.0])
    t = gpd.GeoDataFrame(pd_concat([t, t.iloc[[0]].assign(R=100.0)]), crs="EPSG:4326")
    w = [x["w"] for x in _data(render_html(build_map([MapLayer("t", t, kind="ties")])))["overlays"][0]["lines"]]
    # log R = 1, 3, 2 (base 10): widths 1.5 + 8.5 * (0, 1, 0.5)
    np.testing.assert_allclose(w, [1.5, 10.0, 5.75], atol=0.01)


def pd_concat(frames):
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _open(p, path, w, h):
    b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                           "--disable-background-networking"])
    pg = b.new_context(offline=True, viewport={"width": w, "height": h}).new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(path.as_uri())
    pg.wait_for_timeout(600)
    return b, pg, errors


_COVERED = """
() => ['.leaflet-control-zoom-in', '.leaflet-control-zoom-out'].map(sel => {
  const el = document.querySelector(sel), r = el.getBoundingClientRect();
  const pts = [[r.left + r.width / 2, r.top + r.height / 2], [r.left + 3, r.top + 3], [r.right - 3, r.bottom - 3]];
  return pts.every(([x, y]) => el.contains(document.elementFromPoint(x, y)));
})
"""


@browser
@pytest.mark.parametrize("w, h", [(1400, 900), (390, 844)])
def test_exclusive_layers_labels_and_free_zoom_buttons_in_chromium(jilin_maps, w, h):
    assert CHROMIUM, "JILIN_SPATIAL_REQUIRE_BROWSER=1 but chromium is not installed"
    from playwright.sync_api import sync_playwright

    en, _ = jilin_maps
    with sync_playwright() as p:
        b, pg, errors = _open(p, en, w, h)
        try:
            assert errors == []
            ctl = pg.locator(".leaflet-control-layers")
            expanded = "leaflet-control-layers-expanded" in (ctl.get_attribute("class") or "")
            assert expanded == (w >= 700)  # collapsed on the phone
            assert pg.evaluate(_COVERED) == [True, True]  # zoom buttons not covered by any control
            if not expanded:
                ctl.hover()
                pg.wait_for_timeout(200)
            # thematic layers are radio buttons: one group, one year at a time (2 levels x 2 sectors shown)
            radios = pg.locator(".leaflet-control-layers-base input[type=radio]")
            visible = [i for i in range(radios.count()) if radios.nth(i).is_visible()]
            assert len(visible) == 1 + 4
            assert pg.locator(".js-group").all_text_contents() == ["Location quotient"]
            for i in visible[1:]:
                radios.nth(i).click()
                pg.wait_for_timeout(150)
                on = pg.evaluate("jsMap.themes.filter(t => jsMap.map.hasLayer(t)).length")
                assert on == 1 and sum(radios.nth(j).is_checked() for j in range(radios.count())) == 1
                assert pg.evaluate("[...document.querySelectorAll('.js-legend')].filter("
                                   "e => e.offsetParent !== null).length") == 1  # the legend switched too
            # the year switch moves the shown layer to the same theme in that year
            pg.locator(".js-year select").select_option("2010")
            pg.wait_for_timeout(150)
            shown = pg.evaluate("jsMap.themes.filter(t => jsMap.map.hasLayer(t)).map(t => t.t.t)")
            assert shown == ["County LQ manufacturing 2010"]
            # names: every prefecture always; county names only from zoom 8
            labels = pg.locator(".js-label-coarse").all_text_contents()
            assert len(labels) == 9 and "Changchun" in labels and "Yanbian" in labels
            assert pg.locator(".js-label-fine").count() == 0
            pg.evaluate("jsMap.map.setView([43.88, 125.32], 9)")
            pg.wait_for_timeout(300)
            assert "Chaoyang District" in pg.locator(".js-label-fine").all_text_contents()
            # search: a place by name
            pg.evaluate("jsMap.map.setView([43.5, 126], 6)")
            box = pg.locator(".js-search input")
            box.fill("yanji")
            box.press("Enter")
            pg.wait_for_timeout(300)
            c = pg.evaluate("jsMap.map.getCenter()")
            assert abs(c["lat"] - 42.9) < 0.3 and abs(c["lng"] - 129.4) < 0.4 and pg.evaluate("jsMap.map.getZoom()") >= 9
            assert errors == []
            out = os.environ.get("JILIN_SPATIAL_ARTIFACTS")
            if out:
                os.makedirs(out, exist_ok=True)
                pg.screenshot(path=os.path.join(out, f"map_{w}x{h}.png"))
        finally:
            b.close()
