"""Optimizers: turn gradients into parameter updates.

Each optimizer updates ``p.data`` *in place with NumPy*: an update is not part
of any model, so nothing is recorded in the graph, and it is as cheap as the
arithmetic.  Every update bumps the parameter's version counter (as an
in-place Tensor op would), so a graph that still needs the old value notices.

The formulas and defaults are Keras' (``keras.optimizers``), so a model
trained here behaves like the article's Keras model:

- ``SGD``: lr 0.01.  m = momentum m - lr g; p += m (Nesterov: p += momentum m - lr g).
  Without momentum that is the article's W := W - alpha dW.
- ``RMSprop``: lr 0.001, rho 0.9, eps 1e-7.  v = rho v + (1 - rho) g^2;
  p -= lr g / sqrt(v + eps).
- ``Adam``: lr 0.001, beta1 0.9, beta2 0.999, eps 1e-7.  m += (1 - b1)(g - m);
  v += (1 - b2)(g^2 - v); p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps).
- ``Adamax``: lr 0.002, beta1 0.9, beta2 0.999, eps 1e-7.  m += (1 - b1)(g - m);
  u = max(b2 u, |g|); p -= lr m / ((1 - b1^t)(u + eps)).

``weight_decay`` is decoupled, as in Keras: ``p -= lr * weight_decay * p``
before the update.

A small model (at most ``Optimizer.FUSE_MAX`` numbers in all, like the
article's) is updated in one pass over flat arrays, with the same bits as one
parameter at a time.  For that the optimizer lays the parameters out end to
end in one array, ``p.data`` becoming a view of it with the same values --
unless something else holds a parameter's array, which then stays where it
is (and is updated in place all the same).

Two ways to build one: Keras-style without parameters, ``Adam(0.01)`` or
``Adam(lr=0.01)``, then ``model.compile(optimizer=...)`` binds the model's
parameters; or PyTorch-style ``Adam(model.parameters(), lr=0.01)`` for a hand
written training loop.

Examples
--------
>>> import tinygrad_edu as tg
>>> w = tg.Tensor([1.0, -2.0], requires_grad=True)
>>> opt = tg.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()          # grad = 2 w
>>> opt.step(); opt.zero_grad()
>>> w
Tensor([ 0.8, -1.6], shape=(2,), dtype=float32, requires_grad=True)
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import inplace, kernels
from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adamax", "get", "OPTIMIZERS"]


class Optimizer:
    """Base class: holds parameters, their per-parameter state ("slots") and the step count.

    Subclasses set ``slots`` (names of the state arrays, created as zeros with
    each parameter's shape) and implement ``_update(p, g, state)`` on NumPy
    arrays, changing ``p`` in place.
    """

    slots: tuple = ()
    default_lr = 0.001

    def __init__(self, params=None, lr=None, weight_decay=0.0, learning_rate=None):
        if isinstance(params, numbers.Real) and not isinstance(params, bool):
            if lr is not None or learning_rate is not None:
                raise TypeError(f"{type(self).__name__}: the learning rate was given twice")
            params, lr = None, params             # Keras style: Adam(0.01)
        if learning_rate is not None:
            if lr is not None:
                raise TypeError(f"{type(self).__name__}: give lr or learning_rate, not both")
            lr = learning_rate
        self.lr = _number(self, "lr", self.default_lr if lr is None else lr)
        if not np.isfinite(self.lr) or self.lr < 0:
            raise ValueError(f"{type(self).__name__}: lr must be a finite number >= 0, got {lr!r}")
        self.weight_decay = _number(self, "weight_decay", weight_decay)
        if not np.isfinite(self.weight_decay) or self.weight_decay < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {weight_decay!r}")
        self.iterations = 0
        self.params = []
        self.state = []
        self._flat = self._flat_params = self._param_views = None
        if params is not None:
            self.add_params(params)

    @property
    def learning_rate(self):
        """Keras' name for ``lr``."""
        return self.lr

    @learning_rate.setter
    def learning_rate(self, value):
        self.lr = _number(self, "learning_rate", value)

    def add_params(self, params):
        """Add parameters to optimize (each once); creates their state, zero-filled."""
        if isinstance(params, Tensor):
            params = [params]
        known = {id(p) for p in self.params}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, "
                                f"expected a Tensor (pass model.parameters())")
            if not p.requires_grad or not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) must be a "
                                 f"leaf tensor with requires_grad=True")
            if id(p) in known:
                continue
            known.add(id(p))
            self.params.append(p)
            self.state.append({s: np.zeros_like(p._data) for s in self.slots})
        self._pack()
        return self

    #: Models with at most this many parameters are updated in one fused pass.
    FUSE_MAX = 1 << 16

    def _pack(self):
        """Lay the parameters and the state of small models out in one flat array each.

        A step then runs a dozen NumPy operations on the flat arrays instead of
        a dozen per parameter: for the article's 10 small arrays, per-call
        overhead is most of the cost.  Each parameter's state stays reachable as
        a view (``self.state[i][slot]``), and so does each parameter's data:
        ``p.data`` becomes a view of ``self._flat_params``, with the same
        values, when nobody else holds the arrays it replaces
        (``kernels.movable``; otherwise the step updates a concatenated copy
        and copies it back).  The result is bit for bit the same (the
        arithmetic is elementwise).
        """
        self._flat = self._flat_params = self._param_views = None   # (our own views let go)
        params = self.params
        total = sum(p.size for p in params)
        if not params or total > self.FUSE_MAX or len({p.dtype for p in params}) != 1:
            return
        self._flat = {}
        for s in self.slots:
            self._flat[s], views = _flat_views([st[s] for st in self.state])
            for st, view in zip(self.state, views):
                st[s] = view
        if kernels.movable(params):
            self._flat_params, self._param_views = _flat_views([p._data for p in params])
            for p, view in zip(params, self._param_views):
                p._data = view                  # the same values: no version change

    def __getstate__(self):
        """For copy and pickle: the flat arrays are a layout of the state, not more state.

        A copy of a view is no longer a view, so a copied optimizer would
        update flat arrays that its parameters and state no longer see; the
        copy lays them out afresh instead (``__setstate__``).
        """
        state = self.__dict__.copy()
        state["_flat"] = state["_flat_params"] = state["_param_views"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._pack()

    def zero_grad(self):
        """Forget the gradients (``p.grad = None``) of every parameter."""
        for p in self.params:
            p._grad = None

    def step(self):
        """Apply one update to every parameter that has a gradient."""
        if not self.params:
            raise RuntimeError(f"{type(self).__name__}.step: the optimizer has no parameters to "
                               f"update. Create it with the model's parameters, e.g. "
                               f"Adam(model.parameters()), or build the model before compile().")
        self.iterations += 1
        lr, wd = self.lr, self.weight_decay
        self._begin_step()
        params = self.params
        if self._flat is not None and self._step_fused(params, lr, wd):
            return
        for p, st in zip(params, self.state):
            g = p._grad
            if g is None:
                continue
            data = p._data
            if wd:
                data -= (lr * wd) * data
            self._update(data, g._data, st)
            p._version += 1
            inplace.note_write(p)

    def _step_fused(self, params, lr, wd):
        """The update of all parameters at once, on flat arrays (small models)."""
        grads = []
        dtype = params[0]._data.dtype
        for p in params:
            g = p._grad
            if g is None or g._data.dtype != dtype or p._data.dtype != dtype:
                return False                  # e.g. a parameter without grad: one by one
            grads.append(g._data.reshape(-1))
        views = self._param_views
        in_place = views is not None and all(p._data is v for p, v in zip(params, views))
        data = (self._flat_params if in_place    # the parameters themselves, as one array
                else np.concatenate([p._data.reshape(-1) for p in params]))
        if wd:
            data -= (lr * wd) * data
        self._update(data, np.concatenate(grads), self._flat)
        off = 0
        for p in params:
            if not in_place:                  # a copy: put the new values back
                arr = p._data
                arr[...] = data[off:off + arr.size].reshape(arr.shape)
                off += arr.size
            p._version += 1
        inplace.note_writes(params)  # after version changes, always (see inplace.check)
        return True

    def _begin_step(self):
        """Per-step scalars (bias corrections) computed once for all parameters."""

    def _update(self, p, g, state):  # pragma: no cover - interface
        """Change the array ``p`` in place by one step, from the gradient ``g``."""
        raise NotImplementedError

    # ------------------------------------------------------------ state dict --
    def state_dict(self):
        """``{'iterations': ..., '<slot>.<i>': array}``: everything needed to resume.

        ``i`` is the parameter's position in ``self.params``.
        """
        out = {"iterations": np.asarray(self.iterations, dtype=np.int64)}
        for i, st in enumerate(self.state):
            for s in self.slots:
                out[f"{s}.{i}"] = st[s].copy()
        return out

    def _expected(self):
        exp = {"iterations": ()}
        for i, p in enumerate(self.params):
            for s in self.slots:
                exp[f"{s}.{i}"] = p.shape
        return exp

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s output; checks names and shapes first, changes nothing on error."""
        exp = self._expected()
        missing = [k for k in exp if k not in state]
        extra = [k for k in state if k not in exp]
        if missing or extra:
            raise KeyError(f"{type(self).__name__}.load_state_dict: names do not match this "
                           f"optimizer's state (missing: {', '.join(missing) or '-'}; unexpected: "
                           f"{', '.join(extra) or '-'}). Bind the same parameters first (e.g. "
                           f"compile and build the same model).")
        arrays = {k: np.asarray(v) for k, v in state.items()}
        for k, shape in exp.items():
            if arrays[k].shape != shape:
                raise ValueError(f"{type(self).__name__}.load_state_dict: {k!r} has shape "
                                 f"{arrays[k].shape}, expected {shape}")
            if arrays[k].dtype.kind not in "fiu":
                raise ValueError(f"{type(self).__name__}.load_state_dict: {k!r} has dtype "
                                 f"{arrays[k].dtype}, expected numbers")
        it = arrays["iterations"]
        if it.dtype.kind not in "iu" or int(it) < 0:
            raise ValueError(f"{type(self).__name__}.load_state_dict: 'iterations' must be a "
                             f"non-negative integer, got {it!r}")
        self.iterations = int(it)
        for i, st in enumerate(self.state):
            for s in self.slots:
                st[s][...] = arrays[f"{s}.{i}"]      # in place: may be a view of a flat buffer

    def save_weights(self, path):
        """Write :meth:`state_dict` to an ``.npz`` file, atomically."""
        from . import io
        io.save_arrays(path, self.state_dict(), what="save_weights")

    def load_weights(self, path):
        """Load a file written by :meth:`save_weights` (no pickle; checked before use)."""
        from . import io
        self.load_state_dict(io.load_arrays(path, self._expected(), what="load_weights"))

    def get_config(self):
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    def __repr__(self):
        cfg = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({cfg}, params={len(self.params)}, iterations={self.iterations})"


def _flat_views(arrays):
    """One flat array holding ``arrays`` end to end, and a view of it shaped like each."""
    flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
    views, off = [], 0
    for a in arrays:
        view = flat[off:off + a.size].reshape(a.shape)
        view[...] = a
        views.append(view)
        off += a.size
    return flat, views


def _number(opt, name, value):
    """``value`` as a float (a number, or a one-element array or Tensor), or a named error."""
    try:
        if isinstance(value, (str, bytes)):        # (float("0.9") would take it)
            raise TypeError
        return float(value.item() if hasattr(value, "item") else value)
    except (TypeError, ValueError):
        raise TypeError(f"{type(opt).__name__}: {name} must be a number, got "
                        f"{type(value).__name__} {value!r}") from None


def _check_beta(opt, name, value):
    value = _number(opt, name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{type(opt).__name__}: {name} must be in [0, 1), got {value}")
    return value


def _check_eps(opt, value):
    value = _number(opt, "epsilon", value)
    if not value >= 0:
        raise ValueError(f"{type(opt).__name__}: epsilon must be >= 0, got {value}")
    return value


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum; Keras' default lr 0.01.

    Without momentum: ``p -= lr * g``, the article's W := W - alpha dW.
    """

    default_lr = 0.01

    def __init__(self, params=None, lr=None, momentum=0.0, nesterov=False, weight_decay=0.0,
                 learning_rate=None):
        self.momentum = _number(self, "momentum", momentum)
        if not 0.0 <= self.momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        self.nesterov = bool(nesterov)
        self.slots = ("momentum",) if self.momentum else ()
        super().__init__(params, lr, weight_decay, learning_rate)

    def _update(self, p, g, state):
        lr, mu = self.lr, self.momentum
        if not mu:
            p -= lr * g
            return
        m = state["momentum"]
        m *= mu
        m -= lr * g
        if self.nesterov:
            p += mu * m - lr * g
        else:
            p += m

    def get_config(self):
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}


