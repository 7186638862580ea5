"""Timing, memory, data and reporting helpers shared by the benchmarks."""
from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import sysconfig
import time
import tracemalloc
from dataclasses import asdict, dataclass, field

import numpy as np


# ------------------------------------------------------------------- timing ---
def time_interleaved(fns, calls, rounds=5, warmup=3):
    """Median time of one call of each function in ``fns`` (a dict name -> fn).

    The calls are split into ``rounds`` blocks and the functions take turns
    block by block, so a slow phase of a noisy machine hits all of them alike.
    Each call is timed on its own; the median ignores the outliers (GC pauses,
    other processes).

    Returns two dicts {name: median seconds}: CPU time (``time.process_time``,
    the time the call really ran -- on a shared machine the steadier measure,
    and the one the table shows) and wall time (which also counts waiting for
    a core while other processes run).
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    per_round = max(1, calls // rounds)
    cpu = {name: [] for name in fns}
    wall = {name: [] for name in fns}
    cpu_clock, wall_clock = time.process_time, time.perf_counter
    for _ in range(rounds):
        for name, fn in fns.items():
            c, w = cpu[name], wall[name]
            for _ in range(per_round):
                w0, c0 = wall_clock(), cpu_clock()
                fn()
                c1, w1 = cpu_clock(), wall_clock()
                c.append(c1 - c0)
                w.append(w1 - w0)
    return ({name: statistics.median(s) for name, s in cpu.items()},
            {name: statistics.median(s) for name, s in wall.items()})


def peak_memory(fn):
    """Peak memory (bytes) allocated by one call of ``fn`` above what existed before it.

    NumPy reports its array buffers to ``tracemalloc``, so this counts
    activations, gradients and temporaries alike.
    """
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------- data ---
def circles(n, noise=0.10, factor=0.3, seed=0):
    """Two noisy concentric circles (outer = 0, inner = 1), float32 (n, 2) and (n, 1)."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    angles = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(np.arange(n) < n_out, 1.0, factor)
    X = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    X += rng.normal(0, noise, X.shape)
    y = (np.arange(n) >= n_out).astype(np.float32).reshape(-1, 1)
    perm = rng.permutation(n)
    return X[perm].astype(np.float32), y[perm]


def glorot_params(sizes, seed=0):
    """[W1, b1, W2, b2, ...] for layer ``sizes``: Glorot-uniform weights, zero biases (Keras)."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        params.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(np.float32))
        params.append(np.zeros(n_out, dtype=np.float32))
    return params


# How far PyTorch's parameters may end from the hand-written ones (max_rel_diff):
# its Adam steps as Keras' (torch_impl.KerasAdam), so only float32 rounding in
# another order separates them; B5's 1,450 steps leave ~2e-6.
TORCH_TOL = 1e-3


def max_rel_diff(a_params, b_params):
    """Largest |a - b| / (1 + |b|) over all parameters (a scale-aware closeness measure)."""
    worst = 0.0
    for a, b in zip(a_params, b_params):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(a - b) / (1 + np.abs(b)), initial=0.0)))
    return worst


# ------------------------------------------------------------ environment ---
def blas_info():
    """What BLAS runs and with how many threads (threadpoolctl when installed)."""
    info = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
    try:
        import threadpoolctl
    except ImportError:
        info["threadpoolctl"] = None
        return info
    info["threadpoolctl"] = [{k: pool.get(k) for k in ("internal_api", "num_threads",
                                                        "architecture", "version")}
                             for pool in threadpoolctl.threadpool_info()]
    return info


def one_blas_thread():
    """A context limiting BLAS to one thread (threadpoolctl), or a no-op without it."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def environment():
    """Where the run was made: versions, machine, commit, BLAS and the interpreter's build.

    The build matters here: our side is mostly interpreter work and NumPy's
    side mostly C, so an interpreter built with profile-guided optimization
    (most distributions' and python.org's) gives lower ratios than one
    built without it (pyenv's default).  Compare runs of one interpreter.
    """
    commit = None
    try:
        here = os.path.dirname(os.path.abspath(__file__))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, cwd=here).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"python": sys.version.split()[0], "python_executable": sys.executable,
            "python_build": sysconfig.get_config_var("CONFIG_ARGS"), "numpy": np.__version__,
            "platform": platform.platform(), "cpus": os.cpu_count(), "git_commit": commit,
            "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "blas": blas_info()}


# ---------------------------------------------------------------- results ---
@dataclass
class Result:
    """One benchmark's outcome.  Times are medians in seconds (per call unless ``unit`` says)."""
    name: str
    title: str
    unit: str                      # what one timed value is ("step", "op", "fit", ...)
    ours: float
    numpy: float
    target: float | None           # ratio target ours / numpy (None: not a ratio target)
    check: str                     # how correctness was checked, and the measured difference
    check_ok: bool
    torch: float | None = None
    floor: float | None = None     # the minimal engine with our ops (see floor.py)
    jit: float | None = None       # ours, the step replayed by tinygrad_edu.jit
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self):
        return self.ours / self.numpy

    @property
    def met(self):
        if self.target is not None:
            return self.ratio <= self.target
        return None

    def to_dict(self):
        d = asdict(self)
        d["ratio"] = self.ratio
        d["met"] = self.met
        d["torch_ratio"] = None if self.torch is None else self.torch / self.numpy
        d["floor_ratio"] = None if self.floor is None else self.floor / self.numpy
        d["jit_ratio"] = None if self.jit is None else self.jit / self.numpy
        return d


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def table(results):
    """The results as a plain-text table (one row per benchmark).

    Times are medians of CPU time (see ``time_interleaved``); 'wall ratio' is
    the same ratio measured in wall-clock time; 'floor/np' is the minimal
    engine's ratio (``floor.py``): the best these ops allow; 'jit/np' is our
    step replayed by ``tinygrad_edu.jit``.
    """
    head = ("bench", "per", "tinygrad_edu", "NumPy", "ratio", "target", "wall ratio", "jit/np",
            "floor/np", "PyTorch", "torch/np", "check")
    rows = [head]
    for r in results:
        if r.target is not None:
            target = f"<= {r.target:g}x " + ("ok" if r.met else "MISSED")
        else:
            target = "-"
        wall = r.extra.get("wall_ratio")
        rows.append((r.name, r.unit, fmt_time(r.ours), fmt_time(r.numpy), f"{r.ratio:.2f}x", target,
                     "-" if wall is None else f"{wall:.2f}x",
                     "-" if r.jit is None else f"{r.jit / r.numpy:.2f}x",
                     "-" if r.floor is None else f"{r.floor / r.numpy:.2f}x", fmt_time(r.torch),
                     "-" if r.torch is None else f"{r.torch / r.numpy:.2f}x",
                     ("ok " if r.check_ok else "FAILED ") + r.check))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head) - 1)]
    lines = []
    for k, row in enumerate(rows):
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths)] + [row[-1]]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 5)
    return "\n".join(lines)


def save_json(path, results, env, mode):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"mode": mode, "environment": env, "results": [r.to_dict() for r in results]},
                  f, indent=2, default=float)
