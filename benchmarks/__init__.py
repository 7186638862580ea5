"""Benchmarks: tinygrad_edu against the same computation written by hand in NumPy.

Run them with ``python -m benchmarks`` (or ``make bench``); ``--quick`` is a
smoke test that checks correctness on small sizes in a few seconds.

Every benchmark (B1-B6, see ``suite.py``) runs tinygrad_edu and a hand-written
NumPy version (``handwritten.py``) of the same computation, in the same
process, from the same data and initial weights, in float32 on one BLAS
thread.  Both are first checked to compute the same parameters after a few
steps; then both are timed, interleaved, and the ratio of medians is
reported.  PyTorch is timed as well when it happens to be importable.

Timings are not tests: the machine is shared and noisy, so only ratios
measured in one run mean anything.

One BLAS thread: NumPy reads these variables once, when it is first imported,
so they are set here -- before ``benchmarks`` imports NumPy -- unless the user
already chose a value or NumPy is already imported (e.g. inside pytest, where
the environment is left alone).  ``python -m benchmarks`` also uses
threadpoolctl when it is installed, which works even after NumPy was imported.
OPENBLAS_CORETYPE is never touched (see ``_util.blas_info``).
"""
import os
import sys

if "numpy" not in sys.modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
