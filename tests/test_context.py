"""Offline map context: province outlines derived from the county coverage, china.context, the map overlay."""

import json
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from jilin_spatial import china, datasets
from jilin_spatial._errors import InputError
from jilin_spatial.webmap import MapLayer, build_map, render_html

ROOT = Path(__file__).resolve().parents[1]
FILE = china.DATA_DIR / "china_province_outlines.geojson"
JILIN_BOUNDS = (121.6385, 40.86586, 131.31207, 46.30193)  # datasets.load_boundaries("county").total_bounds


def _data(page):
    return json.loads(re.search(r"var D = (\{.*?\});\n", page).group(1))


def test_outlines_file_small_valid_registered():
    assert FILE.stat().st_size < 300_000
    g = gpd.read_file(FILE)
    assert len(g) == 34 and g.adcode.is_unique and g.geometry.is_valid.all()
    assert int(g.is_sar_or_tw.sum()) == 3  # Hong Kong, Macau, Taiwan
    xy = shapely.get_coordinates(g.geometry.values)
    np.testing.assert_allclose(xy, np.round(xy, 2), atol=1e-9)  # written on the 0.01 deg grid
    assert datasets.get_path("china_province_outlines") == FILE


def test_jilin_outline_area_matches_the_county_coverage():
    """Recompute Jilin's outline from its 60 counties; simplification (0.03 deg) and the 0.01 deg grid may move the
    area by at most 0.5 % (measured: 0.04 %); every mainland province stays within 2 % (measured max: Hainan 1.5 %)."""
    c = china.load_counties()
    ref = c.dissolve("province_adcode").to_crs(china.CHINA_CRS).area
    g = gpd.read_file(FILE).set_index("adcode").to_crs(china.CHINA_CRS).area
    jilin = shapely.union_all(c[c.province_adcode == "220000"].to_crs(china.CHINA_CRS).geometry.values).area
    np.testing.assert_allclose(g.loc["220000"], jilin, rtol=5e-3)
    np.testing.assert_allclose(jilin / 1e6, 191_000, rtol=0.02)  # Jilin is about 191,000 km2 (official 187,400)
    mainland = [k for k in g.index if k not in ("710000", "810000", "820000")]
    np.testing.assert_allclose(g.loc[mainland], ref.loc[mainland], rtol=0.02)


