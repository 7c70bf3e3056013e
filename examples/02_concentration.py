"""Location quotients, agglomeration stages, similarity and co-agglomeration on the
embedded Jilin census, joined to the county polygons as a map layer.

Run: python examples/02_concentration.py
"""

import os
import tempfile
from pathlib import Path

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial.export import write_gpkg_layers

emp = datasets.load_employment("prefecture")  # 2010 re-based to 2020 boundaries

# LQ of producer services, non-agricultural denominator, reference = the 9 prefectures
lq = js.location_quotient(emp, sectors=["manufacturing", "producer_services"], denominator="non_agricultural")
print(lq.query("year == 2020")[["name_en", "sector", "lq"]].round(3).to_string(index=False))

# "rest" reference leaves each city out of its own benchmark (Changchun is large)
rest = js.location_quotient(emp, sectors="producer_services", reference="rest", years=[2020])
print(rest[["name_en", "lq"]].round(3).to_string(index=False))

# growth-based agglomeration index 2010 -> 2020 and the comparative-advantage stage
a = js.agglomeration_index(emp, start=2010, end=2020, sectors="producer_services")
end_lq = lq.query("year == 2020 and sector == 'producer_services'").set_index("adcode")["lq"]
a["lq_end"] = a["adcode"].map(end_lq)
a[["stage_zh", "stage_en"]] = js.advantage_stage(a["lq_end"], a["A"])[["stage_zh", "stage_en"]]
print(a[["name_en", "A", "lq_end", "stage_zh", "stage_en"]].round(3).to_string(index=False))

# structural similarity (UNIDO) and the Krugman index, 19 non-agricultural sections
sim = js.similarity_coefficient(emp, sectors="non_agricultural", regions=["220100", "220200"])
print(sim.query("`from` == '220100' and to == '220200' and from_year == to_year"))

# co-agglomeration of manufacturing and producer services
m = lq.query("sector == 'manufacturing'").set_index(["adcode", "year"])["lq"]
s = lq.query("sector == 'producer_services'").set_index(["adcode", "year"])["lq"].reindex(m.index)
print(js.coagglomeration(m, s).round(3).head())

# a county layer for QGIS
cemp = datasets.load_employment("county", years=[2020])
clq = js.location_quotient(cemp, sectors=["manufacturing", "producer_services"])
layer = js.layers.attach(datasets.load_boundaries("county"), clq, value="lq")
out = Path(os.environ.get("JILIN_SPATIAL_EXAMPLE_OUT", tempfile.mkdtemp())) / "concentration.gpkg"
write_gpkg_layers({"county_lq": layer}, out)
print(f"wrote {out}; development zones without polygons: {layer.attrs['unmatched']}")
s_cj = sim.query("`from` == '220100' and to == '220200' and from_year == 2020 and to_year == 2020")["S"].item()
print(f"check: unido_changchun_jilin_2020={s_cj:.8f}")
