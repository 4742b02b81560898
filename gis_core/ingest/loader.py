"""The bulk path every importer shares: COPY into a staging table, set-based validation, versioned upsert.

1. ``stage_*`` streams the input into ``ingest_stg`` (a temporary table of text columns) through COPY;
   the file is read in 1 MiB chunks and hashed on the way (memory stays flat).
2. A format's ``*_normalise.sql`` turns the text into typed ``ingest_norm`` rows with a ``problems`` list.
3. ``apply`` refuses the whole file when any row has a problem (exit 2, nothing written), or with
   ``quarantine`` keeps the refused rows in ``conflict.ingest_quarantine`` and loads the rest; then it
   plans insert / update / unchanged, keeps previous versions in ``conflict.event_history``, links actors
   and cross-source twins, and records the run in ``conflict.ingest_runs``.

Everything happens in one transaction: an error leaves the database as it was (only the refused run is
recorded, in ``ingest_runs`` with status ``failed``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.types.json import Jsonb

from gis_core import queries
from gis_core.ingest import actors as actor_links
from gis_core.ingest import dedupe
from gis_core.ingest.validate import IngestFileError, IngestRejected, Problem, check_header, problems_from_sql

CHUNK = 1 << 20
DEDUPE_RADIUS_M = 10_000.0
# CONFLICT_GIS_IMPORT_PROFILE=1: one line per step and per SQL statement on stderr (seconds, rows).
PROFILE = os.environ.get("CONFLICT_GIS_IMPORT_PROFILE", "") not in ("", "0")


@contextmanager
def step(label: str) -> Iterator[None]:
    """Time one step of an import (printed on stderr when CONFLICT_GIS_IMPORT_PROFILE is set)."""
    if not PROFILE:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        print(f"[import profile] {time.perf_counter() - t0:8.3f} s  {label}", file=sys.stderr, flush=True)


def _label(statement: str) -> str:
    code = [line.strip() for line in statement.splitlines() if line.strip() and not line.strip().startswith("--")]
    return " ".join(code)[:90]


class Progress(Protocol):
    """What the loader reports to: the CLI shows a bar on a terminal; the library default shows nothing."""

    def start(self, total: int | None, description: str) -> None: ...
    def advance(self, amount: int) -> None: ...
    def stop(self) -> None: ...


class NoProgress:
    def start(self, total: int | None, description: str) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class SourceInfo:
    """The provenance row (conflict.sources) the imported records point to."""

    name: str
    kind: str = "dataset"
    citation: str | None = None
    url: str | None = None
    licence: str | None = None


@dataclass
class ImportResult:
    file: str
    format: str
    run_id: int | None = None
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    quarantined: int = 0
    linked: int = 0
    fast_path: bool | None = None  # None: not run; True: bulk path or cast-based normalisation kept; False: detailed path
    bulk: bool = False  # the bulk path (Arrow in the client, gis_core.ingest.bulk) did the reading and checking
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.deleted + self.rejected

    def summary(self) -> str:
        """The one-line summary the CLI prints."""
        head = "dry run, nothing written: would have " if self.dry_run else ""
        return (f"{self.file}: {head}inserted {self.inserted}, updated {self.updated}, "
                f"unchanged {self.unchanged}, deleted {self.deleted}, rejected {self.rejected} in {self.seconds:.1f} s")


# --- SQL helpers ---------------------------------------------------------------------------------------


def run_script(conn: psycopg.Connection, name: str, params: dict[str, Any] | None = None) -> int:
    """Run a named query file that may hold several statements; return the last statement's row count."""
    text = queries.get(name)
    rowcount = 0
    for statement in _statements(text):
        with step(f"{name}: {_label(statement)}"):
            cur = conn.execute(statement, params if params and "%(" in statement else None)  # type: ignore[arg-type]
        rowcount = cur.rowcount
    return rowcount


def _statements(text: str) -> list[str]:
    parts, current = [], []
    for line in text.splitlines():
        current.append(line)
        if line.rstrip().endswith(";") and not line.lstrip().startswith("--"):
            stmt = "\n".join(current).strip()
            if _has_code(stmt):
                parts.append(stmt)
            current = []
    rest = "\n".join(current).strip()
    if _has_code(rest):
        parts.append(rest)
    return parts


