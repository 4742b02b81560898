"""CLI commands for issue 4: import acled|ucdp|geojson."""

from __future__ import annotations

from gis_core.cli.base import import_group, root  # noqa: F401
