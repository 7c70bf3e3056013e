"""``show_versions()`` for bug reports (as geopandas ``tools/_show_versions.py``)."""

from __future__ import annotations

import importlib.metadata as md
import platform
import sys

__all__ = ["show_versions", "versions", "import_optional"]

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


def import_optional(name: str, *, purpose: str, install: str):
    """Import an optional dependency, or raise an ``ImportError`` that says how to install it.

    Only a missing module means "not installed": a :class:`ModuleNotFoundError`
    for ``name`` itself (or a parent package) gets the install hint.  An
    ``ImportError`` raised *inside* an installed package (a missing dependency
    of it, a broken build) is re-raised with that cause named, because
    reinstalling this package would not fix it.  Anything else (``MemoryError``,
    ``KeyboardInterrupt``, a ``SyntaxError`` in a plugin) propagates unchanged.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"openpyxl"``.
    purpose : str
        What needs it, e.g. ``"reading Excel"``.
    install : str
        The install command, e.g. ``"pip install 'jilin_spatial[excel]'"``.

    Examples
    --------
    >>> import_optional("json", purpose="a doctest", install="pip install json").__name__
    'json'
    """
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == name or name.startswith(missing + ".") or not missing:
            raise ImportError(f"{purpose} needs {name}, which is not installed: {install}") from exc
        raise ImportError(f"{purpose} needs {name}; it is installed but cannot import {missing!r} ({exc}). "
                          f"Fix: pip install {missing.split('.')[0]} (or reinstall {name})") from exc
    except ImportError as exc:
        raise ImportError(f"{purpose} needs {name}; it is installed but fails to import ({type(exc).__name__}: {exc}). "
                          f"Fix: reinstall it (pip install --force-reinstall {name})") from exc
