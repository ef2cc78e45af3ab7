"""`python -m benchmarks`: every CPU benchmark in turn, then the README tables.

    nice -n 10 python -m benchmarks            # about 15 minutes on a 2-core CPU

Results go to `benchmarks/results/<name>.json`; `python -m benchmarks.report` rewrites the tables
in `benchmarks/README.md` from them. The GPU benchmark (`benchmarks.gpu_rnn`) runs on its own on
a GPU machine (see README.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks import builder_overhead, cpu_tuning, input_pipeline, memory, report

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = {
    "builder_overhead": builder_overhead.main,
    "input_pipeline": input_pipeline.main,
    "cpu_tuning": cpu_tuning.main,
    "memory": memory.main,
}


def main(argv=None) -> int:
    names = list(sys.argv[1:] if argv is None else argv) or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"Unknown benchmark(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(BENCHMARKS)}.")
    for name in names:
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        BENCHMARKS[name](["--out", str(RESULTS / f"{name}.json")])
        print(f"== {name}: {time.perf_counter() - start:.0f} s", flush=True)
    report.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
