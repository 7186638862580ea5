"""``find_lr``: the learning-rate range test, with the model left exactly as it was.

Leslie Smith's test (made popular by fastai's ``lr_find``): train for a
few hundred minibatches while the learning rate grows exponentially from
tiny (1e-7) to huge (10), and watch the loss.  At first the rate is too small
to change anything, then the loss falls, and at last it blows up.  The loss
of single batches is noisy, so it is smoothed with an exponential moving
average (debiased, as Adam's moments are).  The suggestion is the rate ten
times below the one where the smoothed loss is lowest: past that point
training is at the edge of diverging.  (The rate where the loss falls
fastest, ``.steepest``, is the other usual reading; on the article's network
it is about 4x higher and less stable from seed to seed.)

The sweep changes the weights and the optimizer's state, so both are saved
first and put back afterwards, bit for bit: after ``find_lr`` the model
trains exactly as it would have without it.  The global random generator is
not used either (the sweep's batches come from its own ``seed``).

Examples
--------
>>> from tinygrad_edu.recipe import build_model, load_circles
>>> X, _, y, _ = load_circles(seed=0)
>>> model = build_model()
>>> before = model.get_weights()
>>> result = find_lr(model, X, y)
>>> len(result.lrs) == len(result.losses) > 100, 1e-3 < result.suggestion < 0.1
(True, True)
>>> all((a == b).all() for a, b in zip(before, model.get_weights()))
True
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from .plots import plot_lr_finder

__all__ = ["find_lr", "LRRangeTest"]


class LRRangeTest:
    """What :func:`find_lr` found.

    Attributes
    ----------
    lrs : list of float
        The learning rate of every step of the sweep.
    losses : list of float
        The smoothed loss at each step.
    raw_losses : list of float
        Each step's batch loss, as measured.
    suggestion : float
        ``min_lr / 10``: a rate an order of magnitude below the minimum.
    min_lr : float
        The rate at the smoothed loss's minimum.
    steepest : float or None
        The rate where the smoothed loss falls fastest (per decade of rate),
        before its minimum; None when the sweep was too short to tell.
    stopped_early : bool
        The loss diverged (``diverge`` times its best, or non-finite) before
        the last rate.
    """

    def __init__(self, lrs, losses, raw_losses, stopped_early):
        self.lrs, self.losses, self.raw_losses = lrs, losses, raw_losses
        self.stopped_early = stopped_early
        self.min_lr = lrs[int(np.argmin(losses))] if losses else None
        self.suggestion = None if self.min_lr is None else self.min_lr / 10
        self.steepest = steepest_descent(lrs, losses)

    def plot(self, path):
        """Draw the loss against the rate (log scale), the suggestion marked; returns ``path``."""
        return plot_lr_finder(self, path)

    def __repr__(self):
        s = "None" if self.suggestion is None else f"{self.suggestion:.2e}"
        return f"LRRangeTest(steps={len(self.lrs)}, suggestion={s})"


def steepest_descent(lrs, losses, skip=0.1):
    """The rate where ``losses`` fall fastest against ``log10(lrs)``, before their minimum.

    The first ``skip`` share of the steps is ignored (the average is still
    warming up there).  None with fewer than 5 steps before the minimum.

    Examples
    --------
    >>> lrs = list(10.0 ** np.arange(-6, 1, 0.5))
    >>> losses = [1, 1, 1, 1, 1, .98, .9, .6, .3, .2, .19, .5, 2, 9]
    >>> f"{steepest_descent(lrs, losses):.0e}"
    '3e-03'
    """
    losses = np.asarray(losses, dtype=np.float64)
    end = int(np.argmin(losses)) + 1 if losses.size else 0
    start = int(skip * len(losses))
    if end - start < 5:
        return None
    slope = np.gradient(losses[start:end], np.log10(np.asarray(lrs[start:end])))
    return float(lrs[start + int(np.argmin(slope))])


def _snapshot(model, opt):
    """Everything the sweep changes: weights, gradients, optimizer state and numbers, the mode."""
    numbers = {k: v for k, v in vars(opt).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    grads = [None if p.grad is None else p.grad._data.copy() for p in model.parameters()]
    return model.get_weights(), grads, opt.state_dict(), numbers, model.training


def _restore(model, opt, saved):
    weights, grads, state, numbers, training = saved
    model.set_weights(weights)
    for p, g in zip(model.parameters(), grads):
        p.grad = None if g is None else Tensor._make(g, False, None)
    opt.load_state_dict(state)
    for k, v in numbers.items():
        setattr(opt, k, v)
    model.train(training)


def _check(model, start_lr, end_lr, steps, batch_size, seed, smoothing, diverge):
    if not hasattr(model, "_require_compiled"):
        raise TypeError(f"find_lr: needs a compiled Model (e.g. a Sequential after "
                        f"model.compile(loss=..., optimizer=...)), got {type(model).__name__}")
    model._require_compiled("find_lr")
    for name, value in (("start_lr", start_lr), ("end_lr", end_lr), ("smoothing", smoothing),
                        ("diverge", diverge)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"find_lr: {name} must be a number, got {value!r}")
    if not 0 < start_lr < end_lr or not math.isfinite(end_lr):
        raise ValueError(f"find_lr: need 0 < start_lr < end_lr, got start_lr={start_lr}, "
                         f"end_lr={end_lr}")
    for name, value, least in (("steps", steps, 2), ("batch_size", batch_size, 1),
                               ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
            raise ValueError(f"find_lr: {name} must be an integer >= {least}, got {value!r}")
    if not 0 <= smoothing < 1 or not diverge > 1:
        raise ValueError(f"find_lr: smoothing must be in [0, 1) and diverge > 1, got "
                         f"smoothing={smoothing}, diverge={diverge}")


def _batches(n, size, rng):
    """Endless minibatch indices: shuffled passes over ``n`` samples."""
    while True:
        order = rng.permutation(n)
        for s in range(0, n - size + 1, size):
            yield order[s:s + size]


def _sweep(model, x, y, lrs, batch_size, rng, smoothing, diverge):
    """Train one batch per rate; returns (smoothed losses, batch losses, stopped early)."""
    opt, avg, best = model.optimizer, 0.0, math.inf
    smoothed, raw = [], []
    batches = _batches(len(x), min(batch_size, len(x)), rng)
    for i, lr in enumerate(lrs):
        idx = next(batches)
        loss = model.loss(model(Tensor._make(x[idx], False, None)),
                          Tensor._make(y[idx], False, None))
        value = float(loss._data)
        if not math.isfinite(value):
            return smoothed, raw, True
        opt.zero_grad()
        loss.backward()
        opt.lr = lr
        opt.step()
        avg = smoothing * avg + (1 - smoothing) * value
        smoothed.append(avg / (1 - smoothing ** (i + 1)))
        raw.append(value)
        best = min(best, smoothed[-1])
        if smoothed[-1] > diverge * best:
            return smoothed, raw, True
    return smoothed, raw, False


def find_lr(model, x, y, start_lr=1e-7, end_lr=10.0, steps=200, batch_size=32, smoothing=0.9,
            diverge=4.0, seed=0):
    """The learning-rate range test on a compiled model; the model is left as it was.

    Parameters
    ----------
    model : Model
        Compiled: its loss and its optimizer (e.g. ``'adam'``) are the ones tested.
    x, y : array_like
        Training data, as for ``fit``.
    start_lr, end_lr : float
        The sweep goes from ``start_lr`` to ``end_lr``, exponentially.
    steps : int
        Minibatches in the sweep (one rate each).
    batch_size : int
    smoothing : float
        The moving average's factor (0: no smoothing; 0.9 averages over about
        the last 10 steps).
    diverge : float
        Stop when the smoothed loss exceeds ``diverge`` times its best.
    seed : int
        Seeds the sweep's own shuffling (the global generator is not touched).

    Returns
    -------
    LRRangeTest
        ``.lrs``, ``.losses`` (smoothed), ``.raw_losses``, ``.suggestion``,
        ``.min_lr``, ``.steepest`` and ``.plot(path)``.  Weights, gradients and optimizer
        state (moments, step count, learning rate) are restored bit for bit.
    """
    _check(model, start_lr, end_lr, steps, batch_size, seed, smoothing, diverge)
    x, y, _ = model._prepare(x, y, "find_lr", get_rng())
    opt = model.optimizer
    if not opt.params:
        opt.add_params(model.parameters())
    lrs = list(start_lr * (end_lr / start_lr) ** (np.arange(steps) / (steps - 1)))
    saved = _snapshot(model, opt)
    try:
        model.train()
        smoothed, raw, early = _sweep(model, x, y, lrs, batch_size, np.random.default_rng(seed),
                                      smoothing, diverge)
    finally:
        _restore(model, opt, saved)
    return LRRangeTest([float(lr) for lr in lrs[:len(smoothed)]], smoothed, raw, early)
