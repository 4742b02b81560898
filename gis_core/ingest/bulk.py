"""ACLED CSV, the bulk path: Arrow parses, validates and normalises in the client; COPY writes the typed rows.

The detailed path (``loader``: COPY the text into a staging table, normalise in SQL, insert) writes every row
three times on the server. Here the server only receives finished rows: Arrow's multi-threaded CSV reader
parses the file in batches, vectorised checks validate them, and one COPY writes them, straight into
``conflict.events`` when the source has no events yet (a first load) or into the typed ``ingest_norm`` when
it has (the SQL plan then decides update or insert for the rows that are new or newer; rows whose stored
version is as new are counted unchanged here, without a round trip). The client's work overlaps the server's.

The contract with the detailed path: the bulk path accepts a row only in a form whose normalisation is
certain (a canonical date ``YYYY-MM-DD``, whole numbers without decimals, decimals without exponent, ACLED's
inter labels or codes, no pre-2023 columns ...) and only when the row passes every check of
``acled_normalise.sql`` (its checks are repeated below, some stricter). Numbers go to the server as the
trimmed text shipped, so PostgreSQL parses the same text as on the detailed path. Anything else raises
``NotBulk``: the caller rolls the attempt back (a savepoint) and runs the detailed path, whose messages and
quarantine are the only ones users see. tests/test_import_bulk.py imports the same files both ways and
compares the stored rows.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql

from gis_core import queries
from gis_core.ingest import rawhash
from gis_core.ingest.loader import run_script, step

BLOCK_BYTES = 2 << 20  # ~5 000 rows of a current ACLED export per batch; Arrow's reader holds ~40 blocks: memory stays flat
DISORDER_TYPES = ["Political violence", "Demonstrations", "Strategic developments", "Political violence; Demonstrations"]
INTER_LABELS = ["state forces", "rebel group", "political militia", "identity militia", "rioters", "protesters",
                "civilians", "external/other forces"]
INTER_OUT = ["State forces", "Rebel group", "Political militia", "Identity militia", "Rioters", "Protesters",
             "Civilians", "External/Other forces"]
CIVILIAN_TRUE = ["civilian targeting", "true", "1", "yes"]
PRE_2023_COLUMNS = ("data_id", "iso3", "event_id_no_cnty")

# Canonical forms the bulk path accepts (each a strict subset of what the detailed helpers accept).
WHOLE = r"^\d{1,15}$"
SMALL_WHOLE = r"^\d{1,9}$"
DECIMAL = r"^[+-]?(\d{1,20}(\.\d*)?|\.\d+)$"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"

# The columns written straight into conflict.events on a first load (the others keep their defaults: no end
# date, no low/high fatalities, native '{}', raw NULL, content_hash NULL as every row has a timestamp).
EVENT_COLUMNS = [
    "source_id", "source_event_id", "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "actor1_id", "actor2_id", "iso", "country", "region", "admin1", "admin2", "admin3", "location", "longitude",
    "latitude", "geo_precision", "fatalities", "reported_by", "source_scale", "notes", "tags", "source_timestamp",
    "raw_hash", "ingest_run_id",
]
# The columns of ingest_norm (sql/queries/ingest/norm_table.sql) the incremental load fills; the rest stay NULL.
NORM_COLUMNS = [
    "row_no", "source_event_id", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1_code", "actor2", "assoc_actor_2", "inter2_code",
    "interaction", "civilian_targeting", "iso", "country", "region", "admin1", "admin2", "admin3", "location",
    "longitude", "latitude", "geo_precision", "fatalities", "reported_by", "source_scale", "notes", "tags",
    "source_timestamp", "native", "raw_hash", "default_disorder_type",
]


class NotBulk(Exception):
    """The file needs the detailed path (the reason is for the import profile, never shown as an error)."""


@dataclass(frozen=True)
class Reference:
    """What validation needs from the database: today's date, the ACLED pairs, the country boxes."""

    today: date
    pairs: dict[str, str | None]  # "event type<US>sub-event type" -> the type's default disorder type
    boxes: dict[str, tuple[float, float, float, float]]  # lower(country) -> (lon_min, lat_min, lon_max, lat_max)


