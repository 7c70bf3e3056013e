"""The comparison with the three papers: verdicts against hand computation on small tables."""

import pandas as pd
import pytest

from jilin_spatial import datasets, papers
from jilin_spatial._errors import InputError

NAMES = ["Jilin City", "Siping", "Songyuan", "Liaoyuan", "Baicheng", "Tonghua",
         "Yanbian Korean Autonomous Prefecture", "Baishan"]


def test_every_published_file_is_registered_and_counted():
    av = datasets.available()
    names = set(av.name[av.name.str.startswith("paper_")])
    assert len(names) == 10
    assert sum(len(papers.load_published(n)) for n in names) == 20 + 2 + 150 * 3 + 33 + 38 + 8 + 2 + 23


def test_ties_rank_correlation_and_ratios_by_hand():
    # package ranks: swap Baicheng and Tonghua against the paper's order (paper: Baicheng 1.446 > Tonghua 1.378)
    R = [100.0, 50, 20, 10, 4, 5, 3, 1]
    t = pd.DataFrame({"from_name_en": "Changchun", "to_name_en": NAMES, "R": R})
    c = papers.compare_ties(t).set_index("item")
    d2 = 2 * 1 ** 2  # two ranks differ by one
    assert c.loc["Spearman rank correlation of the 8 ties", "package_value"] == pytest.approx(
        round(1 - 6 * d2 / (8 * 63), 4))
    assert c.loc["ratio of the largest tie to the second", "paper_value"] == pytest.approx(43.3983 / 20.70302, abs=1e-3)
    assert c.loc["ratio of the largest tie to the sum of the other seven", "package_value"] == pytest.approx(
        100 / 93, abs=1e-3)
    assert (c.filter(like="R Changchun", axis=0).agrees == "agrees").all()


def test_ties_missing_partner_is_an_input_error():
    t = pd.DataFrame({"from_name_en": "Changchun", "to_name_en": NAMES[:-1], "R": range(7)})
    with pytest.raises(InputError, match="Baishan"):
        papers.compare_ties(t)


def test_similarity_levels_differ_and_direction_by_sign():
    s = pd.DataFrame({"year": [2010, 2020], "sector_set": "all_sections", "S": [0.5, 0.62], "n_sectors": 20})
    c = papers.compare_similarity(s)
    # 2005 vs 2010 within 0.05; 2011 vs 2010 (nearest census) 0.132 apart; S rises as in the paper
    assert c.agrees.tolist() == ["agrees", "differs", "agrees", "not comparable"]
    s["S"] = [0.998, 0.988]
    assert papers.compare_similarity(s).agrees.tolist()[:3] == ["differs", "differs", "differs"]


def test_competitive_industries_classes_and_the_papers_own_stage_flags():
    lq = pd.DataFrame({"adcode": ["220100", "220100", "220200", "220200"], "year": 2010,
                       "sector": ["C_manuf", "B_mining"] * 2, "denominator": "all", "lq": [1.2, 0.5, 0.9, 2.0]})
    st = pd.DataFrame({"adcode": ["220100", "220100", "220200", "220200"], "sector": ["C_manuf", "B_mining"] * 2,
                       "A": [1.1, 0.9, 0.8, 1.2], "stage_en": ["growing", "declining", "declining", "growing"],
                       "start_year": 2010, "end_year": 2020})
    c = papers.compare_competitive_industries(lq, st)
    assert len(c) == 38 + 19
    row = c.set_index("item").loc["Changchun: Transportation Equipment Manufacturing: LQ"]
    assert row.agrees == "agrees"  # 2.27 and 1.2 both >= 1
    row = c.set_index("item").loc["Changchun: Food Manufacturing: LQ"]
    assert row.agrees == "differs"  # 0.63 < 1 <= 1.2
    stage = c[c.item.str.contains(": stage")].set_index("item")
    assert stage.loc["Jilin: Black metal mining industry: stage (paper's rule on its LQ and A)", "paper_value"] == "mature"
    assert stage.reason.str.contains("lists this row as a growing-stage").sum() == 7


