"""The ``Tensor``: a NumPy array that remembers how it was computed.

A Tensor holds ``data`` (an ``np.ndarray``), ``grad`` (a Tensor or None),
``requires_grad``, and ``_ctx``: the :class:`~tinygrad_edu.function.Function`
that produced it (None for a leaf).  This module is the data and the graph
node: making tensors, reading them, and ``backward()`` (the chain rule lives
in ``engine.py``).  The math comes from the layers above: primitive ops in
``ops.py`` (each with its derivative rule), compositions of them in
``derived.py``, and ``methods.py`` gives Tensor its operators (``+``, ``*``,
``@``, ``x[i]``, ``+=``) and math methods (``x.relu()``) from those two.
"""
from __future__ import annotations

import copy
import numbers
import operator

import numpy as np

from . import engine, inplace, recording
from .random import get_rng

__all__ = ["Tensor", "zeros_like", "ones_like"]

_FLOAT32 = np.dtype(np.float32)
_new = object.__new__   # (a Tensor without running __init__)
# ``np.asarray`` on the hot lines is read once: NumPy's module has a ``__getattr__``, so
# CPython cannot cache ``np.<name>`` lookups (see benchmarks/README.md, fourth pass).
_asarray = np.asarray
_SUPPORTED_KINDS = "fiub"  # float, signed/unsigned int, bool


def _shape_arg(shape, op="Tensor"):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        shape = tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"{op}: a shape is made of integers, got {tuple(shape)!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{op}: negative size in shape {shape}")
    return shape


