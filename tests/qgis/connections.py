"""Import connection files the way a QGIS user does (Data Source Manager → *Load*), and print what QGIS stored.

Run by Debian's Python (python3-qgis), not the venv. Reads on stdin a JSON
object ``{kind: file}`` (kinds as in ``gis_server.qgis_connections.KINDS``);
each file goes through QGIS's own ``QgsManageConnectionsDialog`` in import
mode, every connection in it selected. stdout gets what QGIS stored for each
connection, by kind and name (``stored``), and for the kinds the Browser
panel expands, the layers it lists under each connection, asking the server
as a user's click would (``browsed``). An
unreadable file makes the dialog show a message box: the caller's timeout
then fails the test instead of hanging it.
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import QgsApplication, QgsSettings
from qgis.gui import QgsManageConnectionsDialog

# kind → (the dialog's connection type, the settings group QGIS keeps them in, the Browser's provider or None)
KINDS = {
    "vector-tiles": (QgsManageConnectionsDialog.VectorTile, "qgis/connections-vector-tile", None),
    "wms": (QgsManageConnectionsDialog.WMS, "qgis/connections-wms", "WMS"),
    "features": (QgsManageConnectionsDialog.WFS, "qgis/connections-wfs", "WFS"),
    "xyz": (QgsManageConnectionsDialog.XyzTiles, "qgis/connections-xyz", None),
}


def stored(group):
    settings = QgsSettings()
    settings.beginGroup(group)
    found = {}
    for key in settings.allKeys():
        name, _, field = key.rpartition("/")
        found.setdefault(name, {})[field] = str(settings.value(key))
    settings.endGroup()
    return found


def browse(provider_key):
    """What QGIS's Browser lists under each connection of a kind (it asks the server): [name, provider, URI]."""
    root = QgsApplication.dataItemProviderRegistry().provider(provider_key).createDataItem("", None)
    return {
        connection.name(): [_described(item) for item in connection.createChildren()]
        for connection in root.createChildren()
    }


def _described(item):
    """A layer's name, provider and URI; a group (a WMS server's layer tree) has only its name."""
    if not hasattr(item, "uri"):
        return [item.name(), "", ""]
    return [item.name(), item.providerKey(), item.uri()]


def main():
    files = json.load(sys.stdin)
    app = QgsApplication([], True)
    app.initQgis()
    out = {"stored": {}, "browsed": {}}
    for kind, path in files.items():
        kind_type, group, provider_key = KINDS[kind]
        dialog = QgsManageConnectionsDialog(None, QgsManageConnectionsDialog.Import, kind_type, path)
        dialog.selectAll()
        dialog.doExportImport()
        out["stored"][kind] = stored(group)
        if provider_key:
            out["browsed"][kind] = browse(provider_key)
    json.dump(out, sys.stdout)
    app.exitQgis()


if __name__ == "__main__":
    main()
