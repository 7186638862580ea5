"""Keras-shaped models: ``Model`` (compile / fit / evaluate / predict) and ``Sequential``.

The article's five lines run unchanged (imports aside)::

    model = Sequential()
    model.add(Dense(4, input_dim=2, activation='relu'))
    ...
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    model.fit(X_train, y_train, epochs=50, verbose=0)

What ``fit`` does for every minibatch is what a hand-written loop does --
forward, loss, ``backward()``, optimizer step -- with nothing hidden::

    out = model(x_batch)                 # Tensor ops, recorded
    loss = loss_fn(out, y_batch)         # e.g. binary cross-entropy
    optimizer.zero_grad()
    loss.backward()                      # gradients derived by the chain rule
    optimizer.step()                     # in-place NumPy update of the weights

Everything that can be wrong with the inputs is checked before the first
step, with a message that names the problem and the fix (``nn/arguments.py``
and ``Model._prepare``); the loop itself, callbacks included, is in
``nn/fit.py``.
"""
from __future__ import annotations

import numpy as np

from .. import autograd
from .. import optim as _optim
from .. import training as _training
from ..training.progress import format_logs
from ..random import get_rng
from ..tensor import Tensor
from . import losses as _losses
from .arguments import check_callbacks, check_fit_arguments, check_int, hold_out, to_array
from .fit import FitLoop, RunningMeans
from .modules import Module, _snake
from .summary import sample_shape

__all__ = ["Model", "Sequential"]


