"""``Module`` (a container of parameters) and the ``Dense`` layer.

A layer here is ordinary Tensor code: ``Dense`` computes ``activation(x @ W + b)``
with Tensor operations, so its gradients come from the primitives' derivative
rules and the chain rule -- no backward is written in this file.

Samples are rows.  The article writes a layer with samples as *columns*,
``Z = W A + b`` with ``W`` of shape ``(n_out, n_in)``; Keras and tinygrad_edu
store samples as rows, ``Z = A W + b`` with ``W`` of shape ``(n_in, n_out)``.
It is the same math, transposed.
"""
from __future__ import annotations

import re

import numpy as np

from .. import inplace, recording
from ..tensor import Tensor
from . import functional as F
from . import init as _init

__all__ = ["Module", "Dense", "Activation", "ACTIVATIONS", "get_activation"]

#: Activations accepted by name (``Dense(4, activation='relu')``).
ACTIVATIONS = {
    "linear": F.linear,
    "relu": F.relu,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "leaky_relu": F.leaky_relu,
    "softmax": F.softmax,
    "log_softmax": F.log_softmax,
    # beyond the article: Keras' names (and PyTorch's hardswish)
    "softplus": F.softplus,
    "relu6": F.relu6,
    "hard_sigmoid": F.hard_sigmoid,
    "hard_silu": F.hard_swish,
    "hard_swish": F.hard_swish,
    "hardswish": F.hard_swish,
    "elu": F.elu,
    "selu": F.selu,
    "silu": F.silu,
    "swish": F.swish,
    "mish": F.mish,
    "gelu": F.gelu,
    "softsign": F.softsign,
}


def get_activation(activation):
    """Return ``(name, function)`` for an activation given by name, callable or None.

    Raises ``ValueError`` listing the valid names for an unknown one.

    Examples
    --------
    >>> from tinygrad_edu.nn import get_activation
    >>> get_activation("relu")[0]
    'relu'
    >>> get_activation("gelu")[0]
    'gelu'
    >>> get_activation("rellu")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'rellu'; valid names: elu, gelu, hard_sigmoid, ... (or pass a callable Tensor -> Tensor)
    """
    if activation is None:
        return "linear", F.linear
    if isinstance(activation, str):
        key = activation.lower()
        if key in ACTIVATIONS:
            return key, ACTIVATIONS[key]
        raise ValueError(f"unknown activation {activation!r}; valid names: "
                         f"{', '.join(sorted(ACTIVATIONS))} (or pass a callable Tensor -> Tensor)")
    if callable(activation):
        return getattr(activation, "__name__", type(activation).__name__), activation
    raise TypeError(f"activation must be a name, a callable or None, got "
                    f"{type(activation).__name__}")


