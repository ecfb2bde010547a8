from django.apps import AppConfig


class GisServerConfig(AppConfig):
    name = "gis_server"
    verbose_name = "Tân Bình GIS server"

    def ready(self) -> None:
        # Registers the version and SRID checks with Django's checks framework.
        from gis_server import checks  # noqa: F401
