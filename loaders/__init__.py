"""Loaders: read → decode → reproject → map fields → validate → stage → swap, driven by the `gis` CLI."""
