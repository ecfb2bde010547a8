"""Layers: the registry, the models generated from it, and SQL builders over them."""