def _has_code(stmt: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in stmt.splitlines())


def source_id(conn: psycopg.Connection, source: SourceInfo, file_name: str | None = None) -> int:
    row = conn.execute(queries.get("ingest/source_get"), {
        "name": source.name, "kind": source.kind, "file_name": file_name, "citation": source.citation,
        "url": source.url, "licence": source.licence}).fetchone()
    assert row is not None
    return int(row[0])


TEMP_BUFFERS = "2GB"  # a cap, allocated as used: the 1 M-row staging + normalised tables (~1.2 GB) stay in memory


def _session_setup(conn: psycopg.Connection) -> None:
    """Larger temp buffers for the staging tables (only possible before the session's first temp table)."""
    try:
        with conn.transaction():
            conn.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except psycopg.Error:
        pass


# --- staging -------------------------------------------------------------------------------------------


def create_staging(conn: psycopg.Connection, columns: Sequence[str], *, first_row: int) -> None:
    for table in ("ingest_stg", "ingest_stg_changed", "ingest_norm", "ingest_plan", "ingest_actor_map"):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    cols = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
    # ingest_raw_hash: md5 of the row's bytes as shipped (CSV, computed by the client while streaming; NULL otherwise).
    # Placed first, with the id column next (``known`` starts with it): the skip of unchanged rows reads only these
    # without deforming the 30-odd text columns after them.
    conn.execute(sql.SQL(
        "CREATE TEMP TABLE ingest_stg (row_no bigint GENERATED BY DEFAULT AS IDENTITY (MINVALUE 0 START WITH {}), "
        "ingest_raw_hash uuid, {}) ON COMMIT DROP"
    ).format(sql.Literal(first_row), cols))


def read_csv_header(path: Path) -> tuple[list[str], bytes, Any]:
    """Open ``path`` and read its header line. Returns (column names, raw header bytes, the open binary file)."""
    f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    raw = f.readline()
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        header = next(csv.reader([text]))
    except (StopIteration, csv.Error):
        header = []
    return [h.strip() for h in header], raw, f


def stage_csv_file(conn: psycopg.Connection, path: Path, *, known: Sequence[str], required: Sequence[str], what: str,
                   progress: Progress, header_hook: Callable[[list[str]], None] | None = None) -> tuple[str, list[str]]:
    """COPY a CSV file into ``ingest_stg`` (rows numbered from 2: the header is row 1). Returns (sha256, header)."""
    header, raw_header, f = read_csv_header(path)
    with f:
        if not header or header == [""]:
            raise IngestFileError(str(path), 1, None, raw_header[:80].decode("utf-8", "replace"), f"a CSV header row ({what})")
        check_header(str(path), header, required=required, what=what)
        if header_hook:
            header_hook(header)
        columns = list(known) + [h for h in header if h not in known]
        create_staging(conn, columns, first_row=2)
        digest = hashlib.sha256(raw_header)
        size = path.stat().st_size
        progress.start(size, f"importing {path.name}")
        progress.advance(len(raw_header))
        names = sql.SQL(", ").join(sql.Identifier(h) for h in header)
        copy_sql = sql.SQL("COPY ingest_stg ({}, ingest_raw_hash) FROM STDIN (FORMAT csv)").format(names)
        body = f.tell()
        try:
            with conn.transaction():  # a savepoint: on a parse error, COPY again without the hash column (exact messages)
                cur = conn.cursor()
                # The sends run in a thread (QueuedLibpqWriter): hashing the next chunk overlaps the server's parsing.
                with cur.copy(copy_sql, writer=QueuedLibpqWriter(cur)) as copy:
                    for chunk, out in _with_row_hashes(f, RAW_HASH_VERSION + raw_header):
                        digest.update(chunk)
                        copy.write(out)
                        progress.advance(len(chunk))
        except (psycopg.errors.DataError, psycopg.errors.BadCopyFileFormat):
            f.seek(body)
            digest = hashlib.sha256(raw_header)
            try:
                with conn.cursor().copy(sql.SQL("COPY ingest_stg ({}) FROM STDIN (FORMAT csv)").format(names)) as copy:
                    while chunk := f.read(CHUNK):
                        digest.update(chunk)
                        copy.write(chunk)
            except psycopg.errors.DataError as exc:
                raise _copy_error(str(path), exc, what) from None
            except psycopg.errors.BadCopyFileFormat as exc:
                raise _copy_error(str(path), exc, what) from None
    return digest.hexdigest(), header


