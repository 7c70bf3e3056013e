"""Between QGIS and the package: layers to frames, frames to sinks, errors, warnings, progress and styles.

Nothing here computes a metric; the algorithms call the package's public API.
"""

import math
import os
import tempfile
import warnings
from contextlib import contextmanager

from qgis.core import (QgsCategorizedSymbolRenderer, QgsCoordinateReferenceSystem, QgsFeature, QgsFeatureSink,
                       QgsField, QgsFields, QgsGeometry, QgsGraduatedSymbolRenderer, QgsProcessingException,
                       QgsProcessingLayerPostProcessorInterface, QgsRendererCategory, QgsRendererRange, QgsSymbol,
                       QgsWkbTypes)
from qgis.PyQt.QtCore import QVariant
from qgis.PyQt.QtGui import QColor

from . import MISSING_PACKAGE, package_error


class Canceled(Exception):
    """The user pressed Cancel."""


def require_package():
    """Raise a QgsProcessingException with the install instructions when jilin_spatial is missing."""
    err = package_error()
    if err is not None:
        raise QgsProcessingException(MISSING_PACKAGE.format(error=err))


@contextmanager
def package_call(feedback):
    """Run package code: its errors become QgsProcessingException (with the package's message), its warnings
    go to the log as warnings, a cancel ends the run."""
    require_package()
    from jilin_spatial.errors import InputError, InputTypeError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except (InputError, InputTypeError, FileNotFoundError) as exc:
            raise QgsProcessingException(str(exc)) from exc
        finally:
            for w in caught:
                feedback.pushWarning(f"{w.category.__name__}: {w.message}")


def step(feedback, percent, text):
    """Report progress and a step; raise :class:`Canceled` when the user cancelled."""
    if feedback.isCanceled():
        raise Canceled()
    feedback.setProgress(percent)
    feedback.pushInfo(text)


# ----------------------------------------------------------------------------------- layers -> frames

def _value(v):
    if v is None:
        return None
    if isinstance(v, QVariant):
        return None if v.isNull() else v.value()
    if hasattr(v, "toPyDateTime"):
        return v.toPyDateTime()
    if hasattr(v, "toPyDate"):
        return v.toPyDate()
    return v


def crs_string(crs):
    """An EPSG code or WKT that geopandas understands, or None for an unknown CRS."""
    if crs is None or not crs.isValid():
        return None
    return crs.authid() if crs.authid().upper().startswith("EPSG:") else crs.toWkt()


def source_frame(source, feedback, *, argument, geometry=True):
    """A pandas DataFrame (a GeoDataFrame with ``geometry=True``) of a feature source's features."""
    import geopandas as gpd
    import pandas as pd

    if source is None:
        raise QgsProcessingException(f"{argument}: expected a layer, got none. Fix: choose a layer or a table.")
    names = [f.name() for f in source.fields()]
    rows, geoms = [], []
    for f in source.getFeatures():
        if feedback.isCanceled():
            raise Canceled()
        rows.append([_value(v) for v in f.attributes()])
        if geometry:
            g = f.geometry()
            geoms.append(None if g is None or g.isNull() else bytes(g.asWkb()))
    df = pd.DataFrame(rows, columns=names)
    if not geometry:
        return df
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries.from_wkb(geoms), crs=crs_string(source.sourceCrs()))


def temp_dir():
    return tempfile.mkdtemp(prefix="jilin_spatial_qgis_")


def write_temp(frame, folder, name):
    """Write a frame for the package's file readers: polygons as GeoPackage, tables as CSV; returns the path."""
    if hasattr(frame, "geometry") and "geometry" in frame.columns:
        path = os.path.join(folder, f"{name}.gpkg")
        frame.to_file(path, driver="GPKG")
    else:
        path = os.path.join(folder, f"{name}.csv")
        frame.to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------------- frames -> sinks

def _field_type(series):
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return QVariant.Bool
    if pd.api.types.is_integer_dtype(series):
        return QVariant.LongLong
    if pd.api.types.is_float_dtype(series):
        return QVariant.Double
    if series.dropna().map(lambda x: isinstance(x, bool)).all() and series.notna().any():
        return QVariant.Bool
    return QVariant.String


def _py(v, kind):
    if v is None:
        return None
    try:
        if v != v:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if kind == QVariant.Double:
        v = float(v)
        return v if math.isfinite(v) else None
    if kind == QVariant.LongLong:
        return int(v)
    if kind == QVariant.Bool:
        return bool(v)
    return str(v)


