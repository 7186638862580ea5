"""``python -m benchmarks --profile B1``: where does tinygrad_edu spend a benchmark's time?

Runs only our side of B1, B2 or B4 many times under pyinstrument (the
``bench`` extra) or, without it, cProfile, and returns the report as text.
"""
from __future__ import annotations

import cProfile
import io
import pstats

import numpy as np

from . import floor, ours
from ._util import circles, glorot_params
from .suite import ARTICLE, MLP_BATCH, _chain_consts, _floor_model


def _mlp_step(sizes, batch):
    from tinygrad_edu import Tensor
    X, Y = circles(batch, seed=1)
    model = ours.MLP(glorot_params(sizes))
    opt = ours.make_adam(model.params)
    Xt, Yt = Tensor(X), Tensor(Y)
    return lambda: ours.train_step(model, opt, Xt, Yt)


def _chain(n_ops):
    x0 = np.random.default_rng(2).uniform(-0.5, 0.5, 16).astype(np.float32)
    consts = _chain_consts(n_ops)
    return lambda: ours.chain_forward_backward(x0, consts, n_ops)


#: name -> (make the workload, calls in full mode)
TARGETS = {
    "B1": (lambda: _mlp_step(ARTICLE, MLP_BATCH["B1"]), 3000),
    "B2": (lambda: _mlp_step(ARTICLE, MLP_BATCH["B2"]), 1000),
    "B4": (lambda: _chain(10_000), 10),
}


def profile(name, quick=False):
    make, calls = TARGETS[name]
    fn = make()
    calls = max(2, calls // 50) if quick else calls
    for _ in range(min(calls, 20)):  # warm-up
        fn()
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(calls):
            fn()
        profiler.stop()
        return profiler.output_text(unicode=False, color=False, show_all=False)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
    return out.getvalue()


def phases(name, quick=False):
    """Mean microseconds of each phase of a B1/B2 training step, timed in place.

    The phases are timed inside a real step (``time.perf_counter`` around each
    one), so they add up to the step as the benchmark sees it.  The same step
    on the floor engine (``floor.py``: the same ops, no engine features) is
    timed alongside, phase by phase.
    """
    from tinygrad_edu import Tensor
    from tinygrad_edu.nn.functional import binary_cross_entropy
    if name not in MLP_BATCH:
        raise ValueError(f"phases: only B1 and B2 are training steps, not {name}")
    X, Y = circles(MLP_BATCH[name], seed=1)
    model = ours.MLP(glorot_params(ARTICLE))
    opt = ours.make_adam(model.params)
    Xt, Yt = Tensor(X), Tensor(Y)
    mine = (lambda _: opt.zero_grad(), lambda _: model.forward(Xt),
            lambda out: binary_cross_entropy(out, Yt), lambda loss: loss.backward(),
            lambda _: opt.step())
    fm, fX, fY = _floor_model(ARTICLE, X, Y)
    base = (lambda _: fm.zero_grad(), lambda _: fm.forward(fX),
            lambda out: floor.binary_cross_entropy(out, fY), floor.backward,
            lambda _: fm.update())
    steps, warmup = (100, 10) if quick else (3000, 300)
    labels = ("zero_grad", "forward", "loss", "backward", "step")
    lines = []
    for label, fns in ((f"{name} step phases", mine), ("floor engine, same ops", base)):
        us = _phase_times(fns, steps, warmup) * 1e6
        parts = "  ".join(f"{k} {v:.0f} us" for k, v in zip(labels, us))
        lines.append(f"{label} (mean of {steps}): {parts}  total {us.sum():.0f} us")
    return "\n".join(lines)


def _phase_times(fns, steps, warmup):
    """Mean seconds of each function in ``fns``, run in turn (each gets the last one's result)."""
    import time
    clock = time.perf_counter
    total = np.zeros(len(fns))
    for i in range(warmup + steps):
        value, t = None, clock()
        for k, fn in enumerate(fns):
            value = fn(value)
            now = clock()
            if i >= warmup:
                total[k] += now - t
            t = now
    return total / steps