class Model(Module):
    """A Module with Keras' training API: ``compile``, ``fit``, ``evaluate``, ``predict``.

    Subclass it and write ``forward`` (or use :class:`Sequential`).
    """

    def __init__(self, name=None):
        super().__init__(name)
        d = self.__dict__
        d.update(optimizer=None, loss=None, loss_name=None, compiled_metrics=[],
                 jit_compile=False, stop_training=False, history=None)

    # ---------------------------------------------------------------- compile --
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, jit_compile=False):
        """Choose the loss, the optimizer and the metrics.

        Parameters
        ----------
        optimizer : str or Optimizer
            'sgd', 'rmsprop', 'adam', 'adamax' (Keras' defaults) or an instance,
            e.g. ``tg.optim.Adam(lr=0.01)``.  The model's parameters are bound
            to it at ``fit`` time (once the model is built).
        loss : str or callable
            'binary_crossentropy', 'categorical_crossentropy',
            'sparse_categorical_crossentropy', 'mse', 'mae', or a function
            ``loss(y_pred, y_true) -> scalar Tensor`` built from Tensor ops.
        metrics : list of str or callable, optional
            'accuracy' (chosen as Keras does from the loss and output size),
            'binary_accuracy', 'categorical_accuracy',
            'sparse_categorical_accuracy', 'mse', 'mae', or
            ``metric(y_pred, y_true) -> float`` on NumPy arrays.
        jit_compile : False, True or "auto"
            Whether ``fit`` replays its training step with
            :func:`tinygrad_edu.jit` (forward and backward traced once, then
            only their NumPy calls run; the same numbers, bit for bit).
            ``True`` raises ``JitError`` when the model and loss cannot be
            replayed; ``"auto"`` then trains eagerly instead.  Off by default
            (unlike Keras): in a replay the Python code of your layers and
            loss does not run, so a loss that counts its calls, prints, or
            otherwise acts in Python would silently stop doing so.
        """
        if loss is None:
            raise ValueError(f"compile: a loss is required, e.g. loss='binary_crossentropy'; "
                             f"valid names: {', '.join(sorted(_losses.LOSSES))}")
        if metrics is None:
            metrics = []
        elif isinstance(metrics, str) or callable(metrics):
            metrics = [metrics]
        try:
            loss_name, loss_fn = _losses.get(loss)
            opt = _optim.get(optimizer)
            specs = [_training.check_metric(m) for m in metrics]
        except (ValueError, TypeError) as e:
            raise type(e)(f"compile: {e}") from None
        if getattr(self, "built", False) and not opt.params:
            opt.add_params(self.parameters())   # a hand-written loop can call optimizer.step()
        keys = [k for k, _ in specs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"compile: metric names repeat: {keys}")
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f"compile: jit_compile must be 'auto', True or False, got "
                             f"{jit_compile!r}")
        d = self.__dict__
        d.update(optimizer=opt, loss=loss_fn, loss_name=loss_name, compiled_metrics=specs,
                 jit_compile=jit_compile)

    def _require_compiled(self, op):
        if self.loss is None:
            raise RuntimeError(f"{op}: the model is not compiled. Call model.compile(loss=..., "
                               f"optimizer=..., metrics=[...]) first, e.g. "
                               f"model.compile(loss='binary_crossentropy', optimizer='adam', "
                               f"metrics=['accuracy']).")

    # ----------------------------------------------------------- validation ---
    def _build_for(self, x, rng):
        """Build unbuilt layers for inputs like ``x`` (Sequential overrides it)."""

    def _prepare(self, x, y, op, rng=None):
        """Check (x, y) and return them as training arrays, y shaped like the output.

        Runs the model on two samples (without recording) so that the feature
        count and the label shape are checked against the real model.
        """
        if x is None or y is None:
            raise ValueError(f"{op}: both x and y are required")
        x = to_array(x, "x", op)
        y = to_array(y, "y", op)
        if len(x) != len(y):
            raise ValueError(f"{op}: x has {len(x)} samples but y has {len(y)}; they must have the "
                             f"same length (first axis)")
        if len(x) == 0:
            raise ValueError(f"{op}: x and y are empty")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if not np.isfinite(x).all():
            bad = int(np.size(x) - np.isfinite(x).sum())
            raise ValueError(f"{op}: x contains {bad} non-finite values (NaN or inf); clean or "
                             f"impute them before training")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            bad = int(np.size(y) - np.isfinite(y).sum())
            raise ValueError(f"{op}: y contains {bad} non-finite values (NaN or inf)")
        self._build_for(x, rng)
        out = _run_rows(self, x, x[:2], op)
        sparse = self.loss_name == "sparse_categorical_crossentropy"
        if sparse:
            if y.dtype.kind == "f" and not np.array_equal(y, np.round(y)):
                raise ValueError(f"{op}: sparse_categorical_crossentropy needs integer class "
                                 f"labels, y has fractional values")
            y = y.astype(np.int64)
        else:
            y = np.ascontiguousarray(y, dtype=out.dtype)
            if y.shape[1:] + (1,) == out.shape[1:]:     # (n,) labels for a (n, 1) output
                y = y.reshape((len(y),) + out.shape[1:])
        try:
            with autograd.no_grad():
                self.loss(out, Tensor._make(y[:2], False, None))
        except (ValueError, TypeError, IndexError) as e:
            raise ValueError(f"{op}: labels y of shape {y.shape} do not match the model's output "
                             f"of shape {('n',) + out.shape[1:]}: {e}"
                             f"{_class_label_hint(self.loss_name, y, out)}") from None
        if self.loss_name == "binary_crossentropy" and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"{op}: binary_crossentropy needs labels in [0, 1], y has values from "
                             f"{y.min()} to {y.max()}")
        return x, y, out.shape[-1] if out.ndim > 1 else 1

    def _fit_data(self, x, y, validation_split, validation_data, rng):
        """``fit``'s checked training arrays, validation pair (or None) and output units."""
        x, y, validation = hold_out(x, y, validation_split, validation_data, "fit")
        x, y, units = self._prepare(x, y, "fit", rng)
        if validation is not None:
            validation = self._prepare(*validation, "fit (validation data)")[:2]
        return x, y, validation, units

    def _metric_fns(self, units):
        return [(key, _training.get_metric(m, self.loss_name, units))
                for key, m in self.compiled_metrics]

    # -------------------------------------------------------------------- fit --
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, initial_epoch=0, seed=None):
        """Train for ``epochs`` passes over (x, y) in shuffled minibatches.

        Parameters
        ----------
        x : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        batch_size : int, default 32
        epochs, initial_epoch : int
            Run the epochs ``initial_epoch`` (default 0; later to resume) to ``epochs - 1``.
        verbose : 0, 1 or 2
            0 silent, 1 a progress bar per epoch (tqdm; a text line without
            it), 2 one line per epoch.
        callbacks : list of Callback, or one Callback
        validation_split : float in [0, 1)
            Hold out this fraction of the data -- the *last* samples, before
            shuffling, as Keras does -- and report 'val_...' metrics on it.
        validation_data : (x_val, y_val), optional
            Overrides ``validation_split``.
        shuffle : bool
            Reshuffle the training samples before every epoch.
        seed : int, optional
            Seed for the shuffling (and for building unbuilt layers).  Without it
            the global generator is used, so ``tinygrad_edu.manual_seed(s)`` before
            creating the model makes the whole run repeatable bit for bit.

        Returns
        -------
        History
            ``history.history['loss']``, ``['accuracy']``, ``['val_loss']``, ...
            one value per epoch.  A NaN or infinite batch loss stops training
            without applying that batch's update, with a ``RuntimeWarning`` (or
            a report by :class:`~tinygrad_edu.training.TerminateOnNaN`).

        Warns
        -----
        DeadUnitWarning
            Once, when every unit of a ReLU layer output 0 for every training
            sample of an epoch (the layer is dead); the message names the layer
            and the remedies.  See :mod:`tinygrad_edu.training.units`.

        Examples
        --------
        >>> import tinygrad_edu as tg
        >>> x, y = tg.datasets.make_circles(64, factor=0.3, noise=0.05, random_state=0)
        >>> model = tg.Sequential([tg.Dense(1, input_dim=2, activation="sigmoid")])
        >>> model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
        >>> sorted(model.fit(x, y, epochs=2, verbose=0).history)
        ['accuracy', 'loss']
        """
        op = "fit"
        self._require_compiled(op)
        batch_size, epochs, initial_epoch, verbose = check_fit_arguments(
            op, batch_size, epochs, initial_epoch, verbose, validation_split)
        rng = get_rng() if seed is None else np.random.default_rng(check_int(seed, "seed", op, 0))
        x, y, validation, units = self._fit_data(x, y, validation_split, validation_data, rng)
        callbacks = check_callbacks(callbacks, op)
        if not self.optimizer.params:
            self.optimizer.add_params(self.parameters())
        loop = FitLoop(self, x, y, validation, self._metric_fns(units), callbacks,
                       batch_size=batch_size, epochs=epochs, verbose=verbose, shuffle=shuffle,
                       rng=rng)
        return loop.run(initial_epoch)

    # --------------------------------------------------------------- evaluate --
    def _evaluate_arrays(self, x, y, batch_size, metrics):
        """Mean loss and metrics over (x, y) in batches, in eval mode and without a graph."""
        means = RunningMeans(metrics)
        was_training = self.training
        self.eval()
        try:
            with autograd.no_grad():
                for s in range(0, len(x), batch_size):
                    xb, yb = x[s:s + batch_size], y[s:s + batch_size]
                    out = self(Tensor._make(xb, False, None))
                    loss = self.loss(out, Tensor._make(yb, False, None))
                    means.add(float(loss._data), out._data, yb)
        finally:
            self.train(was_training)
        return means.logs()

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, return_dict=False):
        """Loss and metrics on (x, y), without recording a graph.

        Returns
        -------
        float or list
            As Keras: the loss alone when no metric was compiled, otherwise
            ``[loss, metric_1, ...]`` (a dict with ``return_dict=True``).
        """
        op = "evaluate"
        self._require_compiled(op)
        batch_size = 32 if batch_size is None else check_int(batch_size, "batch_size", op, 1)
        x, y, units = self._prepare(x, y, op)
        logs = self._evaluate_arrays(x, y, batch_size, self._metric_fns(units))
        if verbose:
            print(format_logs(logs))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    # ---------------------------------------------------------------- predict --
    def predict(self, x, batch_size=None, verbose=0):
        """Model outputs for ``x`` as a float32 ndarray, computed under ``no_grad``.

        ``x``'s first axis is samples, as in ``fit``: one sample of 2
        features is ``[[0.5, -0.5]]``; ``[0.5, -0.5]`` is two samples of one
        number each (an error, for a model that takes 2 features).
        """
        op = "predict"
        batch_size = 32 if batch_size is None else check_int(batch_size, "batch_size", op, 1)
        x = np.ascontiguousarray(to_array(x, "x", op), dtype=np.float32)
        if len(x) == 0:
            raise ValueError(f"{op}: x is empty")
        was_training = self.training
        self.eval()
        outs = []
        try:
            for s in range(0, len(x), batch_size):
                outs.append(_run_rows(self, x, x[s:s + batch_size], op).numpy())
        finally:
            self.train(was_training)
        return outs[0] if len(outs) == 1 else np.concatenate(outs, axis=0)


