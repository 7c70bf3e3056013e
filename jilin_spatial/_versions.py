"""``show_versions()`` for bug reports (as geopandas ``tools/_show_versions.py``)."""

from __future__ import annotations

import importlib.metadata as md
import platform
import sys

__all__ = ["show_versions", "versions"]

_DEPS = ["jilin_spatial", "geopandas", "shapely", "pyogrio", "pyproj", "libpysal", "esda", "networkx",
         "pandas", "numpy", "folium", "mapclassify", "scipy", "matplotlib", "linearmodels"]


def versions() -> dict:
    """Return a dict of Python, platform and dependency versions."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for d in _DEPS:
        try:
            out[d] = md.version(d)
        except md.PackageNotFoundError:
            out[d] = None
    return out


def show_versions() -> str:
    """Return the versions as text (the CLI prints it)."""
    return "\n".join(f"{k:>14}: {v}" for k, v in versions().items())
