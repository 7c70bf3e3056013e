"""Jilin Spatial: a QGIS Processing provider over the ``jilin_spatial`` package.

This file imports nothing from QGIS so that the package can read the plugin's
files (``jilin-spatial qgis-plugin --out DIR``) where QGIS is not installed.
"""

#: Shown in QGIS (message bar and log) and raised by every algorithm when the package is missing.
MISSING_PACKAGE = (
    "Jilin Spatial: the Python package 'jilin_spatial' is not importable from QGIS's Python ({error}). "
    "Install it into the interpreter QGIS uses: Debian/Ubuntu: /usr/bin/python3 -m pip install jilin_spatial "
    "(or a venv made with --system-site-packages); Windows: the OSGeo4W Shell, python -m pip install "
    "jilin_spatial; macOS: /Applications/QGIS.app/Contents/MacOS/bin/python3 -m pip install jilin_spatial. "
    "See docs/qgis.md. / 未找到 jilin_spatial：请在 QGIS 使用的 Python 中 pip install jilin_spatial。"
)


def package_error():
    """The reason the package cannot be imported, or None when it can."""
    try:
        import jilin_spatial  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installation
        return str(exc) or type(exc).__name__
    return None


def classFactory(iface):  # noqa: N802 - QGIS's name
    """QGIS entry point."""
    from .plugin import JilinSpatialPlugin

    return JilinSpatialPlugin(iface)
