"""Planner's view: rail distances, gravity ties, half-hour / one-hour circles around
Changchun and Jilin City, and a scenario loop line.

Run: python examples/05_circles_and_ties.py
All travel times are MODELLED (speeds, access minutes and roads are parameters).
"""

import pandas as pd

import jilin_spatial as js
from jilin_spatial.circles import modelled_link_km

G = js.rail_graph(speeds_kph={"high-speed": 220, "conventional": 90}, access_min=15)

# seat-to-seat rail km (reproduces the shipped matrix) and modelled minutes
sm = js.seat_matrix(G)
print(sm.head().to_string(index=False))

# gravity ties on rail km with census urban population and GDP (see default_masses for vintages)
from jilin_spatial.gravity import default_masses

from jilin_spatial.network import pair_matrix

m = default_masses()
ties = js.gravity_ties(m, pair_matrix(sm, "rail_km"), b=2)
print(ties.sort_values("R", ascending=False).head(4)[["from", "to", "distance", "R", "F"]].to_string(index=False))
nodes, edges = js.tie_centrality(ties)
print(nodes.assign(name=nodes.adcode.map(m.name_en)).round(3).to_string(index=False))

# circles
c = js.economic_circles(G, ["Changchun", "Jilin City"], minutes=[30, 60, 90])
print(c.coverage.drop(columns="counties").round(3).to_string(index=False))

# scenario: the proposed loop; link lengths are MODELLED (great circle x 1.2) since none are published
loop = ["Changchun", "Nong'an", "Dehui", "Yushu", "Jiaohe", "Huadian", "Panshi", "Gongzhuling", "Changchun"]
links = pd.DataFrame([{"from": a, "to": b, "rail_km": modelled_link_km(a, b, G), "mode": "high-speed",
                       "speed_kph": 200} for a, b in zip(loop[:-1], loop[1:])])
res = js.run_scenario(G, links, centres=["Changchun"], minutes=[30, 60, 90])
print(res["entered"].round(1).to_string(index=False))
print(res["coverage"][["centre", "minutes", "n_counties_before", "n_counties_after", "population_share_change"]]
      .round(3).to_string(index=False))
top = ties.sort_values("R", ascending=False).iloc[0]
print(f"check: top_tie from={top['from']} to={top['to']} distance={top.distance:.6f} R={top.R:.10g}")