# Part of every row hash: change it when a normalisation changes what a row as shipped becomes, so that a re-import
# normalises every row again instead of skipping rows it once accepted (docs/importers.md, "Re-import").
RAW_HASH_VERSION = b"conflict-gis raw row v1\n"


def _records(f: Any) -> Iterator[tuple[bytes, list[bytes]]]:
    """Read the CSV body in chunks; yield (chunk as read, the records completed in it).

    Records are split where PostgreSQL's CSV reader splits them: at a line break outside quotes (an even
    number of quote characters so far; "" inside a quoted field counts twice). A record keeps its line
    break(s) inside quotes and loses its final line break (a final carriage return stays: see _hash_line).
    """
    pending = b""  # an incomplete record carried over (a chunk boundary, or a line break inside quotes)
    while chunk := f.read(CHUNK):
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        out = []
        record: list[bytes] = []
        for line in lines:
            record.append(line)
            if len(record) == 1:
                if line.count(b'"') & 1:
                    continue
                text = line
            else:
                text = b"\n".join(record)
                if text.count(b'"') & 1:
                    continue
            record = []
            out.append(text)
        if record:
            pending = b"\n".join(record) + b"\n" + pending
        yield chunk, out
    if pending:
        yield b"", [pending]


def _with_row_hashes(f: Any, seed: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Read the CSV body in chunks; yield (chunk as read, chunk with ``,<md5>`` appended to every record).

    The md5 covers the header line (and ``seed``) and the record's bytes as shipped, line break(s) inside quotes
    included, final line break excluded (records split as ``_records`` splits them).
    """
    base = hashlib.md5(seed)
    for chunk, records in _records(f):
        out = []
        for text in records:
            if text == b"\\." and chunk:  # COPY's end-of-data marker, passed through unhashed
                out.append(text)
                continue
            cr = text.endswith(b"\r")
            body = text[:-1] if cr else text
            h = base.copy()
            h.update(body)
            # the carriage return stays the record's line end, except after the last record (no line break follows)
            out.append(b"%s,%s%s" % (body, h.hexdigest().encode(), b"\r" if cr and chunk else b""))
        yield chunk, (b"\n".join(out) + (b"\n" if chunk else b"")) if out else b""


def record_hashes(f: Any, seed: bytes) -> Iterator[tuple[bytes, list[str]]]:
    """(chunk as read, the md5 hex of each record completed in it): the raw hashes ``_with_row_hashes`` appends."""
    base = hashlib.md5(seed)
    for chunk, records in _records(f):
        hashes = []
        for text in records:
            h = base.copy()
            h.update(text[:-1] if text.endswith(b"\r") else text)
            hashes.append(h.hexdigest())
        yield chunk, hashes


def _copy_error(file: str, exc: psycopg.Error, what: str) -> IngestFileError:
    """A COPY parse error (wrong number of fields, bad encoding) as a row error: COPY's 'line N' is N+1 in the file."""
    import re

    context = exc.diag.context or ""
    match = re.search(r"line (\d+)", context)
    line = int(match.group(1)) + 1 if match else None
    detail = (exc.diag.message_primary or str(exc)).strip()
    col = re.search(r'column (\w+)', context)
    return IngestFileError(file, line, col.group(1) if col else None, detail,
                           f"a well-formed UTF-8 CSV row with the header's columns ({what}); line numbers count physical lines",
                           unit="line")


def stage_records(conn: psycopg.Connection, records: Iterable[tuple[int, dict[str, Any]]], *, columns: Sequence[str],
                  progress: Progress) -> None:
    """COPY dict records (from JSON) into ``ingest_stg``: row_no is the record's index."""
    create_staging(conn, columns, first_row=0)
    names = ["row_no", *columns]
    copy_sql = sql.SQL("COPY ingest_stg ({}) FROM STDIN").format(sql.SQL(", ").join(sql.Identifier(c) for c in names))
    with conn.cursor().copy(copy_sql) as copy:
        for index, record in records:
            copy.write_row([index, *(_as_text(record.get(c)) for c in columns)])
            progress.advance(1)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- apply ---------------------------------------------------------------------------------------------


@dataclass
class Job:
    """One file's import, as the format modules describe it to ``execute``."""

    path: Path
    format: str  # acled | acled-deleted | ucdp | geojson-events
    source: SourceInfo
    stage: Callable[[psycopg.Connection, Progress], str]  # fills ingest_stg, returns the file's sha256
    normalise: str  # named query creating ingest_norm
    unit: str = "row"
    id_field: str = "event_id_cnty"
    deletions: bool = False
    quarantine: bool = False
    dry_run: bool = False
    dedupe: bool = True
    raw_key: str | None = None  # the staged column holding the event id: rows whose raw hash is stored are skipped
    bulk: list[str] | None = None  # the columns the bulk path needs (gis_core.ingest.bulk), None: detailed path only


class _DryRun(Exception):
    pass


def execute(conn: psycopg.Connection, job: Job, progress: Progress | None = None) -> ImportResult:
    """Run one import job in one transaction (see the module docstring)."""
    progress = progress or NoProgress()
    started = time.perf_counter()
    file_name = str(job.path)
    result = ImportResult(file=file_name, format=job.format, dry_run=job.dry_run)
    options = {"quarantine": job.quarantine, "dry_run": job.dry_run}
    _session_setup(conn)
    sha: str | None = None
    src_id: int | None = None
    try:
        with conn.transaction():
            conn.execute("SET LOCAL work_mem = '256MB'")
            conn.execute("SET LOCAL jit = off")  # compiling the wide validation expressions costs more than it saves
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('conflict-gis import'), hashtext(%s))", (job.source.name,))
            src_id = source_id(conn, job.source)
            bulk = _try_bulk(conn, job, src_id, file_name, options, progress) if job.bulk and not job.dry_run else None
            result.bulk = bulk is not None
            if bulk is not None and bulk.direct:  # a first load, written straight into conflict.events
                sha, run_id = bulk.sha256, bulk.run_id
                result.run_id, result.inserted, result.fast_path = run_id, bulk.written, True
                if job.dedupe and result.inserted:
                    with step("dedupe links"):
                        result.linked = dedupe.link_run(conn, run_id=run_id, source_id=src_id, radius_m=DEDUPE_RADIUS_M)
                result.seconds = time.perf_counter() - started
                _finish(conn, run_id, "ok", result, sha, None)
                return result
            if bulk is not None:  # an incremental load: ingest_norm holds the new and newer rows, all valid
                sha, skipped, result.fast_path = bulk.sha256, bulk.unchanged, True
            else:
                try:
                    with step("stage (COPY into ingest_stg)"):
                        sha = job.stage(conn, progress)
                finally:
                    progress.stop()
                with step("skip rows unchanged since the last import (raw hash)"):
                    skipped = _skip_unchanged(conn, job, src_id)
                result.fast_path = normalise(conn, job.normalise)
            with step("ANALYZE ingest_norm"):  # the later joins and aggregates are planned on real counts
                conn.execute("SET LOCAL default_statistics_target = 10")  # a 3 000-row sample is plenty for counts
                conn.execute("ANALYZE ingest_norm")
                conn.execute("RESET default_statistics_target")
            duplicates = 0
            if not job.deletions:
                with step("mark duplicate ids"):
                    duplicates = conn.execute(queries.get("ingest/mark_duplicates"),
                                              {"id_field": job.id_field, "row_label": job.unit}).rowcount
            if result.fast_path:  # the fast path was kept only because it refused no row: the duplicates are all
                rejected = duplicates
            else:
                with step("count refused rows"):
                    rejected = int(conn.execute(queries.get("ingest/rejected_count")).fetchone()[0])  # type: ignore[index]
            result.rejected = rejected
            if rejected:
                result.problems = _first_problems(conn, file_name, job.unit)
                if not job.quarantine:
                    total = skipped + int(conn.execute("SELECT count(*) FROM ingest_norm").fetchone()[0])  # type: ignore[index]
                    raise IngestRejected(file_name, rejected, total, result.problems)
            if job.dry_run:
                _dry_counts(conn, job, src_id, result)
                result.unchanged += skipped
                raise _DryRun()
            run_id = bulk.run_id if bulk is not None else int(conn.execute(queries.get("ingest/run_start"), {
                "source_id": src_id, "format": job.format, "file_name": file_name, "file_sha256": sha,
                "options": Jsonb(options)}).fetchone()[0])  # type: ignore[index]
            result.run_id = run_id
            if rejected:
                result.quarantined = run_script(conn, "ingest/quarantine", {"run_id": run_id, "file_name": file_name})
            if job.deletions:
                run_script(conn, "ingest/delete_events", {"source_id": src_id, "run_id": run_id})
                result.deleted, result.unchanged = conn.execute(queries.get("ingest/delete_counts")).fetchone()  # type: ignore[misc]
            else:
                run_script(conn, "ingest/plan", {"source_id": src_id})
                with step("plan counts"):
                    result.inserted, result.updated, result.unchanged = conn.execute(queries.get("ingest/plan_counts")).fetchone()  # type: ignore[misc]
                result.unchanged += skipped
                if result.inserted or result.updated:  # an unchanged file writes nothing, not even actors
                    actor_links.link_actors(conn)
                if result.updated:
                    run_script(conn, "ingest/history_updates", {"run_id": run_id})
                    run_script(conn, "ingest/dedupe_unlink_updated")
                    run_script(conn, "ingest/update_events", {"run_id": run_id})
                if result.inserted:
                    with _indexes_built_after(conn, result.inserted):
                        run_script(conn, "ingest/insert_events", {"source_id": src_id, "run_id": run_id})
                if job.dedupe and (result.inserted or result.updated):
                    with step("dedupe links"):
                        result.linked = dedupe.link_run(conn, run_id=run_id, source_id=src_id, radius_m=DEDUPE_RADIUS_M)
            result.seconds = time.perf_counter() - started
            _finish(conn, run_id, "ok", result, sha, None)
        step_commit = time.perf_counter()
        if PROFILE:
            print(f"[import profile] {step_commit - started - result.seconds:8.3f} s  run record + commit", file=sys.stderr)
    except _DryRun:
        result.seconds = time.perf_counter() - started
        result.run_id = _record(conn, None, job, sha, "dry-run", result, options, None)
        return result
    except IngestRejected as exc:
        result.seconds = time.perf_counter() - started
        _record(conn, None, job, sha, "failed", result, options, str(exc)[:4000])
        raise
    except IngestFileError as exc:
        _record(conn, None, job, sha or _safe_sha(job.path), "failed", result, options, str(exc)[:4000])
        raise
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class BulkDone:
    """What the bulk path left: the run it recorded, the file's sha256, and where the rows went."""

    run_id: int
    sha256: str
    direct: bool  # written into conflict.events (a first load); otherwise ingest_norm holds the rows to plan
    written: int
    unchanged: int


