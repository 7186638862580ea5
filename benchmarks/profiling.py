"""``python -m benchmarks --profile B1``: where does tinygrad_edu spend a benchmark's time?

Runs only our side of B1, B2 or B4 many times under pyinstrument (the
``bench`` extra) or, without it, cProfile, and returns the report as text.
"""
from __future__ import annotations

import cProfile
import io
import pstats

import numpy as np

from . import ours
from ._util import circles, glorot_params
from .suite import ARTICLE, _chain_consts


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
    "B1": (lambda: _mlp_step(ARTICLE, 32), 3000),
    "B2": (lambda: _mlp_step(ARTICLE, 1000), 1000),
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
