"""Global and local spatial autocorrelation of producer-service LQs:
exact inference for the 9 prefectures, permutations for the 60 counties,
and weights on rail distance.

Run: python examples/04_autocorrelation.py
"""

import warnings


import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial.errors import FewUnitsWarning

# prefectures: n = 9, so exact enumeration of all 9! orderings is the default
emp = datasets.load_employment("prefecture", years=[2020])
lq = js.location_quotient(emp, sectors="producer_services").set_index("adcode")["lq"]
w = js.spatial_weights(datasets.load_boundaries("prefecture"), kind="queen")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FewUnitsWarning)  # we know n = 9 is small
    r = js.moran(lq, w)
print(f"prefectures: I = {r.I:.3f}, E[I] = {r.EI:.3f}, exact p = {r.p_exact:.4f}, normal p = {r.p_norm:.4f}")

# weights on rail km (inverse distance squared) from the shipped matrix
D = js.pair_matrix(datasets.load_rail_matrix(), "rail_km_shortest", a="from_adcode", b="to_adcode")
wr = js.spatial_weights(kind="inverse_distance", matrix=D, power=2, unit="rail_km")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FewUnitsWarning)
    rr = js.moran(lq, wr)
print(f"rail-km weights ({wr.describe()}): I = {rr.I:.3f}, exact p = {rr.p_exact:.4f}")

# counties: LISA with 9,999 conditional permutations, FDR, and the smallest attainable p
cemp = datasets.load_employment("county", years=[2020])
counties = datasets.load_boundaries("county")
clq = js.location_quotient(cemp, sectors="producer_services").set_index("adcode")["lq"]
clq = clq.reindex(counties.adcode)  # development zones have no polygon: excluded explicitly
cw = js.spatial_weights(counties, kind="queen")
loc = js.local_moran(clq, cw, permutations=9999, seed=42, fdr=True)
t = loc.to_frame().merge(counties[["adcode", "name_en"]], on="adcode")
print("p_sim <= 0.05:")
print(t[t.p_sim <= 0.05][["name_en", "quadrant", "p_sim", "p_fdr", "min_attainable_p"]].to_string(index=False))
print(f"significant after FDR: {int(t.significant.sum())} of {len(t)}")
print(f"check: prefecture_moran_I={r.I:.10f}")