def _snake(name):
    """A class name in snake case, as Keras names layers (``to_snake_case``).

    A capital starts a word when a lower-case letter follows it or precedes
    it, so acronyms stay whole.  Leading underscores are dropped.

    Examples
    --------
    >>> [_snake(n) for n in ("Dense", "MLP", "TwoLayer", "HTTPServer", "Conv2D", "_Hidden")]
    ['dense', 'mlp', 'two_layer', 'http_server', 'conv2d', 'hidden']
    """
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name.lstrip("_"))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Module:
    """Base class of layers and models: holds parameters and sub-modules.

    Assigning a ``Module`` or a Tensor that requires grad to an attribute
    registers it (``self.kernel = Tensor(..., requires_grad=True)``), so that
    :meth:`parameters` finds it.  Subclasses define ``forward``; calling the
    module runs ``forward`` inside ``autograd.scope(self.name)``, so every op
    it records knows which layer it belongs to (graph drawings use that).

    Parameters
    ----------
    name : str, optional
        The module's name.  Without one, a model gives it a Keras-style name
        (``dense_1``, ``dense_2``, ...) when the layer is added.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import Module, Dense
    >>> class TwoLayer(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = Dense(3, activation="relu", input_dim=2)
    ...         self.out = Dense(1, input_dim=3)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x))
    >>> net = TwoLayer()
    >>> [name for name, _ in net.named_parameters()]
    ['hidden.kernel', 'hidden.bias', 'out.kernel', 'out.bias']
    >>> net(tg.Tensor([[1.0, 2.0]])).shape
    (1, 1)
    """

    #: Does ``__call__`` open an ``autograd.scope`` named after the module?
    _opens_scope = True

    def __init__(self, name=None):
        d = self.__dict__
        d["_parameters"] = {}
        d["_modules"] = {}
        d["training"] = True
        d["_auto_name"] = name is None
        d["name"] = _snake(type(self).__name__) if name is None else str(name)
        d["_forward_hooks"] = {}

    # ----------------------------------------------------------- registration --
    def __setattr__(self, key, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning "
                               f"attributes in __init__")
        params, modules = self._parameters, self._modules
        params.pop(key, None)
        modules.pop(key, None)
        if isinstance(value, Module):
            if value._auto_name:             # an unnamed layer takes its attribute's name
                value._rename(key)
            modules[key] = value
        elif isinstance(value, Tensor) and value.requires_grad and not key.startswith("_"):
            params[key] = value
        object.__setattr__(self, key, value)

    def __delattr__(self, key):
        self._parameters.pop(key, None)
        self._modules.pop(key, None)
        object.__delattr__(self, key)

    def children(self):
        """The direct sub-modules, in registration order."""
        return list(self._modules.values())

    def named_modules(self, prefix=""):
        """``(qualified name, module)`` for this module and every sub-module."""
        yield prefix, self
        for key, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{key}" if prefix else key)

    def named_parameters(self, prefix=""):
        """``(qualified name, Tensor)`` for every parameter, recursively, each once."""
        seen = set()
        for mod_prefix, m in self.named_modules(prefix):
            for key, p in m._parameters.items():
                if id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{key}" if mod_prefix else key), p

    def parameters(self):
        """All parameters (Tensors that require grad), in a stable order."""
        return [p for _, p in self.named_parameters()]

    def count_params(self) -> int:
        """The number of scalar parameters."""
        return int(sum(p.size for p in self.parameters()))

    def _rename(self, name):
        """Give the module a new name (models name their layers ``dense_1``, ...)."""
        self.__dict__["name"] = name
        self.__dict__["_auto_name"] = False

    def _label_parameters(self):
        """Set each parameter's ``.name`` to its qualified name (shown by graph drawings)."""
        for qual, p in self.named_parameters():
            p.name = qual

    # --------------------------------------------------------------- running --
    def forward(self, *args, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def __call__(self, *args, **kwargs):
        if not self._opens_scope:
            out = self.forward(*args, **kwargs)
        elif len(args) == 1 and not kwargs:  # (the usual layer(x), spelled out: no * or **)
            out = recording.in_scope(self.name, self.forward, args[0])
        else:                               # (what ``with autograd.scope(self.name):`` does)
            out = recording.in_scope(self.name, self.forward, *args, **kwargs)
        if self._forward_hooks:             # an empty dict: one test, nothing else
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def register_forward_hook(self, hook):
        """Call ``hook(module, inputs, output)`` after every forward of this module.

        How a tool sees what a layer computes without changing it: the hook
        gets the module, the positional inputs (a tuple) and the output, after
        ``forward`` and outside the module's scope.  Its return value is
        ignored, and it should not change the output.  Nothing runs while no
        hook is registered.  :class:`tinygrad_edu.training.Diagnostics` and
        ``fit``'s dead-unit check watch the layers' outputs this way.

        Returns a handle: ``handle.remove()`` unregisters the hook (a handle is
        also a context manager that removes it on exit).

        Examples
        --------
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import Dense
        >>> layer = Dense(3, activation="relu", input_dim=2)
        >>> shapes = []
        >>> with layer.register_forward_hook(lambda m, inputs, out: shapes.append(out.shape)):
        ...     _ = layer(tg.Tensor([[1.0, 2.0]]))
        >>> _ = layer(tg.Tensor([[1.0, 2.0]]))             # removed: not seen
        >>> shapes
        [(1, 3)]
        """
        if not callable(hook):
            raise TypeError(f"{self.name}.register_forward_hook: the hook must be callable "
                            f"hook(module, inputs, output), got {type(hook).__name__}")
        return _HookHandle(self._forward_hooks, hook)

    def zero_grad(self):
        """Forget the gradients of all parameters (``p.grad = None``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Set training mode (recursively); returns ``self``."""
        for _, m in self.named_modules():
            m.__dict__["training"] = bool(mode)
        return self

    def eval(self):
        """Set evaluation mode (recursively); returns ``self``."""
        return self.train(False)

    # ------------------------------------------------------------ state dict --
    def state_dict(self):
        """``{qualified name: copy of the parameter's array}``, in parameter order."""
        return {name: p.numpy().copy() for name, p in self.named_parameters()}

    def _check_built(self, op):
        for _, m in self.named_modules():
            if not m._modules and getattr(m, "built", True) is False:
                raise ValueError(
                    f"{op}: layer {m.name!r} is not built yet, so its parameters do not exist. "
                    f"Give the first layer input_dim=..., or call the model once on data first.")

    def load_state_dict(self, state, strict=True, *, _op="load_state_dict"):
        """Copy arrays into the parameters, checking everything before changing anything.

        Parameters
        ----------
        state : dict of str -> array_like
        strict : bool
            Require exactly the module's parameter names.  With False, names
            missing from ``state`` are left alone and extra names are ignored.

        Raises
        ------
        KeyError
            Missing or unexpected names (strict mode); the message lists them.
        ValueError
            A shape that differs from the parameter's, or non-numeric data.
            On any error no parameter has been changed.
        """
        self._check_built(_op)
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        extra = [k for k in state if k not in params]
        if strict and (missing or extra):
            parts = []
            if missing:
                parts.append(f"missing: {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected: {', '.join(extra)}")
            raise KeyError(f"{_op}: the names do not match the model's parameters "
                           f"({'; '.join(parts)}). Model parameters: {', '.join(params)}")
        staged = []
        for name, p in params.items():
            if name not in state:
                continue
            arr = np.asarray(state[name])
            if arr.shape != p.shape:
                raise ValueError(f"{_op}: parameter {name!r} has shape {p.shape} but the "
                                 f"given array has shape {arr.shape}")
            if arr.dtype.kind not in "fiub":
                raise ValueError(f"{_op}: parameter {name!r}: expected numbers, got an "
                                 f"array of dtype {arr.dtype}")
            staged.append((p, arr))
        for p, arr in staged:                 # all checked: now change the parameters
            np.copyto(p._data, arr, casting="unsafe")
            p._version += 1
            inplace.note_write(p)

    def get_weights(self):
        """Copies of the parameter arrays, in parameter order (Keras' ``get_weights``)."""
        return [p.numpy().copy() for p in self.parameters()]

    def set_weights(self, weights):
        """Set the parameters from a list of arrays in parameter order (Keras' ``set_weights``).

        The number of arrays and every shape are checked before anything changes.
        """
        names = [name for name, _ in self.named_parameters()]
        weights = list(weights)
        if len(weights) != len(names):
            raise ValueError(f"set_weights: the model has {len(names)} parameters "
                             f"({', '.join(names)}), got {len(weights)} arrays")
        self.load_state_dict(dict(zip(names, weights)), _op="set_weights")

    def save_weights(self, path):
        """Write the parameters to ``path`` as ``.npz`` (names as keys), atomically."""
        from .. import io
        self._check_built("save_weights")
        io.save_arrays(path, self.state_dict(), what="save_weights")

    def load_weights(self, path):
        """Load parameters written by :meth:`save_weights`.

        Never unpickles.  Missing or extra names, wrong shapes and corrupt files
        raise a clear error naming the parameter, and leave the model unchanged.
        """
        from .. import io
        self._check_built("load_weights")
        expected = {name: p.shape for name, p in self.named_parameters()}
        self.load_state_dict(io.load_arrays(path, expected, what="load_weights"))

    # --------------------------------------------------------------- summary --
    def _summary_layers(self, input_shape=None):
        """``[(name, layer, output shape or None)]``: the rows of :meth:`summary`."""
        from .summary import probe_layers
        return probe_layers(self, input_shape)

    def summary(self, input_shape=None, notation="keras", print_fn=None):
        """Print the layers, their output shapes and parameter counts.

        Parameters
        ----------
        input_shape : tuple, optional
            The shape of one sample, e.g. ``(2,)``.  A module that is not a
            ``Sequential`` is run once on zeros of that shape (by default the
            ``input_dim`` of its first layer) to find its layers' order and
            output shapes; see :mod:`tinygrad_edu.nn.summary`.
        notation : 'keras' or 'article'
            Keras' table (Layer (type), Output Shape, Param #), or the
            article's: ``W[l]`` of shape ``(n[l], n[l-1])``, ``b[l]``, the
            shape of ``Z[l]`` and ``A[l]`` for ``m`` samples, ``g[l]``.
        print_fn : callable, optional
            Called with the table's text (default ``print``).

        Examples
        --------
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import Dense, Module
        >>> class MLP(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = Dense(4, activation="relu", input_dim=2)
        ...         self.out = Dense(1, activation="sigmoid")
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x))
        >>> net = MLP()
        >>> _ = net(tg.Tensor([[0.0, 0.0]]))       # builds `out`
        >>> net.summary()                          # doctest: +NORMALIZE_WHITESPACE
        Model: "mlp"
        ________________________________________________________________
        Layer (type)                  Output Shape                 Param #
        ================================================================
        hidden (Dense)                (None, 4)                         12
        out (Dense)                   (None, 1)                          5
        ================================================================
        Total params: 17
        Trainable params: 17
        Non-trainable params: 0
        ________________________________________________________________
        """
        from .summary import summary_text
        rows = self._summary_layers(input_shape)
        (print_fn or print)(summary_text(self, rows, notation))

    # ----------------------------------------------------------------- repr ---
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}(name={self.name!r}"
                 + (f", {self.extra_repr()}" if self.extra_repr() else "") + ")"]
        for m in self._modules.values():
            lines.append("  " + repr(m).replace("\n", "\n  "))
        return "\n".join(lines)


