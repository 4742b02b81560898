"""CLI commands for issue 5: route-risk, alerts."""

from __future__ import annotations

from gis_core.cli.base import import_group, root  # noqa: F401
