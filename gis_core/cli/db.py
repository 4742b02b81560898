"""`conflict-gis db …`: the embedded cluster and the schema."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from rich.table import Table

from gis_core import db as database
from gis_core.cli.base import Group, out, root
from gis_core.db import migrate as migrations
from gis_core.db.cluster import Cluster
from gis_core.db.status import read_status
from gis_core.errors import UsageError

ROLES = {"owner": "postgres", "writer": "conflict_writer", "reader": "conflict_reader"}


@root.group(cls=Group)
def db() -> None:
    """Start, stop, inspect and migrate the database."""


def _embedded_only(action: str) -> Cluster:
    if not database.using_embedded():
        raise UsageError(f"DATABASE_URL is set: conflict-gis does not {action} that server; unset it to use the embedded one")
    return Cluster.default()


@db.command()
@click.option("--listen", is_flag=True, help="Also listen on 127.0.0.1:PORT (CONFLICT_GIS_PORT, default 55432), e.g. for QGIS.")
def start(listen: bool) -> None:
    """Initialise (first use) and start the embedded PostgreSQL + PostGIS.

    Example:
        conflict-gis db start --listen
    """
    cluster = _embedded_only("start")
    was_running = cluster.running()
    cluster.start(listen=listen)
    state = "already running" if was_running else "started"
    out.print(f"embedded PostgreSQL {state} in {cluster.home}")
    out.print(f"connect: psql \"{cluster.url(tcp=listen)}\"", soft_wrap=True, highlight=False)


@db.command()
def stop() -> None:
    """Stop the embedded PostgreSQL.

    Example:
        conflict-gis db stop
    """
    cluster = _embedded_only("stop")
    out.print("stopped" if cluster.stop() else "not running")


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(as_json: bool) -> None:
    """Show whether the database runs, its PostgreSQL and PostGIS versions, size and rows per table.

    Example:
        conflict-gis db status --json
    """
    if database.using_embedded() and not Cluster.default().running():
        cluster = Cluster.default()
        if as_json:
            click.echo(json.dumps({"running": False, "home": str(cluster.home)}))
        else:
            out.print(f"embedded PostgreSQL in {cluster.home}: not running (start it: conflict-gis db start)")
        raise SystemExit(1)
    url = database.database_url()
    with database.connect(url) as conn:
        info = read_status(conn, url)
    if as_json:
        click.echo(json.dumps({"running": True, **asdict(info)}, indent=2))
        return
    out.print(f"[bold]database[/bold]   {info.url}  (running)", soft_wrap=True, highlight=False)
    out.print(f"[bold]PostgreSQL[/bold] {info.postgres_version}", highlight=False)
    out.print(f"[bold]PostGIS[/bold]    {info.postgis_version}", highlight=False)
    out.print(f"[bold]size[/bold]       {info.database_size_bytes / 1e6:.1f} MB")
    pending = ", ".join(info.pending_migrations) or "none"
    out.print(f"[bold]migrations[/bold] {info.applied_migrations} applied, pending: {pending}")
    table = Table("table (schema conflict)", "rows", title="rows per table")
    for name, count in info.row_counts.items():
        table.add_row(name, f"{count:,}")
    out.print(table)


@db.command()
@click.option("--role", type=click.Choice(sorted(ROLES)), default="owner", show_default=True,
              help="Connect as this role (reader: read-only, for QGIS and the server).")
@click.option("--tcp", is_flag=True, help="The 127.0.0.1 address (needs 'db start --listen') instead of the socket.")
@click.option("--libpq", is_flag=True, help="Print 'key=value' form (GDAL PG:\"…\", QGIS) instead of a URI.")
def url(role: str, tcp: bool, libpq: bool) -> None:
    """Print a connection string that psql, ogr2ogr and QGIS accept.

    Example:
        psql "$(conflict-gis db url)"
        ogrinfo PG:"$(conflict-gis db url --libpq)" layers.events
    """
    if database.using_embedded():
        text = Cluster.default().url(user=ROLES[role], tcp=tcp)
    else:
        parts = conninfo_to_dict(database.database_url())
        if role != "owner":
            parts.update(user=ROLES[role])
            parts.pop("password", None)
        text = make_conninfo(**parts) if libpq else database.database_url() if role == "owner" else None
        if text is None:
            raise UsageError("with DATABASE_URL, --role needs --libpq (the URI form keeps the URL's own user)")
    if libpq and database.using_embedded():
        text = make_conninfo(**conninfo_to_dict(text))
    click.echo(text)


@db.command()
def migrate() -> None:
    """Apply pending migrations from sql/migrations, in order, each in its own transaction.

    Example:
        conflict-gis db migrate
    """
    url = database.ensure_running()
    applied = migrations.migrate(url)
    if applied:
        for name in applied:
            out.print(f"applied {name}")
    else:
        out.print("database is up to date")
