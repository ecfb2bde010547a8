"""Tile cache: PostGIS vector tiles and MapProxy raster tiles, purged by what a load changed (issue 6)."""
