"""B5: the article's 50-epoch fit, through ``Sequential.fit`` and by hand.

Both start from the same weights (the Sequential's own Glorot init) and see
the same minibatches: ``fit(seed=S)`` shuffles with ``default_rng(S)``, and so
does the hand-written loop.  So beyond wall time and test accuracy, the final
parameters can be compared too.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from . import handwritten as hw
from . import torch_impl
from ._util import TORCH_TOL, Result, max_rel_diff

SEED = 3           # data noise and weights (the demo's seed)
SHUFFLE_SEED = 11  # minibatch order, shared by all implementations
BATCH_SIZE = 32    # the article's minibatch size, likewise


def _data():
    import tinygrad_edu as tg
    from tinygrad_edu.datasets import make_circles, train_test_split
    tg.manual_seed(SEED)
    X, y = make_circles(n_samples=1000, factor=0.3, noise=0.10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.1, random_state=42)
    as32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return (as32(X_train), as32(X_test), as32(y_train).reshape(-1, 1),
            as32(y_test).reshape(-1, 1))


def _model(jit_compile=False):
    """The article's model (article.build_model: its Keras snippet), optionally jit-compiled."""
    import tinygrad_edu as tg
    from tinygrad_edu.article import build_model
    tg.manual_seed(SEED + 1)
    if not jit_compile:
        return build_model()
    model = build_model(compile=False)
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'],
                  jit_compile=True)
    return model


def _accuracy(prob, y):
    return float(np.mean((np.asarray(prob) > 0.5) == (y > 0.5)))


def _timed(work):
    """(CPU seconds, wall seconds) of one call of ``work``."""
    w0, c0 = time.perf_counter(), time.process_time()
    work()
    return time.process_time() - c0, time.perf_counter() - w0


def _fit_ours(data, epochs, jit_compile=False):
    X_train, X_test, y_train, y_test = data
    model = _model(jit_compile)
    init = [p.numpy().copy() for p in model.parameters()]
    seconds = _timed(lambda: model.fit(X_train, y_train, epochs=epochs, batch_size=BATCH_SIZE,
                                       verbose=0, seed=SHUFFLE_SEED))
    acc = _accuracy(model.predict(X_test), y_test)
    return seconds, acc, init, [p.numpy() for p in model.parameters()]


def _fit_by_hand(data, epochs, init):
    X_train, X_test, y_train, y_test = data
    model = hw.MLP(init)
    opt = hw.Adam(model.params)
    rng = np.random.default_rng(SHUFFLE_SEED)
    seconds = _timed(lambda: hw.fit(model, opt, X_train, y_train, epochs, BATCH_SIZE, rng))
    return seconds, _accuracy(model.predict(X_test), y_test), model.params


def _fit_torch(torch, data, epochs, init):
    X_train, X_test, y_train, y_test = data
    model = torch_impl.MLP(torch, init)
    tX, tY = torch.tensor(X_train), torch.tensor(y_train)
    rng = np.random.default_rng(SHUFFLE_SEED)
    seconds = _timed(lambda: model.fit(tX, tY, epochs, BATCH_SIZE, rng))
    return seconds, _accuracy(model.predict(X_test), y_test), model.numpy_params()


def run(epochs, target, repeats=1, torch=None):
    """Time ``fit`` (eager and jit-compiled), the hand-written loop and, given ``torch``, PyTorch."""
    data = _data()
    ours_times, np_times, jit_times, torch_times = [], [], [], []
    for _ in range(repeats):  # interleaved, as everywhere else
        t, acc, init, final = _fit_ours(data, epochs)
        ours_times.append(t)
        t_np, acc_np, final_np = _fit_by_hand(data, epochs, init)
        np_times.append(t_np)
        t_jit, acc_jit, _, final_jit = _fit_ours(data, epochs, jit_compile=True)
        jit_times.append(t_jit)
        if torch is not None:
            t_torch, acc_torch, final_torch = _fit_torch(torch, data, epochs, init)
            torch_times.append(t_torch)
    diff = max_rel_diff(final, final_np)
    jit_same = acc_jit == acc and all(np.array_equal(a, b) for a, b in zip(final_jit, final))
    ok = diff <= 1e-3 and acc == acc_np and jit_same
    check = (f"{epochs} epochs, same batches: final params max rel diff {diff:.1e}; "
             f"test accuracy {acc:.2f} (NumPy {acc_np:.2f}); jit_compile=True "
             f"{'bit-identical' if jit_same else 'DIFFERENT'}")
    median = statistics.median
    wall = {"ours": median(t[1] for t in ours_times), "numpy": median(t[1] for t in np_times)}
    extra = {"epochs": epochs, "repeats": repeats, "test_accuracy": acc, "wall": wall,
             "wall_ratio": wall["ours"] / wall["numpy"],
             "test_accuracy_numpy": acc_np, "param_max_rel_diff": diff,
             "jit_bit_identical": jit_same}
    if torch is not None:
        extra["torch_param_max_rel_diff"] = max_rel_diff(final_torch, final_np)
        check += f"; torch diff {extra['torch_param_max_rel_diff']:.1e}, accuracy {acc_torch:.2f}"
        ok = ok and extra["torch_param_max_rel_diff"] <= TORCH_TOL and acc_torch == acc_np
    return Result("B5", f"article fit, {epochs} epochs via Sequential.fit", "fit",
                  median(t[0] for t in ours_times), median(t[0] for t in np_times), target, check,
                  ok, jit=median(t[0] for t in jit_times), extra=extra,
                  torch=median(t[0] for t in torch_times) if torch is not None else None)
