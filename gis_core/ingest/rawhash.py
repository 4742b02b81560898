"""The raw row hashes of a CSV file, computed in a child process for the bulk path.

Hashing a million records in Python holds the interpreter lock for seconds; in a child process it runs
beside the parent's Arrow work and the server's COPY. The hashes are the detailed path's
(``loader.record_hashes``: md5 of the seed, the header line and the record's bytes as shipped).

Protocol on stdout (binary): per chunk of the file, ``b"<bytes read> <n>\\n"`` then n hashes of 32 hex
digits, no separator; at the end ``b"end <sha256 of the whole file>\\n"``.
Run as ``python -m gis_core.ingest.rawhash FILE SEED_HEX``.
"""

from __future__ import annotations

import hashlib
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def main(argv: list[str]) -> int:
    from gis_core.ingest.loader import record_hashes

    path, seed = Path(argv[0]), bytes.fromhex(argv[1])
    out = sys.stdout.buffer
    with open(path, "rb") as f:
        header = f.readline()
        digest = hashlib.sha256(header)
        for chunk, hashes in record_hashes(f, seed + header):
            digest.update(chunk)
            out.write(b"%d %d\n" % (len(chunk), len(hashes)))
            out.write("".join(hashes).encode())
    out.write(b"end %s\n" % digest.hexdigest().encode())
    out.flush()
    return 0


class Hashes:
    """The child process and its output: (bytes read, array of 32-byte hex hashes) per chunk of the file.

    A thread drains the child's pipe as fast as the child writes (a pipe holds only 64 KiB: read only when a
    batch needs its hashes, the child would wait for the parent and the two would take turns). At most
    ``QUEUED`` chunks (1 MiB of file each, ~80 KiB of hashes) wait: memory stays flat.
    """

    QUEUED = 256

    def __init__(self, path: Path, seed: bytes) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "gis_core.ingest.rawhash", str(path), seed.hex()],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.sha256: str | None = None
        self._queue: queue.Queue = queue.Queue(maxsize=self.QUEUED)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        try:
            while not self._stop.is_set() and (line := stdout.readline()):
                if line.startswith(b"end "):
                    self.sha256 = line[4:].strip().decode()
                    break
                size, count = map(int, line.split())
                self._put((size, np.frombuffer(stdout.read(32 * count), dtype="S32")))
        finally:
            self._put(None)

    def _put(self, item: tuple[int, np.ndarray] | None) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        while (item := self._queue.get()) is not None:
            yield item
        if self.sha256 is None:
            self.proc.wait()
            error = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise RuntimeError(f"the raw-hash process failed: {error}")

    def close(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._thread.join()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