def _try_bulk(conn: psycopg.Connection, job: Job, src_id: int, file_name: str, options: dict[str, Any],
              progress: Progress) -> BulkDone | None:
    """The bulk path (gis_core.ingest.bulk) in a savepoint; None (everything rolled back) when the file needs the detailed path."""
    from gis_core.ingest import bulk

    assert job.bulk is not None
    header, raw_header, f = read_csv_header(job.path)
    f.close()
    try:
        with conn.transaction():  # a savepoint
            run_id = int(conn.execute(queries.get("ingest/run_start"), {
                "source_id": src_id, "format": job.format, "file_name": file_name, "file_sha256": None,
                "options": Jsonb(options)}).fetchone()[0])  # type: ignore[index]
            first = not conn.execute(queries.get("ingest/bulk_source_has_events"), {"source_id": src_id}).fetchone()[0]  # type: ignore[index]
            progress.start(job.path.stat().st_size, f"importing {job.path.name}")
            progress.advance(len(raw_header))
            with step("bulk: read, check and COPY"):
                with _first_load(conn, first, job.path.stat().st_size // BYTES_PER_ROW_MIN) as direct:
                    outcome = bulk.load(conn, job.path, header, job.bulk, src_id=src_id, run_id=run_id,
                                        seed=RAW_HASH_VERSION, progress=progress,
                                        first_load=first)
                    if direct.triggers_off:
                        with step("bulk: references and alerts of the loaded rows"):
                            _after_triggerless_load(conn, src_id, run_id, outcome.actor_ids)
    except (bulk.NotBulk, psycopg.errors.DataError, psycopg.errors.IntegrityError) as exc:
        if PROFILE:
            print(f"[import profile] bulk path not taken: {exc}", file=sys.stderr, flush=True)
        progress.stop()
        return None
    progress.stop()
    return BulkDone(run_id, outcome.sha256, first, outcome.written, outcome.unchanged)


# A current ACLED export has ~400 bytes a row: a file of at least this many bytes a row is large enough to
# make building the indexes after the load worth it (an estimate: the real count is known only at the end).
BYTES_PER_ROW_MIN = 600


@dataclass
class _Direct:
    triggers_off: bool = False


@contextmanager
def _first_load(conn: psycopg.Connection, first: bool, estimated_rows: int) -> Iterator[_Direct]:
    """Around a direct COPY into conflict.events: indexes built after it, statement triggers replaced by set checks.

    The statement-level triggers (reference checks, alerts) keep every new row in a transition table; on a
    first load of 1 M rows that store is ~0.5 GB written to disk. The owner may disable them for this
    transaction (the lock is already exclusive) when it then does their work itself (``_after_triggerless_load``).
    """
    state = _Direct()
    if not first:
        yield state
        return
    with _indexes_built_after(conn, estimated_rows):
        owned = _owns_events(conn)
        if owned:
            conn.execute("LOCK TABLE conflict.events IN SHARE ROW EXCLUSIVE MODE")
            for trigger in TRANSITION_TRIGGERS:
                conn.execute(sql.SQL("ALTER TABLE conflict.events DISABLE TRIGGER {}").format(sql.Identifier(trigger)))
            state.triggers_off = True
        yield state
        if owned:
            for trigger in TRANSITION_TRIGGERS:
                conn.execute(sql.SQL("ALTER TABLE conflict.events ENABLE TRIGGER {}").format(sql.Identifier(trigger)))


TRANSITION_TRIGGERS = ("events_check_refs_ins", "events_raise_alerts_ins")


def _after_triggerless_load(conn: psycopg.Connection, src_id: int, run_id: int, actor_ids: set[int]) -> None:
    """What the two insert triggers would have done, for the rows of this run: check and lock the referenced
    rows (conflict.require_referenced), then raise and NOTIFY the alerts of the new events."""
    conn.execute(queries.get("ingest/bulk_check_refs"), {
        "source_ids": [src_id], "actor_ids": sorted(actor_ids), "run_ids": [run_id]})
    ids = [r[0] for r in conn.execute(queries.get("ingest/bulk_raise_alerts"), {"run_id": run_id})]
    if ids:
        conn.execute(queries.get("ingest/bulk_notify_alerts"), {"ids": ids})


def _skip_unchanged(conn: psycopg.Connection, job: Job, src_id: int) -> int:
    """Drop from ``ingest_stg`` the rows whose raw hash (the row's bytes as shipped) is the stored event's: unchanged.

    Such a row was validated, normalised and planned when it was first imported; the same bytes under the same header
    normalise to the same row, and its timestamp or content hash is the stored one, so the plan could only say
    "unchanged". Skipping it saves normalising, planning and actor work: a re-import of an unchanged file is the COPY,
    one hash anti-join and the run record. Not done when the source has no events yet (a first import), nor when an
    id appears twice in the file (the full path refuses the later rows, as before). Returns the rows skipped.
    """
    if not job.raw_key or job.deletions:
        return 0
    if not conn.execute("SELECT EXISTS (SELECT 1 FROM conflict.events WHERE source_id = %s)", (src_id,)).fetchone()[0]:  # type: ignore[index]
        return 0
    key = sql.Identifier(job.raw_key)
    with step("skip: an id twice in the file?"):
        twice = conn.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM ingest_stg GROUP BY btrim({}) HAVING count(*) > 1)").format(key)).fetchone()[0]  # type: ignore[index]
    if twice:
        return 0
    total = int(conn.execute("SELECT count(*) FROM ingest_stg").fetchone()[0])  # type: ignore[index]
    # An anti-join probing a hash of the stored (id, raw hash): ingest_stg is scanned in its order (file order kept).
    # Neither table has statistics yet (estimates of 1 000 rows): without these settings the planner sorted both
    # sides for a merge anti-join (wide staged rows sorted, rows out of file order): 0.61 s at 200 k rows.
    conn.execute("SET LOCAL enable_mergejoin = off")
    conn.execute("SET LOCAL enable_nestloop = off")
    with step("skip: anti-join with the stored raw hashes"):
        kept = conn.execute(sql.SQL(
            "CREATE TEMP TABLE ingest_stg_changed ON COMMIT DROP AS SELECT s.* FROM ingest_stg s WHERE NOT EXISTS ("
            "SELECT 1 FROM conflict.events e WHERE e.source_id = %s AND e.source_event_id = btrim(s.{}) "
            "AND e.raw_hash = s.ingest_raw_hash)").format(key), (src_id,)).rowcount
    conn.execute("RESET enable_mergejoin")
    conn.execute("RESET enable_nestloop")
    if kept == total:
        conn.execute("DROP TABLE ingest_stg_changed")
        return 0
    conn.execute("DROP TABLE ingest_stg")
    conn.execute("ALTER TABLE ingest_stg_changed RENAME TO ingest_stg")
    return total - kept


