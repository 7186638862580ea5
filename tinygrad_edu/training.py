"""The machinery around ``fit``: metrics, callbacks, ``History`` and the progress bar.

Callbacks follow Keras: subclass :class:`Callback` and override any of
``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_batch_begin(batch, logs)``,
``on_train_batch_end(batch, logs)``.  ``self.model`` is the model being
trained; setting ``self.model.stop_training = True`` ends training after the
current batch.  Epochs are numbered from 0, as in Keras.

Examples
--------
>>> import tinygrad_edu as tg
>>> from tinygrad_edu.nn import Sequential, Dense
>>> from tinygrad_edu.training import LambdaCallback
>>> _ = tg.manual_seed(0)
>>> x, y = tg.datasets.make_circles(64, factor=0.3, noise=0.05, random_state=0)
>>> model = Sequential([Dense(4, input_dim=2, activation="relu"), Dense(1, activation="sigmoid")])
>>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
>>> seen = []
>>> hist = model.fit(x, y, epochs=3, verbose=0,
...                  callbacks=[LambdaCallback(on_epoch_end=lambda e, logs: seen.append(e))])
>>> seen, sorted(hist.history)
([0, 1, 2], ['accuracy', 'loss'])
"""
from __future__ import annotations

import math
import sys

import numpy as np

try:  # the progress bar is an optional extra
    from tqdm.auto import tqdm as _tqdm
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    _tqdm = None

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "TerminateOnNaN",
           "ModelCheckpoint",
           "ProgressBar", "METRICS", "get_metric", "binary_accuracy", "categorical_accuracy",
           "sparse_categorical_accuracy"]


# ----------------------------------------------------------------- metrics ----
# A metric is f(y_pred, y_true) -> float (the mean over the batch), on NumPy
# arrays: metrics are measured, not differentiated, so they stay off the graph.
def _aligned(y_pred, y_true):
    if y_true.shape != y_pred.shape and y_true.size == y_pred.size:
        return y_true.reshape(y_pred.shape)
    return y_true


def binary_accuracy(y_pred, y_true, threshold=0.5):
    """Fraction of samples where ``(y_pred > threshold)`` equals the 0/1 label."""
    y_true = _aligned(y_pred, np.asarray(y_true))
    return _fraction((y_pred > threshold) == (y_true > 0.5))


def _fraction(hits):
    """The mean of a boolean array (np.mean is ~5x slower: it runs in Python)."""
    return np.count_nonzero(hits) / hits.size if hits.size else float("nan")


def categorical_accuracy(y_pred, y_true):
    """Fraction where the arg-max of the prediction is the arg-max of the one-hot label."""
    return _fraction(np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1))


def sparse_categorical_accuracy(y_pred, y_true):
    """Fraction where the arg-max of the prediction is the integer label."""
    return _fraction(np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(-1))


def mean_squared_error(y_pred, y_true):
    d = y_pred - _aligned(y_pred, np.asarray(y_true))
    return float(np.mean(d * d))


def mean_absolute_error(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - _aligned(y_pred, np.asarray(y_true)))))


METRICS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
}
_METRIC_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
_ACCURACY = ("accuracy", "acc")
METRIC_NAMES = sorted(set(METRICS) | set(_METRIC_ALIASES) | set(_ACCURACY))


def check_metric(metric):
    """Validate a metric given to ``compile``; returns ``(history key, name or callable)``."""
    if isinstance(metric, str):
        key = metric.lower()
        if key in _ACCURACY or key in METRICS or key in _METRIC_ALIASES:
            return metric, key
        raise ValueError(f"unknown metric {metric!r}; valid names: {', '.join(METRIC_NAMES)} "
                         f"(or pass a callable metric(y_pred, y_true) -> float)")
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise TypeError(f"metric must be a name or a callable, got {type(metric).__name__}")


def get_metric(metric, loss_name=None, output_units=1):
    """The metric function for a name (or a callable, returned as is).

    ``'accuracy'`` means what Keras means: sparse categorical accuracy with
    the sparse categorical loss, binary accuracy for one output unit, and
    categorical accuracy otherwise.
    """
    if callable(metric):
        return metric
    key = metric.lower()
    if key in _ACCURACY:
        if loss_name == "sparse_categorical_crossentropy":
            return sparse_categorical_accuracy
        if loss_name == "binary_crossentropy" or output_units == 1:
            return binary_accuracy
        return categorical_accuracy
    key = _METRIC_ALIASES.get(key, key)
    if key not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; valid names: {', '.join(METRIC_NAMES)}")
    return METRICS[key]


