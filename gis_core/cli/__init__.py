"""The `conflict-gis` command line: thin wrappers that parse arguments, call the library and print.

Each command group lives in its own module and registers itself on the root group.
"""

from __future__ import annotations

from gis_core.cli.base import root
from gis_core.cli import analysis, data, db, importers  # noqa: F401  (each registers its commands)


def main() -> None:
    """Console-script entry point."""
    root(prog_name="conflict-gis")


if __name__ == "__main__":
    main()
