"""Load the embedded Jilin data and bring your own polygons and table.

Run: python examples/01_datasets.py
"""

import tempfile
from pathlib import Path

from jilin_spatial import datasets, io

print(datasets.available()[["name", "kind", "derived"]].to_string(index=False))

pref = datasets.load_boundaries("prefecture")
emp = datasets.load_employment("prefecture")  # 2010 re-based to 2020 boundaries
print(pref[["adcode", "name_zh", "name_en"]].head(3).to_string(index=False))
print(emp.query("year == 2020 and sector == 'C_manuf'")[["name_en", "value"]].to_string(index=False))

# development zones are reported, never dropped
print(datasets.zone_shares()[["name_en", "share_of_prefecture"]].round(3).to_string(index=False))

# bring your own data: write a tiny wide table and read it back validated
tmp = Path(tempfile.mkdtemp())
(tmp / "mine.csv").write_text("code,C_manuf,G_transport\n220100,100,40\n220200,60,30\n", encoding="utf-8")
table = io.read_table(tmp / "mine.csv", id_col="code", form="wide", year=2020)
io.check_pairing(table, pref[pref.adcode.isin(["220100", "220200"])])
print(table)
print(f"check: rows={len(table)} total={table['value'].sum():g}")