# --------------------------------------------------------------- callbacks ----
class Callback:
    """Base class for callbacks: every hook does nothing until overridden."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        pass


def _overrides(cb, hook):
    return hook in vars(cb) or getattr(type(cb), hook, None) is not getattr(Callback, hook)


class CallbackList:
    """Calls every callback's hook in order.

    ``has_batch_hooks`` tells ``fit`` whether any callback wants per-batch
    calls, so that the training loop skips building per-batch logs otherwise.
    """

    def __init__(self, callbacks=(), model=None, params=None):
        self.callbacks = []
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances (e.g. LambdaCallback(...)), "
                                f"got {type(cb).__name__}")
            self.callbacks.append(cb)
        for cb in self.callbacks:
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)
        self.has_batch_hooks = any(_overrides(cb, h) for cb in self.callbacks
                                   for h in ("on_train_batch_begin", "on_train_batch_end"))

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        for cb in self.callbacks:
            cb.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        for cb in self.callbacks:
            cb.on_train_batch_end(batch, logs)


class History(Callback):
    """Records the logs of every epoch: ``history.history['loss'][e]`` is epoch e's loss.

    Attributes
    ----------
    history : dict of str -> list of float
        'loss', each metric, and 'val_...' entries with validation data.
    epoch : list of int
        The epochs that ran.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class LambdaCallback(Callback):
    """A callback made of functions, as Keras' ``LambdaCallback``.

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable(epoch, logs), optional
    on_train_batch_begin, on_train_batch_end : callable(batch, logs), optional
        (``on_batch_begin`` / ``on_batch_end`` are accepted as aliases.)
    on_train_begin, on_train_end : callable(logs), optional
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_batch_begin=None,
                 on_train_batch_end=None, on_train_begin=None, on_train_end=None,
                 on_batch_begin=None, on_batch_end=None):
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_batch_begin": on_train_batch_begin or on_batch_begin,
                 "on_train_batch_end": on_train_batch_end or on_batch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end}
        for name, fn in hooks.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: {name} must be callable, got "
                                    f"{type(fn).__name__}")
                setattr(self, name, fn)        # instance attribute shadows the no-op


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite, with a message.

    After it fires, ``self.stopped`` holds ``(epoch, batch, loss)`` and the
    model's ``stop_training`` is True; ``History`` keeps the epochs that ran
    (the last one showing the non-finite loss).  ``fit`` itself never applies
    the update of a batch with a non-finite loss and stops there anyway; with
    this callback the stop is reported through it (a message and
    ``stopped``) instead of fit's ``RuntimeWarning``.
    """

    def __init__(self, verbose=True):
        super().__init__()
        self.verbose = verbose
        self.stopped = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            self.stopped = (self._epoch, batch, loss)
            self.model.stop_training = True
            if self.verbose:
                print(f"TerminateOnNaN: batch {batch} of epoch {self._epoch}: the loss is {loss}; "
                      f"training stopped. A smaller learning rate usually helps.", file=sys.stderr)


class ModelCheckpoint(Callback):
    """Save the model's weights (and optionally the optimizer's state) after every epoch.

    Files are written atomically (see :mod:`tinygrad_edu.io`): a crash while
    saving leaves the previous checkpoint intact.

    Parameters
    ----------
    filepath : str
        Where to write the weights (``.npz``).  May use ``{epoch}`` (1-based,
        as Keras) and any log key, e.g. ``'ckpt-{epoch:02d}-{loss:.3f}.npz'``.
    optimizer_filepath : str, optional
        Also write the optimizer's state there (same formatting), so that
        training can be resumed exactly.
    monitor : str
        The log key compared by ``save_best_only`` (default ``'loss'``).
    save_best_only : bool
        Only save when ``monitor`` improves (gets smaller, or larger with
        ``mode='max'``).
    mode : 'min' or 'max'

    Attributes
    ----------
    saved : list of str
        The weight files written, in order.
    """

    def __init__(self, filepath, optimizer_filepath=None, monitor="loss", save_best_only=False,
                 mode="min"):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"ModelCheckpoint: mode must be 'min' or 'max', got {mode!r}")
        self.filepath, self.optimizer_filepath = str(filepath), optimizer_filepath
        self.monitor, self.save_best_only, self.mode = monitor, save_best_only, mode
        self.best = None
        self.saved = []

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.save_best_only:
            if self.monitor not in logs:
                raise ValueError(f"ModelCheckpoint: monitor={self.monitor!r} is not in the logs; "
                                 f"available: {', '.join(logs)}")
            value = logs[self.monitor]
            better = self.best is None or (value < self.best if self.mode == "min"
                                           else value > self.best)
            if not better or not math.isfinite(value):
                return
            self.best = value
        fields = dict(logs, epoch=epoch + 1)
        path = self.filepath.format(**fields)
        self.model.save_weights(path)
        if self.optimizer_filepath is not None:
            self.model.optimizer.save_weights(str(self.optimizer_filepath).format(**fields))
        self.saved.append(path)


# ------------------------------------------------------------ progress bar ----
def _fmt(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())


class ProgressBar:
    """Per-epoch progress for ``fit``.

    ``verbose=1``: a tqdm bar per epoch with the running loss and metrics (or,
    without tqdm installed, one text line per epoch); ``verbose=2``: one line
    per epoch; ``verbose=0``: silent.
    """

    #: update the bar's numbers every this many batches (formatting costs time)
    POSTFIX_EVERY = 4

    def __init__(self, epochs, steps, verbose=1, file=None):
        self.epochs, self.steps, self.verbose = epochs, steps, verbose
        self.file = file
        self.use_tqdm = verbose == 1 and _tqdm is not None
        self.bar = None

    def epoch_begin(self, epoch):
        if self.use_tqdm:
            self.bar = _tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}",
                             unit="batch", leave=True, file=self.file, dynamic_ncols=True)
        self.epoch = epoch

    def batch_end(self, batch, running_logs):
        bar = self.bar
        if bar is not None:
            if batch % self.POSTFIX_EVERY == 0 or batch == self.steps - 1:
                bar.set_postfix({k: f"{v:.4f}" for k, v in running_logs().items()}, refresh=False)
            bar.update(1)

    def epoch_end(self, logs):
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()}, refresh=False)
            self.bar.close()
            self.bar = None
        elif self.verbose:
            print(f"Epoch {self.epoch + 1}/{self.epochs} - {self.steps}/{self.steps} - "
                  f"{_fmt(logs)}", file=self.file or sys.stdout, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
