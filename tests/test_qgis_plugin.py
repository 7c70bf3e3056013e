"""The QGIS plugin: its zip (always tested) and, where QGIS's Python is available, every algorithm run headless
with ``processing.run`` on the embedded Jilin layers and compared with the package's Python results.

QGIS tests need ``qgis.core`` importable together with this package: on Debian, a venv made by
``/usr/bin/python3 -m venv --system-site-packages`` with the package pip-installed (``.ci/run`` does this).
They skip elsewhere, unless ``JILIN_SPATIAL_REQUIRE_QGIS=1`` (CI), where a missing QGIS is a failure.
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jilin_spatial import cli
from jilin_spatial.qgis_zip import ALGORITHM_IDS, PLUGIN_FOLDER, build_plugin_zip, plugin_dir, plugin_metadata

REPO_PLUGIN = Path(__file__).resolve().parent.parent / "qgis_plugin"

try:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qgis.core  # noqa: F401
    QGIS_ERROR = None
except ImportError as exc:  # pragma: no cover - depends on the machine
    QGIS_ERROR = exc

needs_qgis = pytest.mark.skipif(
    QGIS_ERROR is not None and os.environ.get("JILIN_SPATIAL_REQUIRE_QGIS") != "1",
    reason=f"QGIS's Python (qgis.core) is not importable here ({QGIS_ERROR}); install qgis + python3-qgis and run "
           "from a venv made with /usr/bin/python3 -m venv --system-site-packages (see docs/qgis.md)")


# ------------------------------------------------------------------------------------- without QGIS

def test_zip_holds_one_plugin_folder_with_metadata_icon_and_licence(tmp_path):
    path = build_plugin_zip(tmp_path)
    assert path.name == "jilin_spatial_qgis-0.1.0.zip"
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert {n.split("/")[0] for n in names} == {PLUGIN_FOLDER}
        need = {f"{PLUGIN_FOLDER}/{n}" for n in ("__init__.py", "metadata.txt", "icon.svg", "LICENSE", "plugin.py",
                                                 "provider.py", "algorithms.py", "bridge.py")}
        assert need <= set(names), need - set(names)
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        cp = configparser.ConfigParser()
        cp.read_string(z.read(f"{PLUGIN_FOLDER}/metadata.txt").decode("utf-8"))
        lic = z.read(f"{PLUGIN_FOLDER}/LICENSE").decode("utf-8")
        init = z.read(f"{PLUGIN_FOLDER}/__init__.py").decode("utf-8")
        algs = z.read(f"{PLUGIN_FOLDER}/algorithms.py").decode("utf-8")
    g = cp["general"]
    # what QGIS's plugin manager requires, and 3.22 LTR as the minimum
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository"):
        assert g.get(key), key
    assert g["qgisMinimumVersion"] == "3.22" and g["hasProcessingProvider"] == "yes"
    assert g["icon"] == "icon.svg" and g["version"] == __import__("jilin_spatial").__version__
    assert lic == (Path(__file__).resolve().parent.parent / "LICENSE").read_text(encoding="utf-8")
    assert "def classFactory(iface)" in init and "import qgis" not in init.split("def classFactory")[0]
    for alg in ALGORITHM_IDS:  # every listed id has its algorithm class
        assert f'NAME = "{alg.split(":")[1]}"' in algs


def test_zip_refuses_to_overwrite_without_force(tmp_path):
    from jilin_spatial.errors import OutputExistsError

    first = build_plugin_zip(tmp_path)
    with pytest.raises(OutputExistsError, match="--force"):
        build_plugin_zip(tmp_path)
    assert build_plugin_zip(tmp_path, force=True) == first


def test_cli_qgis_plugin_writes_the_zip(tmp_path, capsys):
    assert cli.main(["qgis-plugin", "--out", str(tmp_path / "dist")]) == 0
    out = capsys.readouterr().out
    z = tmp_path / "dist" / "jilin_spatial_qgis-0.1.0.zip"
    assert z.exists() and f"({z.stat().st_size} bytes)" in out and "jilinspatial:autocorrelation" in out
    assert cli.main(["qgis-plugin", "--out", str(tmp_path / "dist")]) == 2  # exists: one-line error, status 2


def test_packaged_plugin_files_are_the_repository_files():
    """``jilin-spatial qgis-plugin`` ships what is in qgis_plugin/ (editable or wheel install alike)."""
    repo = REPO_PLUGIN / PLUGIN_FOLDER
    want = sorted(p.relative_to(repo) for p in repo.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    got = sorted(p.relative_to(plugin_dir()) for p in plugin_dir().rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts)
    assert got == want and len(want) == 8
    assert all((plugin_dir() / p).read_bytes() == (repo / p).read_bytes() for p in want)
    assert plugin_metadata()["name"] == "Jilin Spatial"


def test_missing_package_message_says_how_to_install():
    sys.path.insert(0, str(REPO_PLUGIN))
    try:
        import jilin_spatial_qgis as plug
    finally:
        sys.path.remove(str(REPO_PLUGIN))
    msg = plug.MISSING_PACKAGE.format(error="No module named 'jilin_spatial'")
    assert "pip install jilin_spatial" in msg and "OSGeo4W" in msg and "--system-site-packages" in msg
    assert plug.package_error() is None  # here the package imports


# ------------------------------------------------------------------------------------- with QGIS

@pytest.fixture(scope="module")
def qgis_app():
    if QGIS_ERROR is not None:
        pytest.fail(f"JILIN_SPATIAL_REQUIRE_QGIS=1 but qgis.core does not import: {QGIS_ERROR}")
    from qgis.core import QgsApplication

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app = QgsApplication.instance()
        if app is None:
            QgsApplication.setPrefixPath("/usr", True)
            app = QgsApplication([], False)
            app.initQgis()
        sys.path.append(_processing_plugins())
        from processing.core.Processing import Processing

        Processing.initialize()
        sys.path.insert(0, str(REPO_PLUGIN))
        from jilin_spatial_qgis.provider import JilinSpatialProvider

    provider = JilinSpatialProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    yield app
    QgsApplication.processingRegistry().removeProvider(provider)


def _processing_plugins():
    from qgis.core import QgsApplication

    return os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")


def _run(alg, params):
    import processing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return processing.run(alg, {**params, "OUTPUT": "TEMPORARY_OUTPUT"})


def _frame(layer):
    """Attributes of a QGIS layer as a DataFrame (NULL -> None)."""
    from qgis.PyQt.QtCore import QVariant

    names = [f.name() for f in layer.fields()]
    rows = [[None if isinstance(v, QVariant) and v.isNull() else v for v in f.attributes()]
            for f in layer.getFeatures()]
    return pd.DataFrame(rows, columns=names)


@pytest.fixture(scope="module")
def jilin(tmp_path_factory):
    """The embedded Jilin layers as files an analyst would open."""
    import jilin_spatial as js
    from jilin_spatial import datasets
    from jilin_spatial.jilin import default_masses

    d = tmp_path_factory.mktemp("jilin_layers")
    pref = datasets.load_boundaries("prefecture")
    pref.to_file(d / "prefectures.gpkg", driver="GPKG")
    cty = datasets.load_boundaries("county")
    clq = js.location_quotient(datasets.load_employment("county", years=[2020]), sectors="producer_services")
    cty["lq_ps"] = cty.adcode.map(clq.set_index("adcode")["lq"])
    cty.to_file(d / "counties.gpkg", driver="GPKG")
    emp = datasets.load_employment("prefecture")[["adcode", "sector", "year", "value"]]
    emp.to_csv(d / "employment.csv", index=False)
    region = js.Region.jilin("prefecture")
    region.indicators.drop(columns=["boundaries"], errors="ignore").to_csv(d / "indicators.csv", index=False)
    seats = datasets.load_seats()
    seats = seats[seats.adcode.isin(pref.adcode)].copy()
    m = default_masses()
    seats["P"], seats["G"] = seats.adcode.map(m["P"]), seats.adcode.map(m["G"])
    seats[["adcode", "name_en", "P", "G", "geometry"]].to_file(d / "seats.gpkg", driver="GPKG")
    rm = datasets.load_rail_matrix()
    rm[["from_adcode", "to_adcode", "rail_km_shortest"]].to_csv(d / "rail_km.csv", index=False)
    e = datasets.load_rail_edges()
    links = (e.assign(**{"from": e.from_code.astype(str), "to": e.to_code.astype(str), "mode": e.line_mode})
             .query("`from` != `to`").groupby(["from", "to", "mode"], as_index=False)["rail_km"].min())
    links.to_csv(d / "links.csv", index=False)
    return d


def _csv(path):
    from qgis.core import QgsVectorLayer

    lyr = QgsVectorLayer(f"file://{path}?delimiter=,&detectTypes=yes&geomType=none", Path(path).stem,
                         "delimitedtext")
    assert lyr.isValid(), path
    return lyr


EMP = dict(POLYGON_ID="adcode", TABLE_ID="adcode", FORM=0)


@needs_qgis
def test_registry_lists_every_algorithm(qgis_app):
    from qgis.core import QgsApplication

    got = sorted(a.id() for a in QgsApplication.processingRegistry().providerById("jilinspatial").algorithms())
    assert got == sorted(ALGORITHM_IDS)
    alg = QgsApplication.processingRegistry().algorithmById("jilinspatial:autocorrelation")
    assert "GeoDa" in alg.shortHelpString() and "空间自相关" in alg.shortHelpString()


@needs_qgis
def test_location_quotients_match_the_python_api(qgis_app, jilin):
    import jilin_spatial as js
    from jilin_spatial import datasets

    res = _run("jilinspatial:locationquotients",
               {"POLYGONS": str(jilin / "prefectures.gpkg"), "TABLE": _csv(jilin / "employment.csv"), **EMP})
    df = _frame(res["OUTPUT"]).set_index("adcode")
    assert res["OUTPUT"].featureCount() == 9
    lq = js.location_quotient(datasets.load_employment("prefecture"), sectors=["manufacturing", "producer_services",
                                                                               "C_manuf"])
    for r in lq.itertuples():
        np.testing.assert_allclose(df.loc[r.adcode, f"lq_{r.sector}_{r.year}"], r.lq, rtol=1e-12)
        assert (df.loc[r.adcode, f"mask_{r.sector}_{r.year}"] or "") == r.mask_reason
    # stage from the 2010 -> 2020 agglomeration index and the 2020 LQ
    a = js.agglomeration_index(datasets.load_employment("prefecture"), start=2010, end=2020,
                               sectors="producer_services")
    a["stage"] = js.advantage_stage(a["adcode"].map(lq.query("year == 2020 and sector == 'producer_services'")
                                                     .set_index("adcode")["lq"]), a["A"])["stage_en"]
    assert df.loc[a.adcode, "stage_producer_services"].tolist() == a["stage"].tolist()


@needs_qgis
def test_package_error_reaches_the_user_as_a_processing_exception(qgis_app, jilin):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="id_col"):
        _run("jilinspatial:locationquotients", {"POLYGONS": str(jilin / "prefectures.gpkg"),
                                                "TABLE": _csv(jilin / "employment.csv"), **EMP, "TABLE_ID": "year",
                                                "FORM": 1})


@needs_qgis
def test_coagglomeration_and_similarity_tables_match(qgis_app, jilin):
    import jilin_spatial as js
    from jilin_spatial import datasets
    from jilin_spatial.concentration import coagglomeration_table

    emp = datasets.load_employment("prefecture")
    params = {"POLYGONS": str(jilin / "prefectures.gpkg"), "TABLE": _csv(jilin / "employment.csv"), **EMP}
    co = _frame(_run("jilinspatial:coagglomeration", params)["OUTPUT"])
    ref = coagglomeration_table(js.location_quotient(emp, sectors=["manufacturing", "producer_services"]))
    assert len(co) == 18
    np.testing.assert_allclose(co["CA"].astype(float), ref["CA"], rtol=1e-12)
    # CA by hand for the first row
    r = co.iloc[0]
    assert r.CA == pytest.approx(1 - abs(r.lq_manufacturing - r.lq_producer_services)
                                 / (r.lq_manufacturing + r.lq_producer_services), rel=1e-12)
    sim = _frame(_run("jilinspatial:similarity", {**params, "SECTORS": 1})["OUTPUT"])
    want = js.similarity_coefficient(emp, sectors="non_agricultural")
    assert len(sim) == len(want) == 18 * 18
    np.testing.assert_allclose(sim["S"].astype(float), want["S"], rtol=1e-12)
    np.testing.assert_allclose(sim["krugman"].astype(float), want["krugman"], rtol=1e-12)


@needs_qgis
def test_coupling_coordination_matches(qgis_app, jilin):
    import jilin_spatial as js
    from jilin_spatial import datasets

    out = _frame(_run("jilinspatial:couplingcoordination", {"INPUT": _csv(jilin / "indicators.csv")})["OUTPUT"])
    ind = js.Region.jilin("prefecture").indicators
    want, _ = js.coupling_from_indicators(ind, pd.read_csv(datasets.get_path("coupling_system_default")))
    for c in ("C", "T", "D"):
        np.testing.assert_allclose(out[c].astype(float), want[c], rtol=1e-10)
    assert out["class_en"].tolist() == want["class_en"].tolist()
    np.testing.assert_allclose(out["D"].astype(float), np.sqrt(out["C"].astype(float) * out["T"].astype(float)),
                               rtol=1e-12)


@needs_qgis
def test_autocorrelation_lisa_layer_matches_and_logs_global_moran(qgis_app, jilin):
    import jilin_spatial as js
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback
    import processing

    class Log(QgsProcessingFeedback):
        lines: list = []

        def pushInfo(self, info):  # noqa: N802
            self.lines.append(info)

    fb = Log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        res = processing.run("jilinspatial:autocorrelation",
                             {"INPUT": str(jilin / "counties.gpkg"), "ID_FIELD": "adcode", "FIELD": "lq_ps",
                              "WEIGHTS": 0, "PERMUTATIONS": 999, "SEED": 7, "OUTPUT": "TEMPORARY_OUTPUT"},
                             feedback=fb, context=QgsProcessingContext())
    df = _frame(res["OUTPUT"]).set_index("adcode")
    import geopandas as gpd

    cty = gpd.read_file(jilin / "counties.gpkg")
    v = pd.Series(cty["lq_ps"].to_numpy(), index=cty.adcode.astype(str), name="lq_ps")
    v.index.name = "adcode"
    w = js.spatial_weights(cty, kind="queen")
    lm = js.local_moran(v, w, permutations=999, seed=7).to_frame().set_index("adcode")
    gi = js.local_getis_ord(v, w, permutations=999, seed=7).to_frame().set_index("adcode")
    g = js.moran(v, w, permutations=999, seed=7)
    np.testing.assert_allclose(df.loc[lm.index, "Is"].astype(float), lm["Is"], rtol=1e-12)
    np.testing.assert_allclose(df.loc[lm.index, "p_sim"].astype(float), lm["p_sim"], rtol=1e-12)
    assert df.loc[lm.index, "lisa_lq_ps"].tolist() == lm["cluster"].tolist()
    assert df.loc[gi.index, "gi_star_lq_ps"].tolist() == gi["cluster"].tolist()
    assert set(df["lisa_lq_ps"]) <= {"HH", "LL", "LH", "HL", "ns"} and (df["lisa_lq_ps"] != "ns").any()
    log = [ln for ln in fb.lines if ln.startswith("Global Moran's I")]
    assert log and f"= {g.I:.6f}" in log[0]
    # Moran's I by hand on the row-standardised queen matrix
    W = np.asarray(w.to_W().full()[0])
    z = v.reindex(w.ids).to_numpy() - v.mean()
    assert g.I == pytest.approx(len(z) / W.sum() * (z @ W @ z) / (z @ z), rel=1e-9)


@needs_qgis
def test_lisa_output_gets_geoda_colours_when_loaded(qgis_app, jilin):
    from qgis.core import QgsProject
    import processing
    from jilin_spatial.layers import LISA_COLORS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        res = processing.runAndLoadResults(
            "jilinspatial:autocorrelation", {"INPUT": str(jilin / "counties.gpkg"), "ID_FIELD": "adcode",
                                             "FIELD": "lq_ps", "PERMUTATIONS": 99, "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = QgsProject.instance().mapLayer(res["OUTPUT"])
    r = layer.renderer()
    assert r.type() == "categorizedSymbol" and r.classAttribute() == "lisa_lq_ps"
    assert {c.value(): c.symbol().color().name() for c in r.categories()} == dict(LISA_COLORS)
    QgsProject.instance().removeMapLayer(layer.id())


@needs_qgis
def test_gravity_ties_lines_match(qgis_app, jilin):
    import jilin_spatial as js
    from jilin_spatial import datasets
    from jilin_spatial.jilin import default_masses

    res = _run("jilinspatial:gravityties",
               {"SEATS": str(jilin / "seats.gpkg"), "SEAT_ID": "adcode", "MASS_FIELD": "P", "MASS_FIELD_2": "G",
                "DISTANCES": _csv(jilin / "rail_km.csv"), "FROM_FIELD": "from_adcode", "TO_FIELD": "to_adcode",
                "DISTANCE_FIELD": "rail_km_shortest", "B": 2})
    lyr = res["OUTPUT"]
    assert lyr.featureCount() == 72 and lyr.geometryType() == 1  # line layer, 9 * 8 ordered pairs
    df = _frame(lyr).set_index(["from", "to"])
    m = default_masses()
    D = js.pair_matrix(datasets.load_rail_matrix(), "rail_km_shortest", a="from_adcode", b="to_adcode")
    want = js.gravity_ties(m[["P", "G"]], D, b=2).set_index(["from", "to"])
    np.testing.assert_allclose(df.loc[want.index, "R"].astype(float), want["R"], rtol=1e-12)
    a, b = "220100", "220200"  # by hand: sqrt(P G) sqrt(P G) / d^2
    assert df.loc[(a, b), "R"] == pytest.approx(np.sqrt(m.P[a] * m.G[a] * m.P[b] * m.G[b]) / D.loc[a, b] ** 2,
                                                rel=1e-12)


@needs_qgis
def test_economic_circles_with_a_scenario_match(qgis_app, jilin):
    import geopandas as gpd
    import jilin_spatial as js

    pop = {"POPULATION_FIELD": "pop"}
    pref = gpd.read_file(jilin / "prefectures.gpkg")
    pref["pop"] = np.arange(1, 10) * 1e6
    pref.to_file(jilin / "pref_pop.gpkg", driver="GPKG")
    scen = jilin / "scenario.csv"
    pd.DataFrame({"from": ["220100"], "to": ["220800"], "rail_km": [300.0], "mode": ["high-speed"],
                  "speed_kph": [250.0]}).to_csv(scen, index=False)
    params = {"UNITS": str(jilin / "pref_pop.gpkg"), "UNIT_ID": "adcode", "NAME_FIELD": "name_en",
              "SEATS": str(jilin / "seats.gpkg"), "SEAT_ID": "adcode", "LINKS": _csv(jilin / "links.csv"),
              "CENTRES": "Changchun", "MINUTES": "60,120", **pop, "SCENARIO": _csv(scen)}
    df = _frame(_run("jilinspatial:economiccircles", params)["OUTPUT"]).set_index("adcode")
    # the same calls in Python
    seats = gpd.read_file(jilin / "seats.gpkg")
    units = pref[["adcode", "name_en", "geometry"]].assign(name_zh=pref.name_en)
    region = js.Region(name="p", level="unit", units=units,
                       employment=pd.DataFrame(columns=["adcode", "sector", "year", "value"]),
                       seats=pd.DataFrame({"adcode": seats.adcode, "lon": seats.geometry.x, "lat": seats.geometry.y}),
                       rail_edges=pd.read_csv(jilin / "links.csv", dtype={"from": str, "to": str}))
    G = region.build_graph(access_min=15.0)
    cu = region.units.assign(population=pref["pop"].to_numpy(), employment=np.nan)
    res = js.run_scenario(G, pd.read_csv(scen, dtype={"from": str, "to": str}), units=cu, centres=["Changchun"],
                          minutes=(60, 120), masses=pd.DataFrame({"P": cu.population.to_numpy(),
                                                                  "G": cu.population.to_numpy()}, index=cu.adcode))
    for label, r in (("", res["after"]), ("before_", res["before"])):
        t = r.times.set_index("adcode")["travel_min"]
        np.testing.assert_allclose(df.loc[t.index, f"min_{label}Changchun"].astype(float), t, rtol=1e-12)
        for mm in (60, 120):
            ins = r.membership.query("minutes == @mm").set_index("adcode")["inside"]
            assert df.loc[ins.index, f"in_{label}Changchun_{mm}"].astype(bool).tolist() == ins.tolist()
            np.testing.assert_array_equal(ins.to_numpy(), (t.reindex(ins.index) <= mm).to_numpy())
    assert df.loc["220100", "min_Changchun"] == 0 or df.loc["220100", "min_Changchun"] < 60
    # the new Changchun - Baicheng link makes Baicheng nearer
    assert df.loc["220800", "min_Changchun"] < df.loc["220800", "min_before_Changchun"]


@needs_qgis
def test_zip_installs_into_a_clean_profile_and_registers_the_algorithms(qgis_app, tmp_path):
    """A fresh QGIS process with an empty profile: unzip as "Install from ZIP" does, load the plugin from there."""
    z = build_plugin_zip(tmp_path / "dist")
    profile = tmp_path / "profile"
    script = textwrap.dedent(f"""
        import os, sys, zipfile
        from qgis.core import QgsApplication
        QgsApplication.setPrefixPath("/usr", True)
        app = QgsApplication([], False, {str(profile)!r})
        app.initQgis()
        plugins = os.path.join(QgsApplication.qgisSettingsDirPath(), "python", "plugins")
        os.makedirs(plugins, exist_ok=True)
        assert os.listdir(plugins) == [], "profile not clean"
        zipfile.ZipFile({str(z)!r}).extractall(plugins)
        sys.path.append(os.path.join(QgsApplication.pkgDataPath(), "python", "plugins"))
        from processing.core.Processing import Processing
        Processing.initialize()
        import qgis.utils
        sys.path.insert(0, plugins)
        qgis.utils.plugin_paths = [plugins]
        qgis.utils.updateAvailablePlugins()
        assert "{PLUGIN_FOLDER}" in qgis.utils.available_plugins, qgis.utils.available_plugins
        assert qgis.utils.loadPlugin("{PLUGIN_FOLDER}") and qgis.utils.startProcessingPlugin("{PLUGIN_FOLDER}")
        mod = sys.modules["{PLUGIN_FOLDER}"]
        print("loaded from", os.path.dirname(mod.__file__))
        reg = QgsApplication.processingRegistry()
        for a in sorted(reg.providerById("jilinspatial").algorithms(), key=lambda a: a.id()):
            print("ALG", a.id(), "|", a.displayName())
        app.exitQgis()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"loaded from {profile}" in r.stdout.replace(str(profile.resolve()), str(profile))
    got = sorted(ln.split()[1] for ln in r.stdout.splitlines() if ln.startswith("ALG "))
    assert got == sorted(ALGORITHM_IDS)


@needs_qgis
def test_cancel_stops_the_run_and_progress_is_reported(qgis_app, jilin):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback
    import processing

    seen = []
    fb = QgsProcessingFeedback()
    fb.progressChanged.connect(lambda p: (seen.append(p), fb.cancel() if p >= 25 else None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        res = processing.run("jilinspatial:autocorrelation",
                             {"INPUT": str(jilin / "counties.gpkg"), "ID_FIELD": "adcode", "FIELD": "lq_ps",
                              "PERMUTATIONS": 99, "OUTPUT": "TEMPORARY_OUTPUT"}, feedback=fb,
                             context=QgsProcessingContext())
    assert fb.isCanceled() and seen[:3] == [5, 15, 25] and max(seen) < 40  # stopped before the local statistics
    assert "OUTPUT" not in res or res["OUTPUT"] is None
