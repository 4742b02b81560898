"""CLI commands for issue 4: import acled|ucdp|geojson. Thin: parse, call gis_core.ingest, print."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gis_core.cli.base import err, import_group, open_db, out, root  # noqa: F401
from gis_core.ingest.loader import ImportResult, NoProgress, Progress


class BarProgress:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress as RichProgress, TimeRemainingColumn

        self._columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
        self._factory = RichProgress
        self._bar = None
        self._task = None

    def start(self, total: int | None, description: str) -> None:
        self._bar = self._factory("[progress.description]{task.description}", *self._columns, console=err, transient=True)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, amount)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _progress() -> Progress:
    return BarProgress() if sys.stderr.isatty() else NoProgress()


def _report(result: ImportResult) -> None:
    click.echo(result.summary())
    if result.rejected and not result.dry_run:
        click.echo(f"  {result.rejected} refused row(s) kept in conflict.ingest_quarantine (ingest run {result.run_id}):")
    for problem in result.problems[:20]:
        click.echo(f"  {problem}")
    if result.linked:
        click.echo(f"  {result.linked} cross-source twin(s) linked (conflict.event_links, layers.events_dedup)")


def _run_files(files: tuple[Path, ...], run_one) -> None:
    done: list[str] = []
    with open_db() as conn:
        conn.commit()  # end the schema check's read transaction: each file then commits (or rolls back) on its own
        for path in files:
            try:
                result = run_one(conn, path)
            except Exception:
                if done:
                    click.echo(f"already imported before the error: {', '.join(done)}", err=True)
                raise
            _report(result)
            done.append(str(path))


_common = [
    click.option("--quarantine", is_flag=True,
                 help="Load the valid rows and keep refused ones, with their reasons, in conflict.ingest_quarantine."),
    click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing."),
]


def _with_common(f):
    for option in reversed(_common):
        f = option(f)
    return f


@import_group.command(name="acled")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_with_common
def import_acled(files: tuple[Path, ...], quarantine: bool, dry_run: bool) -> None:
    """Import ACLED files: the CSV export (31 columns; older exports too), the API's JSON
    (`data` array) or the deleted-events list (event_id_cnty, deleted_timestamp).

    All or nothing per file: a refused row aborts the file (exit 2, nothing written) unless
    --quarantine. A newer ACLED `timestamp` updates an event in place and keeps the previous
    version in conflict.event_history; the same file twice changes nothing.

    Example:

        conflict-gis import acled 2026-04-01-2026-04-30-Mali.csv
        conflict-gis import acled acled_deleted.csv --dry-run
    """
    from gis_core.ingest import acled

    _run_files(files, lambda conn, path: acled.import_file(conn, path, quarantine=quarantine, dry_run=dry_run,
                                                           progress=_progress()))


@import_group.command(name="ucdp")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_with_common
def import_ucdp(files: tuple[Path, ...], quarantine: bool, dry_run: bool) -> None:
    """Import UCDP GED CSV files (GED yearly or Candidate releases).

    type_of_violence becomes an ACLED event type, where_prec / date_prec our 1-3 precision codes
    (UCDP's own codes are kept in `native`), best/low/high deaths are kept. Events reported by
    ACLED too (dates within a day, at most 10 km, compatible actors) are linked as twins.

    Example:

        conflict-gis import ucdp GEDEvent_v25_1.csv --quarantine
    """
    from gis_core.ingest import ucdp

    _run_files(files, lambda conn, path: ucdp.import_file(conn, path, quarantine=quarantine, dry_run=dry_run,
                                                          progress=_progress()))


@import_group.command(name="geojson")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layer", required=True, type=click.Choice(["events", "control_zones", "corridors", "sites"]),
              help="Which table the features go to (property schema per layer: docs/importers.md).")
@click.option("--source", "source_name", default=None,
              help="Source name for features without a 'source' property (default: the file name).")
@_with_common
def import_geojson(file: Path, layer: str, source_name: str | None, quarantine: bool, dry_run: bool) -> None:
    """Import a GeoJSON FeatureCollection (RFC 7946, lon/lat WGS 84) into one layer.

    Each layer has a documented property schema (docs/importers.md). Features are matched on
    their key (events: source + source_event_id; control_zones: zone_key + valid_from;
    corridors: corridor_key + valid_from; sites: name): same file twice changes nothing.

    Example:

        conflict-gis import geojson kidal_control.geojson --layer control_zones
    """
    from gis_core.ingest import geojson

    _run_files((file,), lambda conn, path: geojson.import_file(conn, path, layer=layer, source_name=source_name,
                                                               quarantine=quarantine, dry_run=dry_run,
                                                               progress=_progress()))
