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
import subprocess
import sys
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
    """The child process and its output, read chunk by chunk: (bytes read, array of 32-byte hex hashes)."""

    def __init__(self, path: Path, seed: bytes) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "gis_core.ingest.rawhash", str(path), seed.hex()],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.sha256: str | None = None

    def chunks(self) -> Iterator[tuple[int, np.ndarray]]:
        assert self.proc.stdout is not None
        while line := self.proc.stdout.readline():
            if line.startswith(b"end "):
                self.sha256 = line[4:].strip().decode()
                return
            size, count = map(int, line.split())
            payload = self.proc.stdout.read(32 * count)
            yield size, np.frombuffer(payload, dtype="S32")
        self.proc.wait()
        raise RuntimeError(f"the raw-hash process failed: {self.proc.stderr.read().decode(errors='replace') if self.proc.stderr else ''}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
