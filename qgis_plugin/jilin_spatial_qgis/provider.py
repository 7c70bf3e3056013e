"""The "Jilin Spatial" Processing provider."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import ALGORITHMS

ICON = os.path.join(os.path.dirname(__file__), "icon.svg")


class JilinSpatialProvider(QgsProcessingProvider):
    """Provider id ``jilinspatial``: algorithms ``jilinspatial:<name>``."""

    def id(self):
        return "jilinspatial"

    def name(self):
        return "Jilin Spatial"

    def longName(self):  # noqa: N802
        return "Jilin Spatial (jilin_spatial regional-economy analyses / 区域经济空间分析)"

    def icon(self):
        return QIcon(ICON)

    def svgIconPath(self):  # noqa: N802
        return ICON

    def loadAlgorithms(self):  # noqa: N802
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())
