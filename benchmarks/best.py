"""B1 (or B2) by the best of many blocks: a figure that a noisy machine moves by 1-3%, not 10-30%.

``make bench`` gives medians, which on a shared machine move by 10-30% from
run to run (benchmarks/README.md).  The *fastest* block of steps is what
the code costs when nothing else gets in its way, and it repeats: this
module times blocks of training steps of tinygrad_edu, the floor engine and
the hand-written NumPy, taking turns, and prints each one's best block and
the ratios, with the interpreter that ran them (its build matters: see the
twelfth pass in the README)::

    python -m benchmarks.best              # B1, best of 60 blocks of 50 steps
    python -m benchmarks.best 100 B2       # B2, best of 100 blocks
"""
from __future__ import annotations

import sys
import time

from . import handwritten as hw
from . import ours
from ._util import circles, one_blas_thread
from .suite import ARTICLE, _floor_model, _mlp_models

BATCH = {"B1": 32, "B2": 1000}
BLOCK = 50          # steps per timed block


def step_functions(batch):
    """name -> one training step on a fixed batch, for the three engines, from the same weights;
    and name -> the weights it has reached (NumPy arrays)."""
    from tinygrad_edu import Tensor
    X, Y = circles(batch, seed=1)          # the batch and weights of suite.bench_mlp
    model, opt, ref, ref_opt = _mlp_models(ARTICLE)
    fm, fX, fY = _floor_model(ARTICLE, X, Y)
    Xt, Yt = Tensor(X), Tensor(Y)
    steps = {"tinygrad_edu": lambda: ours.train_step(model, opt, Xt, Yt),
             "floor": lambda: fm.step(fX, fY),
             "hand-written NumPy": lambda: hw.train_step(ref, ref_opt, X, Y)}
    weights = {"tinygrad_edu": model.numpy_params, "floor": fm.numpy_params,
               "hand-written NumPy": lambda: ref.params}
    return steps, weights


def best_blocks(fns, rounds, block=BLOCK):
    """name -> the best CPU time of one step, over ``rounds`` blocks of ``block`` steps each
    (the functions take turns block by block, so a slow minute hits all of them)."""
    best = dict.fromkeys(fns, float("inf"))
    clock = time.process_time
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = clock()
            for _ in range(block):
                fn()
            best[name] = min(best[name], (clock() - t0) / block)
    return best


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    rounds = int(argv[0]) if argv else 60
    bench = argv[1].upper() if len(argv) > 1 else "B1"
    if bench not in BATCH:
        print(f"benchmarks.best: {bench!r} is not one of {', '.join(BATCH)}", file=sys.stderr)
        return 2
    with one_blas_thread():
        best = best_blocks(step_functions(BATCH[bench])[0], rounds)
    base = best["hand-written NumPy"]
    print(f"{bench} step, best of {rounds} blocks of {BLOCK} steps ({sys.executable}, "
          f"Python {sys.version.split()[0]})")
    for name, seconds in best.items():
        print(f"  {name:20s} {seconds * 1e6:9.1f} us  {seconds / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
