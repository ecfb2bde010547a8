"""The citizen web map at ``/``: MapLibre GL over our own vector tiles, search and the planning report."""
