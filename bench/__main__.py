"""Run benchmarks: `python -m bench` runs every bench/bench_*.py; `python -m bench cold_start` runs one.

Extra arguments after `--` go to the benchmark (e.g. `python -m bench import_acled -- --rows 100000`).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    names = argv or sorted(p.stem[len("bench_"):] for p in Path(__file__).parent.glob("bench_*.py"))
    for name in names:
        print(f"=== bench {name}", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        module.main(extra)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
