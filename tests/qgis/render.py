"""Render layers in QGIS, headless, as a QGIS user adds them; run by Debian's Python (python3-qgis), not the venv.

Reads a JSON list of jobs on stdin; each job names how the layer is added —
``vectortile`` (Layer → Add Vector Tile Layer: XYZ URL, zoom range and the
MapLibre *Style URL*), ``wmts`` (Add WMS/WMTS Layer: a WMTS layer from the capabilities URL, or a WMS
one), ``xyz`` (raster XYZ tiles)
or ``oapif`` (Add OGC API – Features layer, then *Load Style* of a QML or SLD file) —
the extent in EPSG:3857 and the image size. Each job's image is written as a
PNG on a transparent background; stdout gets one JSON list: per job whether the
layer was valid, what loading its style said, the extent QGIS actually drew,
the renderer's errors and the text of every label it placed. The test process judges the pixels.

Nothing of the project is imported: this interpreter is QGIS's (3.22 on
Debian 12), not the project's.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
    QgsVectorTileLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def xyz_uri(job, **extra):
    """An XYZ connection's URI (vector or raster tiles), as QGIS's dialogs store it."""
    uri = QgsDataSourceUri()
    for key, value in {"type": "xyz", "url": job["url"], "zmin": job["zmin"], "zmax": job["zmax"], **extra}.items():
        uri.setParam(key, str(value))
    return bytes(uri.encodedUri()).decode()


def vector_tile_layer(job):
    """As QGIS's Vector Tile connection dialog stores it; the style is loaded as QGIS loads it on adding."""
    layer = QgsVectorTileLayer(xyz_uri(job, styleUrl=job["style"]), job["name"])
    said = []
    if layer.isValid():
        error, ok = layer.loadDefaultStyle()
        said = [] if ok else [error]
    return layer, said


def wmts_layer(job):
    """The URI QGIS's WMS/WMTS dialog builds: a WMTS layer of a capabilities document, or (no tile matrix set)
    a WMS layer drawn by GetMap."""
    parts = {"contextualWMSLegend": "0", "crs": "EPSG:3857", "dpiMode": "7", "format": "image/png"}
    parts |= {"layers": job["layer"], "styles": "default" if "matrix_set" in job else ""}
    if "matrix_set" in job:
        parts["tileMatrixSet"] = job["matrix_set"]
    parts["url"] = job["url"]
    uri = "&".join(f"{key}={value}" for key, value in parts.items())
    return QgsRasterLayer(uri, job["name"], "wms"), []


def xyz_layer(job):
    """Raster XYZ Tiles → New Connection, as the browser panel stores it."""
    return QgsRasterLayer(xyz_uri(job), job["name"], "wms"), []


def oapif_layer(job):
    """Layer Properties → Symbology → Style → Load Style…, of a QML or an SLD file."""
    layer = QgsVectorLayer(f"url='{job['url']}' typename='{job['layer']}'", job["name"], "OAPIF")
    said = []
    if layer.isValid():
        load = layer.loadSldStyle if job["style"].endswith(".sld") else layer.loadNamedStyle
        message, ok = load(job["style"])
        said = [] if ok else [message]
    return layer, said


KINDS = {"vectortile": vector_tile_layer, "wmts": wmts_layer, "xyz": xyz_layer, "oapif": oapif_layer}


def render(job):
    layer, said = KINDS[job["kind"]](job)
    result = {"name": job["name"], "valid": layer.isValid(), "style": said, "errors": []}
    if not layer.isValid():
        result["errors"] = [layer.error().summary()]
        return result
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    settings.setOutputSize(QSize(job["size"], job["size"]))
    settings.setExtent(QgsRectangle(*job["extent"]))
    settings.setBackgroundColor(QColor(0, 0, 0, 0))
    settings.setOutputDpi(96)
    drawing = QgsMapRendererSequentialJob(settings)
    drawing.start()
    drawing.waitForFinished()
    drawing.renderedImage().save(job["png"], "PNG")
    shown = settings.visibleExtent()
    result["extent"] = [shown.xMinimum(), shown.yMinimum(), shown.xMaximum(), shown.yMaximum()]
    result["errors"] = [f"{e.layerID}: {e.message}" for e in drawing.errors()]
    labels = drawing.takeLabelingResults()
    result["labels"] = sorted(label.labelText for label in labels.allLabels()) if labels else []
    return result


def main():
    jobs = json.load(sys.stdin)
    app = QgsApplication([], False)
    app.initQgis()
    results = [render(job) for job in jobs]
    json.dump({"version": Qgis.QGIS_VERSION, "results": results}, sys.stdout)
    app.exitQgis()


if __name__ == "__main__":
    main()
