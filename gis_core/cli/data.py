"""CLI commands for issue 3: load seed, import roads, map."""

from __future__ import annotations

from gis_core.cli.base import import_group, root  # noqa: F401
