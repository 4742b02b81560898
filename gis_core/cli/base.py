"""The root command group and what every command shares: error mapping, database access, output."""

from __future__ import annotations

import sys
from datetime import date

import click
import psycopg
from rich.console import Console

from gis_core import db
from gis_core.db import migrate
from gis_core.errors import GisCoreError

out = Console()
err = Console(stderr=True)


class CommandError(click.ClickException):
    """A GisCoreError as click shows it: 'Error: <message>' on stderr and the error's exit code."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


class Group(click.Group):
    """A group whose commands' GisCoreErrors become clean messages with exit codes, never tracebacks."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except GisCoreError as exc:
            raise CommandError(str(exc), exc.exit_code) from exc
        except psycopg.Error as exc:
            raise CommandError(f"database error: {str(exc).strip()}", 1) from exc


@click.group(cls=Group)
@click.version_option(package_name="conflict-gis")
def root() -> None:
    """conflict-gis: conflict events, control zones, blockade corridors and route risk on PostGIS.

    Uses DATABASE_URL when set, otherwise the embedded PostgreSQL in CONFLICT_GIS_HOME
    (default ./.conflict-gis), which commands start on first use.
    """


@root.group(name="import", cls=Group)
def import_group() -> None:
    """Import files into the database (ACLED, UCDP, GeoJSON, roads)."""


def iso_date(ctx: click.Context, param: click.Parameter, value: str | date | None) -> date | None:
    """Click callback for date options: an ISO date (YYYY-MM-DD), exit 2 with a clear message otherwise."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected an ISO date YYYY-MM-DD; got {value!r}") from None


def open_db(*, autocommit: bool = False, require_schema: bool = True) -> psycopg.Connection:
    """Connect for a command: start the embedded cluster if needed, and check the schema is current."""
    url = db.ensure_running(quiet=not sys.stderr.isatty())
    conn = db.connect(url, autocommit=autocommit)
    if require_schema:
        try:
            migrate.require_current(conn)
        except GisCoreError:
            conn.close()
            raise
    return conn
