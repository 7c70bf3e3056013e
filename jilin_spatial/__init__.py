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
    "rail_graph": ("jilin_spatial.network", "rail_graph"),
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