def test_builder_reproduces_the_shipped_file(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_context
    finally:
        sys.path.remove(str(ROOT / "tools"))
    out = build_context.write(build_context.province_outlines(), tmp_path / "o.geojson")
    assert out.read_bytes() == FILE.read_bytes()


def test_context_around_jilin():
    outlines, cities = china.context(JILIN_BOUNDS, margin_deg=2)
    assert sorted(outlines.name_en) == ["Hebei", "Heilongjiang", "Inner Mongolia", "Jilin", "Liaoning"]
    x0, y0, x1, y1 = JILIN_BOUNDS
    lb = outlines.total_bounds
    assert lb[0] >= x0 - 2 - 1e-9 and lb[1] >= y0 - 2 - 1e-9 and lb[2] <= x1 + 2 + 1e-9 and lb[3] <= y1 + 2 + 1e-9
    assert set(outlines.geom_type) <= {"LineString", "MultiLineString"}
    cb = cities.total_bounds
    assert cb[0] >= x0 - 2 and cb[2] <= x1 + 2 and cb[1] >= y0 - 2 and cb[3] <= y1 + 2
    c = cities.set_index("name_zh")
    # seats from the shipped CSV, one by one
    seats = pd.read_csv(china.DATA_DIR / "china_county_seats_wgs84.csv", dtype={"adcode": str}).set_index("adcode")
    np.testing.assert_allclose([c.loc["沈阳市"].geometry.x, c.loc["沈阳市"].geometry.y],
                               seats.loc["210100", ["lon", "lat"]].to_numpy(float), atol=1e-9)
    assert c.loc["长春市", "is_capital"] and c.loc["沈阳市", "is_capital"] and not c.loc["吉林市", "is_capital"]
    assert {"长春市", "吉林市", "哈尔滨市", "沈阳市", "通辽市"} <= set(c.index)
    assert "北京市" not in c.index and "呼和浩特市" not in c.index  # outside the box
    assert cities.attrs["no_seat"] == ["那曲市 540600"]  # nothing dropped silently
    # province-direct county-level units are not "major cities"
    assert not cities.adcode.isin(["429004", "469001"]).any()


def test_all_capitals_found():
    cities, _ = china._city_seats_cached()
    caps = cities[cities.is_capital].set_index("province_adcode").name_zh
    assert len(caps) == 34
    assert caps.loc["220000"] == "长春市" and caps.loc["530000"] == "昆明市" and caps.loc["210000"] == "沈阳市"


def test_context_elsewhere_is_empty():
    outlines, cities = china.context((5.0, 45.0, 10.0, 50.0), margin_deg=2)
    assert len(outlines) == 0 and len(cities) == 0


@pytest.mark.parametrize("bounds,match", [
    ((1, 2, 3), r"^bounds: expected 4 finite numbers"),
    ((10, 5, 1, 6), r"^bounds: expected 4 finite numbers"),
    ((500_000, 4_500_000, 600_000, 4_600_000), r"^bounds: expected degrees"),
    ("abc", r"^bounds: expected 4 finite numbers"),
])
def test_context_bad_bounds(bounds, match):
    with pytest.raises(InputError, match=match):
        china.context(bounds)


def test_context_bad_margin():
    with pytest.raises(InputError, match=r"^margin_deg: expected a finite number >= 0"):
        china.context(JILIN_BOUNDS, margin_deg=-1)


def _region_layer():
    return datasets.load_boundaries("prefecture").assign(v=np.arange(9.0))


def test_context_overlay_drawn_under_and_not_setting_the_view():
    outlines, cities = china.context(JILIN_BOUNDS, margin_deg=2)
    g = _region_layer()
    layers = [MapLayer("ctx", outlines, kind="context", show=True),  # first on purpose: must not set the view
              MapLayer("v", g, "v", show=True), MapLayer("cities", cities, kind="context")]
    page = render_html(build_map(layers))
    d = _data(page)
    b = g.total_bounds
    np.testing.assert_allclose(d["bounds"], [[b[1], b[0]], [b[3], b[2]]])
    o = {x["t"]: x for x in d["overlays"]}
    assert o["ctx"]["k"] == "context" and o["ctx"]["show"] and not o["cities"]["show"]
    assert len(o["ctx"]["lines"]) == 5 and len(o["ctx"]["pts"]) == 0
    assert sorted(x["n"] for x in o["ctx"]["labels"]) == ["Hebei", "Heilongjiang", "Inner Mongolia", "Jilin",
                                                           "Liaoning"]
    assert len(o["cities"]["pts"]) == len(cities) and sum(p["b"] for p in o["cities"]["pts"]) == 3
    assert "createPane('jsctx', map.getPane('overlayPane')).style.zIndex = -1" in page  # under the thematic layers
    assert "https://" not in page.split("<body>")[1]  # still offline


def test_context_overlay_language():
    outlines, _ = china.context(JILIN_BOUNDS, margin_deg=0)
    o = _data(render_html(build_map([MapLayer("v", _region_layer(), "v"),
                                     MapLayer("c", outlines, kind="context")], lang="zh")))["overlays"][0]
    assert "吉林省" in [x["n"] for x in o["labels"]]


def test_report_map_context_for_jilin_and_none_elsewhere():
    from jilin_spatial.report import _map_context

    units = [datasets.load_boundaries("prefecture"), datasets.load_boundaries("county")]
    layers, line = _map_context(units)
    assert [ly.name for ly in layers] == ["Neighbouring provinces (context)", "Cities (context)"]
    cities = layers[1].gdf
    assert not cities.name_zh.isin(["长春市", "吉林市", "延边朝鲜族自治州"]).any()  # inside the region: its own seats
    assert {"沈阳市", "哈尔滨市", "通辽市"} <= set(cities.name_zh)
    assert len(cities) == 27 and "27 prefecture-level cities" in line and "no rivers" in line
    lab = layers[0].gdf.set_index("name_en")
    assert lab.loc["Jilin", ["label_lon", "label_lat"]].isna().all()  # label point inside the region: left out
    assert lab.loc["Liaoning", ["label_lon", "label_lat"]].notna().all()
    moved = [u.set_geometry(u.geometry.translate(xoff=-120.0)) for u in units]  # into Europe
    layers, line = _map_context(moved)
    assert layers == [] and "outside China" in line
