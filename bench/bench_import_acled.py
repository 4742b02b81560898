"""ACLED import: ours (validated, normalised, versioned, indexed) beside ogr2ogr, geopandas and a bare COPY.

Generates an ACLED-format CSV (31 columns, synthetic Mali events; default 100 000 rows, `--rows 1000000` for the
full run), starts a throwaway cluster, and imports the same file with:

- ours: ``gis_core.ingest.acled.import_file`` into the migrated schema (the bulk path: Arrow reads and checks
  in the client, one COPY of finished rows into conflict.events, its 7 indexes built after, actors, run
  record), then the same file again (re-import: everything unchanged);
- ours, detailed path: the same with ``bulk=False`` (COPY of the text into staging, SQL validation, insert);
- floor: the finished rows of ours' import COPYed by the server into an empty conflict.events, triggers off,
  indexes built after: what our table costs with no reading and no checks at all (the limit of any importer
  into this schema);
- ogr2ogr: GDAL's PostgreSQL driver with PG_USE_COPY=YES (points from longitude/latitude, GiST index);
- geopandas: ``read_csv`` (pyarrow) + ``points_from_xy`` + ``to_postgis``;
- bare COPY: server-side ``COPY … FROM 'file'`` into an unvalidated table whose geom is a generated column,
  then a GiST index — the practical limit.

Prints seconds, rows/s and the ratio to bare COPY. Example: ``python -m bench import_acled -- --rows 100000``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from gis_core.db.cluster import Cluster
from gis_core.db.migrate import migrate

HEADER = ("event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
          "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
          "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp")
PAIRS = [
    ("Political violence", "Battles", "Armed clash"),
    ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    ("Political violence", "Violence against civilians", "Attack"),
    ("Political violence", "Violence against civilians", "Abduction/forced disappearance"),
    ("Demonstrations", "Protests", "Peaceful protest"),
    ("Strategic developments", "Strategic developments", "Looting/property destruction"),
]
ACTORS = [
    ("Military Forces of Mali (2021-)", "State forces"), ("JNIM: Group for Support of Islam and Muslims", "Rebel group"),
    ("Islamic State (Sahel)", "Rebel group"), ("Wagner Group", "External/Other forces"),
    ("Dozo Communal Militia (Mali)", "Identity militia"), ("Unidentified Armed Group (Mali)", "Political militia"),
    ("Civilians (Mali)", "Civilians"), ("Protesters (Mali)", "Protesters"), ("FLA: Azawad Liberation Front", "Rebel group"),
]
ADMIN1 = ["Bamako", "Gao", "Kayes", "Kidal", "Koulikoro", "Menaka", "Mopti", "Segou", "Sikasso", "Timbuktu"]


def generate(path: Path, rows: int, seed: int = 7, id_offset: int = 0) -> None:
    """Write an ACLED-format CSV of synthetic Mali events (streamed, ~370 bytes a row); ids from id_offset + 1."""
    rnd = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\n")
        buf = []
        for i in range(rows):
            disorder, etype, sub = PAIRS[i % len(PAIRS)]
            a1, i1 = ACTORS[rnd.randrange(len(ACTORS))]
            a2, i2 = ACTORS[rnd.randrange(len(ACTORS))]
            year = 2018 + i % 8
            month, day = 1 + (i // 8) % 12, 1 + (i // 96) % 28
            lat = 10.5 + rnd.random() * 14.0
            lon = -12.0 + rnd.random() * 16.0
            admin1 = ADMIN1[i % len(ADMIN1)]
            buf.append(
                f"MLI{id_offset + i + 1:07d},{year}-{month:02d}-{day:02d},{year},{1 + i % 3},{disorder},{etype},{sub},{a1},,{i1},"
                f"{a2},,{i2},{i1}-{i2},,466,Western Africa,Mali,{admin1},{admin1} cercle,,Place {i % 5000},"
                f"{lat:.4f},{lon:.4f},{1 + i % 3},Synthetic newspaper; Local partner,National-Regional,"
                f"\"SYNTHETIC benchmark row {i}, not ACLED data; clash near \"\"Place {i % 5000}\"\".\",{rnd.randrange(0, 12)},,"
                f"{1700000000 + i}\n")
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


def with_db(url: str, name: str) -> str:
    parts = conninfo_to_dict(url)
    parts["dbname"] = name
    return make_conninfo(**parts)


def fresh_db(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = with_db(admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return url


def time_ours(admin_url: str, path: Path, more: Path | None = None, *, bulk: bool | None = None,
              name: str = "b_ours") -> tuple[float, float, str, float | None]:
    """First import into an empty database, the same file again, then (``more``) a file of new ids into the filled table."""
    from gis_core.ingest import acled

    url = fresh_db(admin_url, name)
    migrate(url)
    with psycopg.connect(url) as conn:
        t0 = time.perf_counter()
        first = acled.import_file(conn, path, bulk=bulk)
        t1 = time.perf_counter()
        print(f"  ours ({'bulk' if first.bulk else 'detailed'} path): {first.summary()}", flush=True)
    with psycopg.connect(url) as conn:
        t2 = time.perf_counter()
        again = acled.import_file(conn, path, bulk=bulk)
        t3 = time.perf_counter()
    assert again.unchanged == first.inserted, (first, again)
    incremental = None
    if more is not None:
        with psycopg.connect(url) as conn:
            t4 = time.perf_counter()
            added = acled.import_file(conn, more, bulk=bulk)
            incremental = time.perf_counter() - t4
        assert added.inserted > 0 and added.unchanged == 0, added
    return t1 - t0, t3 - t2, first.summary(), incremental


def time_ogr(admin_url: str, path: Path) -> float:
    url = fresh_db(admin_url, "b_ogr")
    parts = conninfo_to_dict(url)
    pg = "PG:" + " ".join(f"{k}={v}" for k, v in parts.items())
    cmd = ["ogr2ogr", "-f", "PostgreSQL", pg, str(path), "-nln", "acled_ogr", "-a_srs", "EPSG:4326",
           "-oo", "X_POSSIBLE_NAMES=longitude", "-oo", "Y_POSSIBLE_NAMES=latitude", "-oo", "KEEP_GEOM_COLUMNS=YES",
           "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY", "YES", "-gt", "65536"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def time_geopandas(admin_url: str, path: Path) -> float:
    import geopandas as gpd
    import pandas as pd
    from sqlalchemy import create_engine

    url = fresh_db(admin_url, "b_gpd")
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(url))
    t0 = time.perf_counter()
    df = pd.read_csv(path, engine="pyarrow")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs=4326)
    gdf.to_postgis("acled_gpd", engine, index=False, chunksize=50000)
    with engine.begin() as c:
        c.exec_driver_sql("CREATE INDEX ON acled_gpd USING gist (geometry)")
    t1 = time.perf_counter()
    engine.dispose()
    return t1 - t0


def time_floor(admin_url: str, folder: Path) -> float:
    """Our table's own limit: the finished rows of ours' import (exported beforehand), COPYed into an empty
    conflict.events by the server, triggers off, indexes and unique key built after: no reading, no checks."""
    from gis_core.ingest.bulk import EVENT_COLUMNS
    from gis_core.ingest.loader import _indexes_built_after

    rows_file = folder / "finished_rows.csv"
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
    with psycopg.connect(with_db(admin_url, "b_ours"), autocommit=True) as conn, open(rows_file, "wb") as out:
        with conn.cursor().copy(sql.SQL("COPY (SELECT {} FROM conflict.events ORDER BY id) TO STDOUT (FORMAT csv)").format(cols)) as copy:
            for data in copy:
                out.write(data)
    os.chmod(rows_file, 0o644)  # the server reads it (as 'postgres' when we are root)
    url = fresh_db(admin_url, "b_floor")
    migrate(url)
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO conflict.sources (id, name, kind) OVERRIDING SYSTEM VALUE SELECT 1, 'floor', 'dataset' "
                     "WHERE NOT EXISTS (SELECT 1 FROM conflict.sources WHERE id = 1)")
        conn.execute("ALTER TABLE conflict.events DISABLE TRIGGER USER")
        conn.commit()
        t0 = time.perf_counter()
        with conn.transaction():
            with _indexes_built_after(conn, 1_000_000):
                conn.execute(sql.SQL("COPY conflict.events ({}) FROM {} (FORMAT csv)").format(cols, sql.Literal(str(rows_file))))
        return time.perf_counter() - t0


def time_bare(admin_url: str, path: Path) -> float:
    url = fresh_db(admin_url, "b_bare")
    cols = HEADER.split(",")
    typed = {"latitude": "double precision", "longitude": "double precision"}
    ddl = ", ".join(f"{c} {typed.get(c, 'text')}" for c in cols)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE acled_bare ({ddl}, geom geometry(Point, 4326) GENERATED ALWAYS AS "
                     "(ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)) STORED)")
        t0 = time.perf_counter()
        conn.execute(sql.SQL("COPY acled_bare ({}) FROM {} (FORMAT csv, HEADER true)").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in cols), sql.Literal(str(path))))
        conn.execute("CREATE INDEX ON acled_bare USING gist (geom)")
        return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench import_acled")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=55471)
    parser.add_argument("--skip", default="", help="comma-separated peers to skip: ogr2ogr,geopandas,bare,floor,detailed")
    parser.add_argument("--incremental", type=int, default=0,
                        help="also import a file of this many new events into ours' filled table (incremental path)")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    folder = Path(tempfile.mkdtemp(prefix="cgis-bench-acled-"))
    os.chmod(folder, 0o755)  # the server runs as 'postgres' when we are root: it reads the file for the bare COPY
    cluster = Cluster(home=folder / "cluster", port=args.port, durable=False)
    try:
        path = folder / f"acled_{args.rows}.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        os.chmod(path, 0o644)
        print(f"generated {args.rows} rows, {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s", flush=True)
        cluster.start()
        admin = cluster.url(dbname="postgres")
        results: dict[str, float] = {}
        if "bare" not in skip:
            results["bare COPY + GiST (no validation)"] = time_bare(admin, path)
        more = None
        if args.incremental:
            more = folder / f"acled_more_{args.incremental}.csv"
            generate(more, args.incremental, seed=11, id_offset=args.rows)
        first, again, summary, incremental = time_ours(admin, path, more)
        results["conflict-gis import acled"] = first
        results["conflict-gis re-import (unchanged)"] = again
        if "floor" not in skip:
            results["floor: finished rows COPY into events"] = time_floor(admin, folder)
        if "detailed" not in skip:
            results["ours, detailed path (bulk=False)"] = time_ours(admin, path, bulk=False, name="b_detailed")[0]
        if incremental is not None:
            print(f"  ours, {args.incremental} new events into the table of {args.rows}: {incremental:.2f} s "
                  f"({args.incremental / incremental:.0f} rows/s; indexes maintained row by row)", flush=True)
        print(f"  ours: {summary}", flush=True)
        if "ogr2ogr" not in skip:
            results["ogr2ogr (PG_USE_COPY)"] = time_ogr(admin, path)
        if "geopandas" not in skip:
            results["geopandas to_postgis"] = time_geopandas(admin, path)
        bare = results.get("bare COPY + GiST (no validation)")
        print(f"\n{'method':40s} {'seconds':>8s} {'rows/s':>10s} {'× bare':>7s}")
        for name, seconds in results.items():
            ratio = f"{seconds / bare:.2f}" if bare else "-"
            print(f"{name:40s} {seconds:8.2f} {args.rows / seconds:10.0f} {ratio:>7s}")
        print(f"re-import / first import: {again / first:.2f} (goal < 0.33); "
              f"ours / bare: {first / bare:.2f} (goal <= 1.5)" if bare else "")
        return 0
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