class RMSprop(Optimizer):
    """RMSprop as in Keras: divide by a running root-mean-square of the gradient."""

    slots = ("velocity",)

    def __init__(self, params=None, lr=None, rho=0.9, momentum=0.0, epsilon=1e-7,
                 weight_decay=0.0, learning_rate=None):
        self.rho = _check_beta(self, "rho", rho)
        self.momentum = _check_beta(self, "momentum", momentum)
        self.epsilon = _check_eps(self, epsilon)
        if self.momentum:
            self.slots = ("velocity", "momentum")
        super().__init__(params, lr, weight_decay, learning_rate)

    def _update(self, p, g, state):
        rho = self.rho
        v = state["velocity"]
        v *= rho
        v += (1 - rho) * (g * g)
        increment = self.lr * g / np.sqrt(v + self.epsilon)
        if self.momentum:
            m = state["momentum"]
            m *= self.momentum
            m += increment
            p -= m
        else:
            p -= increment

    def get_config(self):
        return {"lr": self.lr, "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "weight_decay": self.weight_decay}


class Adam(Optimizer):
    """Adam with Keras' defaults and Keras' form of the update.

    Keras folds the bias corrections into the step size,
    ``alpha_t = lr sqrt(1 - b2^t) / (1 - b1^t)``, and adds ``eps`` to ``sqrt(v)``
    (not to the bias-corrected ``sqrt(v_hat)``).  We do exactly the same, so
    our updates match Keras' to float32 rounding.

    Examples
    --------
    >>> import numpy as np, tinygrad_edu as tg
    >>> w = tg.Tensor([1.0], requires_grad=True)
    >>> opt = tg.optim.Adam([w])
    >>> (w * 3).sum().backward(); opt.step()
    >>> round(float(w.item()), 6)         # first step: about -lr * sign(g)
    0.999
    """

    slots = ("m", "v")

    def __init__(self, params=None, lr=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=0.0, learning_rate=None):
        self.beta_1 = _check_beta(self, "beta_1", beta_1)
        self.beta_2 = _check_beta(self, "beta_2", beta_2)
        self.epsilon = _check_eps(self, epsilon)
        super().__init__(params, lr, weight_decay, learning_rate)

    def _begin_step(self):
        t = self.iterations
        # Python floats (lr may have been set to a NumPy number): a NumPy float64 would
        # promote a float32 update to float64
        self._alpha = float(self.lr) * math.sqrt(1.0 - self.beta_2 ** t) / (1.0 - self.beta_1 ** t)

    def _update(self, p, g, state):
        m, v = state["m"], state["v"]
        m += (g - m) * (1.0 - self.beta_1)
        v += (g * g - v) * (1.0 - self.beta_2)
        p -= (m * self._alpha) / (np.sqrt(v) + self.epsilon)

    def get_config(self):
        return {"lr": self.lr, "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "weight_decay": self.weight_decay}


class Adamax(Adam):
    """Adamax (Adam with an infinity norm), Keras' defaults: lr 0.002."""

    slots = ("m", "u")
    default_lr = 0.002

    def _begin_step(self):
        self._alpha = self.lr / (1.0 - self.beta_1 ** self.iterations)

    def _update(self, p, g, state):
        m, u = state["m"], state["u"]
        m += (g - m) * (1.0 - self.beta_1)
        np.maximum(self.beta_2 * u, np.abs(g), out=u)
        p -= (m * self._alpha) / (u + self.epsilon)


#: Optimizers by name, for ``model.compile(optimizer='adam')``.
OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamax": Adamax}


def get(optimizer):
    """An optimizer from a name (with its defaults) or an ``Optimizer`` instance.

    Raises ``ValueError`` listing the valid names for an unknown one.
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str):
        key = optimizer.lower()
        if key in OPTIMIZERS:
            return OPTIMIZERS[key]()
        raise ValueError(f"unknown optimizer {optimizer!r}; valid names: "
                         f"{', '.join(sorted(OPTIMIZERS))} (or pass an Optimizer instance)")
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer()
    raise TypeError(f"optimizer must be a name or an Optimizer, got {type(optimizer).__name__}")
