"""GeoDjango models, one per registry layer, plus the load history.

The layer models are generated from ``layers.registry`` (see ``modelgen``);
their names are bound here so the ORM and migrations find them.
"""

from __future__ import annotations

from django.contrib.gis.db import models

from layers import registry
from layers.crs import VN2000_SRID, WEB_MERCATOR_SRID
from layers.modelgen import LayerModel, build_archive_model, build_model

MODELS: dict[str, type[LayerModel]] = {layer.id: build_model(layer, __name__) for layer in registry.LAYERS}
ARCHIVES: dict[str, type[models.Model]] = {layer.id: build_archive_model(layer, __name__) for layer in registry.LAYERS}

Parcel = MODELS["parcels"]
ZoningZone = MODELS["zoning"]
RoadBoundary = MODELS["road_boundaries"]
Alley = MODELS["alleys"]
Ward = MODELS["wards"]
Ward2025 = MODELS["wards_2025"]


class Load(models.Model):
    """One run of the loader: what was loaded, from where, how it went, what it changed."""

    layer = models.TextField()
    source = models.TextField(help_text="Source file as given")
    sha256 = models.CharField(max_length=64)
    mode = models.TextField()
    options = models.JSONField(default=dict)
    user = models.TextField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.TextField(default="running")
    counts = models.JSONField(default=dict)
    report = models.JSONField(default=dict)
    changed_extent = models.PolygonField(srid=VN2000_SRID, null=True, blank=True)

    class Meta:
        db_table = "gis_load"
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"load {self.pk} {self.layer} {self.status}"


class RasterDataset(models.Model):
    """A Cloud-Optimized GeoTIFF registered for a raster layer; one per layer is active (served)."""

    layer = models.TextField()
    path = models.TextField(help_text="COG file, Web Mercator")
    source_sha256 = models.CharField(max_length=64)
    width = models.IntegerField()
    height = models.IntegerField()
    bands = models.IntegerField()
    resolution = models.FloatField(help_text="metres per pixel (Web Mercator)")
    bounds = models.PolygonField(srid=WEB_MERCATOR_SRID)
    load_id = models.BigIntegerField(db_index=True)
    active = models.BooleanField(default=False)

    class Meta:
        db_table = "gis_raster"
        constraints = (
            models.UniqueConstraint(fields=("layer",), condition=models.Q(active=True), name="gis_raster_one_active"),
        )

    def __str__(self) -> str:
        return f"{self.layer} {self.path}"
