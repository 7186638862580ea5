"""B1 (B2, B5) by the best of many blocks: a figure that a noisy machine moves by 1-3%, not 10-30%.

``make bench`` gives medians, which on a shared machine move by 10-30% from
run to run (benchmarks/README.md).  The *fastest* block of steps is what
the code costs when nothing else gets in its way, and it repeats: this
module times blocks of training steps of tinygrad_edu, the floor engine and
the hand-written NumPy, taking turns, and prints each one's best block and
the ratios, with the interpreter that ran them (its build matters: see the
twelfth pass in the README)::

    python -m benchmarks.best              # B1, best of 60 blocks of 50 steps
    python -m benchmarks.best 100 B2       # B2, best of 100 blocks
    python -m benchmarks.best 20 B5        # B5: the best of 20 fits of 5 epochs, ours and by hand
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
FIT_EPOCHS = 5      # epochs per timed fit (B5)


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


def best_fits(rounds, epochs=FIT_EPOCHS):
    """B5 by the best of ``rounds``: name -> (the best CPU time of an ``epochs``-epoch fit of
    the article's model, its final parameters); ``Sequential.fit`` and the hand-written
    loop take turns, from the same weights and on the same minibatches."""
    from . import article_fit
    data = article_fit._data()
    best = {"tinygrad_edu": (float("inf"), None), "hand-written NumPy": (float("inf"), None)}
    for _ in range(rounds):
        (cpu, _), _, init, params = article_fit._fit_ours(data, epochs)
        best["tinygrad_edu"] = min(best["tinygrad_edu"], (cpu, params), key=lambda r: r[0])
        (cpu, _), _, params = article_fit._fit_by_hand(data, epochs, init)
        best["hand-written NumPy"] = min(best["hand-written NumPy"], (cpu, params),
                                         key=lambda r: r[0])
    return best


def _print(title, best, unit):
    base, scale = best["hand-written NumPy"], {"us": 1e6, "ms": 1e3}[unit]
    print(f"{title} ({sys.executable}, Python {sys.version.split()[0]})")
    for name, seconds in best.items():
        print(f"  {name:20s} {seconds * scale:9.1f} {unit}  {seconds / base:5.2f}x")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    rounds = int(argv[0]) if argv else 60
    bench = argv[1].upper() if len(argv) > 1 else "B1"
    if bench not in BATCH and bench != "B5":
        print(f"benchmarks.best: {bench!r} is not one of {', '.join(BATCH)}, B5", file=sys.stderr)
        return 2
    with one_blas_thread():
        if bench == "B5":
            best = {name: cpu for name, (cpu, _) in best_fits(rounds).items()}
            title, unit = f"B5 fit of {FIT_EPOCHS} epochs, best of {rounds}", "ms"
        else:
            best = best_blocks(step_functions(BATCH[bench])[0], rounds)
            title, unit = f"{bench} step, best of {rounds} blocks of {BLOCK} steps", "us"
    _print(title, best, unit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
