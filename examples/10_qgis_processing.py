"""The QGIS plugin: one processing.run call per algorithm on the embedded Jilin layers.

Run with QGIS's Python (Debian: a venv made by /usr/bin/python3 -m venv --system-site-packages with
jilin_spatial pip-installed; see docs/qgis.md):  QT_QPA_PLATFORM=offscreen python examples/10_qgis_processing.py
Without QGIS it writes the plugin zip, prints the calls it would make and exits 0.
In the QGIS Python console, skip the QgsApplication lines and call processing.run the same way.
"""

import os
import sys
import tempfile
import zipfile
from pathlib import Path

import jilin_spatial as js
from jilin_spatial import datasets
from jilin_spatial.jilin import default_masses
from jilin_spatial.qgis_zip import ALGORITHM_IDS, build_plugin_zip, plugin_metadata

out = Path(os.environ.get("JILIN_SPATIAL_EXAMPLE_OUT", tempfile.mkdtemp())) / "qgis"
out.mkdir(parents=True, exist_ok=True)
zip_path = build_plugin_zip(out, force=True)  # what `jilin-spatial qgis-plugin --out DIR` writes
meta = plugin_metadata()

# the embedded layers as files an analyst would open in QGIS
pref = datasets.load_boundaries("prefecture")
pref.to_file(out / "prefectures.gpkg", driver="GPKG")
cty = datasets.load_boundaries("county")
clq = js.location_quotient(datasets.load_employment("county", years=[2020]), sectors="producer_services")
cty["lq_ps"] = cty.adcode.map(clq.set_index("adcode")["lq"])
cty.to_file(out / "counties.gpkg", driver="GPKG")
datasets.load_employment("prefecture")[["adcode", "sector", "year", "value"]].to_csv(out / "employment.csv",
                                                                                      index=False)
js.Region.jilin("prefecture").indicators.drop(columns=["boundaries"]).to_csv(out / "indicators.csv", index=False)
seats = datasets.load_seats()
seats = seats[seats.adcode.isin(pref.adcode)].copy()
seats["P"], seats["G"] = seats.adcode.map(default_masses()["P"]), seats.adcode.map(default_masses()["G"])
seats[["adcode", "name_en", "P", "G", "geometry"]].to_file(out / "seats.gpkg", driver="GPKG")
datasets.load_rail_matrix()[["from_adcode", "to_adcode", "rail_km_shortest"]].to_csv(out / "rail_km.csv", index=False)
pd_links = datasets.load_rail_edges()
pd_links = (pd_links.assign(**{"from": pd_links.from_code.astype(str), "to": pd_links.to_code.astype(str),
                               "mode": pd_links.line_mode}).query("`from` != `to`")
            .groupby(["from", "to", "mode"], as_index=False)["rail_km"].min())
pd_links.to_csv(out / "links.csv", index=False)
(out / "scenario.csv").write_text("from,to,rail_km,mode,speed_kph\n220100,220800,300,high-speed,250\n")


def csv(name):
    """A CSV as QGIS reads it with typed fields (Layer > Add Delimited Text Layer)."""
    return f"file://{out / name}?delimiter=,&detectTypes=yes&geomType=none"


employment = {"POLYGONS": str(out / "prefectures.gpkg"), "POLYGON_ID": "adcode", "TABLE": "employment.csv",
              "TABLE_ID": "adcode", "FORM": 0}  # FORM 0 = long (id, sector, year, value)
CALLS = {
    "jilinspatial:locationquotients": {**employment, "REFERENCE": 0, "DENOMINATOR": 0},
    "jilinspatial:coagglomeration": employment,
    "jilinspatial:similarity": {**employment, "SECTORS": 1},  # non-agricultural sections
    "jilinspatial:couplingcoordination": {"INPUT": "indicators.csv", "SCALING": 0},
    "jilinspatial:autocorrelation": {"INPUT": str(out / "counties.gpkg"), "ID_FIELD": "adcode", "FIELD": "lq_ps",
                                     "WEIGHTS": 0, "PERMUTATIONS": 999, "SEED": 12345},
    "jilinspatial:gravityties": {"SEATS": str(out / "seats.gpkg"), "SEAT_ID": "adcode", "MASS_FIELD": "P",
                                 "MASS_FIELD_2": "G", "DISTANCES": "rail_km.csv", "FROM_FIELD": "from_adcode",
                                 "TO_FIELD": "to_adcode", "DISTANCE_FIELD": "rail_km_shortest", "B": 2},
    "jilinspatial:economiccircles": {"UNITS": str(out / "prefectures.gpkg"), "UNIT_ID": "adcode",
                                     "NAME_FIELD": "name_en", "SEATS": str(out / "seats.gpkg"), "SEAT_ID": "adcode",
                                     "LINKS": "links.csv", "CENTRES": "Changchun", "MINUTES": "60,120"},
}
assert list(CALLS) == list(ALGORITHM_IDS)

try:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication, QgsVectorLayer
except ImportError as exc:
    print(f"QGIS's Python is not available ({exc}); the calls this example makes with QGIS:")
    for alg, params in CALLS.items():
        print(f"  processing.run({alg!r}, {params!r} + OUTPUT)")
    ran = 0
else:
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append(os.path.join(QgsApplication.pkgDataPath(), "python", "plugins"))
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    # load the plugin from its zip, as QGIS's "Install from ZIP" does
    plugins = out / "plugins"
    zipfile.ZipFile(zip_path).extractall(plugins)
    sys.path.insert(0, str(plugins))
    from jilin_spatial_qgis.provider import JilinSpatialProvider

    provider = JilinSpatialProvider()  # keep a reference: the registry does not own a Python provider
    QgsApplication.processingRegistry().addProvider(provider)
    ran = 0
    for alg, params in CALLS.items():
        params = {k: (QgsVectorLayer(csv(v), v, "delimitedtext") if str(v).endswith(".csv") else v)
                  for k, v in params.items()}
        res = processing.run(alg, {**params, "OUTPUT": "TEMPORARY_OUTPUT"})
        lyr = res["OUTPUT"]
        print(f"{alg}: {lyr.featureCount()} features, fields {[f.name() for f in lyr.fields()][:8]} ...")
        ran += 1
    app.exitQgis()

print(f"check: zip={zip_path.name} zip_bytes={zip_path.stat().st_size} qgis_min={meta['qgisminimumversion']} "
      f"algorithms={','.join(a.split(':')[1] for a in ALGORITHM_IDS)} ran={ran}")
