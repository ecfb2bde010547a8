"""Models and registry agree, in Python and in the database the migrations built."""

from __future__ import annotations

import pytest
from django.contrib.gis.db import models as gis_models
from django.db import connection, models

from layers import registry
from layers.models import MODELS

DJANGO_FIELD = {
    registry.Kind.TEXT: models.TextField,
    registry.Kind.INTEGER: models.IntegerField,
    registry.Kind.REAL: models.FloatField,
    registry.Kind.DATE: models.DateField,
}
PG_TYPE = {
    registry.Kind.TEXT: "text",
    registry.Kind.INTEGER: "integer",
    registry.Kind.REAL: "double precision",
    registry.Kind.DATE: "date",
}


@pytest.mark.parametrize("layer", registry.LAYERS, ids=registry.ids())
def test_model_fields_follow_registry(layer: registry.Layer) -> None:
    model = MODELS[layer.id]
    assert model._meta.db_table == layer.table
    for spec in layer.fields:
        field = model._meta.get_field(spec.name)
        assert type(field) is DJANGO_FIELD[spec.kind], spec.name
        assert field.null is (not spec.required), spec.name
    geom = model._meta.get_field("geom")
    assert isinstance(geom, gis_models.MultiPolygonField)
    assert geom.srid == 9210
    generated = model._meta.get_field("geom_3857")
    assert isinstance(generated, models.GeneratedField)
    assert isinstance(generated.output_field, gis_models.MultiPolygonField)
    assert generated.output_field.srid == 3857
    assert any(set(c.fields) == set(layer.key) for c in model._meta.constraints)
    declared = {f.name for f in model._meta.concrete_fields}
    extra = ["centreline"] if layer.centreline else []
    assert declared == {"id", "load_id", "geom", "geom_3857", *layer.field_names, *extra}


def _columns(table: str) -> dict[str, tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable, udt_name FROM information_schema.columns"
            " WHERE table_name = %s",
            [table],
        )
        return {name: (dtype, nullable, udt) for name, dtype, nullable, udt in cursor.fetchall()}


@pytest.mark.django_db
@pytest.mark.parametrize("layer", registry.LAYERS, ids=registry.ids())
def test_database_tables_follow_registry(layer: registry.Layer) -> None:
    columns = _columns(layer.table)
    for spec in layer.fields:
        dtype, nullable, _ = columns[spec.name]
        assert dtype == PG_TYPE[spec.kind], spec.name
        assert nullable == ("NO" if spec.required else "YES"), spec.name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f_geometry_column, srid, type FROM geometry_columns WHERE f_table_name = %s ORDER BY 1",
            [layer.table],
        )
        geometry = {name: (srid, kind) for name, srid, kind in cursor.fetchall()}
    assert geometry["geom"] == (9210, "MULTIPOLYGON")
    assert geometry["geom_3857"] == (3857, "MULTIPOLYGON")
    if layer.centreline:
        assert geometry["centreline"] == (9210, "MULTILINESTRING")


@pytest.mark.django_db
@pytest.mark.parametrize("layer", registry.LAYERS, ids=registry.ids())
def test_both_geometries_have_gist_indexes(layer: registry.Layer) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = %s", [layer.table])
        definitions = [row[0] for row in cursor.fetchall()]
    for column in ("geom", "geom_3857"):
        assert any("USING gist" in d and f"({column})" in d for d in definitions), column


@pytest.mark.django_db
def test_parcel_key_is_unique_in_the_database() -> None:
    from django.db import IntegrityError, transaction

    from layers.models import Parcel

    row = Parcel.objects.values("ward_code", "map_sheet", "parcel_no", "area", "land_use", "geom").first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Parcel.objects.create(**row)


@pytest.mark.django_db
def test_web_mercator_copy_is_kept_by_the_database() -> None:
    from layers.models import Ward

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT max(ST_HausdorffDistance(ST_Transform(geom, 3857), geom_3857)) FROM {Ward._meta.db_table}"
        )
        assert cursor.fetchone()[0] == pytest.approx(0, abs=1e-6)


FOLD_SAMPLES = ["Đường Hoàng Văn Thụ", "125/7 LÊ VĂN SỸ, Phường 13", "hẻm 32  Cộng Hòa", "Ấp Đông", "", "Trường Chinh"]


@pytest.mark.django_db
def test_database_fold_matches_python_fold() -> None:
    """Address and street search compare gis_fold in SQL with vocabulary.fold in Python (single spaces aside)."""
    from layers import vocabulary

    with connection.cursor() as cursor:
        for text in FOLD_SAMPLES:
            cursor.execute("SELECT gis_fold(%s)", [text])
            assert " ".join(cursor.fetchone()[0].split()) == vocabulary.fold(text), text


@pytest.mark.django_db
def test_database_fold_is_inlined() -> None:
    """PostgreSQL inlines gis_fold (0007): no SQL-function call per row in the address index build or a search."""
    table = registry.get("parcels").table
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (VERBOSE, FORMAT JSON) SELECT gis_fold(address) FROM {table}")
        plan = cursor.fetchone()[0][0]["Plan"]
    assert plan["Output"] == ["lower(gis_unaccent('unaccent'::regdictionary, address))"]


@pytest.mark.django_db
def test_fold_migration_leaves_the_old_definition_for_an_ordinary_role() -> None:
    """On a managed database (no superuser) 0007 must not fail the migrations: it keeps 0005's wrapper."""
    import importlib

    inlinable = importlib.import_module("layers.migrations.0007_inlinable_fold").INLINABLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef('gis_fold(text)'::regprocedure)")
        before = cursor.fetchone()[0]
        cursor.execute("CREATE ROLE gis_fold_probe NOSUPERUSER")
        cursor.execute("GRANT CREATE, USAGE ON SCHEMA public TO gis_fold_probe")
        cursor.execute("SET LOCAL ROLE gis_fold_probe")
        cursor.execute(inlinable)
        cursor.execute("RESET ROLE")
        cursor.execute("SELECT pg_get_functiondef('gis_fold(text)'::regprocedure)")
        assert cursor.fetchone()[0] == before
