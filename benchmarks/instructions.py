"""Instructions per B1 step, per B4 op and per B5 epoch, counted by valgrind: figures that do not move.

Timings on a shared machine move by 10% and more from one run to the next;
the number of machine instructions a step executes does not.  This counts
them with valgrind's cachegrind for tinygrad_edu, the floor engine and the
hand-written NumPy code -- each workload run N and 6N times in a fresh
interpreter, so that start-up cancels out -- and prints the counts and
their ratios.  Instructions are not time (NumPy's and BLAS's instructions
are cheaper per instruction than the interpreter's), but a change that
removes Python work shows up here exactly.

    python -m benchmarks.instructions            # needs valgrind (apt-get install valgrind)
    python -m benchmarks.instructions --repo DIR # count another checkout, e.g. an old commit
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {  # name: (what one iteration is, iterations N)
    "B1 ours": ("step", 20), "B1 floor": ("step", 20), "B1 numpy": ("step", 20),
    "B4 ours": ("op", 2), "B4 floor": ("op", 2), "B4 numpy": ("op", 2),
    "B5 ours": ("epoch", 1), "B5 numpy": ("epoch", 1),      # (B5 has no floor version)
}
B4_OPS = 2000

_RUN = """
import sys
sys.path[:0] = [{repo!r}, {root!r}]
import numpy as np
from benchmarks import floor, handwritten as hw, ours
from benchmarks._util import circles, glorot_params
from benchmarks.suite import ARTICLE, _chain_consts
from tinygrad_edu import Tensor
bench, impl, n = {bench!r}, {impl!r}, {n}
if bench == "B1":
    X, Y = circles(32, seed=1)
    if impl == "ours":
        m = ours.MLP(glorot_params(ARTICLE)); opt = ours.make_adam(m.params)
        Xt, Yt = Tensor(X), Tensor(Y)
        work = lambda: ours.train_step(m, opt, Xt, Yt)
    elif impl == "floor":
        fm = floor.MLP(glorot_params(ARTICLE), ours.make_adam); fX, fY = floor.Node(X), floor.Node(Y)
        work = lambda: fm.step(fX, fY)
    else:
        ref = hw.MLP(glorot_params(ARTICLE)); ref_opt = hw.Adam(ref.params)
        work = lambda: hw.train_step(ref, ref_opt, X, Y)
elif bench == "B5":  # one fit of n epochs, as B5 times one fit of 50: what fit does once
    from benchmarks import article_fit as af    # per call (checks, hooks) is not counted
    X_train, _, y_train, _ = af._data()         # n times over
    model = af._model()
    epochs, n = n, 1
    if impl == "ours":
        work = lambda: model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0,
                                 seed=af.SHUFFLE_SEED)
    else:
        ref = hw.MLP([p.numpy() for p in model.parameters()]); ref_opt = hw.Adam(ref.params)
        rng = np.random.default_rng(af.SHUFFLE_SEED)
        work = lambda: hw.fit(ref, ref_opt, X_train, y_train, epochs, 32, rng)
else:
    x0 = np.random.default_rng(2).uniform(-0.5, 0.5, 16).astype(np.float32)
    consts = _chain_consts({ops})
    mod = {{"ours": ours, "floor": floor, "numpy": hw}}[impl]
    work = lambda: mod.chain_forward_backward(x0, consts, {ops})
for _ in range(n):
    work()
"""


def count(repo, bench, impl, n):
    """Instructions executed by a fresh interpreter running the workload ``n`` times."""
    code = _RUN.format(repo=repo, root=os.path.dirname(HERE), bench=bench, impl=impl, n=n,
                       ops=B4_OPS)
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                          "--cachegrind-out-file=/dev/null", sys.executable, "-c", code],
                         capture_output=True, text=True, env=env, check=True).stderr
    return int(re.search(r"I\s+refs:\s+([\d,]+)", out).group(1).replace(",", ""))


def per_iteration(repo, name):
    bench, impl = name.split()
    unit, n = WORKLOADS[name]
    total = count(repo, bench, impl, 6 * n) - count(repo, bench, impl, n)
    return total / (5 * n) / (B4_OPS if bench == "B4" else 1)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=os.path.dirname(HERE),
                        help="the checkout whose tinygrad_edu is counted (default: this one)")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("benchmarks.instructions needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 1
    counts = {name: per_iteration(os.path.abspath(args.repo), name) for name in WORKLOADS}
    for bench in ("B1", "B4", "B5"):
        unit = WORKLOADS[f"{bench} ours"][0]
        hw_count = counts[f"{bench} numpy"]
        cells = [f"{impl} {counts[f'{bench} {impl}'] / 1e3:,.1f}k ({counts[f'{bench} {impl}'] / hw_count:.2f}x)"
                 for impl in ("ours", "floor", "numpy") if f"{bench} {impl}" in counts]
        print(f"{bench} instructions per {unit}: " + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
