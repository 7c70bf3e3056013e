"""No string from data runs as code on the map: HTML-level checks and every tooltip/popup opened in Chromium."""

import html
import os
import shutil

import pytest
from _synthetic_map import N_POPUPS, N_TOOLTIPS, PAYLOADS, hostile_layers

from jilin_spatial.webmap import _esc, build_map, render_html, save_map

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("JILIN_SPATIAL_REQUIRE_BROWSER") == "1"
NAMES = ("adcode", "name_zh", "name_en")


def _page(s):
    return render_html(build_map(hostile_layers(s), title=s, names=NAMES))


def test_esc_is_inert_in_html_attributes_and_js_template_literals():
    # & < > " ' become entities; ` $ \ too, because folium puts tooltip/popup HTML inside JS `...` literals
    assert _esc("<a href='x'>\"&`${1}\\</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&#96;&#36;{1}&#92;&lt;/a&gt;")
    assert _esc(1.5) == "1.5" and _esc(None) == "None"
    assert html.unescape(_esc("`${x}`<\\>")) == "`${x}`<\\>"  # the browser shows the literal text


@pytest.mark.parametrize("s", PAYLOADS)
def test_payload_never_raw_in_html(s):
    page = _page(s)
    assert s not in page
    for fragment in ("<img src=x", "<script>window", "<svg onload", "${window", "`+(window"):
        assert fragment not in page
    # the escaped text is there, JSON-encoded in the page's data (names, titles, legends, tooltips, popups)
    enc = _esc(s).replace("&", "\\u0026").replace("'", "\\u0027").replace("<", "\\u003c").replace(">", "\\u003e")
    assert page.count(enc) >= 10


def test_colour_that_is_not_a_colour_is_rejected():
    # colours go raw into folium's style JavaScript (json.dumps, not HTML-safe), so only real colours get through
    from _synthetic_map import polygons

    from jilin_spatial._errors import InputError
    from jilin_spatial.webmap import MapLayer, fill_colors

    bad = '</script><script>window.__xss=1</script>'
    with pytest.raises(InputError, match=r"^colors: expected a colour per category.*got \{'a': '</script>"):
        build_map([MapLayer("c", polygons("a"), "cat", kind="categorical", colors={"a": bad})])
    fill, entries = fill_colors(["a", "b", None], kind="categorical", colors={"a": "red", "b": (0, 0.5, 1)})
    assert fill == ["#ff0000", "#0080ff", "#d3d3d3"]
    assert entries == [("a", "#ff0000"), ("b", "#0080ff"), ("no data / other", "#d3d3d3")]


def test_rail_km_escaped():
    """The reported bug: rail_km went raw into the rail tooltip."""
    from _synthetic_map import rail

    from jilin_spatial.webmap import MapLayer

    evil = "<img src=x onerror=alert(1)>"
    page = render_html(build_map([MapLayer("r", rail("a").assign(rail_km=[evil, 12.5]), kind="rail")]))
    assert evil not in page
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt; km" in page
    assert "12.5 km" in page


# every leaf layer (polygon, line, circle marker): fire mouseover and click as Leaflet would on hover/click,
# propagating to the group that holds the tooltip/popup; collect the text each tooltip/popup shows
_OPEN_ALL = """
() => {
  const map = window.jsMap.map;
  const owner = (l, kind) => {
    if (l['get' + kind] && l['get' + kind]()) return l;
    for (const id in (l._eventParents || {})) { const o = owner(l._eventParents[id], kind); if (o) return o; }
    return null;
  };
  const leaves = [];
  map.eachLayer(l => { if ((l instanceof L.Path || l instanceof L.Marker) && l.options.interactive !== false) leaves.push(l); });
  const out = {leaves: leaves.length, tooltips: [], popups: []};
  for (const l of leaves) {
    const latlng = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
    const t = owner(l, 'Tooltip');
    if (t) {
      l.fire('mouseover', {latlng: latlng}, true);
      out.tooltips.push(t.getTooltip().getElement().textContent);
      l.fire('mouseout', {latlng: latlng}, true);
    }
    const p = owner(l, 'Popup');
    if (p) {
      l.fire('click', {latlng: latlng}, true);
      out.popups.push(p.getPopup().getElement().textContent);
    }
  }
  return out;
}
"""