class Sequential(Model):
    """A stack of layers, each feeding the next: Keras' ``Sequential``.

    Layers get Keras-style names in order of addition (``dense_1``,
    ``dense_2``, ...; an explicit ``name=`` is kept), and their parameters are
    labelled ``dense_1.kernel``, ``dense_1.bias``...  When the input size is
    known (``input_dim`` on the first layer) every layer is built as soon as
    it is added; otherwise at the first call.

    A ``Sequential`` opens no scope of its own: each layer's ops are recorded
    under the layer's name (``('dense_1', 'relu')``), so graph drawings show
    one cluster per layer.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import Sequential, Dense
    >>> _ = tg.manual_seed(0)
    >>> model = Sequential()
    >>> model.add(Dense(4, input_dim=2, activation='relu'))
    >>> model.add(Dense(6, activation='relu'))
    >>> model.add(Dense(6, activation='relu'))
    >>> model.add(Dense(4, activation='relu'))
    >>> model.add(Dense(1, activation='sigmoid'))
    >>> model.count_params(), [layer.name for layer in model]
    (117, ['dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5'])
    >>> model.parameters()[0].name
    'dense_1.kernel'
    """

    _opens_scope = False

    def __init__(self, layers=None, name=None):
        super().__init__(name)
        self.__dict__["layers"] = []
        for layer in layers or ():
            self.add(layer)

    def add(self, layer):
        """Append a layer (any Module); builds it when its input size is known."""
        if not isinstance(layer, Module):
            raise TypeError(f"Sequential.add: expected a layer (a Module such as Dense), got "
                            f"{type(layer).__name__}")
        if any(layer is other for other in self.layers):
            raise ValueError(f"Sequential.add: layer {layer.name!r} is already in this model")
        names = {other.name for other in self.layers}
        if layer._auto_name:
            kind = _snake(type(layer).__name__)
            k = sum(1 for other in self.layers if type(other) is type(layer)) + 1
            while f"{kind}_{k}" in names:
                k += 1
            layer._rename(f"{kind}_{k}")
        elif layer.name in names:
            raise ValueError(f"Sequential.add: a layer named {layer.name!r} is already in the model; "
                             f"layer names must be unique")
        self.layers.append(layer)
        self._modules[layer.name] = layer
        shape = self._shape_before(len(self.layers) - 1)
        expected = _input_shape_of(layer)
        if shape is not None and getattr(layer, "built", True) is False:
            _build_layer(layer, shape)
        elif shape is not None and expected is not None and expected != shape:
            self.layers.pop()
            del self._modules[layer.name]
            if len(shape) == len(expected) == 1:
                raise ValueError(f"Sequential.add: layer {layer.name!r} expects {expected[0]} "
                                 f"input features but the previous layer gives {shape[0]}")
            raise ValueError(f"Sequential.add: layer {layer.name!r} expects inputs of shape "
                             f"{expected} but the previous layer gives {shape}")

    def _shape_before(self, index):
        """The per-sample shape entering layer ``index`` (``(features,)`` for Dense), or None."""
        shape = None
        for layer in self.layers[:index]:
            shape = _input_shape_of(layer) or shape
            if shape is None:
                return None
            shape = _output_shape_of(layer, shape)
        return shape

    def build(self, input_dim, rng=None):
        """Build every unbuilt layer for inputs with ``input_dim`` features.

        ``input_dim`` may also be a Keras input shape with the batch axis first,
        such as ``(None, 2)`` or ``(None, 8, 8, 1)`` (a 1-tuple ``(2,)`` is the features).
        """
        if isinstance(input_dim, (tuple, list)):
            dims = tuple(input_dim)[1:] if len(input_dim) > 1 else tuple(input_dim)
            shape = tuple(int(n) for n in dims)
        else:
            shape = (int(input_dim),)
        self._build_shape(shape, rng)

    def _build_shape(self, shape, rng=None):
        """Build every unbuilt layer, for samples of shape ``shape``."""
        for layer in self.layers:
            expected = _input_shape_of(layer)
            if getattr(layer, "built", True) is False:
                _build_layer(layer, shape, rng)
            elif expected is not None and expected != shape:
                what = (f"{expected[0]} features, got {shape[0]}" if len(shape) == len(expected)
                        == 1 else f"inputs of shape {expected}, got {shape}")
                raise ValueError(f"{layer.name}: expected {what}")
            shape = _output_shape_of(layer, shape)

    @property
    def built(self):
        return all(getattr(layer, "built", True) for layer in self.layers)

    def _build_for(self, x, rng):
        if self.layers and not self.built and x.ndim >= 2:
            self._build_shape(x.shape[1:], rng=rng)

    def forward(self, x):
        if not self.layers:
            raise ValueError("Sequential: the model has no layers; add some with model.add(...)")
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index):
        """``model[i]``: the i-th layer (a slice: a list of them); ``model['dense_1']``: by name."""
        if isinstance(index, str):
            for layer in self.layers:
                if getattr(layer, "name", None) == index:
                    return layer
            names = ", ".join(str(getattr(layer, "name", "?")) for layer in self.layers)
            raise KeyError(f"Sequential: no layer named {index!r}; its layers: {names or 'none'}")
        try:
            return self.layers[index]
        except IndexError:
            raise IndexError(f"Sequential: layer index {index} is out of range for a model of "
                             f"{len(self.layers)} layers (valid: {-len(self.layers)} to "
                             f"{len(self.layers) - 1})") from None
        except TypeError:
            raise TypeError(f"Sequential: layers are indexed by position or name, got "
                            f"{type(index).__name__}") from None

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def _summary_layers(self, input_shape=None):
        """The layers in order, each with its per-sample output shape when the sizes are known."""
        rows, shape = [], None if input_shape is None else sample_shape(input_shape)
        for layer in self.layers:
            shape = _input_shape_of(layer) or shape
            shape = None if shape is None else _output_shape_of(layer, shape)
            rows.append((layer.name, layer, shape))
        return rows


