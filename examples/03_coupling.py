"""Coupling coordination of industrial agglomeration and innovation for Jilin's prefectures,
and the same chain on a user-defined indicator system given as a small table.

Run: python examples/03_coupling.py
"""

import pandas as pd

import jilin_spatial as js

# the Jilin prefectures as a Region: its indicators are derived from the census (see jilin.coupling_indicators)
region = js.Region.jilin("prefecture")
ind = region.indicators
system = region.indicator_system
print(system[["subsystem", "indicator", "direction"]].to_string(index=False))

res, weights = js.coupling_from_indicators(ind, system, scaling="global")  # 2010+2020 pooled
print(weights[["subsystem", "indicator", "entropy", "redundancy", "weight"]].round(3).to_string(index=False))
out = pd.concat([ind[["name_en", "year"]], res[["U_agglomeration", "U_innovation", "C", "D", "class_en", "lagging"]]],
                axis=1)
print(out.round(3).to_string(index=False))

# the corrected coupling degree (Wang et al. 2021) on the same U
corr = js.coupling_coordination(res[["U_agglomeration", "U_innovation"]], method="corrected")
print("corrected C, 2020:", corr.loc[ind.year == 2020, "C"].round(3).tolist())

# your own system: any table subsystem -> indicator -> direction, no code changes
mine = pd.DataFrame({"subsystem": ["industry", "industry", "talent"],
                     "indicator": ["lq_manufacturing", "coagglomeration", "share_bachelor_plus"],
                     "direction": ["positive", "positive", "positive"]})
res2, w2 = js.coupling_from_indicators(ind, mine, scaling="per_group", groups=ind["year"])
print(res2[["D", "class_zh", "class_en"]].head().to_string())
first = res.iloc[0]
print(f"check: U1={first.U_agglomeration:.10f} U2={first.U_innovation:.10f} C={first.C:.10f} T={first['T']:.10f} "
      f"D={first.D:.10f}")