def _numpy_made(op, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, the NumPy constructor behind ``Tensor.<op>``, its errors said
    under ``op`` (NumPy's own read "negative dimensions are not allowed" and no more)."""
    try:
        return fn(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{op}: {e}") from None


def _sample_dtype(dtype, op):
    """``dtype`` for random samples, which are floats: an int dtype would truncate them (all
    of ``rand``'s to 0), so it is refused."""
    dtype = _numpy_made(op, np.dtype, dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: random samples are floats, so dtype must be a float dtype, got "
                        f"{dtype}; for random integers, Tensor(tg.get_rng().integers(low, high, "
                        f"shape))")
    return dtype


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like or Tensor
        Python scalars and (nested) lists become float32 (bool lists stay bool);
        an ``np.ndarray`` keeps its dtype.  The data is copied.
    requires_grad : bool
        Record operations on this tensor so that ``backward`` can compute
        ``d(output)/d(this)``.  Only floating-point tensors may require grad.
    dtype : str or np.dtype, optional
        Convert to this dtype.
    name : str, optional
        A label shown by ``repr`` and by graph drawings.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()             # y = x1^2 + x2^2 + x3^2
    >>> y.backward()                  # dy/dx = 2x
    >>> x.grad
    Tensor([2., 4., 6.], shape=(3,), dtype=float32)
    """

    __slots__ = ("_data", "_grad", "_requires_grad", "_ctx", "name", "_version", "_retain_grad",
                 "_grad_version", "_past", "_written", "__weakref__")
    # Make NumPy hand ``ndarray <op> Tensor`` to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        if isinstance(data, Tensor):
            data = data._data
        try:
            if dtype is not None:
                arr = np.array(data, dtype=np.dtype(dtype))
            elif isinstance(data, (np.ndarray, np.generic)):
                arr = np.array(data)
            else:
                arr = np.array(data)
                if arr.dtype.kind in "iuf":  # Python numbers and lists: float32
                    arr = arr.astype(_FLOAT32)
        except (ValueError, TypeError) as e:
            why = ("the nested lists have different lengths; a tensor must be rectangular"
                   if "inhomogeneous" in str(e) else e)
            given = f" with dtype={dtype!r}" if dtype is not None else ""
            raise type(e)(f"Tensor: cannot make a tensor from {type(data).__name__} "
                          f"{_short(data)}{given}: {why}") from None
        if arr.dtype.kind == "O":       # None, a generator, a dict, a list holding such things
            raise TypeError(f"Tensor: cannot make a tensor from {type(data).__name__} "
                            f"{_short(data)}: give a number, a (nested) list of numbers, or an "
                            f"array (a generator: list(...) it first)")
        if arr.dtype.kind not in _SUPPORTED_KINDS:
            raise TypeError(f"Tensor: unsupported dtype {arr.dtype}; use a float, int or bool dtype "
                            f"(e.g. dtype='float32').")
        self._data = arr
        self._grad = None
        self._ctx = None
        self.name = name
        self._version = 0
        self._retain_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data, requires_grad, ctx):
        """Fast constructor for op outputs: no conversion, no checks."""
        t = _new(Tensor)
        t._data = data
        t._grad = None
        t._requires_grad = requires_grad
        t._ctx = ctx
        t.name = None
        t._version = 0
        t._retain_grad = False
        return t

    @staticmethod
    def _const(value, like):
        """A constant (no grad) with ``like``'s dtype -- keeps float32 code float32."""
        return _constant(value, like._data.dtype)

    @staticmethod
    def _constant(value, dtype):
        """A constant (no grad) of ``dtype`` made from ``value`` (a number or an array)."""
        t = _make(_asarray(value, dtype=dtype), False, None)
        if recording.watchers:  # (jit: where does this value come from?)
            for w in recording.watchers:
                w.constant(t, value)
        return t

    def _lift(self, other):
        """Turn a number / list / array operand into a Tensor.

        Python numbers take this tensor's dtype when that loses nothing (a float
        with a float tensor, an int with an int tensor), so ``x * 2`` stays
        float32; otherwise NumPy's dtype for the number (float64 for a float),
        so that ``ints * 0.1`` is NumPy's float64 result, not a float32 0.1's.
        """
        dtype = self._data.dtype
        if (type(other) is float or type(other) is int) and (dtype is _FLOAT32
                                                              or dtype.kind == "f"):
            # The commonest case (x * 0.5, 1 - x) first: the ABC checks below
            # cost more than the rest of a small op.  ``_constant`` spelled out:
            # one call less on every op with a number operand.
            t = _make(_asarray(other, dtype=dtype), False, None)
            if recording.watchers:
                for w in recording.watchers:
                    w.constant(t, other)
            return t
        if isinstance(other, Tensor):
            return other
        kind = dtype.kind
        if isinstance(other, numbers.Real) and not isinstance(other, np.generic):
            keeps = (kind == "f" or (kind in "iu" and isinstance(other, numbers.Integral))
                     or (kind == "b" and isinstance(other, bool)))
            try:
                return Tensor._constant(other, dtype if keeps else None)
            except OverflowError:       # NumPy 2 keeps an int tensor's dtype and refuses
                raise OverflowError(f"integer operand: {other} is out of bounds for the {dtype} "
                                    f"tensor it is combined with (NumPy's rule: the tensor's "
                                    f"dtype is kept); convert the tensor first, e.g. "
                                    f"x.astype('int64')") from None
        try:
            return Tensor(other)
        except (TypeError, ValueError):
            raise TypeError(f"unsupported operand: a Tensor cannot be combined with "
                            f"{type(other).__name__} {_short(other)}; use a number, a list, an "
                            f"np.ndarray or a Tensor") from None

    # ------------------------------------------------------------ attributes --
    @property
    def data(self) -> np.ndarray:
        """The underlying ``np.ndarray``.  Assigning to it counts as an in-place change."""
        _reads_data(".data")
        return self._data

    @data.setter
    def data(self, value):
        new = np.asarray(value._data if isinstance(value, Tensor) else value)
        if self._requires_grad and new.dtype.kind != "f":
            raise TypeError(f"data: a tensor that requires grad must hold floats, got an array "
                            f"of dtype {new.dtype}; convert it, e.g. x.data = arr.astype("
                            f"'{self._data.dtype}')")
        if new.dtype.kind not in _SUPPORTED_KINDS:
            raise TypeError(f"data: unsupported dtype {new.dtype}; use a float, int or bool dtype")
        self._data = new
        self._version += 1
        inplace.note_write(self)

    @property
    def grad(self):
        """The gradient that ``backward()`` accumulated here (a Tensor of this tensor's shape
        and dtype), or None.  It may be assigned such a Tensor, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:               # (the engine writes _grad itself)
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad must be a Tensor or None, got "
                                f"{type(value).__name__}; wrap an array: x.grad = Tensor(array)")
            if value.shape != self.shape or value.dtype != self.dtype:
                raise ValueError(f"grad: assigned grad has shape {value.shape} and dtype "
                                 f"{value.dtype}, but the tensor has shape {self.shape} and "
                                 f"dtype {self.dtype}; they must match (as in PyTorch)")
        self._grad = value

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for differentiation."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place and return ``self``.

        Raises ``TypeError`` for integer/bool tensors, which have no gradient.
        """
        if requires_grad and self._data.dtype.kind != "f":
            raise TypeError(f"Tensor: only floating-point tensors can require grad, this one is "
                            f"{self._data.dtype}. Create it with dtype='float32' (or call "
                            f".float() first).")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf tensor; "
                               "use .detach() to get a tensor outside the graph.")
        self._requires_grad = bool(requires_grad)
        return self

    # The array's own attributes.  (Read through a C getter, not a Python
    # function: rules read shapes on every step; see benchmarks/README.md.)
    shape = property(operator.attrgetter("_data.shape"), doc="The shape, a tuple of ints.")
    ndim = property(operator.attrgetter("_data.ndim"), doc="The number of axes.")
    dtype = property(operator.attrgetter("_data.dtype"), doc="The element type, an np.dtype.")
    size = property(operator.attrgetter("_data.size"), doc="The number of elements.")

    @property
    def is_leaf(self) -> bool:
        """True for tensors created by the user (not by an op that records grad)."""
        return self._ctx is None

    @property
    def grad_fn(self):
        """The Function that produced this tensor, or None for a leaf."""
        return self._ctx

    @property
    def T(self) -> "Tensor":
        """All axes reversed, as NumPy's ``.T``."""
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The data as an ``np.ndarray`` (shared, not copied)."""
        _reads_data("numpy()")
        return self._data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        _reads_data("item()")
        if self._data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python number, "
                             f"this one has shape {self.shape}")
        return self._data.item()

    def tolist(self):
        _reads_data("tolist()")
        return self._data.tolist()

    def detach(self) -> "Tensor":
        """A new leaf sharing the data, cut from the graph (no grad)."""
        return Tensor._make(self._data, False, None)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor during backward."""
        self._retain_grad = True
        return self

    def backward(self, gradient=None, retain_graph=False, create_graph=False):
        """Compute d(self)/d(leaf) and accumulate it into ``leaf.grad``.

        Parameters
        ----------
        gradient : Tensor or array_like, optional
            d(loss)/d(self).  Needed when ``self`` is not a scalar; a scalar is
            seeded with 1.
        retain_graph : bool
            Keep the graph so that backward can run through it again.  By
            default it is freed as backward goes.
        create_graph : bool
            Record the backward pass itself, so that the gradients can be
            differentiated again.

        Examples
        --------
        >>> from tinygrad_edu import Tensor
        >>> w = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> x = Tensor([[3.0], [4.0]])
        >>> (w @ x).sum().backward()
        >>> w.grad
        Tensor([[3., 4.]], shape=(1, 2), dtype=float32)
        """
        engine.backward(self, gradient, retain_graph, create_graph)

    # ------------------------------------------------------- copy and pickle --
    def __reduce_ex__(self, protocol):
        """Pickling (and ``copy.copy``) keeps the values, not the graph: a leaf comes back, as
        in PyTorch.  (Pickling the graph went by recursion: 10,000 ops overflowed the stack.)"""
        return _rebuilt, (self._data, self._requires_grad, self.name, self._grad)

    def __deepcopy__(self, memo):
        if self._ctx is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors can be deep-copied (this one, of shape "
                f"{self.shape}, was computed by {type(self._ctx).__name__}), as in PyTorch; copy "
                f"x.detach(), or pickle it, which keeps the values as a leaf")
        new = _rebuilt(copy.deepcopy(self._data, memo), self._requires_grad, self.name, None)
        memo[id(self)] = new
        grad = self._grad          # (a create_graph gradient has a graph: its values are kept)
        if grad is not None and grad._ctx is not None:
            grad = grad.detach()
        new._grad = copy.deepcopy(grad, memo)
        return new

    def zero_grad(self):
        self._grad = None

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", precision=4, threshold=20,
                               edgeitems=3, prefix="Tensor(")
        extras = [f"shape={self.shape}", f"dtype={self.dtype}"]
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}, {', '.join(extras)})"

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len: a 0-d tensor has no length (it is a single number)")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iter: iteration over a 0-d tensor (a single number); use x.item()")
        return (self[i] for i in range(len(self)))

    def __contains__(self, value):
        """``v in x``: does any element equal ``v``?  As NumPy's and PyTorch's (not row by row)."""
        _reads_data("in")
        other = value._data if isinstance(value, Tensor) else value
        try:
            return bool((self._data == other).any())
        except ValueError as e:     # shapes that do not broadcast
            raise ValueError(f"in: cannot compare a value of shape {np.shape(other)} with a "
                             f"tensor of shape {self.shape}: {e}") from None

    def __bool__(self):
        _reads_data("bool()")
        if self._data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor of shape {self.shape} is "
                             f"ambiguous; use (x == y).all() or .any()")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __format__(self, spec):
        """``f"{loss:.4f}"`` formats a one-element tensor's number, as in PyTorch."""
        if not spec:
            return str(self)
        if self._data.size != 1:
            raise TypeError(f"format: the spec {spec!r} formats a number, and this tensor has "
                            f"shape {self.shape}; format x.item() of a one-element tensor, or "
                            f"x.numpy() (NumPy's array formatting)")
        return format(self.item(), spec)

    def __int__(self):
        value = self.item()
        try:
            return int(value)
        except (ValueError, OverflowError) as e:  # nan, inf
            raise type(e)(f"int: cannot convert {value} to an integer") from None

    __hash__ = object.__hash__  # == is elementwise, identity is the hash

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    # -------------------------------------------------------------- creation --
    @staticmethod
    def zeros(*shape, dtype="float32", requires_grad=False):
        """A tensor of zeros.  ``Tensor.zeros(2, 3)`` or ``Tensor.zeros((2, 3))``."""
        data = _numpy_made("zeros", np.zeros, _shape_arg(shape, "zeros"), dtype=dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def ones(*shape, dtype="float32", requires_grad=False):
        """A tensor of ones."""
        data = _numpy_made("ones", np.ones, _shape_arg(shape, "ones"), dtype=dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def full(shape, fill_value, dtype="float32", requires_grad=False):
        """A tensor of ``shape`` filled with ``fill_value``."""
        shape = _shape_arg((shape,), "full")
        data = _numpy_made("full", np.full, shape, _raw(fill_value), dtype=dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def randn(*shape, dtype="float32", requires_grad=False):
        """Standard normal samples from the global generator (see ``manual_seed``)."""
        dtype = _sample_dtype(dtype, "randn")
        data = get_rng().standard_normal(_shape_arg(shape, "randn")).astype(dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def rand(*shape, dtype="float32", requires_grad=False):
        """Uniform samples on [0, 1) from the global generator."""
        dtype = _sample_dtype(dtype, "rand")
        data = get_rng().random(_shape_arg(shape, "rand")).astype(dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def uniform(*shape, low=0.0, high=1.0, dtype="float32", requires_grad=False):
        """Uniform samples on [low, high) from the global generator."""
        dtype, shape = _sample_dtype(dtype, "uniform"), _shape_arg(shape, "uniform")
        try:
            data = get_rng().uniform(_raw(low), _raw(high), shape).astype(dtype)
        except (TypeError, ValueError) as e:
            raise type(e)(f"uniform: {e} (low={low!r}, high={high!r})") from None
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def arange(start, stop=None, step=1, dtype="float32", requires_grad=False):
        """Evenly spaced values, as ``np.arange`` (float32 unless ``dtype`` says otherwise)."""
        if isinstance(step, numbers.Number) and step == 0:
            raise ValueError("arange: step must not be 0")
        data = _numpy_made("arange", np.arange, start, stop, step, dtype=dtype)
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def eye(n, m=None, dtype="float32", requires_grad=False):
        """The identity matrix (n x m)."""
        return Tensor(_numpy_made("eye", np.eye, n, m, dtype=dtype), requires_grad=requires_grad)

    @staticmethod
    def zeros_like(t, dtype=None, requires_grad=False):
        """Zeros with ``t``'s shape and dtype."""
        data = _numpy_made("zeros_like", np.zeros, np.shape(_raw(t)), dtype=dtype or _dtype_of(t))
        return Tensor(data, requires_grad=requires_grad)

    @staticmethod
    def ones_like(t, dtype=None, requires_grad=False):
        """Ones with ``t``'s shape and dtype."""
        data = _numpy_made("ones_like", np.ones, np.shape(_raw(t)), dtype=dtype or _dtype_of(t))
        return Tensor(data, requires_grad=requires_grad)


def _reads_data(what):
    """Python reads a tensor's values: watchers are told (a jitted function cannot do that)."""
    for w in recording.watchers:
        w.reads(what)


def _short(x):
    """A short repr for error messages."""
    r = repr(x)
    return r if len(r) <= 40 else r[:37] + "..."


def _raw(x):
    """The ndarray behind a Tensor, or ``x`` itself."""
    return x._data if isinstance(x, Tensor) else x


def _dtype_of(t):
    return t._data.dtype if isinstance(t, Tensor) else np.asarray(t).dtype


def _index_arg(index):
    """Tensors inside an index become their arrays."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


# The constructors as plain functions, for the hot lines above: a staticmethod looked up
# on the class is not cached by CPython 3.11 at the call site; a module global is.
_make, _constant = Tensor._make, Tensor._constant
zeros_like = Tensor.zeros_like
ones_like = Tensor.ones_like


def _rebuilt(data, requires_grad, name, grad):
    """A leaf Tensor from the parts that pickling and copying keep."""
    t = Tensor._make(data, requires_grad, None)
    t.name, t._grad = name, grad
    return t