# How Sequential reads a layer's shapes.  Layers that know their per-sample shapes
# (Conv2D, the pooling layers, Flatten) have ``compute_output_shape`` and an
# ``input_shape``; Dense has ``input_dim`` and ``output_features`` (it maps the last
# axis); any other layer (Activation) keeps the shape.
def _input_shape_of(layer):
    """The per-sample input shape a layer was given or built for, or None."""
    shape = getattr(layer, "input_shape", None)
    if shape is not None:
        return tuple(shape)
    dim = getattr(layer, "input_dim", None)
    return None if dim is None else (dim,)


def _output_shape_of(layer, shape):
    if hasattr(layer, "compute_output_shape"):
        return tuple(layer.compute_output_shape(shape))
    units = getattr(layer, "output_features", None)
    return shape if units is None else shape[:-1] + (units,)


def _build_layer(layer, shape, rng=None):
    """``layer.build`` from the per-sample ``shape`` (Dense takes its last axis, as it maps it)."""
    layer.build(shape if hasattr(layer, "compute_output_shape") else shape[-1], rng=rng)


def _run_rows(model, x, rows, op):
    """``model(rows)`` without recording, for ``rows`` of ``x``: the output must be a Tensor
    with one row per sample, and an error names the op, x's shape and the fix."""
    try:
        with autograd.no_grad():
            out = model(Tensor._make(rows, False, None))
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)(f"{op}: the model cannot take x of shape {x.shape} (tried on "
                      f"{_samples(len(rows))} of it): {_and_hint(e, x)}") from None
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: the model's forward must return a Tensor, got "
                        f"{type(out).__name__}")
    if out.ndim == 0 or len(out) != len(rows):
        raise ValueError(f"{op}: the model turned {_samples(len(rows))} of x (shape "
                         f"{rows.shape}) into an output of shape {out.shape}; it must give one "
                         f"row per sample (first axis){_one_axis_hint(x)}")
    return out


def _samples(n):
    return "1 sample" if n == 1 else f"{n} samples"


def _one_axis_hint(x):
    """The fix for an x with one axis: samples are rows."""
    if x.ndim != 1:
        return ""
    return (f". x of shape {x.shape} has one axis: for {_samples(len(x))} of one feature pass "
            f"x.reshape(-1, 1); for one sample of {len(x)} features, x.reshape(1, -1)")


def _and_hint(err, x):
    hint = _one_axis_hint(x)
    return f"{str(err).rstrip('.')}{hint}" if hint else str(err)


def _class_label_hint(loss_name, y, out):
    """The fix when integer class labels meet a loss that wants one-hot rows (Keras' commonest
    mix-up), else ''."""
    if (loss_name == "categorical_crossentropy" and out.ndim == 2 and out.shape[1] > 1
            and y.ndim <= 2 and y.size == len(y) and np.array_equal(y, np.round(y))):
        return (" y looks like integer class labels: use loss='sparse_categorical_crossentropy' "
                "for them, or one-hot encode y (np.eye(classes)[y]).")
    return ""
