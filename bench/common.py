"""What the benchmarks share: a throwaway, migrated embedded cluster in a temporary folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gis_core.db.cluster import Cluster
from gis_core.db.migrate import migrate


def scratch_folder(name: str) -> Path:
    """A temporary folder the server's system user can enter (it runs as 'postgres' when we are root)."""
    folder = Path(tempfile.mkdtemp(prefix=f"cgis-bench-{name}-"))
    os.chmod(folder, 0o755)
    return folder


@contextmanager
def throwaway_cluster(port: int, name: str, *, migrated: bool = True) -> Iterator[Cluster]:
    """Start a non-durable cluster (fsync off), migrate it, yield it; stop and delete it afterwards."""
    folder = scratch_folder(name)
    cluster = Cluster(home=folder / "h", port=port, durable=False)
    try:
        cluster.start()
        if migrated:
            migrate(cluster.url())
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
