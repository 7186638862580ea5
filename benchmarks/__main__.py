"""``python -m benchmarks [--quick] [--only B1,B4] [--out PATH]``: run, print a table, save JSON.

``--profile B1`` profiles one benchmark instead; ``--phases B1`` splits a training step.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import profiling, suite
from ._util import environment, one_blas_thread, save_json, table

DEFAULT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few repetitions: a correctness smoke test")
    parser.add_argument("--only", default="",
                        help="comma-separated benchmarks to run (default: all), e.g. B1,B4")
    parser.add_argument("--out", default=None,
                        help="JSON file to write (default: benchmarks/results/<mode>.json)")
    parser.add_argument("--profile", metavar="BENCH", choices=sorted(profiling.TARGETS),
                        help="instead of timing, profile tinygrad_edu on one benchmark "
                             "(pyinstrument when installed, else cProfile)")
    parser.add_argument("--phases", metavar="BENCH", choices=["B1", "B2"],
                        help="instead of timing, split one training step of B1 or B2 into "
                             "forward / loss / backward / optimizer time")
    args = parser.parse_args(argv)
    if args.phases:
        with one_blas_thread():
            print(profiling.phases(args.phases, quick=args.quick))
        return 0
    if args.profile:
        with one_blas_thread():
            print(profiling.profile(args.profile, quick=args.quick))
        return 0
    mode = "quick" if args.quick else "full"
    only = {s.strip().upper() for s in args.only.split(",") if s.strip()}
    out = args.out or os.path.join(DEFAULT_DIR, f"{mode}.json")

    env = environment()
    with one_blas_thread():
        results = suite.run_all(quick=args.quick, only=only)
    print()
    print(table(results))
    for r in results:
        for key in ("peak_ratio", "memory_linear_spread", "long_chain_seconds", "test_accuracy",
                    "test_accuracy_numpy"):
            if key in r.extra:
                print(f"{r.name} {key}: {r.extra[key]:.3g}")
    blas = env["blas"]
    if blas.get("OPENBLAS_CORETYPE"):
        print(f"note: OPENBLAS_CORETYPE={blas['OPENBLAS_CORETYPE']} is set; it slows a current "
              f"NumPy's BLAS alike for all columns (see the benchmarks README note).")
    save_json(out, results, env, mode)
    print(f"\nsaved {out}")
    return 0 if all(r.check_ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
