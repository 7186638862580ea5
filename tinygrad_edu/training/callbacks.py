"""Keras' callback protocol: ``Callback``, ``CallbackList``, ``History`` and three ready ones.

Subclass :class:`Callback` and override any of ``on_train_begin(logs)``,
``on_train_end(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_batch_begin(batch, logs)``,
``on_train_batch_end(batch, logs)``.  ``self.model`` is the model being
trained; setting ``self.model.stop_training = True`` ends training after the
current batch.  Epochs are numbered from 0, as in Keras.
"""
from __future__ import annotations

import math
import sys

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "TerminateOnNaN",
           "ModelCheckpoint"]


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
