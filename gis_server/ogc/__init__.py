"""OGC API - Features at /ogc: pygeoapi inside Django, configured from the layer registry.

``config`` generates pygeoapi's configuration, ``provider`` is our PostGIS
provider (GeoJSON and reprojection in SQL), ``cql`` translates CQL2 into
parameterised SQL, ``service`` keeps one pygeoapi ``API`` per process and
``views`` are the thin Django views that call it.
"""
