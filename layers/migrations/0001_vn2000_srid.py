"""Register SRID 9210 with the EPSG:6960 datum shift pinned.

PostGIS 3.3 ships no row for 9210; later versions ship one whose
auth_name makes PostGIS ask PROJ to choose the transformation, which picks
EPSG:5194 and lands 0.8 m off (DOMAIN.md §1). This row has no auth_name, so
PostGIS uses its srtext/proj4text, both carrying the official Helmert.
"""

from django.db import migrations

from layers.crs import VN2000_PROJ4, VN2000_SRID, VN2000_WKT1

UPSERT = """
INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text)
VALUES (%s, NULL, NULL, %s, %s)
ON CONFLICT (srid) DO UPDATE
SET auth_name = NULL, auth_srid = NULL, srtext = EXCLUDED.srtext, proj4text = EXCLUDED.proj4text
"""


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [
        migrations.RunSQL(
            sql=[(UPSERT, [VN2000_SRID, VN2000_WKT1, VN2000_PROJ4])],
            reverse_sql=[("DELETE FROM spatial_ref_sys WHERE srid = %s", [VN2000_SRID])],
        )
    ]