def reference(conn: psycopg.Connection) -> Reference:
    today = conn.execute("SELECT current_date").fetchone()[0]  # type: ignore[index]
    pairs = {f"{t}\x1f{s}": d for t, s, d in conn.execute(queries.get("ingest/bulk_pairs"))}
    boxes = {name: (a, b, c, d) for name, a, b, c, d in conn.execute(queries.get("ingest/bulk_boxes"))}
    return Reference(today, pairs, boxes)


# --- reading -------------------------------------------------------------------------------------------


def check_header(header: list[str], needed: list[str]) -> None:
    if any(c in header for c in PRE_2023_COLUMNS):
        raise NotBulk("a pre-2023 export (data_id, iso3 or event_id_no_cnty)")
    missing = [c for c in needed if c not in header]
    if missing:
        raise NotBulk(f"missing columns {missing}")
    if len(set(header)) != len(header):
        raise NotBulk("a column name twice in the header")


def record_batches(path: Path, header: list[str], needed: list[str]) -> Iterator[pa.RecordBatch]:
    """The file's rows after the header, ``needed`` columns as strings, in file order.

    An empty line comes out as a row of empty values (the checks refuse it: no event id), not skipped,
    as COPY would not skip it either. A malformed row (wrong number of fields, bad UTF-8) raises NotBulk.
    """
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True)
    parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
    convert = pacsv.ConvertOptions(column_types={c: pa.string() for c in needed}, include_columns=needed,
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
        yield from pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowException as exc:
        raise NotBulk(f"Arrow could not read the CSV: {exc}") from None


# --- checks and normalisation ---------------------------------------------------------------------------


def _trim(a: pa.Array) -> pa.Array:
    """btrim(): spaces only (not tabs or line breaks), as PostgreSQL's one-argument btrim."""
    return pc.utf8_trim(a, characters=" ")


def _blank_to_null(a: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def _require(mask: pa.Array, what: str, offset: int) -> None:
    """Raise NotBulk naming the first row (0-based in the data) where ``mask`` is not true."""
    filled = pc.fill_null(mask, False)
    if not pc.all(filled).as_py():
        first = int(pc.index(filled, False).as_py())
        raise NotBulk(f"data row {offset + first}: {what}")


def _code(values: pa.Array, labels: list[str]) -> pa.Array:
    """ACLED inter code (smallint): a digit 0-8 as is, a label (any case) as its 1-based position, blank NULL."""
    digit = pc.match_substring_regex(values, r"^[0-8]$")
    position = pc.add(pc.index_in(pc.utf8_lower(values), pa.array(labels)), 1)
    as_digit = pc.cast(pc.if_else(digit, values, pa.scalar(None, pa.string())), pa.int16())
    return pc.coalesce(as_digit, pc.cast(position, pa.int16()))


def normalise(batch: pa.RecordBatch, ref: Reference, offset: int) -> dict[str, pa.Array]:
    """One batch of staged text → the normalised columns (``acled_normalise.sql``), or NotBulk.

    ``offset`` is the batch's first data row (for the NotBulk reason only).
    """
    col = {name: batch.column(name) for name in batch.schema.names}
    t = {name: _trim(a) for name, a in col.items()}
    n = batch.num_rows
    out: dict[str, pa.Array] = {}

    out["source_event_id"] = _blank_to_null(t["event_id_cnty"])
    _require(pc.is_valid(out["source_event_id"]), "event_id_cnty blank", offset)
    # printable ASCII only (ACLED's ids are like MLI12345): the stored ids come back as text lines and are
    # compared as fixed-width bytes (Stored)
    _require(pc.match_substring_regex(out["source_event_id"], r"^[\x20-\x7e]+$"), "event_id_cnty not printable ASCII", offset)

    date_text = col["event_date"]
    _require(pc.match_substring_regex(date_text, ISO_DATE), "event_date not YYYY-MM-DD", offset)
    try:
        parsed = pc.cast(pc.strptime(date_text, format="%Y-%m-%d", unit="s"), pa.date32())
    except pa.ArrowInvalid as exc:
        raise NotBulk(f"event_date: {exc}") from None
    _require(pc.equal(pc.cast(parsed, pa.string()), date_text), "event_date not a calendar date", offset)
    _require(pc.less_equal(parsed, pa.scalar(ref.today, pa.date32())), "event_date in the future", offset)
    out["event_date"] = date_text
    _require(pc.equal(t["year"], pc.utf8_slice_codeunits(date_text, 0, 4)), "year is not the date's", offset)
    out["year"] = t["year"]

    for name in ("time_precision", "geo_precision"):
        _require(pc.is_in(t[name], pa.array(["1", "2", "3"])), f"{name} not 1, 2 or 3", offset)
        out[name] = t[name]

    disorder = _blank_to_null(t["disorder_type"])
    _require(pc.or_(pc.is_null(disorder), pc.is_in(disorder, pa.array(DISORDER_TYPES))), "disorder_type", offset)
    pair = pc.binary_join_element_wise(t["event_type"], t["sub_event_type"], "\x1f")
    keys = pa.array(list(ref.pairs))
    _require(pc.is_in(pair, keys), "event type pair", offset)
    defaults = pa.array(list(ref.pairs.values()), pa.string())
    out["default_disorder_type"] = pc.take(defaults, pc.index_in(pair, keys))
    out["disorder_type"] = disorder
    out["event_type"], out["sub_event_type"] = t["event_type"], t["sub_event_type"]

    for name in ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "interaction", "country", "region", "admin1",
                 "admin2", "admin3", "location", "tags"):
        out[name] = _blank_to_null(t[name])
    out["reported_by"] = _blank_to_null(t["source"])
    out["source_scale"] = _blank_to_null(t["source_scale"])
    out["notes"] = _blank_to_null(col["notes"])  # not trimmed, as on the detailed path

    for name in ("inter1", "inter2"):
        ascii_ = pc.string_is_ascii(t[name])  # a non-ASCII value could lower-case differently from PostgreSQL
        code = _code(t[name], INTER_LABELS)
        _require(pc.and_(ascii_, pc.or_(pc.equal(t[name], ""), pc.is_valid(code))), f"{name} code or label", offset)
        out[f"{name}_code"] = code

    out["civilian_targeting"] = pc.is_in(pc.utf8_lower(t["civilian_targeting"]), pa.array(CIVILIAN_TRUE))

    iso = t["iso"]
    _require(pc.or_(pc.equal(iso, ""), pc.match_substring_regex(iso, r"^\d{1,3}$")), "iso", offset)
    out["iso"] = _blank_to_null(iso)

    _require(pc.match_substring_regex(t["fatalities"], SMALL_WHOLE), "fatalities", offset)
    out["fatalities"] = t["fatalities"]
    _require(pc.match_substring_regex(t["timestamp"], WHOLE), "timestamp", offset)  # no content hash needed
    out["source_timestamp"] = t["timestamp"]

    for name in ("latitude", "longitude"):
        _require(pc.match_substring_regex(t[name], DECIMAL), f"{name} decimal", offset)
        out[name] = t[name]
    try:
        lat = pc.cast(t["latitude"], pa.float64())
        lon = pc.cast(t["longitude"], pa.float64())
    except pa.ArrowInvalid as exc:
        raise NotBulk(f"coordinates: {exc}") from None
    _require(pc.and_(pc.less_equal(pc.abs(lat), 90.0), pc.less_equal(pc.abs(lon), 180.0)), "coordinate range", offset)
    _require(pc.invert(pc.and_(pc.equal(lat, 0.0), pc.equal(lon, 0.0))), "(0, 0)", offset)
    _swap_check(out["country"], lat, lon, ref, offset)
    assert all(len(a) == n for a in out.values())
    return out


def _swap_check(country: pa.Array, lat: pa.Array, lon: pa.Array, ref: Reference, offset: int) -> None:
    """Refuse (to the detailed path) any row the swapped-coordinates check could refuse.

    The detailed check also tests the country's polygon; here its box alone decides, so this is stricter.
    A non-ASCII country name could lower-case differently from PostgreSQL's lower(): also refused when it
    could name a boxed country.
    """
    if not ref.boxes:
        return
    lowered = pc.utf8_lower(country)
    names = pa.array(list(ref.boxes))
    index = pc.index_in(lowered, names)
    _require(pc.or_(pc.is_null(country), pc.or_(pc.string_is_ascii(country), pc.is_valid(index))),
             "non-ASCII country", offset)
    if pc.all(pc.is_null(index)).as_py():
        return
    box = np.array(list(ref.boxes.values()))
    idx = pc.fill_null(index, 0).to_numpy(zero_copy_only=False)
    has = pc.is_valid(index).to_numpy(zero_copy_only=False)
    x, y = lon.to_numpy(zero_copy_only=False), lat.to_numpy(zero_copy_only=False)
    lon_min, lat_min, lon_max, lat_max = (box[idx, k] for k in range(4))
    inside = (x >= lon_min) & (x <= lon_max) & (y >= lat_min) & (y <= lat_max)
    swapped_inside = (y >= lon_min) & (y <= lon_max) & (x >= lat_min) & (x <= lat_max)
    suspect = has & (np.abs(x) <= 90) & ~inside & swapped_inside
    if suspect.any():
        raise NotBulk(f"data row {offset + int(np.argmax(suspect))}: latitude and longitude may be swapped")


# --- actors --------------------------------------------------------------------------------------------


@dataclass
class Actors:
    """Actor names seen so far → actor ids (None: a name that normalises to nothing)."""

    ids: dict[str, int | None] = field(default_factory=dict)

    def new_names(self, out: dict[str, pa.Array]) -> tuple[list[str], list[int | None]]:
        """The batch's actor names not seen before, each with the inter code of its first appearance in the file
        (row order, actor1 before actor2), as on the detailed path (sql/queries/ingest/actors.sql)."""
        names = pa.concat_arrays([out["actor1"], out["actor2"]])
        unseen = pc.and_(pc.is_valid(names), pc.invert(pc.is_in(names, self._known())))
        if not pc.any(unseen).as_py():
            return [], []
        n = len(out["actor1"])
        frame = pd.DataFrame({
            "name": names.to_pandas(),
            "code": pa.concat_arrays([out["inter1_code"], out["inter2_code"]]).to_pandas(),
            "order": np.concatenate([np.arange(n) * 2, np.arange(n) * 2 + 1])})[unseen.to_numpy(zero_copy_only=False)]
        frame = frame.sort_values("order", kind="stable").drop_duplicates("name")
        return list(frame["name"]), [None if pd.isna(c) else int(c) for c in frame["code"]]

    def _known(self) -> pa.Array:
        return pa.array(list(self.ids), pa.string())

    def link(self, out: dict[str, pa.Array]) -> tuple[pa.Array, pa.Array]:
        """The batch's actor id columns (every name must have been created)."""
        known = self._known()
        ids = pa.array(list(self.ids.values()), pa.int64())
        return (pc.take(ids, pc.index_in(out["actor1"], known)), pc.take(ids, pc.index_in(out["actor2"], known)))

    def create(self, conn: psycopg.Connection, names: list[str], codes: list[int | None]) -> None:
        """Create the actors of new names (``ingest/actors_link``) and remember their ids."""
        conn.execute("DROP TABLE IF EXISTS ingest_actor_map")
        conn.execute(queries.get("ingest/actors_map_given"), {"names": names, "codes": codes})
        run_script(conn, "ingest/actors_link")
        for name, actor_id in conn.execute("SELECT name, actor_id FROM ingest_actor_map"):
            self.ids[name] = actor_id
        for name in names:
            self.ids.setdefault(name, None)  # normalised to nothing: no actor, as on the detailed path
        conn.execute("DROP TABLE ingest_actor_map")


# --- loading -------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    rows: int = 0  # data rows read
    written: int = 0  # rows COPYed (into conflict.events or ingest_norm)
    unchanged: int = 0  # rows whose stored version is as new (incremental load only)
    actor_ids: set[int] = field(default_factory=set)
    sha256: str = ""  # of the whole file


def _csv(columns: dict[str, pa.Array]) -> bytes:
    """Arrow's CSV writer: strings quoted (so "" is an empty string), NULL as an empty unquoted field."""
    buf = io.BytesIO()
    pacsv.write_csv(pa.table(columns), buf, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return buf.getvalue()


def _fixed(ids: pa.Array, width: int) -> np.ndarray:
    """ASCII strings as numpy fixed-width bytes (NUL-padded, which numpy ignores when comparing); longer ones
    cut (the caller masks them: they match nothing stored)."""
    cut = pc.utf8_slice_codeunits(pc.fill_null(ids, ""), 0, width)
    padded = pc.cast(pc.utf8_rpad(cut, width, "\x00"), pa.binary())
    return _numpy_bytes(pc.cast(padded, pa.binary(width)), width)


def _numpy_bytes(fixed: pa.Array, width: int) -> np.ndarray:
    """A fixed-size binary Arrow array as numpy ``S<width>`` over the same memory (no object per value)."""
    if not len(fixed):
        return np.empty(0, dtype=f"S{width}")
    return np.frombuffer(fixed.buffers()[1], dtype=f"S{width}")[fixed.offset:fixed.offset + len(fixed)]


class Stored:
    """The stored (event id, timestamp, raw hash) of the source: which rows of an incremental load are unchanged.

    Held as numpy arrays sorted by id (about 50 bytes an event, no Python object per event) and searched with
    ``np.searchsorted``: a million stored events take ~50 MB, not the ~300 MB of a hashed index of strings.
    """

    def __init__(self, conn: psycopg.Connection, src_id: int) -> None:
        # One bytea value (a line per event) parsed by Arrow: a row-by-row fetch of 1 M rows costs seconds of Python.
        # (Its peak is about three times its size; a chunked fetch would lower it: not done.)
        # binary: the bytea comes as is, not as hex text twice its size
        data = conn.cursor(binary=True).execute(queries.get("ingest/bulk_stored"), {"source_id": src_id}).fetchone()[0] or b""  # type: ignore[index]
        try:
            table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data)), read_options=pacsv.ReadOptions(column_names=["id", "ts", "raw"]),
                                   parse_options=pacsv.ParseOptions(delimiter="\x1f", quote_char=False),
                                   convert_options=pacsv.ConvertOptions(column_types={
                                       "id": pa.string(), "ts": pa.int64(), "raw": pa.binary()}))
        except pa.ArrowInvalid as exc:  # a stored id with a control character (loaded by the detailed path)
            raise NotBulk(f"stored ids: {exc}") from None
        del data
        ids = table.column("id").combine_chunks()
        if len(ids) and not pc.all(pc.string_is_ascii(ids)).as_py():
            raise NotBulk("a stored id that is not ASCII")
        order = pc.sort_indices(ids).to_numpy()
        self.width = max(int(pc.max(pc.binary_length(ids)).as_py() or 0), 1)
        self.keys = _fixed(ids.take(pa.array(order)), self.width)
        ts = table.column("ts").combine_chunks().take(pa.array(order))
        self.has_ts = pc.is_valid(ts).to_numpy(zero_copy_only=False)
        self.ts = pc.fill_null(ts, -1).to_numpy(zero_copy_only=False)
        # Fixed 32-byte strings (a stored NULL comes as 32 dashes: never a digest).
        self.raw = _numpy_bytes(table.column("raw").combine_chunks().take(pa.array(order)).cast(pa.binary(32)), 32)

    def _where(self, ids: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(known, position in the sorted arrays) of each id."""
        n = len(self.keys)
        query = _fixed(ids, self.width)
        fits = (pc.fill_null(pc.binary_length(ids), 0).to_numpy(zero_copy_only=False) <= self.width)
        pos = np.minimum(np.searchsorted(self.keys, query), max(n - 1, 0))
        known = fits & (n > 0) & (self.keys[pos] == query) if n else np.zeros(len(query), dtype=bool)
        return known, pos

    def same_bytes(self, ids: pa.Array, raw: np.ndarray) -> np.ndarray:
        """Rows stored with these very bytes (the raw hash), under the same id."""
        known, pos = self._where(ids)
        return known & (self.raw[pos] == raw)

    def unchanged(self, ids: pa.Array, ts_text: pa.Array) -> np.ndarray:
        """The plan's "unchanged" for rows with a timestamp: a stored version with a timestamp at least as new.

        Other rows (new, newer, or stored without a timestamp) go to the SQL plan, which decides the rest.
        """
        known, pos = self._where(ids)
        ts = pc.cast(ts_text, pa.int64()).to_numpy(zero_copy_only=False)
        return known & self.has_ts[pos] & (ts <= self.ts[pos])


def load(conn: psycopg.Connection, path: Path, header: list[str], needed: list[str], *, src_id: int, run_id: int,
         seed: bytes, progress: Any, first_load: bool) -> Outcome:
    """Read, check and COPY the whole file (see the module docstring); NotBulk when it needs the detailed path.

    ``first_load``: the source has no events, the rows go straight into conflict.events; otherwise into
    ingest_norm, without the rows whose stored version is as new. ``seed`` salts the raw hashes (rawhash).
    """
    check_header(header, needed)
    hasher = rawhash.Hashes(path, seed)  # first: the child's hashing overlaps everything below
    try:
        return _load(conn, path, header, needed, hasher, src_id=src_id, run_id=run_id, progress=progress,
                     first_load=first_load)
    finally:
        hasher.close()


def _load(conn: psycopg.Connection, path: Path, header: list[str], needed: list[str], hasher: rawhash.Hashes, *,
          src_id: int, run_id: int, progress: Any, first_load: bool) -> Outcome:
    ref = reference(conn)
    with step("bulk: stored ids, timestamps and raw hashes"):
        stored = None if first_load else Stored(conn, src_id)
    if not first_load:
        conn.execute("DROP TABLE IF EXISTS ingest_norm")
        conn.execute(queries.get("ingest/norm_table"))
    target = (sql.SQL("COPY conflict.events ({}) FROM STDIN (FORMAT csv)").format(
        sql.SQL(", ").join(map(sql.Identifier, EVENT_COLUMNS))) if first_load else
        sql.SQL("COPY ingest_norm ({}) FROM STDIN (FORMAT csv)").format(sql.SQL(", ").join(map(sql.Identifier, NORM_COLUMNS))))
    outcome = Outcome()
    actors = Actors()
    seen_ids: list[pa.Array] = []
    chunks = hasher.chunks()
    pending = np.empty(0, dtype="S32")
    copy = _Copy(conn, target)
    try:
        for batch in record_batches(path, header, needed):
            offset = outcome.rows
            while len(pending) < batch.num_rows:
                size, more = next(chunks, (None, None))
                if more is None:
                    raise NotBulk("fewer records than Arrow rows (record splitting differs)")
                progress.advance(size)
                pending = np.concatenate([pending, more])
            raw, pending = pending[:batch.num_rows], pending[batch.num_rows:]
            outcome.rows += batch.num_rows
            row_no = np.arange(offset + 2, offset + 2 + batch.num_rows)  # the header is row 1
            if stored is not None:
                # Rows whose bytes are stored as shipped are unchanged, and not checked again: as on the detailed
                # path (loader._skip_unchanged), the same bytes under the same header give the same valid row.
                ids = _blank_to_null(_trim(batch.column("event_id_cnty")))
                seen_ids.append(ids)
                same = stored.same_bytes(ids, raw)
                outcome.unchanged += int(same.sum())
                if same.all():
                    continue
                if same.any():
                    keep = pa.array(~same)
                    batch, raw, row_no = batch.filter(keep), raw[~same], row_no[~same]
            out = normalise(batch, ref, offset)
            hashes = pa.array(raw, pa.binary(32)).cast(pa.string())
            if stored is None:
                seen_ids.append(out["source_event_id"])
                names, codes = actors.new_names(out)
                if names:  # statements cannot run while a COPY is open: close it, create the actors, open another
                    copy.close()
                    actors.create(conn, names, codes)
                a1, a2 = actors.link(out)
                copy.write(_csv(_event_columns(out, a1, a2, hashes, src_id, run_id)))
                outcome.written += batch.num_rows
            else:
                newer = ~stored.unchanged(out["source_event_id"], out["source_timestamp"])
                outcome.unchanged += int((~newer).sum())
                if newer.any():
                    mask = pa.array(newer)
                    cols = _norm_columns(out, hashes, row_no)
                    copy.write(_csv({k: pc.filter(v, mask) for k, v in cols.items()}))
                    outcome.written += int(newer.sum())
        copy.close()
        if len(pending) or next(chunks, None) is not None:
            raise NotBulk("more records than Arrow rows (record splitting differs)")
        outcome.sha256 = hasher.sha256 or ""
    except BaseException as exc:
        copy.abort(exc)
        raise
    ids = pa.chunked_array(seen_ids, pa.string())
    if pc.count_distinct(ids).as_py() != outcome.rows:
        raise NotBulk("an event id twice in the file")
    outcome.actor_ids = {i for i in actors.ids.values() if i is not None}
    return outcome


class _Copy:
    """One COPY at a time, fed by a sender thread; opened on the first write, sent and closed on close().

    The thread overlaps the client's work on the next batch with the server's parsing of the last one (with
    writes from the reading thread, each waited for the server to drain the socket: the two took turns).
    At most ``QUEUED`` batches wait (memory stays flat).
    """

    QUEUED = 3

    def __init__(self, conn: psycopg.Connection, statement: sql.Composable) -> None:
        self.conn, self.statement = conn, statement
        self._cm: Any = None
        self._queue: queue.Queue = queue.Queue(maxsize=self.QUEUED)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if self._cm is None:
            self._cm = self.conn.cursor().copy(self.statement)
            copy = self._cm.__enter__()
            self._thread = threading.Thread(target=self._send, args=(copy,), daemon=True)
            self._thread.start()
        self._queue.put(data)

    def _send(self, copy: Any) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    copy.write(data)
                except BaseException as exc:  # noqa: BLE001 - raised again in the reading thread
                    self._error = exc

    def _join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        if self._cm is not None:
            self._join()
            cm, self._cm = self._cm, None
            if self._error is not None:
                error, self._error = self._error, None
                self._exit(cm, error)
                raise error
            cm.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        """End an open COPY with an error (the server discards it), so that the savepoint can roll back."""
        if self._cm is not None:
            self._join()
            cm, self._cm = self._cm, None
            self._exit(cm, exc)

    @staticmethod
    def _exit(cm: Any, exc: BaseException) -> None:
        try:
            cm.__exit__(type(exc), exc, exc.__traceback__)
        except psycopg.Error:
            pass


def _event_columns(out: dict[str, pa.Array], a1: pa.Array, a2: pa.Array, hashes: pa.Array, src_id: int,
                   run_id: int) -> dict[str, pa.Array]:
    n = len(out["source_event_id"])
    labels = pa.array([None, *INTER_OUT], pa.string())
    cols = {c: out[c] for c in EVENT_COLUMNS if c in out}
    cols.update(
        source_id=pa.array(np.full(n, src_id)), disorder_type=pc.coalesce(out["disorder_type"], out["default_disorder_type"]),
        inter1=pc.take(labels, out["inter1_code"]), inter2=pc.take(labels, out["inter2_code"]),
        actor1_id=a1, actor2_id=a2, raw_hash=hashes, ingest_run_id=pa.array(np.full(n, run_id)))
    return {c: cols[c] for c in EVENT_COLUMNS}


def _norm_columns(out: dict[str, pa.Array], hashes: pa.Array, row_no: np.ndarray) -> dict[str, pa.Array]:
    n = len(out["source_event_id"])
    cols = {c: out[c] for c in NORM_COLUMNS if c in out}
    cols.update(row_no=pa.array(row_no), native=pa.array(["{}"] * n),
                raw_hash=hashes)
    return {c: cols[c] for c in NORM_COLUMNS}
