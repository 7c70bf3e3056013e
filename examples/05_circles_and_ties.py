"""Planner's view: rail distances, gravity ties, half-hour / one-hour economic circles around
Changchun and Jilin City, and a scenario loop line.

Run: python examples/05_circles_and_ties.py
All travel times are MODELLED (speeds, access minutes and roads are parameters).
"""

import os
import tempfile
from pathlib import Path

import jilin_spatial as js
from jilin_spatial.jilin import scenario

pref = js.Region.jilin("prefecture")   # 9 prefectures: masses (urban population, GDP) and seats
cty = js.Region.jilin("county")        # 60 counties: the units circles cover, default centres

# rail km between the prefecture seats (shortest on rail edges, from the km posts)
D, unit, note, seat_km = pref.distance_matrix()
print(note)
print(seat_km.head().to_string(index=False))

# gravity ties on rail km with census urban population and GDP (the masses' vintages are in the note)
masses, mnote = pref.gravity_masses()
print(mnote)
ties = js.gravity_ties(masses[["P", "G"]], D, b=2, distance_unit=unit)
print(ties.sort_values("R", ascending=False).head(4)[["from", "to", "distance", "R", "F"]].to_string(index=False))
nodes, edges = js.tie_centrality(ties)
print(nodes.assign(name=nodes.adcode.map(masses.name_en)).round(3).to_string(index=False))

# door-to-door circles and the proposed loop line (Changchun - Nong'an - Dehui - Yushu - Jiaohe - Huadian - Panshi -
# Gongzhuling - Changchun), a built-in scenario: legs MODELLED (great-circle x 1.2), 200 km/h intercity design speed;
# the job writes map.html, layers.gpkg, tables/ and summary.md (docs/circles.md)
out = Path(os.environ.get("JILIN_SPATIAL_EXAMPLE_OUT", tempfile.mkdtemp())) / "scenario"
res = js.run_circle(cty, out, centres=["Changchun", "Jilin City"], minutes=[30, 60, 90],
                    scenario=scenario("proposed-loop"), masses_region=pref)
print(res.entered[["centre", "minutes", "name_en", "status", "travel_min_before", "travel_min_after"]]
      .round(1).to_string(index=False))
ch = res.changes[(res.changes.minutes == 60) & (res.changes.minutes_change < -1)]
print(ch[["centre", "name_en", "travel_min_before", "travel_min_after", "margin_min_after", "borderline_after"]]
      .round(1).to_string(index=False))
print(res.coverage[["centre", "minutes", "n_counties_before", "n_counties_after", "population_share_change"]]
      .round(3).to_string(index=False))
top = ties.sort_values("R", ascending=False).iloc[0]
print(f"check: top_tie from={top['from']} to={top['to']} distance={top.distance:.6f} R={top.R:.10g}")
