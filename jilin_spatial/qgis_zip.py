"""Build the installable QGIS plugin zip (``jilin-spatial qgis-plugin --out DIR``).

The plugin's files ship inside this package as ``jilin_spatial.qgis_plugin``
(source: ``qgis_plugin/jilin_spatial_qgis/`` in the repository).  The zip holds
one folder, ``jilin_spatial_qgis/``, with ``__init__.py``, ``metadata.txt``, the
icon and the licence, which is what QGIS's *Install from ZIP* expects.
"""

from __future__ import annotations

import configparser
import importlib.util
import zipfile
from pathlib import Path

from ._errors import InputError

__all__ = ["plugin_dir", "plugin_metadata", "build_plugin_zip", "PLUGIN_FOLDER", "ALGORITHM_IDS"]

#: the folder name inside the zip (the plugin's Python package in QGIS)
PLUGIN_FOLDER = "jilin_spatial_qgis"
#: Processing ids of the provider's algorithms, in the Toolbox's order
ALGORITHM_IDS = tuple(f"jilinspatial:{n}" for n in ("locationquotients", "coagglomeration", "similarity",
                                                     "couplingcoordination", "autocorrelation", "gravityties",
                                                     "economiccircles"))
_SKIP_SUFFIXES = (".pyc", ".pyo")


def plugin_dir() -> Path:
    """The folder of the plugin's files (found without importing the plugin, which needs QGIS)."""
    spec = importlib.util.find_spec("jilin_spatial.qgis_plugin")
    if spec is None or not spec.submodule_search_locations:
        checkout = Path(__file__).resolve().parent.parent / "qgis_plugin" / "jilin_spatial_qgis"
        if (checkout / "metadata.txt").is_file():  # running from a source checkout (as datasets does for boundaries)
            return checkout
        raise InputError("jilin_spatial.qgis_plugin", "the plugin files installed with the package", "not found",
                         "reinstall jilin_spatial (pip install --force-reinstall jilin_spatial)")
    return Path(list(spec.submodule_search_locations)[0])


def plugin_metadata() -> dict:
    """The ``[general]`` section of the plugin's ``metadata.txt``.

    Examples
    --------
    >>> m = plugin_metadata()
    >>> m["name"], m["qgisminimumversion"], m["hasprocessingprovider"]
    ('Jilin Spatial', '3.22', 'yes')
    """
    cp = configparser.ConfigParser()
    cp.read(plugin_dir() / "metadata.txt", encoding="utf-8")
    return dict(cp["general"])


def _files(root: Path):
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in _SKIP_SUFFIXES:
            yield p


def build_plugin_zip(out, *, force: bool = False) -> Path:
    """Write ``jilin_spatial_qgis-<version>.zip`` into the folder ``out`` and return its path.

    Parameters
    ----------
    out : str or Path
        Output folder (created if missing).
    force : bool
        Replace an existing zip of the same name.

    Raises
    ------
    OutputExistsError
        The zip exists and ``force`` is False.
    """
    from .errors import OutputExistsError

    root = plugin_dir()
    meta = plugin_metadata()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("out", "a folder", f"a file {str(out)!r}", "pass a folder, e.g. --out dist")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{PLUGIN_FOLDER}-{meta['version']}.zip"
    if target.exists() and not force:
        raise OutputExistsError("out", "a folder without this plugin zip", str(target), "pass --force to replace it")
    tmp = target.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in _files(root):
            z.write(p, f"{PLUGIN_FOLDER}/{p.relative_to(root).as_posix()}")
    tmp.replace(target)
    return target
