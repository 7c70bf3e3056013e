"""Build an offline interactive map (one toggleable layer per metric and year) and a static figure.

Run: python examples/06_map.py   -> writes map.html and a PNG into a temporary folder
"""

import os
import tempfile
from pathlib import Path

import jilin_spatial as js
from jilin_spatial import datasets, figures
from jilin_spatial.webmap import STAGE_COLORS, MapLayer, build_map, save_map

out = Path(os.environ.get("JILIN_SPATIAL_EXAMPLE_OUT", tempfile.mkdtemp()))
emp = datasets.load_employment("county")
lq = js.location_quotient(emp, sectors=["manufacturing", "producer_services"])
g = js.layers.attach(datasets.load_boundaries("county"), lq, value="lq")

a = js.agglomeration_index(emp, start=2010, end=2020, sectors="producer_services")
a["lq_end"] = a.adcode.map(lq.query("year == 2020 and sector == 'producer_services'").set_index("adcode").lq)
a["stage"] = js.advantage_stage(a["lq_end"], a["A"])["stage_en"]
g = g.merge(a[["adcode", "stage"]], on="adcode", how="left")

layers = [MapLayer("LQ producer services", g, f"lq_producer_services_{y}", unit="LQ", year=y, show=(y == 2020))
          for y in (2020, 2010)]
layers += [MapLayer("LQ manufacturing", g, "lq_manufacturing_2020", unit="LQ", year=2020, scheme="natural_breaks"),
           MapLayer("Stage, producer services 2010-2020", g, "stage", kind="categorical", colors=STAGE_COLORS)]
m = build_map(layers)                  # offline: Leaflet inlined, no basemap
save_map(m, out / "map.html")
figures.choropleth_png(g, "lq_producer_services_2020", out / "lq_ps_2020.png",
                       title="Producer-service LQ, 2020", unit="LQ", source="2020 census (leiii/census)")
print(f"wrote {out / 'map.html'} and {out / 'lq_ps_2020.png'}")
print(f"check: map_layers={len(layers)} map_bytes={(out / 'map.html').stat().st_size}")