BUILD_AFTER_MIN_ROWS = 50_000


def _owns_events(conn: psycopg.Connection) -> bool:
    """Whether the current role owns conflict.events (may drop its indexes, disable its triggers)."""
    return bool(conn.execute(
        "SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = 'conflict.events'::regclass").fetchone()[0])  # type: ignore[index]


@contextmanager
def _indexes_built_after(conn: psycopg.Connection, rows: int) -> Iterator[None]:
    """First load of an empty events table: drop its secondary indexes, insert, build them again.

    Building an index over the loaded rows is several times cheaper than maintaining it row by row
    (docs/importers.md, "Speed"). Done only when conflict.events is empty, the load is large and the current
    role owns the table (a writer role cannot, and need not: it keeps the incremental path). Constraint
    indexes (primary key, unique key) stay. All inside the import's transaction: an error restores them.
    """
    owned = rows >= BUILD_AFTER_MIN_ROWS and _owns_events(conn)
    if not owned:
        yield
        return
    conn.execute("LOCK TABLE conflict.events IN ACCESS EXCLUSIVE MODE")
    if conn.execute("SELECT EXISTS (SELECT 1 FROM conflict.events)").fetchone()[0]:  # type: ignore[index]
        yield
        return
    definitions = conn.execute(queries.get("ingest/events_secondary_indexes")).fetchall()
    for name, _ in definitions:
        conn.execute(sql.SQL("DROP INDEX conflict.{}").format(sql.Identifier(name)))
    # The unique key (source_id, source_event_id) too: nothing references it, the table is empty and locked, and the
    # file's ids were checked unique (mark_duplicates), so adding it back cannot fail on this load's rows.
    # (The primary key stays: event_links and alerts reference it.)
    uniques = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'conflict.events'::regclass AND contype = 'u' ORDER BY conname").fetchall()
    for name, _ in uniques:
        conn.execute(sql.SQL("ALTER TABLE conflict.events DROP CONSTRAINT {}").format(sql.Identifier(name)))
    yield
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for name, definition in uniques:
        with step(f"build unique key {name}"):
            conn.execute(sql.SQL("ALTER TABLE conflict.events ADD CONSTRAINT {} ").format(sql.Identifier(name))
                         + sql.SQL(definition))
    for name, definition in definitions:
        with step(f"build index {name}"):
            conn.execute(definition)


