"""Text search without diacritics: unaccent + pg_trgm, an immutable folding function, trigram indexes.

`gis_fold` mirrors `layers.vocabulary.fold` (lower case, no marks, đ → d) so
"hoang van thu" finds "Hoàng Văn Thụ". unaccent() itself is not immutable,
so it is wrapped with its dictionary named explicitly (the usual recipe).
"""

from django.db import migrations

FOLD = """
CREATE OR REPLACE FUNCTION gis_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0004_raster_datasets")]
    operations = [
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS unaccent", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(FOLD, reverse_sql="DROP FUNCTION IF EXISTS gis_fold(text)"),
        migrations.RunSQL(
            "CREATE INDEX layer_parcels_address_trgm ON layer_parcels USING gin (gis_fold(address) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS layer_parcels_address_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX layer_road_boundaries_name_trgm ON layer_road_boundaries USING gin (gis_fold(name) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS layer_road_boundaries_name_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX layer_alleys_name_trgm ON layer_alleys USING gin (gis_fold(name) gin_trgm_ops)",
            reverse_sql="DROP INDEX IF EXISTS layer_alleys_name_trgm",
        ),
    ]
