"""Build a GeoDjango model class from a registry entry.

Generating the models keeps the registry the only place a field is declared;
``tests/layers/test_models.py`` checks the result column by column.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex

from layers.crs import WEB_MERCATOR_SRID
from layers.registry import Field, Geometry, Kind, Layer

_GEOMETRY_FIELDS: dict[Geometry, type[models.GeometryField]] = {
    Geometry.MULTIPOLYGON: models.MultiPolygonField,
    Geometry.MULTILINESTRING: models.MultiLineStringField,
}


def attribute_field(spec: Field) -> models.Field[Any, Any]:
    """The Django field for one registry attribute (nullable unless required)."""
    options: dict[str, Any] = {"null": not spec.required, "blank": not spec.required, "help_text": spec.title_en}
    match spec.kind:
        case Kind.TEXT:
            return models.TextField(**options)
        case Kind.INTEGER:
            return models.IntegerField(**options)
        case Kind.REAL:
            return models.FloatField(**options)
        case Kind.DATE:
            return models.DateField(**options)
    raise ValueError(f"unsupported kind {spec.kind}")


def geometry_fields(layer: Layer) -> dict[str, models.Field[Any, Any]]:
    """Authoritative VN-2000 geometry, its Web-Mercator copy, and the optional centreline."""
    geometry_class = _GEOMETRY_FIELDS[layer.geometry]
    fields: dict[str, models.Field[Any, Any]] = {
        "geom": geometry_class(srid=layer.srid, spatial_index=True),
        # Kept by PostgreSQL itself, so no writer can forget it or let it drift.
        "geom_3857": models.GeneratedField(
            expression=Transform("geom", WEB_MERCATOR_SRID),
            output_field=geometry_class(srid=WEB_MERCATOR_SRID, spatial_index=False),
            db_persist=True,
        ),
    }
    if layer.centreline:
        fields["centreline"] = models.MultiLineStringField(srid=layer.srid, null=True, blank=True)
    return fields


class LayerModel(models.Model):
    """Base of every generated layer model: the manager and the load that wrote the row."""

    objects = models.Manager()
    load_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="Load that wrote the row")

    class Meta:
        abstract = True


def build_archive_model(layer: Layer, module: str) -> type[models.Model]:
    """Rows a load replaced or overwrote, kept so `gis loads rollback` can restore them exactly."""
    geometry_class = _GEOMETRY_FIELDS[layer.geometry]
    attrs: dict[str, Any] = {"__module__": module, "__doc__": f"Archived rows of {layer.id}"}
    attrs |= {spec.name: attribute_field(spec) for spec in layer.fields}
    attrs["geom"] = geometry_class(srid=layer.srid, spatial_index=False)
    if layer.centreline:
        attrs["centreline"] = models.MultiLineStringField(srid=layer.srid, null=True, blank=True)
    attrs["row_id"] = models.BigIntegerField(help_text="id of the row in the live table")
    attrs["load_id"] = models.BigIntegerField(null=True, blank=True, db_index=True, help_text="Load that wrote it")
    # The partition key (see loaders.archive): a partition per load, no index needed.
    attrs["archived_by"] = models.BigIntegerField(help_text="Load that replaced or overwrote it")
    attrs["pk"] = models.CompositePrimaryKey("archived_by", "row_id")
    attrs["Meta"] = type("Meta", (), {"app_label": "layers", "db_table": f"{layer.table}_archive"})
    return type(f"{layer.model_name}Archive", (models.Model,), attrs)


def build_model(layer: Layer, module: str) -> type[LayerModel]:
    """A concrete model for ``layer`` living in ``module`` (app ``layers``)."""
    attrs: dict[str, Any] = {"__module__": module, "__doc__": layer.description_en}
    attrs |= {spec.name: attribute_field(spec) for spec in layer.fields}
    attrs |= geometry_fields(layer)
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "app_label": "layers",
            "db_table": layer.table,
            "verbose_name": layer.title_en,
            "constraints": [models.UniqueConstraint(fields=list(layer.key), name=f"{layer.table}_key")],
            "indexes": [GistIndex(fields=["geom_3857"], name=f"{layer.id}_g3857")],
        },
    )
    return type(layer.model_name, (LayerModel,), attrs)
