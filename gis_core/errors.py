"""The error hierarchy. Every error the CLI can show says what went wrong and what to do next.

``exit_code`` follows the CLI contract: 1 runtime failure, 2 bad usage or bad input.
"""

from __future__ import annotations


class GisCoreError(Exception):
    """Base class: a message fit for a user, and the exit code the CLI maps it to."""

    exit_code = 1


class UsageError(GisCoreError):
    """The caller asked for something that cannot be done as asked (bad argument, unknown name)."""

    exit_code = 2


class MissingDependencyError(GisCoreError):
    """A system component (PostgreSQL, PostGIS, GDAL) is not installed."""

    exit_code = 2


class DatabaseNotRunningError(GisCoreError):
    """The embedded cluster is not running, or the database cannot be reached."""

    exit_code = 1


class MigrationError(GisCoreError):
    """A migration failed, or an applied migration file was changed afterwards."""

    exit_code = 1


class MissingMigrationError(GisCoreError):
    """The database schema is behind the code."""

    exit_code = 1

    def __init__(self, pending: list[str]):
        self.pending = pending
        names = ", ".join(pending)
        super().__init__(
            f"the database has {len(pending)} migration(s) not applied: {names}.\n"
            "Run 'conflict-gis db migrate' first."
        )


class CRSMismatchError(GisCoreError):
    """Two geometries that must share a CRS do not."""

    exit_code = 2


class IngestRowError(GisCoreError):
    """One input row (or feature) is invalid. Names the file, row, field, value and what was expected."""

    exit_code = 2

    def __init__(self, file: str, row: int | None, field: str | None, value: object, expected: str):
        self.file, self.row, self.field, self.value, self.expected = file, row, field, value, expected
        where = file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: got {value!r}; expected {expected}")
