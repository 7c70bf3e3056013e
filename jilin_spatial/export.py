"""Write GeoPackage layers and CSV tables, whole or not at all, and say how they were made.

:class:`OutputDir` stages everything in a temporary sibling folder and moves
it into place only when the whole job succeeded, so a failed run leaves
nothing half-written.  It never overwrites or deletes a file it did not
write: a published folder carries a manifest (``.jilin_spatial_manifest.json``)
listing its files, and ``force=True`` replaces only such a folder, and only
when it holds nothing else.  Every job writes ``provenance.json``
(:func:`write_provenance`): versions, input files with SHA-256, arguments,
seeds and times.

A single file is written with :func:`write_csv` / :func:`write_gpkg_layers`
to a temporary name and renamed atomically.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from ._errors import InputError, InputTypeError, OutputExistsError

__all__ = ["OutputDir", "write_csv", "write_regression_table", "write_gpkg_layers", "write_provenance", "safe_filename",
           "output_timestamp", "MANIFEST_NAME", "PROVENANCE_NAME"]

#: The file that marks a folder as written by this package and lists its files.
MANIFEST_NAME = ".jilin_spatial_manifest.json"
#: The provenance record every job writes.
PROVENANCE_NAME = "provenance.json"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def _now() -> _dt.datetime:
    """The current time, UTC (one place, so that tests can freeze it)."""
    return _dt.datetime.now(_dt.timezone.utc)


def output_timestamp(now: _dt.datetime | None = None) -> _dt.datetime:
    """The timestamp stored inside output files (GeoPackage ``last_change``).

    ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds
    convention) when that environment variable is set; otherwise the UTC date
    of ``now`` at 00:00:00, so that two runs on one day write identical files.

    Examples
    --------
    >>> import datetime as dt, os
    >>> if "SOURCE_DATE_EPOCH" not in os.environ:
    ...     print(output_timestamp(dt.datetime(2024, 5, 1, 17, 3, tzinfo=dt.timezone.utc)).isoformat())
    ... else:
    ...     print("2024-05-01T00:00:00+00:00")
    2024-05-01T00:00:00+00:00
    """
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    if sde is not None:
        try:
            return _dt.datetime.fromtimestamp(int(sde), _dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise InputError("SOURCE_DATE_EPOCH", "whole seconds since 1970-01-01", repr(sde),
                             "unset it or set e.g. SOURCE_DATE_EPOCH=1700000000") from None
    now = now or _now()
    return _dt.datetime(now.year, now.month, now.day, tzinfo=_dt.timezone.utc)


def safe_filename(name, *, max_bytes: int = 120) -> str:
    """Turn a label (a sector or layer name) into a safe, unique file-name part.

    Path separators, control characters, characters Windows forbids
    (``\\/:*?"<>|``) and leading dots are replaced by ``_``; over-long names are
    cut.  When anything was changed, 8 hex digits of the SHA-256 of the
    original are appended, so two labels never map to one file.

    Examples
    --------
    >>> safe_filename("C_manuf")
    'C_manuf'
    >>> safe_filename("wholesale/retail")
    'wholesale_retail-c52b1a3c'
    >>> safe_filename("..")
    '__-5ec1f7e7'
    """
    text = str(name)
    safe = _UNSAFE_CHARS.sub("_", text)
    safe = re.sub(r"^\.+", lambda m: "_" * len(m.group()), safe).rstrip(" .") or "_"
    if safe == text and len(safe.encode("utf-8")) <= max_bytes:
        return safe
    while len(safe.encode("utf-8")) > max_bytes - 9:
        safe = safe[:-1]
    return f"{safe}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def _neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(df, path) -> Path:
    """Write a DataFrame to CSV (UTF-8 with BOM so Excel shows Chinese), atomically.

    Text cells and column names that start with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return are written with a leading ``'`` so that Excel or
    LibreOffice show them as text instead of running them as formulas (CSV
    injection).  Numbers are never changed (``-1.5`` stays a number), nor is
    text that is a plain number such as ``"-3"``.  The DataFrame is not modified.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_csv(pd.DataFrame({"name": ["=1+1", "Jilin"], "x": [-1.5, 2.0]}), p)
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['name,x', "'=1+1,-1.5", 'Jilin,2.0']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = df
    import pandas as pd

    text_cols = [c for c, d in df.dtypes.items() if pd.api.types.is_object_dtype(d) or pd.api.types.is_string_dtype(d)
                 or isinstance(d, pd.CategoricalDtype)]
    if text_cols or any(isinstance(c, str) and _neutralise(c) != c for c in df.columns):
        out = df.copy()
        for c in text_cols:
            out[c] = out[c].astype(object).map(_neutralise)
        out.columns = [_neutralise(c) for c in out.columns]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        out.to_csv(tmp, index=False, encoding="utf-8-sig")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_regression_table(table, path) -> Path:
    """Write a regression table (the study's Table 1 layout) to CSV, atomically, as :func:`write_csv` does.

    Parameters
    ----------
    table : RegressionTable or pandas.DataFrame
        A :class:`~jilin_spatial.econometrics.RegressionTable` (anything with
        ``to_frame()``), or its ``table`` (rows named by a ``variable`` index).
    path : str or Path
        The CSV file.

    Returns
    -------
    Path

    Notes
    -----
    The first column is ``variable``, then one column per model.  Cells are
    text (coefficients with stars, standard errors in parentheses): a negative
    coefficient such as ``-0.1234**`` is written as ``'-0.1234**`` so that a
    spreadsheet shows it as text rather than reading it as a formula (see
    :func:`write_csv`); plain numbers such as ``N`` are unchanged.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> t = pd.DataFrame({"FE": ["-0.5000***", "(0.1000)", "120"]},
    ...                  index=pd.Index(["lq", "lq (se)", "N"], name="variable"))
    >>> p = write_regression_table(t, pathlib.Path(tempfile.mkdtemp()) / "table1.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['variable,FE', "lq,'-0.5000***", 'lq (se),(0.1000)', 'N,120']
    """
    import pandas as pd

    if isinstance(table, pd.DataFrame):
        frame = table.reset_index() if table.index.name is not None else table
    elif callable(getattr(table, "to_frame", None)):
        frame = table.to_frame()
    else:
        raise InputTypeError("table", "a RegressionTable (from econometrics.panel_regressions) or its .table "
                             "DataFrame", type(table).__name__, "pass panel_regressions(...) or its .table")
    return write_csv(frame, path)


def write_gpkg_layers(layers: dict, path, *, timestamp: _dt.datetime | None = None) -> Path:
    """Write several GeoDataFrames as layers of one GeoPackage, atomically.

    Every layer is written in EPSG:4326; a plain DataFrame becomes an attribute
    table (no geometry; QGIS opens it as a table).  Column names are kept as given.  The
    GeoPackage ``last_change`` timestamps are ``timestamp`` (default
    :func:`output_timestamp`), not the clock, so the file is reproducible.
    """
    import pyogrio

    stamp = (timestamp or output_timestamp()).astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".gpkg")
    os.close(fd)
    os.unlink(tmp)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
    try:
        for name, gdf in layers.items():
            if not hasattr(gdf, "geometry"):  # an attribute table (no geometry), e.g. layer metadata
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG", append=os.path.exists(tmp))
                continue
            g = gdf if gdf.crs is not None and gdf.crs.to_epsg() == 4326 else gdf.to_crs("EPSG:4326")
            pyogrio.write_dataframe(g, tmp, layer=name, driver="GPKG", append=os.path.exists(tmp),
                                    promote_to_multi=_mixed(g))
        os.replace(tmp, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _input_files(path) -> list[Path]:
    """The files behind one input: the file, a shapefile's sidecars, or a folder's files."""
    p = Path(path).resolve()
    if p.is_dir():
        return sorted(q for q in p.rglob("*") if q.is_file())
    if p.suffix.lower() == ".shp":
        return sorted(q for q in p.parent.glob(f"{p.stem}.*") if q.is_file())
    return [p] if p.is_file() else []


def embedded_inputs() -> list[Path]:
    """The embedded data files (every dataset listed by :func:`jilin_spatial.datasets.available`)."""
    from . import datasets

    return sorted({datasets.get_path(n) for n in datasets.available().name})


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return str(v)


def write_provenance(folder, *, job: str, inputs=(), arguments: dict | None = None, seeds: dict | None = None,
                     started: _dt.datetime, finished: _dt.datetime, timestamp: _dt.datetime | None = None,
                     output=None) -> Path:
    """Write ``provenance.json``: versions, inputs with SHA-256, arguments, seeds, times.

    Parameters
    ----------
    folder : str or Path
        Where to write it (a job's staging folder).
    job : str
        The job's name (``report``, ``lq``, ``circle``, ``tfp``, ...).
    inputs : iterable of path
        Input files (shapefile sidecars and folder contents are included).
    arguments, seeds : dict, optional
        The job's arguments and random seeds.
    started, finished : datetime
        Start and end of the job (written in UTC, ISO 8601).
    timestamp : datetime, optional
        The timestamp written inside output files (see :func:`output_timestamp`).
    output : str or Path, optional
        The output folder (absolute), recorded as ``output``.

    Examples
    --------
    >>> import datetime as dt, json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> t = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    >>> rec = json.loads(write_provenance(d, job="demo", started=t, finished=t).read_text())
    >>> rec["job"], rec["started"], "pandas" in rec["versions"]
    ('demo', '2024-01-01T00:00:00+00:00', True)
    """
    from ._versions import versions

    files = []
    for inp in inputs:
        found = _input_files(inp)
        if not found:
            raise InputError("inputs", "existing input files", repr(str(inp)), "pass the files the job read")
        files += [{"path": str(p), "bytes": p.stat().st_size, "sha256": _sha256(p)} for p in found]
    rec = {
        "job": job,
        "package": "jilin_spatial",
        "versions": versions(),
        "output": None if output is None else str(output),
        "arguments": _jsonable(arguments or {}),
        "seeds": _jsonable(seeds or {}),
        "inputs": files,
        "started": started.astimezone(_dt.timezone.utc).isoformat(),
        "finished": finished.astimezone(_dt.timezone.utc).isoformat(),
        "output_timestamp": (timestamp or output_timestamp(started)).isoformat(),
        "output_timestamp_note": "the date written inside output files (GeoPackage last_change): SOURCE_DATE_EPOCH "
                                 "if set, else the start date at 00:00 UTC, so that reruns are byte-identical",
    }
    path = Path(folder) / PROVENANCE_NAME
    path.write_text(json.dumps(rec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------------------------
# OutputDir


def _taken(target: Path, what: str) -> OutputExistsError:
    return OutputExistsError("--out", "a folder that is still empty or new when the results are published",
                             f"{str(target)!r} {what} (another run, or files saved there during this run)",
                             "nothing was overwritten and no results were written; choose another --out and rerun")


def _describe(names, n: int = 5) -> str:
    names = sorted(names)
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(repr(x) for x in names[:n]) + more


def _read_manifest(target: Path) -> set | None:
    """The files a manifest lists (relative POSIX paths), or None if there is no valid manifest."""
    try:
        rec = json.loads((target / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = rec["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if rec.get("written_by") != "jilin_spatial" or not isinstance(files, list):
        return None
    out = set()
    for f in files:
        p = PurePosixPath(f) if isinstance(f, str) else None
        if p is None or p.is_absolute() or ".." in p.parts or str(p) in ("", ".") or str(p) != f:
            return None  # never follow a manifest out of its folder
        out.add(f)
    return out


def _foreign(target: Path, listed: set) -> list[str]:
    """Entries of ``target`` that its manifest does not account for."""
    dirs_needed = {str(PurePosixPath(f).parent) for f in listed}
    dirs_needed |= {str(p) for f in listed for p in PurePosixPath(f).parents}
    bad = []
    for root, dirs, files in os.walk(target):
        rel_root = Path(root).relative_to(target).as_posix()
        for d in dirs:
            rel = d if rel_root == "." else f"{rel_root}/{d}"
            if os.path.islink(os.path.join(root, d)) or rel not in dirs_needed:
                bad.append(rel + "/")
        dirs[:] = [d for d in dirs if (d if rel_root == "." else f"{rel_root}/{d}") in dirs_needed
                   and not os.path.islink(os.path.join(root, d))]
        for f in files:
            rel = f if rel_root == "." else f"{rel_root}/{f}"
            if rel == MANIFEST_NAME:
                continue
            if rel not in listed or os.path.islink(os.path.join(root, f)):
                bad.append(rel)
    return bad


def _link_noreplace(src: Path, dst: Path):
    """Put ``src``'s content at ``dst``; fail with FileExistsError if ``dst`` exists."""
    try:
        os.link(src, dst)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # no hard links on this file system: exclusive create and copy
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.EACCES):
            raise
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        shutil.copyfileobj(inp, out)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill(pid, 0) would terminate the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class OutputDir:
    """Stage a job's outputs and publish them in one move, never replacing foreign files.

    Parameters
    ----------
    target : str or Path
        The final folder (made absolute first, so ``"."`` works).
    force : bool
        Replace a folder that this package wrote earlier: it must carry the
        manifest ``.jilin_spatial_manifest.json`` and hold only the files it
        lists.  Without ``force`` a non-empty target raises
        :class:`OutputExistsError` before anything runs.
    job : str
        The job's name, recorded in ``provenance.json``.
    inputs : iterable of path
        The job's input files: recorded with their SHA-256 in
        ``provenance.json``; an input inside ``target`` raises
        :class:`~jilin_spatial._errors.InputError` (it could be replaced).
    arguments, seeds : dict, optional
        Recorded in ``provenance.json``.

    Attributes
    ----------
    started : datetime
        When the job started (UTC).
    timestamp : datetime
        The timestamp to write inside output files (:func:`output_timestamp`).

    Notes
    -----
    Checks before the job runs: ``target`` is (or can be created as) a folder
    in a writable location, holds nothing (or, with ``force``, only its own
    manifest's files), and contains no input.  At publish time the staging
    folder is renamed onto ``target`` if it does not exist (atomic; a rename
    fails if another run created a non-empty folder meanwhile), or moved into
    the existing empty folder after claiming it by creating the manifest
    exclusively; files are hard-linked, which fails rather than replaces.  If
    the folder is no longer free, the job fails with
    :class:`OutputExistsError` and nothing is overwritten.  Staging folders are
    named ``.NAME.partial-PID-XXXX``; those whose process is gone (a killed
    run) are removed by the next run into the same folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with OutputDir(d, job="demo") as staging:
    ...     _ = (staging / "a.txt").write_text("x")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('x', ['.jilin_spatial_manifest.json', 'a.txt', 'provenance.json'])
    """

    def __init__(self, target, *, force: bool = False, job: str = "custom", inputs=(), arguments: dict | None = None,
                 seeds: dict | None = None):
        self.target = Path(target).expanduser().resolve()
        self.force = force
        self.job = job
        self.inputs = [Path(p) for p in inputs if p is not None]
        self.arguments = arguments
        self.seeds = seeds
        self.started = _now()
        self.timestamp = output_timestamp(self.started)
        self.staging: Path | None = None
        t = self.target
        if t.name == "" or t == t.parent:
            raise InputError("--out", "a folder with a name", repr(str(target)), "e.g. --out jilin_report")
        for inp in self.inputs:
            if inp.expanduser().resolve().is_relative_to(t):
                raise InputError("--out", "a folder that holds none of the job's inputs",
                                 f"{str(t)!r}, which holds the input {str(inp)!r}",
                                 "write the results to another folder (e.g. a new sub-folder)")
        if os.path.lexists(t) and not t.is_dir():
            raise InputError("--out", "a folder", f"{str(t)!r}, which is a file", "choose a folder path")
        if t.is_dir() and any(t.iterdir()):
            if not force:
                raise OutputExistsError("--out", "an empty or new folder", f"{str(t)!r} holds files",
                                        "choose another folder or pass --force (force=True) to replace it")
            self._check_owned()
        self._check_writable()

    # -- checks -------------------------------------------------------------------------------------------------
    def _check_owned(self) -> set:
        t = self.target
        listed = _read_manifest(t)
        if listed is None:
            raise OutputExistsError("--out", "a folder written by jilin_spatial (with its manifest) for --force to "
                                    "replace", f"{str(t)!r}, which has no valid {MANIFEST_NAME}",
                                    "choose another folder; --force never deletes files jilin_spatial did not write")
        foreign = _foreign(t, listed)
        if foreign:
            raise OutputExistsError("--out", "a folder holding only files jilin_spatial wrote there (its manifest "
                                    "lists them)", f"{str(t)!r}, which also holds {_describe(foreign)}",
                                    "move those files elsewhere or choose another folder; --force never deletes them")
        return listed

    def _check_writable(self):
        t = self.target
        anc = t.parent
        while not os.path.lexists(anc):
            anc = anc.parent
        if not anc.is_dir():
            raise InputError("--out", "a path whose parent folders are folders",
                             f"{str(t)!r}, but {str(anc)!r} is a file",
                             "choose a folder path that is not under a file")
        for place in [anc] + ([t] if t.is_dir() else []):
            try:
                probe = tempfile.mkdtemp(dir=place, prefix=".jilin_spatial-probe-")
                os.rmdir(probe)
            except OSError as exc:
                raise InputError("--out", "a folder in a writable location", f"{str(t)!r}: cannot write in "
                                 f"{str(place)!r} ({exc.strerror or exc})",
                                 "choose a folder you can write to (not a read-only mount)") from None

    # -- staging ------------------------------------------------------------------------------------------------
    def _remove_stale(self, parent: Path):
        pat = re.compile(rf"\.{re.escape(self.target.name)}\.partial-(\d+)-.+")
        for p in parent.iterdir():
            m = pat.fullmatch(p.name)
            if m and p.is_dir() and not p.is_symlink() and not _pid_alive(int(m.group(1))):
                shutil.rmtree(p, ignore_errors=True)

    def __enter__(self) -> Path:
        parent = self.target.parent
        parent.mkdir(parents=True, exist_ok=True)
        self._remove_stale(parent)
        self.staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{self.target.name}.partial-{os.getpid()}-"))
        os.chmod(self.staging, 0o755)
        return self.staging

    def __exit__(self, exc_type, exc, tb):
        assert self.staging is not None
        try:
            if exc_type is None:
                write_provenance(self.staging, job=self.job, inputs=self.inputs, arguments=self.arguments,
                                 seeds=self.seeds, started=self.started, finished=_now(), timestamp=self.timestamp,
                                 output=self.target)
                self._write_manifest()
                self._publish()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        return False

    def _write_manifest(self):
        files = sorted(p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file())
        from ._versions import versions

        rec = {"written_by": "jilin_spatial", "version": versions()["jilin_spatial"], "job": self.job,
               "files": files}
        (self.staging / MANIFEST_NAME).write_text(json.dumps(rec, indent=2) + "\n", encoding="utf-8")

    # -- publishing ---------------------------------------------------------------------------------------------
    def _clear_owned(self):
        """Delete the files the manifest lists (after re-checking there is nothing else), manifest last."""
        t = self.target
        listed = self._check_owned()
        for rel in sorted(listed):
            p = t / rel
            if p.is_file() and not p.is_symlink():
                p.unlink()
        for root, dirs, _ in os.walk(t, topdown=False):
            for d in dirs:
                try:
                    os.rmdir(os.path.join(root, d))
                except OSError:
                    pass  # not empty: something appeared meanwhile; publishing will refuse
        (t / MANIFEST_NAME).unlink()

    def _publish(self):
        t = self.target
        if self.force and t.is_dir() and any(t.iterdir()):
            self._clear_owned()
        if not os.path.lexists(t):
            try:
                os.rename(self.staging, t)  # replaces at most an empty folder, atomically
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                    raise
                raise _taken(t, "was created and filled during the run") from None
        self._publish_into()

    def _publish_into(self):
        """Move the staged files into the existing (empty) target, keeping the folder itself."""
        t, s = self.target, self.staging
        if not t.is_dir():
            raise _taken(t, "is no longer a folder")
        try:
            _link_noreplace(s / MANIFEST_NAME, t / MANIFEST_NAME)  # claim it: fails if another run has
        except FileExistsError:
            raise _taken(t, "was claimed by another jilin_spatial run") from None
        except FileNotFoundError:
            raise _taken(t, "was removed during the run") from None
        moved: list[tuple[Path, bool]] = []
        try:
            others = [p.name for p in t.iterdir() if p.name != MANIFEST_NAME]
            if others:
                raise _taken(t, f"now holds {_describe(others)}")
            for entry in sorted(s.iterdir()):
                if entry.name == MANIFEST_NAME:
                    continue
                dst = t / entry.name
                if entry.is_dir():
                    if os.path.lexists(dst):
                        raise _taken(t, f"now holds {entry.name!r}")
                    os.rename(entry, dst)
                    moved.append((dst, True))
                else:
                    _link_noreplace(entry, dst)
                    moved.append((dst, False))
        except (OSError, OutputExistsError) as exc:
            for dst, is_dir in reversed(moved):
                if is_dir:
                    os.rename(dst, s / dst.name)
                else:
                    dst.unlink()
            (t / MANIFEST_NAME).unlink()
            if isinstance(exc, OutputExistsError):
                raise
            raise _taken(t, f"changed during the run ({exc})") from None


def _mixed(gdf) -> bool:
    """True when a layer mixes single and multi geometries of one kind (promote to multi)."""
    kinds = set(gdf.geom_type.dropna().unique())
    return bool(kinds & {"MultiPolygon", "MultiLineString", "MultiPoint"}) and len(kinds) > 1
