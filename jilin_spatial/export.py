"""Write GeoPackage layers and CSV tables, whole or not at all.

:class:`OutputDir` stages everything in a temporary sibling folder and moves
it into place only when the whole job succeeded, so a failed run leaves
nothing half-written.  A single file is written with :func:`write_csv` /
:func:`write_gpkg` to a temporary name and renamed atomically.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ._errors import OutputExistsError

__all__ = ["OutputDir", "write_csv", "write_gpkg_layers"]


def write_csv(df, path) -> Path:
    """Write a DataFrame to CSV (UTF-8 with BOM so Excel shows Chinese), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        df.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_gpkg_layers(layers: dict, path) -> Path:
    """Write several GeoDataFrames as layers of one GeoPackage, atomically.

    Every layer is written in EPSG:4326.  Column names are kept as given.
    """
    import pyogrio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".gpkg")
    os.close(fd)
    os.unlink(tmp)
    try:
        for name, gdf in layers.items():
            g = gdf if gdf.crs is not None and gdf.crs.to_epsg() == 4326 else gdf.to_crs("EPSG:4326")
            pyogrio.write_dataframe(g, tmp, layer=name, driver="GPKG", append=os.path.exists(tmp),
                                    promote_to_multi=_mixed(g))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


class OutputDir:
    """Stage a job's outputs and publish them in one move.

    Parameters
    ----------
    target : str or Path
        The final folder.
    force : bool
        Replace a non-empty ``target``.  Without it a non-empty target raises
        :class:`OutputExistsError` before anything runs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with OutputDir(d) as staging:
    ...     _ = (staging / "a.txt").write_text("x")
    >>> (d / "a.txt").read_text()
    'x'
    """

    def __init__(self, target, *, force: bool = False):
        self.target = Path(target)
        self.force = force
        if self.target.exists() and (not self.target.is_dir() or any(self.target.iterdir())) and not force:
            raise OutputExistsError("--out", "an empty or new folder", f"{str(self.target)!r} holds files",
                                    "choose another folder or pass --force (force=True) to replace it")
        self.staging: Path | None = None

    def __enter__(self) -> Path:
        parent = self.target.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.target.name}.partial-"))
        os.chmod(self.staging, 0o755)
        return self.staging

    def __exit__(self, exc_type, exc, tb):
        assert self.staging is not None
        if exc_type is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            return False
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old-{os.getpid()}")
            os.replace(self.target, old)
        os.replace(self.staging, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return False


def _mixed(gdf) -> bool:
    """True when a layer mixes single and multi geometries of one kind (promote to multi)."""
    kinds = set(gdf.geom_type.dropna().unique())
    return bool(kinds & {"MultiPolygon", "MultiLineString", "MultiPoint"}) and len(kinds) > 1
