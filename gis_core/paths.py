"""Where the project's files live (SQL, shipped data, layers)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The repository root: sql/ and layers/ sit beside the package (installed editable by `make setup`).
ROOT_DIR = Path(os.environ.get("CONFLICT_GIS_ROOT", PACKAGE_DIR.parent))
SQL_DIR = ROOT_DIR / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
QUERIES_DIR = SQL_DIR / "queries"
LAYERS_DIR = ROOT_DIR / "layers"
DATA_DIR = PACKAGE_DIR / "data"