def frame_fields(frame):
    """QgsFields for the non-geometry columns of a frame."""
    fields = QgsFields()
    for c in frame.columns:
        if c == "geometry":
            continue
        fields.append(QgsField(str(c), _field_type(frame[c])))
    return fields


def write_sink(alg, parameters, context, name, frame, feedback, *, wkb_type=None, crs=None):
    """Write a (Geo)DataFrame to the FeatureSink parameter ``name``; returns its destination id.

    ``wkb_type`` None writes a table without geometry.  Missing values (NaN) become NULL.
    """
    fields = frame_fields(frame)
    kinds = [fields.at(i).type() for i in range(fields.count())]
    cols = [c for c in frame.columns if c != "geometry"]
    sink, dest = alg.parameterAsSink(parameters, name, context, fields,
                                     wkb_type if wkb_type is not None else QgsWkbTypes.NoGeometry,
                                     crs if crs is not None else QgsCoordinateReferenceSystem())
    if sink is None:
        raise QgsProcessingException(alg.invalidSinkError(parameters, name))
    geoms = frame.geometry.to_wkb() if wkb_type is not None else None
    multi = wkb_type is not None and QgsWkbTypes.isMultiType(wkb_type)
    n = max(len(frame), 1)
    for i, row in enumerate(frame[cols].itertuples(index=False, name=None)):
        if feedback.isCanceled():
            raise Canceled()
        f = QgsFeature(fields)
        f.setAttributes([_py(v, k) for v, k in zip(row, kinds)])
        if geoms is not None and geoms.iloc[i] is not None:
            g = QgsGeometry()
            g.fromWkb(geoms.iloc[i])
            if multi:
                g.convertToMultiType()
            f.setGeometry(g)
        sink.addFeature(f, QgsFeatureSink.FastInsert)
        if i % 50 == 0:
            feedback.setProgress(90 + 10 * i / n)
    return dest


# ----------------------------------------------------------------------------------- styles

def renderer_for(layer, column, **overrides):
    """A renderer for ``column`` from the package's layer registry (``jilin_spatial.layers.layer_style``).

    Categorical columns (LISA clusters, Gi* hot/cold spots, coupling classes, stages) get the registry's
    category colours in legend order (LISA: GeoDa's); numeric ones graduated colours with the package's
    classes (``jilin_spatial.webmap.classify``: quantiles, natural breaks or given bounds) and colours
    (``webmap.fill_colors``), as on the package's web map and figures.  Returns ``(renderer, style dict)``.
    """
    from jilin_spatial.layers import layer_style
    from jilin_spatial.webmap import classify, fill_colors

    st = layer_style(column, **overrides)
    geom_type = layer.geometryType()

    def symbol(colour):
        s = QgsSymbol.defaultSymbol(geom_type)
        s.setColor(QColor(colour))
        if geom_type == QgsWkbTypes.LineGeometry:
            s.setWidth(0.8)
        return s

    if st["kind"] == "categorical":
        cats = [QgsRendererCategory(value, symbol(colour), str(value)) for value, colour in st["colors"].items()]
        r = QgsCategorizedSymbolRenderer(column, cats)
    else:
        values = []
        for f in layer.getFeatures():
            v = _value(f[column])
            values.append(float(v) if v is not None else float("nan"))
        _, bounds = classify(values, scheme=st["scheme"], k=st["k"], bins=st["bins"])
        _, entries = fill_colors(values, kind="numeric", scheme=st["scheme"], k=st["k"], bins=st["bins"],
                                 cmap=st["cmap"])
        finite = [v for v in values if not math.isnan(v)]
        lows = ([min(finite)] + bounds[:-1]) if bounds else []
        ranges = [QgsRendererRange(lo, hi, symbol(colour), label)
                  for lo, hi, (label, colour) in zip(lows, bounds, entries)]
        r = QgsGraduatedSymbolRenderer(column, ranges)
    return r, st


def apply_style(layer, column, **overrides):
    """Set the registry style of ``column`` on ``layer``; returns the style dict."""
    r, st = renderer_for(layer, column, **overrides)
    layer.setRenderer(r)
    layer.triggerRepaint()
    return st


_KEEP = []  # post-processors must outlive the algorithm instance


class _Styler(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, column, overrides):
        super().__init__()
        self.column, self.overrides = column, overrides

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS's name
        if layer is not None and layer.fields().indexOf(self.column) >= 0:
            apply_style(layer, self.column, **self.overrides)


def style_on_load(context, dest_id, column, **overrides):
    """Give the output ``dest_id`` the registry style of ``column`` when QGIS loads it."""
    if context.willLoadLayerOnCompletion(dest_id):
        p = _Styler(column, overrides)
        _KEEP.append(p)
        context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(p)
