"""Small synthetic inputs for every kind of map layer, with every text field set to one string.

Used by the webmap tests (security and determinism); also imported by a subprocess in
``test_webmap.py``, so it must not depend on pytest.
"""

import geopandas as gpd
from shapely.geometry import LineString, Point, box

#: hostile strings: HTML injection, attribute/script break-out, JS template-literal injection
PAYLOADS = [
    '<img src=x onerror="window.__xss=1">',
    '"><script>window.__xss=1</script>',
    "${window.__xss=1}",
    "`+(window.__xss=1)+`",
    "'><svg onload=window.__xss=1>\\",
]

CENTRES = [(125.0, 43.0), (126.0, 43.0), (127.0, 43.5)]  # lon, lat


def polygons(s):
    """Three squares near Changchun; names, ids, a category and an extra column all hold ``s``."""
    return gpd.GeoDataFrame(
        {"adcode": [f"{s}{i}" for i in range(3)], "name_zh": [s] * 3, "name_en": [f"{s} en"] * 3,
         "v": [0.5, 1.0, 1.5], "cat": [s, "HH", None], s: [s, "x", s]},
        geometry=[box(x - 0.4, y - 0.4, x + 0.4, y + 0.4) for x, y in CENTRES], crs="EPSG:4326")


def ties(s):
    pairs = [(0, 1), (1, 2)]
    return gpd.GeoDataFrame(
        {"from_name_en": [s] * 2, "to_name_en": [f"{s} to"] * 2, "R": [10.0, 40.0], "F": [0.25, 0.75],
         "F_reverse": [0.5, 0.125], "distance": [s] * 2, "distance_unit": [s] * 2},
        geometry=[LineString([CENTRES[a], CENTRES[b]]) for a, b in pairs], crs="EPSG:4326")


def rail(s):
    return gpd.GeoDataFrame(
        {"line_zh": [s] * 2, "line_mode": ["high-speed", s], "rail_km": [s, s]},
        geometry=[LineString([CENTRES[0], CENTRES[1]]), LineString([CENTRES[1], CENTRES[2]])], crs="EPSG:4326")


def circles(s):
    (x0, y0), (x1, y1) = CENTRES[0], CENTRES[2]
    return gpd.GeoDataFrame(
        {"centre": [s, s, f"{s} B"], "minutes": [60.0, 120.0, 60.0], "n_counties": [2, 5, 1],
         "centre_lat": [y0, y0, y1], "centre_lon": [x0, x0, x1]},
        geometry=[Point(x0, y0).buffer(0.3), Point(x0, y0).buffer(0.6), Point(x1, y1).buffer(0.3)],
        crs="EPSG:4326")


def points(s):
    """Seat points, one of them borderline."""
    return gpd.GeoDataFrame({"name_zh": [s, s], "name_en": [s, s], "borderline": [True, False]},
                            geometry=[Point(*CENTRES[0]), Point(*CENTRES[1])], crs="EPSG:4326")


def hostile_layers(s):
    """One layer of every kind; every string the map shows (names, titles, units, notes, values) is ``s``."""
    from jilin_spatial.webmap import LISA_COLORS, MapLayer

    g = polygons(s)
    return [
        MapLayer(f"{s} numeric", g, "v", unit=s, year=2020, show=True, note=s, extra_fields=[s]),
        MapLayer(f"{s} categorical", g, "cat", kind="categorical", colors={**LISA_COLORS, s: "#000000"}, note=s),
        MapLayer(f"{s} ties", ties(s), kind="ties", note=s),
        MapLayer(f"{s} rail", rail(s), kind="rail", note=s),
        MapLayer(f"{s} circles", circles(s), kind="circles", note=s),
        MapLayer(f"{s} points", points(s), kind="points", note=s),
        MapLayer(f"{s} context outlines", polygons(s).assign(label_lon=125.0, label_lat=43.0), kind="context",
                 note=s, show=True),
        MapLayer(f"{s} context cities", points(s).assign(is_capital=[True, False]), kind="context", note=s,
                 show=True),
    ]


#: tooltips / popups open at once: 3 polygons of the shown thematic layer, 2 ties, 2 rail lines, 3 circle bands +
#: 2 centres, 2 points (thematic layers are exclusive: the other one's 3 polygons are opened after switching)
N_TOOLTIPS = 3 + 2 + 2 + 3 + 2 + 2
N_POPUPS = 2
