"""Parcel addresses: a B-tree prefix index instead of a trigram index.

Maintaining the trigram index cost about 1 s per 100,000 parcels on every
load (more than half of the INSERT); addresses start with the house number,
so a prefix search ("125/7 hoang van thu") finds a parcel, and street names
(the small road and alley tables keep their trigram indexes) find streets.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("layers", "0005_search")]
    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS layer_parcels_address_trgm",
            reverse_sql="CREATE INDEX layer_parcels_address_trgm ON layer_parcels "
            "USING gin (gis_fold(address) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "CREATE INDEX layer_parcels_address_prefix ON layer_parcels (gis_fold(address) text_pattern_ops)",
            reverse_sql="DROP INDEX IF EXISTS layer_parcels_address_prefix",
        ),
    ]
