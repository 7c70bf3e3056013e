"""The tfp job (jilin_spatial.tfp_job.run_tfp) from Python: files written through OutputDir, typed result."""

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from jilin_spatial._errors import InputError, InputTypeError, OutputExistsError
from jilin_spatial.export import MANIFEST_NAME, PROVENANCE_NAME
from jilin_spatial.productivity import malmquist
from jilin_spatial.tfp_job import PeriodMean, TfpResult, run_tfp

RTOL = 1e-7  # LP solver tolerance
KW = dict(dmu="city", period="year", inputs=["x"], outputs=["y"])


@pytest.fixture
def panel():
    rng = np.random.default_rng(7)
    return pd.DataFrame([{"city": c, "year": 2010 + t, "x": rng.uniform(1, 5), "y": rng.uniform(1, 5)}
                         for c in ("Alpha", "Beta", "Gamma", "Delta") for t in range(3)])


def _gmean(v):
    return float(np.exp(np.mean(np.log(v))))


def test_run_tfp_from_a_dataframe(panel, tmp_path):
    before = panel.copy()
    res = run_tfp(panel, tmp_path / "out", **KW)
    assert isinstance(res, TfpResult) and all(isinstance(m, PeriodMean) for m in res.by_period)
    assert res.out == (tmp_path / "out").resolve()
    assert res.tables == ("tables/malmquist.csv", "tables/malmquist_by_period.csv", "tables/malmquist_by_dmu.csv",
                          "tables/tfp_cumulative.csv")
    assert (res.dmu, res.period, res.n_dmus, res.n_periods, res.n_flagged) == ("city", "year", 4, 3, 0)
    pd.testing.assert_frame_equal(panel, before)  # the caller's frame is not changed
    # the headline and the written tables equal malmquist's result
    api = malmquist(panel, **KW)
    assert [m.period for m in res.by_period] == [2011, 2012]
    assert all(type(m.period) is int for m in res.by_period)
    np.testing.assert_allclose([m.tfpch for m in res.by_period], api.by_period.tfpch, rtol=1e-12)
    np.testing.assert_allclose([m.effch * m.techch for m in res.by_period], api.by_period.tfpch, rtol=1e-12)
    assert [(m.n_used, m.n_flagged) for m in res.by_period] == [(4, 0), (4, 0)]
    m = pd.read_csv(res.out / "tables" / "malmquist.csv")
    assert list(m.columns[:2]) == ["city", "year"]  # the caller's column names
    np.testing.assert_allclose(m.tfpch, api.table.tfpch, rtol=1e-12)
    cum = pd.read_csv(res.out / "tables" / "tfp_cumulative.csv")
    assert list(cum.columns) == ["city", "year", "tfp_cumulative"]
    # independently, CRS with one input and one output: tfpch = (y/x)_t / (y/x)_{t-1}; headline = geometric mean
    r = panel.assign(r=panel.y / panel.x).pivot(index="year", columns="city", values="r")
    hand = (r / r.shift()).iloc[1:]
    np.testing.assert_allclose([m.tfpch for m in res.by_period], hand.apply(_gmean, axis=1), rtol=RTOL)
    # written through OutputDir: manifest lists exactly the files, provenance names the job
    listed = json.loads((res.out / MANIFEST_NAME).read_text())["files"]
    assert sorted(listed) == sorted([*res.tables, PROVENANCE_NAME])
    prov = json.loads((res.out / PROVENANCE_NAME).read_text())
    assert prov["job"] == "tfp" and prov["inputs"] == [] and prov["arguments"]["dmu"] == "city"
    assert prov["arguments"]["panel"] == "DataFrame (12 rows x 4 columns)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging left


def test_run_tfp_from_a_file_equals_the_dataframe_run(panel, tmp_path):
    panel.to_csv(tmp_path / "p.csv", index=False)
    res = run_tfp(tmp_path / "p.csv", tmp_path / "out", **KW, rts="vrs", frontier="sequential")
    api = malmquist(panel, **KW, rts="vrs", frontier="sequential")
    np.testing.assert_allclose([m.tfpch for m in res.by_period], api.by_period.tfpch, rtol=1e-9)
    np.testing.assert_allclose([m.pech for m in res.by_period], api.by_period.pech, rtol=1e-9)
    assert [m.period for m in res.by_period] == [2011, 2012]  # labels read as text become numbers
    prov = json.loads((res.out / PROVENANCE_NAME).read_text())
    assert prov["inputs"][0]["sha256"] == hashlib.sha256((tmp_path / "p.csv").read_bytes()).hexdigest()
    assert prov["arguments"]["rts"] == "vrs" and prov["arguments"]["frontier"] == "sequential"


def test_run_tfp_errors_write_nothing(panel, tmp_path):
    with pytest.raises(InputTypeError, match=r"^panel: expected a path to a CSV or Excel file, or a pandas "
                                             r"DataFrame, got list"):
        run_tfp([1, 2], tmp_path / "a", **KW)
    with pytest.raises(InputError, match=r"^panel: expected the named columns, got missing \['zz'\]"):
        run_tfp(panel, tmp_path / "b", **{**KW, "inputs": ["zz"]})
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("user")
    with pytest.raises(OutputExistsError, match=r"^--out: expected a folder written by jilin_spatial .* never deletes"):
        run_tfp(panel, tmp_path / "taken", **KW, force=True)
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["mine.txt"]
