"""The plugin object: registers the Processing provider, says clearly when the package is missing."""

from qgis.core import Qgis, QgsApplication, QgsMessageLog

from . import MISSING_PACKAGE, package_error
from .provider import JilinSpatialProvider


class JilinSpatialPlugin:
    """Registers :class:`JilinSpatialProvider` (also for ``qgis_process``: ``initProcessing``)."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 - QGIS's name
        if self.provider is None:
            self.provider = JilinSpatialProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)
        err = package_error()
        if err is not None:
            msg = MISSING_PACKAGE.format(error=err)
            QgsMessageLog.logMessage(msg, "Jilin Spatial", Qgis.Critical)
            if self.iface is not None:
                self.iface.messageBar().pushCritical("Jilin Spatial", msg)

    def initGui(self):  # noqa: N802 - QGIS's name
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
