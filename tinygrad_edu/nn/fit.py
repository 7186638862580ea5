"""The training loop behind ``Model.fit``, one method per step.

``Model.fit`` checks its arguments and the data, then hands the arrays to a
:class:`FitLoop`, which calls the callbacks in Keras' order::

    on_train_begin
    for every epoch:
        on_epoch_begin
        for every minibatch:
            on_train_batch_begin
            forward, loss, backward, optimizer step     # see _learn_eagerly
            on_train_batch_end                           # running mean loss and metrics
        validation                                       # 'val_loss', 'val_accuracy', ...
        on_epoch_end                                     # History records the logs here
    on_train_end

A callback that sets ``model.stop_training = True`` ends training after the
current batch.  A batch whose loss is NaN or infinite is not learned from: the
loop stops there, and ``fit`` warns unless a ``TerminateOnNaN`` callback
reports it.  With ``compile(jit_compile=...)`` the forward and backward of a
batch are replayed by :func:`tinygrad_edu.jit` instead of run op by op; the
numbers are the same, bit for bit.

After every epoch the loop also checks that no ReLU layer was dead -- every
unit at 0 on every training sample of the epoch -- and warns with a
:class:`~tinygrad_edu.training.DeadUnitWarning` the first time one is
(:class:`~tinygrad_edu.training.units.DeadLayerCheck`, a forward hook per
ReLU layer; a jit replay skips hooks, so replayed training is not checked).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..jit import jit
from ..tensor import Tensor
from ..training import CallbackList, History, ProgressBar, TerminateOnNaN
from ..training.metrics import SAMPLE_MEANS
from ..training.units import DeadLayerCheck, DeadUnitWarning, dead_layer_message

__all__ = ["FitLoop", "RunningMeans"]


class RunningMeans:
    """Means of the loss and the metrics over the batches seen so far, weighted by batch size.

    ``metrics`` is a list of ``(history key, fn)`` with ``fn(y_pred, y_true) -> float``.
    A metric that is a mean over samples (the built-in ones:
    ``training.metrics.SAMPLE_MEANS``) is measured on the batches gathered
    since the last :meth:`logs`, all at once -- the same mean, one NumPy pass
    instead of one per batch (up to ``GATHER_ROWS`` samples are kept for it).
    Any other metric is measured on each batch as it comes.

    Examples
    --------
    >>> import numpy as np
    >>> means = RunningMeans([("accuracy", lambda p, y: float(np.mean((p > 0.5) == y)))])
    >>> means.add(0.5, np.array([0.9, 0.2]), np.array([1, 1]))
    >>> means.add(0.25, np.array([0.8, 0.7]), np.array([1, 1]))
    >>> means.logs()
    {'loss': 0.375, 'accuracy': 0.75}
    """

    GATHER_ROWS = 1 << 14

    def __init__(self, metrics):
        self.metrics = metrics
        self.loss_sum, self.seen = 0.0, 0
        self.sums = [0.0] * len(metrics)
        self.each_batch = [(i, fn) for i, (_, fn) in enumerate(metrics) if fn not in SAMPLE_MEANS]
        self.gathered = [(i, fn) for i, (_, fn) in enumerate(metrics) if fn in SAMPLE_MEANS]
        self.batches, self.rows = [], 0       # (y_pred, y_true) not yet measured

    def add(self, loss, y_pred, y_true):
        """Count one batch: its mean ``loss``, predictions ``y_pred`` and labels ``y_true``."""
        n = len(y_true)
        self.loss_sum += loss * n
        self.seen += n
        for i, fn in self.each_batch:
            self.sums[i] += fn(y_pred, y_true) * n
        if self.gathered:
            self.batches.append((y_pred, y_true))
            self.rows += n
            if self.rows >= self.GATHER_ROWS:
                self._measure_gathered()

    def _measure_gathered(self):
        """Run the sample-mean metrics once on the batches gathered since the last time."""
        if not self.batches:
            return
        y_pred = np.concatenate([p for p, _ in self.batches])
        y_true = np.concatenate([np.asarray(y) for _, y in self.batches])
        for i, fn in self.gathered:
            self.sums[i] += fn(y_pred, y_true) * self.rows
        self.batches, self.rows = [], 0

    def logs(self):
        """``{'loss': mean loss, metric key: mean value, ...}`` over the samples counted,
        as Python floats (as Keras' history: NumPy 2 counts give np.float64 means)."""
        self._measure_gathered()
        logs = {"loss": float(self.loss_sum / self.seen)}
        for (key, _), total in zip(self.metrics, self.sums):
            logs[key] = float(total / self.seen)
        return logs


class FitLoop:
    """One run of ``fit``: epochs of minibatches over data that ``fit`` has checked.

    ``Model.fit`` builds one and calls :meth:`run`; you do not need to.

    Parameters
    ----------
    model : Model
        Compiled; its optimizer holds the model's parameters.
    x, y : ndarray
        The training samples and labels, as ``Model._prepare`` returns them.
    validation : (ndarray, ndarray) or None
        Validation samples and labels, checked the same way.
    metrics : list of (str, callable)
        ``(history key, fn(y_pred, y_true) -> float)`` for every metric.
    callbacks : list of Callback
        The user's callbacks; a new :class:`~tinygrad_edu.training.History` runs first.
    batch_size, epochs, verbose, shuffle, rng
        As ``fit`` was given them (checked); ``rng`` draws the shuffling.
    """

    def __init__(self, model, x, y, validation, metrics, callbacks, *, batch_size, epochs,
                 verbose, shuffle, rng):
        self.model, self.x, self.y, self.validation = model, x, y, validation
        self.metrics, self.batch_size, self.epochs = metrics, batch_size, epochs
        self.shuffle, self.rng = shuffle, rng
        self.steps = math.ceil(len(x) / batch_size)
        self.history = History()
        self.callbacks = CallbackList([self.history] + callbacks, model=model,
                                      params={"epochs": epochs, "steps": self.steps,
                                              "verbose": verbose, "batch_size": batch_size})
        self.bar = ProgressBar(epochs, self.steps, verbose) if verbose else None
        self.loss_fn = model.loss
        self.step, self.zero_grad = model.optimizer.step, model.optimizer.zero_grad
        self._learn = self._learn_eagerly
        if model.jit_compile:
            self._replay = jit(self.forward_backward, fallback=model.jit_compile == "auto")
            self._learn = self._learn_replayed
        self.diverged = None          # (epoch, batch, loss) of the first non-finite loss
        self.dead_check = None        # the DeadLayerCheck while run() runs (eager training)
        self.dead_warned = False

    # ------------------------------------------------------------- training --
    def run(self, initial_epoch=0):
        """Train from ``initial_epoch`` to ``epochs`` (or ``stop_training``); return the History."""
        model = self.model
        model.__dict__.update(history=self.history, stop_training=False)
        model.train()
        if not model.jit_compile:
            self.dead_check = DeadLayerCheck(model)
        self.callbacks.on_train_begin()
        try:
            for epoch in range(initial_epoch, self.epochs):
                self._epoch(epoch)
                if model.stop_training:
                    break
        finally:
            if self.bar is not None:
                self.bar.close()
            if self.dead_check is not None:
                self.dead_check.remove()
        self._warn_if_diverged()
        self.callbacks.on_train_end()
        return self.history

    def _epoch(self, epoch):
        """One pass over the training set, then validation and the epoch's logs."""
        self.callbacks.on_epoch_begin(epoch)
        if self.bar is not None:
            self.bar.epoch_begin(epoch)
        x, y = self._epoch_order()
        means, size = RunningMeans(self.metrics), self.batch_size
        if self.dead_check is not None:
            self.dead_check.start_epoch()
        for b in range(self.steps):
            self._batch(epoch, b, x[b * size:(b + 1) * size], y[b * size:(b + 1) * size], means)
            if self.model.stop_training:
                break
        self._warn_if_dead(epoch)
        logs = means.logs()
        if self.validation is not None:
            x_val, y_val = self.validation
            for key, value in self.model._evaluate_arrays(x_val, y_val, size,
                                                          self.metrics).items():
                logs["val_" + key] = value
        self.callbacks.on_epoch_end(epoch, logs)
        if self.bar is not None:
            self.bar.epoch_end(logs)

    def _epoch_order(self):
        """The training samples in this epoch's order: reshuffled when ``shuffle``."""
        if not self.shuffle:
            return self.x, self.y
        perm = self.rng.permutation(len(self.x))
        return self.x[perm], self.y[perm]

    def _batch(self, epoch, b, xb, yb, means):
        """Learn from minibatch ``b`` between its hooks; a non-finite loss stops training."""
        hooks = self.callbacks.has_batch_hooks
        if hooks:
            self.callbacks.on_train_batch_begin(b)
        out, loss = self._learn(xb, yb)
        if not math.isfinite(loss) and self.diverged is None:
            self.diverged = (epoch, b, loss)          # the last good weights are kept
            self.model.__dict__["stop_training"] = True
        means.add(loss, out._data, yb)
        if self.bar is not None:
            self.bar.batch_end(b, means.logs)
        if hooks:
            self.callbacks.on_train_batch_end(b, means.logs())

    # ------------------------------------------------------ one batch's step --
    def _learn_eagerly(self, xb, yb):
        """Forward and loss; when the loss is finite, backward and the optimizer's step.

        Returns the model's output (a Tensor) and the loss (a float).
        """
        out = self.model(Tensor._make(xb, False, None))
        loss = self.loss_fn(out, Tensor._make(yb, False, None))
        value = float(loss._data)
        if math.isfinite(value):
            self.zero_grad()
            loss.backward()
            self.step()
        return out, value

    def forward_backward(self, xb, yb):
        """Forward, loss and backward of one batch: the function that ``jit`` traces and replays."""
        out = self.model(xb)
        loss = self.loss_fn(out, yb)
        loss.backward()
        return out, loss

    def _learn_replayed(self, xb, yb):
        """:meth:`_learn_eagerly` with the forward and backward replayed by ``jit``."""
        self.zero_grad()
        out, loss = self._replay(Tensor._make(xb, False, None), Tensor._make(yb, False, None))
        value = float(loss._data)
        if math.isfinite(value):
            self.step()
        return out, value

    def _warn_if_dead(self, epoch):
        """Warn (once per fit) when every unit of a ReLU layer was 0 on every sample of ``epoch``."""
        if self.dead_check is None or self.dead_warned:
            return
        dead = self.dead_check.dead_layers()
        if dead:
            self.dead_warned = True
            warnings.warn(dead_layer_message(epoch, self.epochs, dead), DeadUnitWarning,
                          stacklevel=5)      # _warn_if_dead < _epoch < run < fit < the caller

    def _warn_if_diverged(self):
        """Say that a loss was NaN or infinite, unless a TerminateOnNaN callback reported it."""
        if self.diverged is None or any(isinstance(cb, TerminateOnNaN)
                                        for cb in self.callbacks.callbacks):
            return
        epoch, batch, value = self.diverged
        warnings.warn(f"fit: the loss became {value} at batch {batch} of epoch {epoch}; training "
                      f"stopped there without applying that batch's update. The learning "
                      f"rate is probably too high (or the data has extreme values); "
                      f"lower it, e.g. compile(optimizer=Adam(lr=...)).",
                      RuntimeWarning, stacklevel=4)   # the line that called model.fit