# The detailed parse helpers and their fast twins (sql/migrations/0020): same result, or an error.
FAST_HELPERS = {
    "conflict.ingest_int(": "conflict.ingest_int_fast(",
    "conflict.ingest_float(": "conflict.ingest_float_fast(",
    "conflict.ingest_date(": "conflict.ingest_date_fast(",
    "conflict.acled_inter_code(": "conflict.acled_inter_code_fast(",
}


def fast_variant(text: str) -> str:
    """A normalisation query with the regex-based parse helpers swapped for their cast-based twins."""
    for slow, fast in FAST_HELPERS.items():
        text = text.replace(slow, fast)
    return text


def normalise(conn: psycopg.Connection, name: str) -> bool:
    """Create ``ingest_norm`` from ``ingest_stg``: fast path first, detailed path when it is not enough.

    The fast variant of the named query parses with plain casts (C speed). It is kept only when it
    succeeds and refuses no row; a cast error or any refused row rolls it back (a savepoint) and the
    detailed query runs instead, so every message and every quarantined reason is the detailed one.
    The checks themselves are the same SQL in both variants. Returns True when the fast path was kept.
    """
    text = queries.get(name)
    try:
        with conn.transaction():  # a savepoint
            for statement in _statements(fast_variant(text)):
                with step(f"{name} (fast): {_label(statement)}"):
                    conn.execute(statement)
            with step("count refused rows (fast path)"):
                refused = conn.execute(queries.get("ingest/rejected_count")).fetchone()[0]  # type: ignore[index]
            if refused:
                raise _SlowPath()
        return True
    except (psycopg.errors.DataError, _SlowPath):
        run_script(conn, name)
        return False


