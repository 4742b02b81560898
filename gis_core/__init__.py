"""conflict-gis: a geospatial conflict-event database and GIS layer on PostGIS."""

__version__ = "0.1.0"
