"""``Diagnostics``: what every layer does during training, epoch by epoch.

The pictures people draw by hand when training goes wrong -- gradient flow
across the layers, update-to-weight ratios, dead units, activation and
gradient histograms -- recorded by one callback::

    diag = tg.training.Diagnostics()
    model.fit(X, y, epochs=50, callbacks=[diag])
    diag.history["dense_2"]["dead_fraction"]        # one number per epoch
    diag.plot("diagnostics.png")

or, in a hand-written loop, by calling :meth:`Diagnostics.observe` after
``backward()`` and :meth:`Diagnostics.end_epoch` after each epoch.

Per layer and epoch it records:

``grad_norm``
    The L2 norm of the layer's parameter gradients (kernel and bias
    together), the mean over the epoch's batches.  Falling by orders of
    magnitude from the last layer to the first is the vanishing gradient;
    growing, the exploding one.
``update_ratio``
    ``||W_after - W_before|| / ||W_before||`` for one optimizer step, the
    mean over the epoch: about 1e-3 is the usual rule of thumb; much smaller
    and the layer barely learns, much larger and it is thrown around.
``dead_fraction``, ``dead_units``
    ReLU layers: the share (and the indices) of units that output 0 for
    every training sample of the epoch (:mod:`tinygrad_edu.training.units`).
``saturated_fraction``, ``saturated_units``
    Sigmoid and tanh layers: units within 1e-3 of the activation's limits on
    every sample.
``zero_fraction``
    The share of the layer's outputs that are exactly 0 (ReLU's sparsity),
    over the epoch's last ``samples`` (1024) training samples.
``activation_hist``, ``gradient_hist``
    ``(counts, bin_edges)`` of the layer's outputs on those samples, and of
    its parameter gradients at the epoch's last step.

Values that do not apply are NaN (an ``Activation`` layer has no gradient
norm; a linear layer has no dead units).
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .callbacks import Callback
from .plots import plot_diagnostics
from .units import UnitWatch

__all__ = ["Diagnostics"]

#: The per-epoch numbers of every layer in ``Diagnostics.history``.
KEYS = ("grad_norm", "update_ratio", "dead_fraction", "saturated_fraction", "dead_units",
        "saturated_units", "zero_fraction", "activation_hist", "gradient_hist")


def _flat(arrays):
    return np.concatenate([a.reshape(-1) for a in arrays]).astype(np.float64)


class Diagnostics(Callback):
    """Record, per layer and epoch, gradient norms, update ratios, dead units and histograms.

    A ``fit`` callback; in a hand-written loop call :meth:`observe` after
    every ``backward()`` and :meth:`end_epoch` after every epoch (see the
    module docstring for what is recorded).  The layers' outputs are seen
    through forward hooks, which are on only between :meth:`attach` (done
    by ``fit`` or by the first :meth:`observe`) and :meth:`detach`.

    Parameters
    ----------
    bins : int
        Bins of the histograms.
    tol : float
        A sigmoid or tanh output within ``tol`` of a limit is saturated.
    samples : int
        The activation histograms count the outputs of (about) the epoch's
        last ``samples`` training samples.

    Attributes
    ----------
    history : dict of str -> dict of str -> list
        ``history[layer][key][e]``: ``key``'s value at epoch ``e``.
    layers : list of str
        The layers, in the model's order.
    units : dict of str -> int
        The number of units of each ReLU, sigmoid and tanh layer.
    epoch : list of int
        The epochs recorded.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.recipe import build_model, load_circles
    >>> X, _, y, _ = load_circles(seed=0)
    >>> diag = Diagnostics()
    >>> _ = build_model().fit(X, y, epochs=2, verbose=0, callbacks=[diag])
    >>> diag.layers, diag.epoch
    (['dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5'], [0, 1])
    >>> len(diag.history["dense_2"]["grad_norm"]), diag.history["dense_5"]["dead_fraction"]
    (2, [nan, nan])
    """

    def __init__(self, bins=30, tol=1e-3, samples=1024):
        super().__init__()
        for name, value in (("bins", bins), ("samples", samples)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Diagnostics: {name} must be an integer >= 1, got {value!r}")
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < 0.5:
            raise ValueError(f"Diagnostics: tol must be a number in [0, 0.5), got {tol!r}")
        self.bins, self.tol, self.samples = int(bins), float(tol), int(samples)
        self.history, self.layers, self.units, self.epoch = {}, [], {}, []
        self._watch = self._attached = None
        self._params = {}                     # layer -> its own parameters
        self._batch = {}                      # layer -> {'norms': [...], 'ratios': [...]}
        self._before, self._last_grad = {}, {}

    # ------------------------------------------------------------ in fit --
    def on_train_begin(self, logs=None):
        if getattr(self.model, "jit_compile", False):
            raise ValueError("Diagnostics: the layers' outputs are watched by forward hooks, and "
                             "a jit replay skips that Python. Compile with jit_compile=False to "
                             "use Diagnostics.")
        self.attach(self.model)

    def on_epoch_begin(self, epoch, logs=None):
        self._start_epoch()

    def on_train_batch_end(self, batch, logs=None):
        self.observe(self.model)

    def on_epoch_end(self, epoch, logs=None):
        self.end_epoch(epoch)

    def on_train_end(self, logs=None):
        self.detach()

    # ---------------------------------------------------- any training loop --
    def attach(self, model):
        """Start watching ``model``: hooks on its activation layers, its weights as they are.

        Returns False when ``model`` was already attached (nothing is done).
        """
        if self._attached is model:
            return False
        self.detach()
        self._attached = model
        self._watch = UnitWatch(model, tol=self.tol, keep=self.samples)
        watched = {name for name, _, _ in self._watch.layers}
        self._params = {(q or m.name): list(m._parameters.values())
                        for q, m in model.named_modules() if not m._modules and m._parameters}
        self.layers = [q or m.name for q, m in model.named_modules()
                       if not m._modules and ((q or m.name) in self._params
                                              or (q or m.name) in watched)]
        for name in self.layers:
            self.history.setdefault(name, {k: [] for k in KEYS})
        self._before = {name: _flat([p._data for p in ps]) for name, ps in self._params.items()}
        self._start_epoch()
        return True

    def detach(self):
        """Stop watching: take the hooks off the model's layers."""
        if self._watch is not None:
            self._watch.remove()
        self._watch = self._attached = None

    def observe(self, model=None):
        """Note one step: the gradients now in ``.grad`` and how far the weights moved.

        Call it after ``backward()`` (``fit`` calls it after every batch).  The
        update ratio compares the weights with those of the previous call, so
        it measures the optimizer step between the two calls.
        """
        fresh = model is not None and self.attach(model)   # no step to measure yet
        if self._attached is None:
            raise RuntimeError("Diagnostics.observe: no model yet; call observe(model) (or use "
                               "Diagnostics as a callback of model.fit)")
        for name, params in self._params.items():
            grads = [p.grad._data for p in params if p.grad is not None]
            if grads:
                g = self._last_grad[name] = _flat(grads)
                self._batch[name]["norms"].append(math.sqrt(float(g @ g)))
            w, before = _flat([p._data for p in params]), self._before[name]
            size = float(np.linalg.norm(before))
            if size > 0 and not fresh:
                self._batch[name]["ratios"].append(float(np.linalg.norm(w - before)) / size)
            self._before[name] = w

    def _start_epoch(self):
        if self._watch is not None:
            self._watch.start_epoch()
        self._batch = {name: {"norms": [], "ratios": []} for name in self._params}
        self._last_grad = {}

    def end_epoch(self, epoch=None):
        """Close an epoch: compute its numbers for every layer and start the next one."""
        if self._watch is None:
            raise RuntimeError("Diagnostics.end_epoch: nothing observed; call observe(model) "
                               "after backward() first")
        stuck = self._watch.stuck()
        self.units.update({name: n for name, (_, _, n) in stuck.items()})
        for name in self.layers:
            self._record(self.history[name], name, stuck.get(name))
        self.epoch.append(len(self.epoch) if epoch is None else int(epoch))
        self._start_epoch()

    def _record(self, h, name, stuck):
        """Append one epoch's numbers of layer ``name`` to its history ``h``."""
        batch = self._batch.get(name, {"norms": [], "ratios": []})
        h["grad_norm"].append(float(np.mean(batch["norms"])) if batch["norms"] else math.nan)
        h["update_ratio"].append(float(np.mean(batch["ratios"])) if batch["ratios"] else math.nan)
        kind, units, n = stuck if stuck is not None else (None, [], 0)
        for key, kinds in (("dead", ("relu",)), ("saturated", ("sigmoid", "tanh"))):
            mine = kind in kinds
            h[f"{key}_fraction"].append(len(units) / n if mine and n else math.nan)
            h[f"{key}_units"].append(units if mine else [])
        outputs = self._watch.recent(name) if name in self._watch.moving else None
        h["activation_hist"].append(self._hist(outputs))
        h["zero_fraction"].append(float(np.mean(outputs == 0)) if outputs is not None
                                  else math.nan)
        h["gradient_hist"].append(self._hist(self._last_grad.get(name)))

    def _hist(self, values):
        if values is None or values.size == 0:
            return None
        values = values[np.isfinite(values)]
        return np.histogram(values, bins=self.bins) if values.size else None

    # -------------------------------------------------------------- reading --
    def table(self, key):
        """``history[layer][key]`` of every layer as an array (layers x epochs), for plots."""
        if key not in ("grad_norm", "update_ratio", "dead_fraction", "saturated_fraction"):
            raise ValueError(f"Diagnostics.table: key must be a number per epoch: grad_norm, "
                             f"update_ratio, dead_fraction or saturated_fraction; got {key!r}")
        return np.array([self.history[name][key] for name in self.layers], dtype=np.float64)

    def report(self, epoch=-1):
        """One line per layer for an epoch (default: the last): the numbers, the dead units."""
        lines = [f"{'layer':<12}{'grad norm':>11}{'update/weight':>15}  stuck units"]
        for name in self.layers:
            h = self.history[name]
            stuck = h["dead_units"][epoch] or h["saturated_units"][epoch]
            what = "dead" if h["dead_units"][epoch] else "saturated"
            note = f"{what}: {stuck}" if stuck else "-"
            lines.append(f"{name:<12}{h['grad_norm'][epoch]:>11.2e}"
                         f"{h['update_ratio'][epoch]:>15.2e}  {note}")
        return "\n".join(lines)

    def plot(self, path, title=None):
        """Draw the gradient flow, the update ratios, the unit map and the histograms to ``path``.

        See :func:`tinygrad_edu.training.plots.plot_diagnostics`; returns ``path``.
        """
        return plot_diagnostics(self, path, title=title)

    def __repr__(self):
        return f"Diagnostics(layers={self.layers}, epochs={len(self.epoch)})"
