"""Cold start: a new embedded cluster made ready to use (initdb + start + migrate), beside the bare floor.

The peer is the least PostgreSQL can do for the same result without us: initdb, pg_ctl start and
CREATE EXTENSION postgis on an empty database. Ours also runs every migration (schema, indexes,
taxonomy, roles). Medians of --runs (default 3); figures in seconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import time

import psycopg

from bench.common import scratch_folder
from gis_core.db.cluster import Cluster
from gis_core.db.migrate import migrate


def time_ours(port: int) -> tuple[float, float, float]:
    folder = scratch_folder("cold")
    cluster = Cluster(home=folder / "h", port=port, durable=False)
    try:
        t0 = time.perf_counter()
        cluster.init()
        t1 = time.perf_counter()
        cluster.start()
        migrate(cluster.url())
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, t2 - t0
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def time_bare(port: int) -> float:
    """initdb + pg_ctl start + CREATE EXTENSION postgis, as a person would type them."""
    folder = scratch_folder("cold")
    cluster = Cluster(home=folder / "h", port=port, durable=False)  # for its paths and run-as-postgres plumbing only
    data, sock = cluster.data_dir, cluster.socket_dir
    try:
        t0 = time.perf_counter()
        for path in (cluster.home, data, sock):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(cluster.home, 0o755)
        os.chmod(data, 0o700)
        cluster._hand_over(data, sock)
        cluster._run_server_tool("initdb", "-D", str(data), "-U", "postgres", "--auth-local=trust", "-E", "UTF8", "--locale=C.UTF-8")
        log = cluster.home / "pg.log"
        log.touch()
        cluster._hand_over(log)
        cluster._run_server_tool("pg_ctl", "-D", str(data), "-w", "-l", str(log), "-o",
                                 f"-c listen_addresses='' -c unix_socket_directories={sock} -p {port} -c fsync=off", "start")
        with psycopg.connect(f"postgresql://postgres@/postgres?host={sock}&port={port}", autocommit=True) as conn:
            conn.execute("CREATE DATABASE bare")
        with psycopg.connect(f"postgresql://postgres@/bare?host={sock}&port={port}", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        return time.perf_counter() - t0
    finally:
        subprocess.run(cluster._as_server_user([str(cluster.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench cold_start")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=55480)
    args = parser.parse_args(argv)
    ours = [time_ours(args.port) for _ in range(args.runs)]
    bare = [time_bare(args.port) for _ in range(args.runs)]
    init_s = statistics.median(r[0] for r in ours)
    start_migrate_s = statistics.median(r[1] for r in ours)
    total_s = statistics.median(r[2] for r in ours)
    bare_s = statistics.median(bare)
    print(f"conflict-gis cold start (initdb {init_s:.2f} s + start & migrate {start_migrate_s:.2f} s): {total_s:.2f} s")
    print(f"bare initdb + start + CREATE EXTENSION postgis:                            {bare_s:.2f} s")
    print(f"ratio ours / bare: {total_s / bare_s:.2f}  (medians of {args.runs} runs)")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
