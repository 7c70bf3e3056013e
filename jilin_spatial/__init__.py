"""jilin_spatial: spatial analysis of regional economies, Jilin Province by default.

Data -> metrics -> layers -> renderers -> report -> CLI.  The public surface is
re-exported here lazily, so ``import jilin_spatial`` stays light.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "datasets": ("jilin_spatial.datasets", None),
    "io": ("jilin_spatial.io", None),
    "sectors": ("jilin_spatial.sectors", None),
    "layers": ("jilin_spatial.layers", None),
    "show_versions": ("jilin_spatial._versions", "show_versions"),
    "location_quotient": ("jilin_spatial.concentration", "location_quotient"),
    "agglomeration_index": ("jilin_spatial.concentration", "agglomeration_index"),
    "advantage_stage": ("jilin_spatial.concentration", "advantage_stage"),
    "similarity_coefficient": ("jilin_spatial.concentration", "similarity_coefficient"),
    "coagglomeration": ("jilin_spatial.concentration", "coagglomeration"),
    "spatial_weights": ("jilin_spatial.weights", "spatial_weights"),
    "as_weights": ("jilin_spatial.weights", "as_weights"),
    "fitted_crs": ("jilin_spatial.crs", "fitted_crs"),
    "moran": ("jilin_spatial.autocorrelation", "moran"),
    "geary": ("jilin_spatial.autocorrelation", "geary"),
    "getis_ord": ("jilin_spatial.autocorrelation", "getis_ord"),
    "local_moran": ("jilin_spatial.autocorrelation", "local_moran"),
    "local_getis_ord": ("jilin_spatial.autocorrelation", "local_getis_ord"),
    "rail_graph": ("jilin_spatial.jilin", "rail_graph"),
    "Region": ("jilin_spatial.regions", "Region"),
    "jilin": ("jilin_spatial.jilin", None),
    "regions": ("jilin_spatial.regions", None),
    "circles": ("jilin_spatial.circles", None),
    "network": ("jilin_spatial.network", None),
    "travel_times": ("jilin_spatial.network", "travel_times"),
    "seat_matrix": ("jilin_spatial.network", "seat_matrix"),
    "gravity_ties": ("jilin_spatial.gravity", "gravity_ties"),
    "tie_centrality": ("jilin_spatial.gravity", "tie_centrality"),
    "economic_circles": ("jilin_spatial.circles", "economic_circles"),
    "run_scenario": ("jilin_spatial.circles", "run_scenario"),
    "entropy_weights": ("jilin_spatial.coupling", "entropy_weights"),
    "coupling_coordination": ("jilin_spatial.coupling", "coupling_coordination"),
    "coupling_from_indicators": ("jilin_spatial.coupling", "coupling_from_indicators"),
    "read_indicator_system": ("jilin_spatial.coupling", "read_indicator_system"),
    "errors": ("jilin_spatial.errors", None),
    "figures": ("jilin_spatial.figures", None),
    "webmap": ("jilin_spatial.webmap", None),
    "export": ("jilin_spatial.export", None),
    "report": ("jilin_spatial.report", None),
    "weights": ("jilin_spatial.weights", None),
    "malmquist": ("jilin_spatial.productivity", "malmquist"),
    "capital_stock": ("jilin_spatial.productivity", "capital_stock"),
    "panel_regressions": ("jilin_spatial.econometrics", "panel_regressions"),
    "build_map": ("jilin_spatial.webmap", "build_map"),
    "save_map": ("jilin_spatial.webmap", "save_map"),
    "MapLayer": ("jilin_spatial.webmap", "MapLayer"),
    "choropleth_png": ("jilin_spatial.figures", "choropleth_png"),
    "build_report": ("jilin_spatial.report", "build_report"),
    "ReportOptions": ("jilin_spatial.report", "ReportOptions"),
    "run_lq": ("jilin_spatial.lq_job", "run_lq"),
    "run_circle": ("jilin_spatial.circle_job", "run_circle"),
    "run_tfp": ("jilin_spatial.tfp_job", "run_tfp"),
    "pair_matrix": ("jilin_spatial.network", "pair_matrix"),
    "match_sectors": ("jilin_spatial.sectors", "match_sectors"),
    "write_gpkg_layers": ("jilin_spatial.export", "write_gpkg_layers"),
    "write_csv": ("jilin_spatial.export", "write_csv"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        mod, attr = _LAZY[name]
        m = importlib.import_module(mod)
        return m if attr is None else getattr(m, attr)
    raise AttributeError(f"module 'jilin_spatial' has no attribute {name!r}")


def __dir__():
    return __all__
