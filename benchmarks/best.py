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

B5 also times the Sequential trained by a plain loop and the same weights
through bare Tensor ops, so the parts of B5's ratio can be read off: the
engine's (as in B1), the model classes' and ``fit``'s own.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from . import handwritten as hw
from . import ours
from ._util import circles, one_blas_thread
from .suite import ARTICLE, MLP_BATCH, _floor_model, _mlp_models

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
    the article's model, its final parameters).  Four loops take turns, from the same weights
    and on the same minibatches: ``Sequential.fit``; the Sequential trained by a plain loop
    (``model(x)``, loss, backward, step: what ``fit`` adds is the difference); the same
    weights through bare Tensor ops, as B1 writes them (what ``Sequential`` and its ``Dense``
    layers add is the difference); and the hand-written NumPy."""
    from . import article_fit
    data = article_fit._data()
    best = dict.fromkeys(["tinygrad_edu", "Sequential, by hand", "Tensor ops, by hand",
                          "hand-written NumPy"], (float("inf"), None))

    def keep(name, cpu, params):
        best[name] = min(best[name], (cpu, params), key=lambda r: r[0])

    for _ in range(rounds):
        (cpu, _), _, init, params = article_fit._fit_ours(data, epochs)
        keep("tinygrad_edu", cpu, params)
        for name, (cpu, params) in _loops_by_hand(data, epochs).items():
            keep(name, cpu, params)
        (cpu, _), _, params = article_fit._fit_by_hand(data, epochs, init)
        keep("hand-written NumPy", cpu, params)
    return best


def _loops_by_hand(data, epochs):
    """The article's model trained without ``fit``, on fit's minibatches, as a Sequential
    and as bare Tensor ops: name -> (CPU seconds, final parameters)."""
    from tinygrad_edu import Tensor
    from . import article_fit
    X, _, Y, _ = data
    model = article_fit._model()
    seq_opt = model.optimizer
    seq_opt.add_params(model.parameters())
    mlp = ours.MLP([p.numpy() for p in model.parameters()])
    mlp_opt = ours.make_adam(mlp.params)

    def sequential(x, y):
        seq_opt.zero_grad()
        model.loss(model(x), y).backward()
        seq_opt.step()

    def tensor_ops(x, y):
        ours.train_step(mlp, mlp_opt, x, y)

    out = {}
    for name, step, params in (("Sequential, by hand", sequential, model.parameters),
                               ("Tensor ops, by hand", tensor_ops, lambda: mlp.params)):
        rng = np.random.default_rng(article_fit.SHUFFLE_SEED)    # fit's shuffling
        t0 = time.process_time()
        for _ in range(epochs):
            for idx in hw.minibatches(len(X), article_fit.BATCH_SIZE, rng):
                step(Tensor._make(X[idx], False, None), Tensor._make(Y[idx], False, None))
        out[name] = (time.process_time() - t0, [p.numpy().copy() for p in params()])
    return out


def _print(title, best, unit):
    base, scale = best["hand-written NumPy"], {"us": 1e6, "ms": 1e3}[unit]
    print(f"{title} ({sys.executable}, Python {sys.version.split()[0]})")
    for name, seconds in best.items():
        print(f"  {name:20s} {seconds * scale:9.1f} {unit}  {seconds / base:5.2f}x")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    rounds = int(argv[0]) if argv else 60
    bench = argv[1].upper() if len(argv) > 1 else "B1"
    if bench not in MLP_BATCH and bench != "B5":
        print(f"benchmarks.best: {bench!r} is not one of {', '.join(MLP_BATCH)}, B5",
              file=sys.stderr)
        return 2
    with one_blas_thread():
        if bench == "B5":
            best = {name: cpu for name, (cpu, _) in best_fits(rounds).items()}
            title, unit = f"B5 fit of {FIT_EPOCHS} epochs, best of {rounds}", "ms"
        else:
            best = best_blocks(step_functions(MLP_BATCH[bench])[0], rounds)
            title, unit = f"{bench} step, best of {rounds} blocks of {BLOCK} steps", "us"
    _print(title, best, unit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
