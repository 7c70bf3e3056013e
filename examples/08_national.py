"""China at prefecture scale: the 261-city study's high- and low-end producer-service LQs and the East/Central/West split.

Uses only the national pack shipped with the package (jilin_spatial/data/national, README there):
census 2010 and 2020 on the current polygons, municipalities as one unit, province-direct units
on their own, census rows without a polygon kept in the national reference.

Run: python examples/08_national.py
"""

from jilin_spatial import china
from jilin_spatial.concentration import location_quotient
from jilin_spatial.regions import Region

reg = Region.china("prefecture")
lq = location_quotient(reg.employment, sectors=["producer_services_high", "producer_services_low"])
summ = china.regional_summary(lq, reg.groups, grouping="region_3belt")
print(summ.pivot_table(index=["year", "group"], columns="sector", values="mean_lq").round(3))
print(china.national_rank(lq).query("year == 2020").head(6).to_string(index=False))
acc = china.census_accounting((2020,))
print(acc.groupby("treatment").employment_share.sum().round(4))
sh = lq.set_index(["adcode", "sector", "year"]).lq
east = summ[(summ.group == "East") & (summ.year == 2020) & (summ.sector == "producer_services_high")].mean_lq.iloc[0]
print(f"check: shenyang_high_2020={sh[('210100', 'producer_services_high', 2020)]:.10f} "
      f"east_high_mean_2020={east:.10f}")