@pytest.mark.skipif(not CHROMIUM and not REQUIRE, reason="Chromium not installed (apt-get install chromium); "
                    "set JILIN_SPATIAL_REQUIRE_BROWSER=1 to make this a failure")
@pytest.mark.parametrize("s", PAYLOADS)
def test_hostile_strings_inert_in_headless_chromium(s, tmp_path):
    assert CHROMIUM, "JILIN_SPATIAL_REQUIRE_BROWSER=1 but chromium is not installed"
    from playwright.sync_api import sync_playwright

    path = save_map(build_map(hostile_layers(s), title=s, names=NAMES), tmp_path / "map.html")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                               "--disable-background-networking"])
        try:
            ctx = b.new_context(offline=True, viewport={"width": 1000, "height": 800})
            pg = ctx.new_page()
            dialogs, errors = [], []
            pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(path.as_uri())
            pg.wait_for_timeout(300)
            assert errors == []  # a payload that broke out of a JS string would be a syntax error here
            boxes = pg.locator(".leaflet-control-layers-overlays input")
            assert boxes.count() == 2 + 7  # outlines, names; ties, rail, circles of two centres, points, 2 context
            for i in range(boxes.count()):  # switch every overlay on
                if not boxes.nth(i).is_checked():
                    boxes.nth(i).click()
            radios = pg.locator(".leaflet-control-layers-base input")
            assert radios.count() == 3  # no thematic layer, numeric, categorical
            got = {"leaves": 0, "tooltips": [], "popups": []}
            for i in (1, 2):  # each thematic layer in turn: its tooltips on the shared polygons
                radios.nth(i).click()
                one = pg.evaluate(_OPEN_ALL)
                got = {"leaves": one["leaves"], "tooltips": got["tooltips"] + one["tooltips"],
                       "popups": one["popups"]}
            pg.wait_for_timeout(500)  # let any <img onerror> fire
            assert pg.evaluate("typeof window.__xss") == "undefined"
            assert dialogs == [] and errors == []
            # no element was injected: no <img> at all, and the only <svg> is Leaflet's overlay pane
            assert pg.evaluate("document.querySelectorAll('img').length") == 0
            assert pg.evaluate("[...document.querySelectorAll('svg')].filter(e => !e.closest("
                               "'.leaflet-overlay-pane') && !e.matches('.leaflet-attribution-flag')).length") == 0
            # every tooltip and popup opened and shows the string literally
            assert got["leaves"] == N_TOOLTIPS
            assert len(got["tooltips"]) == 2 * N_TOOLTIPS and len(got["popups"]) == N_POPUPS  # opened once per theme
            for text in got["tooltips"] + got["popups"]:
                assert s in text, text
            assert "&lt;" not in "".join(got["tooltips"] + got["popups"])  # escaped once, not twice
            # legends, layer list and title show it literally too
            legends = pg.evaluate("[...document.querySelectorAll('.js-legend')].map(e => e.textContent)")
            assert len(legends) == 9 and all(s in t for t in legends)
            assert all(f"{s} {kind}" in legends[i] for i, kind in enumerate(
                ["numeric", "categorical", "ties", "rail", "circles", "circles", "points", "context outlines",
                 "context cities"]))
            overlays = pg.locator(".leaflet-control-layers-overlays").text_content()
            assert overlays.count(s) == 9  # ties, rail, "circles: centre" twice each, points, 2 context
            ctx_labels = pg.evaluate("[...document.querySelectorAll('.js-ctx span')].map(e => e.textContent)")
            assert len(ctx_labels) == 3 + 2 and all(t.startswith(s) for t in ctx_labels)  # shown literally
            assert pg.evaluate("document.body.textContent").count(f"{s} — no basemap") == 1
        finally:
            b.close()
