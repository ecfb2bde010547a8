from django.apps import AppConfig


class WebmapConfig(AppConfig):
    name = "gis_server.webmap"
    label = "webmap"
    verbose_name = "Tân Bình citizen web map"

    def ready(self) -> None:
        # Registers the check that MapLibre's files were copied into static/ at set-up.
        from gis_server.webmap import checks  # noqa: F401