class _SlowPath(Exception):
    pass


def _safe_sha(path: Path) -> str | None:
    try:
        return sha256_of(path)
    except OSError:
        return None


def _first_problems(conn: psycopg.Connection, file_name: str, unit: str) -> list[Problem]:
    out: list[Problem] = []
    for row_no, encoded in conn.execute(queries.get("ingest/problems"), {"limit": 20}).fetchall():
        out += problems_from_sql(file_name, unit, int(row_no), encoded)
    return out


def _dry_counts(conn: psycopg.Connection, job: Job, src_id: int, result: ImportResult) -> None:
    if job.deletions:
        result.deleted, result.unchanged = conn.execute(queries.get("ingest/delete_plan_dry"), {"source_id": src_id}).fetchone()  # type: ignore[misc]
    else:
        run_script(conn, "ingest/plan", {"source_id": src_id})
        result.inserted, result.updated, result.unchanged = conn.execute(queries.get("ingest/plan_counts")).fetchone()  # type: ignore[misc]


def _finish(conn: psycopg.Connection, run_id: int, status: str, r: ImportResult, sha: str | None, message: str | None) -> None:
    conn.execute(queries.get("ingest/run_finish"), {
        "run_id": run_id, "status": status, "inserted": r.inserted, "updated": r.updated, "unchanged": r.unchanged,
        "deleted": r.deleted, "rejected": r.rejected, "message": message, "file_sha256": sha})


