"""The Tân Bình GIS server: Django project (settings, URLs, health, errors, system checks)."""