def _claims_inputs():
    cities = ["Changchun", "Jilin City", "Siping", "Songyuan"]
    lq = pd.DataFrame([(n, y, s, "all", v) for n, (m0, m1, p0, p1) in zip(cities, [
        (1.0, 1.05, 1.0, 1.3), (1.2, 1.0, 0.8, 0.8), (0.9, 0.8, 0.7, 0.7), (0.8, 0.9, 0.6, 0.6)])
        for y, (m, p) in ((2010, (m0, p0)), (2020, (m1, p1)))
        for s, v in (("manufacturing", m), ("producer_services", p))],
        columns=["name_en", "year", "sector", "denominator", "lq"])
    ca = pd.DataFrame({"name_en": cities * 2, "year": [2010] * 4 + [2020] * 4,
                       "CA": [0.9, 0.8, 0.7, 0.6, 0.95, 0.85, 0.65, 0.7]})
    return lq, ca


def test_jilin_claims_by_hand():
    lq, ca = _claims_inputs()
    c = papers.compare_jilin_claims(lq=lq, coagglomeration=ca).set_index("item")
    assert len(c) == 20
    pick = lambda line, who="": c[c.index.str.startswith(f"line {line}: {who}")].iloc[0]  # noqa: E731
    assert pick(18).agrees == "supported"                      # Changchun PS LQ +30 %
    assert pick(24, "all cities").agrees == "contradicted"     # Siping's CA falls
    assert pick(100, "Changchun").agrees == "supported"        # +5 % is within 10 %
    assert pick(100, "other").agrees == "supported"            # 2 of 3 others fall
    assert pick(25).agrees == "supported"                      # CA 2020: Changchun 1, Jilin 2, Songyuan 3 of 4
    assert pick(41).agrees == "not testable"                   # no coupling table given
    assert set(c.agrees) <= {"supported", "contradicted", "not testable"}


def test_chen_rows_cover_every_cell_and_check_the_constants():
    c = papers.compare_chen()
    assert (c.table.str.startswith("Table")).sum() == 450
    const = c[c.agrees == "agrees"]
    assert len(const) == 5 and (c.agrees.isin(["agrees", "not comparable"])).all()
    assert papers.compare_chen(delta=0.1).query("agrees == 'differs'").item.str.contains("depreciation").all()


def test_report_on_the_embedded_prefectures_has_the_comparison(tmp_path):
    from jilin_spatial.regions import Region
    from jilin_spatial.report import build_report

    r = build_report(tmp_path / "rep", regions=[Region.jilin("prefecture")])
    assert "## Compared with the papers" in r.summary_md
    t = pd.read_csv(tmp_path / "rep" / "tables" / "paper_comparison.csv", dtype=str, keep_default_na=False)
    assert list(t.columns) == papers.COLUMNS
    assert set(t.agrees) <= set(papers.VERDICTS)
    assert (t.table.str.startswith("Table") & (t.study == "chen_ps_tfp_261_cities")).sum() == 450
    rho = t[t.item == "Spearman rank correlation of the 8 ties"].package_value.astype(float).iloc[0]
    assert rho == pytest.approx(1 - 6 * (2 ** 2 + 1 + 1) / (8 * 63), abs=1e-4)  # Yanji 7->5, Baicheng, Tonghua +1
    assert (t.table == "findings").sum() == 20


def test_chen_regional_rows_carry_the_national_belt_levels():
    """The East/Central/West rows show all-China prefecture mean LQs (belt_lq_summary; its means are checked by hand
    in tests/test_china.py), not the old 'no national layer' text."""
    from jilin_spatial import china

    belts = china.belt_lq_summary(years=(2020,))
    lqg = pd.DataFrame({"name_en": ["x"], "year": [2020], "sector": ["producer_services_high"], "lq": [1.0]})
    c = papers.compare_chen(lq_groups=lqg, belts=belts)
    east = c[(c.table == "regional pattern") & c.item.str.startswith("East")].iloc[0]
    assert "high-end 2020 mean LQ" in east.package_value and east.agrees == "not comparable"
    b = belts[(belts.group == "East") & (belts.sector == "producer_services_high")].iloc[0]
    assert f"high-end 2020 mean LQ {b.mean_lq:.3f} (n = {int(b.n)})" in east.package_value
    assert "no national layer" not in east.reason
