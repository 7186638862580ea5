"""The machinery around ``fit``: metrics, callbacks, ``History`` and the progress bar.

Callbacks follow Keras: subclass :class:`Callback` and override any of
``on_train_begin(logs)``, ``on_train_end(logs)``, ``on_epoch_begin(epoch, logs)``,
``on_epoch_end(epoch, logs)``, ``on_train_batch_begin(batch, logs)``,
``on_train_batch_end(batch, logs)``.  ``self.model`` is the model being
trained; setting ``self.model.stop_training = True`` ends training after the
current batch.  Epochs are numbered from 0, as in Keras.

One module per concern:

- ``training.metrics``: the metrics ``compile(metrics=[...])`` accepts;
- ``training.callbacks``: the protocol (:class:`Callback`, :class:`CallbackList`),
  :class:`History`, :class:`LambdaCallback`, :class:`TerminateOnNaN`,
  :class:`ModelCheckpoint`;
- ``training.progress``: the progress bar;
- ``training.units``: dead and saturated units, seen by forward hooks, and
  fit's :class:`DeadUnitWarning`;
- ``training.diagnostics``: :class:`Diagnostics`, per layer and epoch:
  gradient norms, update ratios, dead units, histograms; ``training.plots``
  draws it;
- ``training.lr_finder``: :func:`find_lr`, the learning-rate range test;
- ``training.decision``: :class:`DecisionBoundary`, a callback that draws what
  a 2-D classifier predicts over the plane after every epoch (a GIF).

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
from .metrics import (METRICS, METRIC_NAMES, binary_accuracy, categorical_accuracy, check_metric,
                      get_metric, mean_absolute_error, mean_squared_error,
                      sparse_categorical_accuracy)
from .callbacks import (Callback, CallbackList, History, LambdaCallback, ModelCheckpoint,
                        TerminateOnNaN)
from .progress import ProgressBar
from .decision import DecisionBoundary
from .diagnostics import Diagnostics
from .lr_finder import LRRangeTest, find_lr
from .units import DeadUnitWarning

__all__ = ["Callback", "CallbackList", "History", "LambdaCallback", "TerminateOnNaN",
           "ModelCheckpoint", "DecisionBoundary", "Diagnostics", "DeadUnitWarning", "find_lr", "LRRangeTest", "ProgressBar", "METRICS", "get_metric", "binary_accuracy",
           "categorical_accuracy", "sparse_categorical_accuracy"]