class _HookHandle:
    """What :meth:`Module.register_forward_hook` returns: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks, hook):
        self.hooks, self.id = hooks, _HookHandle._next_id
        _HookHandle._next_id += 1
        hooks[self.id] = hook

    def remove(self):
        """Unregister the hook (again: nothing happens)."""
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _as_input(x):
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"expected numbers as input, got an array of dtype {arr.dtype}")
    return Tensor._make(arr.astype(np.float32, copy=arr.dtype != np.float32), False, None)


class _LayerNamedParameters:
    """For Keras layers: the parameters are labelled ``<layer name>.<key>``
    (``dense_1.kernel``, ``conv2d_1.bias``), and follow the layer when it is renamed."""

    def _rename(self, name):
        super()._rename(name)
        self._relabel()

    def _relabel(self):
        for key, p in self._parameters.items():
            p.name = f"{self.name}.{key}"


class Dense(_LayerNamedParameters, Module):
    """A fully connected layer: ``activation(x @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of neurons (output features).
    activation : str, callable or None
        'relu', 'sigmoid', 'tanh', 'leaky_relu', 'softmax', 'linear' (= None),
        or any function Tensor -> Tensor.
    input_dim : int, optional
        Number of input features.  Without it the layer is built at its first
        call, from the last axis of the input.
    use_bias : bool
    kernel_initializer, bias_initializer : str or callable
        See :mod:`tinygrad_edu.nn.init` (defaults: Keras' 'glorot_uniform' and
        'zeros').
    name : str, optional
    input_shape : tuple, optional
        Keras spelling of ``input_dim``: ``input_shape=(2,)``.

    Attributes
    ----------
    kernel : Tensor of shape (input_dim, units)
    bias : Tensor of shape (units,), or None

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import Dense
    >>> _ = tg.manual_seed(0)
    >>> layer = Dense(4, activation="relu", input_dim=2)
    >>> layer.kernel.shape, layer.bias.shape, layer.kernel.name
    ((2, 4), (4,), 'dense.kernel')
    >>> layer(tg.Tensor([[0.5, -1.0]])).shape
    (1, 4)
    """

    def __init__(self, units, activation=None, input_dim=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", name=None,
                 input_shape=None):
        super().__init__(name)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        if input_shape is not None:
            if input_dim is not None:
                raise ValueError("Dense: give input_dim or input_shape, not both")
            shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else (input_shape,)
            if len(shape) != 1:
                raise ValueError(f"Dense: input_shape must have one entry (features,), got {shape}")
            input_dim = shape[0]
        if input_dim is not None and (isinstance(input_dim, bool) or
                                      not isinstance(input_dim, (int, np.integer)) or input_dim < 1):
            raise ValueError(f"Dense: input_dim must be a positive integer, got {input_dim!r}")
        self.units = int(units)
        self.activation_name, self.activation = get_activation(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _init.get(kernel_initializer)
        self.bias_initializer = _init.get(bias_initializer)
        self.input_dim = None
        self.kernel = None
        self.bias = None
        self.built = False
        if input_dim is not None:
            self.build(int(input_dim))

    def build(self, input_dim, rng=None):
        """Create the kernel ``(input_dim, units)`` and bias ``(units,)``.

        ``rng`` (a ``np.random.Generator``) defaults to the global generator.
        """
        if self.built:
            raise RuntimeError(f"{self.name}: the layer is already built")
        input_dim = int(input_dim)
        kernel = np.asarray(self.kernel_initializer((input_dim, self.units), rng=rng),
                            dtype=np.float32)
        self.input_dim = input_dim
        self.kernel = Tensor._make(kernel, True, None)
        if self.use_bias:
            bias = np.asarray(self.bias_initializer((self.units,), rng=rng), dtype=np.float32)
            self.bias = Tensor._make(bias, True, None)
        self.built = True
        self._relabel()

    @property
    def output_features(self):
        return self.units

    def forward(self, x):
        x = _as_input(x)
        shape = x.shape
        if not self.built:
            if not shape:
                raise ValueError(f"{self.name}: input must have a features axis, got a scalar")
            self.build(shape[-1])
        elif not shape or shape[-1] != self.input_dim:
            raise ValueError(
                f"{self.name}: expected inputs with {self.input_dim} features on the last axis "
                f"(kernel shape {self.kernel.shape}), got input of shape {x.shape}. Samples are "
                f"rows: pass an array of shape (n_samples, {self.input_dim}).")
        z = x @ self.kernel
        if self.bias is not None:
            z = z + self.bias
        return self.activation(z)

    def extra_repr(self):
        return (f"units={self.units}, activation={self.activation_name!r}, "
                f"input_dim={self.input_dim}")


class Activation(Module):
    """A layer that only applies an activation: ``Activation('relu')``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import Activation
    >>> Activation("relu")(tg.Tensor([[-1.0, 2.0]]))
    Tensor([[0., 2.]], shape=(1, 2), dtype=float32)
    """

    def __init__(self, activation, name=None):
        super().__init__(name)
        self.activation_name, self.activation = get_activation(activation)

    def forward(self, x):
        return self.activation(_as_input(x))

    def extra_repr(self):
        return f"activation={self.activation_name!r}"
