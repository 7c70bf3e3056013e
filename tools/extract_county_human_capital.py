"""Extract Jilin county human-capital indicators from the national census county tables.

Source: ../shared/data/national/leiii_census_county_{2010,2020}_v1.xlsx (GitHub leiii/census, MIT).
Writes jilin_spatial/data/census/derived_county_human_capital.csv: raw counts copied from the
tables (resident population, bachelor-plus by sex, professional & technical staff, all employed by
occupation, mean years of schooling).  Ratios are computed at load time and labelled derived.
2010 county codes that changed are mapped through datasets.county_crosswalk_2010.

Run from the repository root: python tools/extract_county_human_capital.py
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NAT = ROOT.parent / "shared" / "data" / "national"
OUT = ROOT / "jilin_spatial" / "data" / "census" / "derived_county_human_capital.csv"
COLS = {
    2020: {"resident_pop": "人口数_合计", "bachelor_plus_male": "本科及以上_男", "bachelor_plus_female": "本科及以上_女",
           "edu_mean_years": "平均受教育年限_合计", "occ_total": "各种职业人口总计", "occ_professional_technical": "专业技术人员"},
    2010: {"resident_pop": "合计", "bachelor_plus_male": "大学本科及以上-男", "bachelor_plus_female": "大学本科及以上-女",
           "edu_mean_years": "平均受教育年限（年）-合计", "occ_total": "各种职业人口\n总计",
           "occ_professional_technical": "专业技术人员"},
}
CROSSWALK = {"220181": "220113", "220724": "220781", "220381": "220184"}


def main():
    frames = []
    for year, cols in COLS.items():
        d = pd.read_excel(NAT / f"leiii_census_county_{year}_v1.xlsx")
        code = pd.to_numeric(d["区划代码"], errors="coerce").astype("Int64").astype(str)
        d = d[code.str.startswith("22") & ~code.str.endswith("00")].copy()
        d["adcode"] = code[d.index].replace(CROSSWALK)
        out = d[["adcode"] + list(cols.values())].rename(columns={v: k for k, v in cols.items()})
        out.insert(1, "year", year)
        out["source"] = f"leiii/census census_county_{year}_v1.xlsx (MIT); 2010 codes crosswalked to 2020"
        frames.append(out)
    res = pd.concat(frames, ignore_index=True)
    res.to_csv(OUT, index=False)
    print(f"wrote {OUT} ({len(res)} rows)")


if __name__ == "__main__":
    main()
