"""Every script in examples/ runs, and the value its `check:` line prints agrees with an independent computation."""

import math
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def _fields(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def check_01(f, out):
    assert int(f["rows"]) == 4 and float(f["total"]) == 100 + 40 + 60 + 30  # the CSV the example writes


def check_02(f, out):
    """UNIDO similarity = cosine of the two employment vectors over the non-agricultural sections."""
    from jilin_spatial import datasets
    from jilin_spatial.sectors import GROUPS

    emp = datasets.load_employment("prefecture", years=[2020])
    w = emp[emp.sector.isin(GROUPS["non_agricultural"])].pivot_table(index="sector", columns="adcode", values="value")
    a, b = w["220100"].to_numpy(float), w["220200"].to_numpy(float)
    assert float(f["unido_changchun_jilin_2020"]) == pytest.approx(a @ b / math.sqrt((a @ a) * (b @ b)), abs=1e-8)


def check_03(f, out):
    u1, u2, c, t, d = (float(f[k]) for k in ("U1", "U2", "C", "T", "D"))
    assert c == pytest.approx(2 * math.sqrt(u1 * u2) / (u1 + u2), abs=1e-9)  # standard C, n = 2
    assert t == pytest.approx((u1 + u2) / 2, abs=1e-9) and d == pytest.approx(math.sqrt(c * t), abs=1e-9)


def check_04(f, out):
    """Moran's I by hand: libpysal Queen contiguity (not the package's builder), rows standardised."""
    import jilin_spatial as js
    from jilin_spatial import datasets
    from libpysal.weights import Queen

    pref = datasets.load_boundaries("prefecture")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = Queen.from_dataframe(pref, use_index=False)
    B = np.asarray(q.full()[0])
    W = B / B.sum(1, keepdims=True)
    lq = js.location_quotient(datasets.load_employment("prefecture", years=[2020]), sectors="producer_services")
    y = lq.set_index("adcode")["lq"].reindex(pref.adcode).to_numpy()
    z = y - y.mean()
    assert float(f["prefecture_moran_I"]) == pytest.approx(len(y) / W.sum() * (z @ W @ z) / (z @ z), abs=1e-9)


def check_05(f, out):
    """Top gravity tie: R = sqrt(P_i G_i) sqrt(P_j G_j) / D^2 from the shipped masses."""
    from jilin_spatial.jilin import default_masses

    m = default_masses()
    a, b, d = f["from"], f["to"], float(f["distance"])
    expected = math.sqrt(m.loc[a, "P"] * m.loc[a, "G"]) * math.sqrt(m.loc[b, "P"] * m.loc[b, "G"]) / d ** 2
    assert float(f["R"]) == pytest.approx(expected, rel=1e-9)
    assert {a, b} == {"220100", "220200"} and d == 111.0  # Changchun-Jilin, 111 rail km (shipped matrix)


def check_06(f, out):
    html = out / "map.html"
    assert html.stat().st_size == int(f["map_bytes"]) and int(f["map_layers"]) == 4
    text = html.read_text(encoding="utf-8")
    assert "LQ producer services" in text and "cdn." not in text.lower()  # offline: nothing from a CDN


def check_07(f, out):
    # one endogenous regressor: the Kleibergen-Paap rk Wald F equals the robust first-stage F
    assert f["sample"] == "all"
    assert float(f["kp_rk_wald_F"]) == pytest.approx(float(f["first_stage_F"]), rel=1e-7)
    assert float(f["first_stage_F"]) > 0


def check_08(f, out):
    """Shenyang's high-end producer-service LQ from the census prefecture row and the national row (2020)."""
    import pandas as pd

    from jilin_spatial import datasets

    raw = pd.read_csv(datasets.get_path("china_census_county_2020"), dtype={"census_code": str})
    high = ["I_ict", "J_finance", "M_scires"]
    p = raw[(raw.row_kind == "prefecture_total") & (raw.census_code == "210100")].iloc[0]
    n = raw[raw.row_kind == "national_total"].iloc[0]
    want = (p[high].sum() / p.TOTAL) / (n[high].sum() / n.TOTAL)
    assert float(f["shenyang_high_2020"]) == pytest.approx(want, rel=1e-9)
    assert 0.3 < float(f["east_high_mean_2020"]) < 3


def check_10(f, out):
    """The plugin zip the example wrote, its metadata, the algorithm ids, and every algorithm run when QGIS is there."""
    import zipfile

    from jilin_spatial.qgis_zip import ALGORITHM_IDS

    z = out / "qgis" / f["zip"]
    assert z.stat().st_size == int(f["zip_bytes"]) and f["qgis_min"] == "3.22"
    with zipfile.ZipFile(z) as zf:
        meta = zf.read("jilin_spatial_qgis/metadata.txt").decode("utf-8")
    assert "qgisMinimumVersion=3.22" in meta and "hasProcessingProvider=yes" in meta
    assert ["jilinspatial:" + a for a in f["algorithms"].split(",")] == list(ALGORITHM_IDS)
    has_qgis = subprocess.run([sys.executable, "-c", "import qgis.core"], capture_output=True,
                              env=dict(os.environ, QT_QPA_PLATFORM="offscreen")).returncode == 0
    assert int(f["ran"]) == (len(ALGORITHM_IDS) if has_qgis else 0)


def check_09(f, out):
    # SYNTHETIC panel, one capital-labour ratio per group: the Malmquist TFP level is the built-in A_it / A_i0
    assert int(f["tables"]) == 3  # Tables 1-3 in the paper's layout
    assert float(f["tfp_max_abs_log_error"]) < 1e-9
    assert int(f["n_obs"]) == 24 * (10 - 2)  # two years lost to the lag instruments
    assert (out / "tfp_study_out" / "tables" / "estimates_long.csv").is_file()


CHECKS = {p.name: globals()[f"check_{p.name[:2]}"] for p in EXAMPLES}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_and_prints_a_right_value(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", JILIN_SPATIAL_EXAMPLE_OUT=str(tmp_path))
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("check:")]
    assert len(lines) == 1, "each example prints one 'check:' line"
    CHECKS[script.name](_fields(lines[0]), tmp_path)


def test_every_example_has_a_check():
    assert len(EXAMPLES) >= 7 and all(p.name[:2].isdigit() for p in EXAMPLES)