def _record(conn: psycopg.Connection, src_id: int | None, job: Job, sha: str | None, status: str, r: ImportResult,
            options: dict[str, Any], message: str | None) -> int | None:
    """Record a run that wrote nothing, in its own transaction (the import's own was rolled back)."""
    try:
        with conn.transaction():
            if src_id is None:  # the source row was not kept: look it up, never create it for a refused file
                found = conn.execute("SELECT id FROM conflict.sources WHERE name = %s", (job.source.name,)).fetchone()
                src_id = int(found[0]) if found else None
            row = conn.execute(queries.get("ingest/run_record"), {
                "source_id": src_id, "format": job.format, "file_name": str(job.path), "file_sha256": sha,
                "status": status, "inserted": r.inserted, "updated": r.updated, "unchanged": r.unchanged,
                "deleted": r.deleted, "rejected": r.rejected, "options": Jsonb(options), "message": message}).fetchone()
            return int(row[0]) if row else None
    except psycopg.Error as exc:  # recording must never hide the real error
        import sys
        print(f"warning: could not record the refused run in conflict.ingest_runs: {exc}", file=sys.stderr)
        return None


def read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            return json.load(f)
    except json.JSONDecodeError as exc:
        raise IngestFileError(str(path), exc.lineno, None, exc.msg, "valid JSON", unit="line") from None
    except UnicodeDecodeError as exc:
        raise IngestFileError(str(path), None, None, str(exc), "UTF-8 JSON") from None


__all__ = ["ImportResult", "Job", "NoProgress", "Progress", "SourceInfo", "execute", "run_script", "stage_csv_file",
           "stage_records", "read_json", "io"]
