"""Derived operations: compositions of primitives, with no derivative rule of their own.

Every function here is ordinary Tensor code.  Its backward pass is whatever
the chain rule makes of the primitives it calls (``ops.py``) -- which is the
point of the project: ``sigmoid``'s derivative s(1 - s), or BCE's
dZ = Y_hat - Y, are *derived*, never typed in.

Conventions at kinks (points where the derivative does not exist):
``relu'(0) = 0``, ``abs'(0) = 0``, ``leaky_relu'(0) = slope``; ``max``/``min``
and ``maximum``/``minimum`` split the gradient evenly between ties; ``clip``
passes the gradient where ``lo <= x <= hi``.

Numerically safe forms: ``sigmoid`` uses ``exp(-|x|)`` (never overflows),
``logsumexp``/``log_softmax``/``softmax`` subtract the max first.  They stay
finite, with no NumPy warnings, for |x| up to 1e4 and beyond.

All functions are also Tensor methods: ``x.sigmoid()`` is ``sigmoid(x)``.
"""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from . import kernels, nograd, ops
from .errors import axis_message, bounds_error, broadcast_error, tagged_error
from .errors import renamed as _renamed
from .function import kernel, kernel_number
from .nograd import sign
from .recording import composite
from .tensor import Tensor, _raw

__all__ = [
    "neg", "sub", "div", "pow", "sqrt", "abs", "sum_to", "mean", "var", "std", "min", "max",
    "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "log_softmax", "logsumexp", "clip",
    "maximum", "minimum", "where", "matmul", "cat", "stack", "flatten", "squeeze", "unsqueeze",
    "expand", "permute", "transpose", "reshape", "swapaxes", "exp", "log", "sin", "cos", "sum", "astype",
    "sign",
]


_const = Tensor._const   # a constant with like's dtype: _const(2, like=x)


def _as_float(x):
    """``x`` itself if it is floating point, else converted to the float type NumPy's
    ufuncs would compute in (bool and int8 -> float16, int64 -> float64): sign
    constants like ``where(x >= 0, -1, 1)`` must not be cast to bool or int."""
    kind = x._data.dtype.kind
    return x if kind == "f" else astype(x, np.result_type(x._data.dtype, np.float16))


def _as_tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


# --------------------------------------------------------------- arithmetic ---
def exp(x):
    """e^x (primitive)."""
    return ops.Exp.apply(x)


def log(x):
    """Natural logarithm (primitive)."""
    return ops.Log.apply(x)


def tanh(x):
    """Hyperbolic tangent (primitive: see ops.Tanh for why)."""
    return ops.Tanh.apply(x)


def sin(x):
    """Sine (primitive)."""
    return ops.Sin.apply(x)


def cos(x):
    """Cosine (primitive)."""
    return ops.Cos.apply(x)


@composite
def neg(x):
    """-x, as x * (-1).  (Unsigned ints wrap, as in NumPy; a bool mask is inverted by ``~``.)"""
    if x._data.dtype.kind in "bu":
        return nograd.exact(np.negative, x, op="neg")
    return x * -1


def sub(a, b):
    """a - b (primitive: see ops.Sub)."""
    return ops.Sub.apply(a, _as_tensor(b, a))


def div(a, b):
    """a / b (primitive: see ops.Div).  Integers divide to floats, as in NumPy."""
    return ops.Div.apply(a, _as_tensor(b, a))


def pow(x, exponent):
    """x ** exponent.

    A number exponent uses the primitive ``Pow``, a tensor exponent the
    primitive ``Power`` (NumPy's values for every base, (-2) ** 2 and 0 ** 0 too).
    """
    if isinstance(exponent, numbers.Number) and not isinstance(exponent, bool):
        return ops.Pow.apply(x, exponent=exponent)
    try:
        return ops.Power.apply(x, _as_tensor(exponent, x))
    except (ValueError, TypeError) as e:
        raise _renamed(e, "pow") from None


def sqrt(x):
    """Square root, as x ** 0.5."""
    return ops.Pow.apply(x, exponent=0.5)


@composite
def abs(x):
    """|x|, as x * sign(x) (so abs'(0) = 0)."""
    try:
        return x * _const(kernel(np.sign, x._data), x)
    except TypeError:  # bool has no sign; |b| = b
        return Tensor._make(kernel(np.abs, x._data), False, None)


# --------------------------------------------------------------- reductions ---
def _axis_arg(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (int, tuple or None for all), as ``np.sum``."""
    return ops.Sum.apply(x, axis=_axis_arg(axis), keepdims=keepdims)


sum_to = ops.sum_to  # shared with the backward rules (it runs on arrays too)


def _per(x, axis, ddof=0):
    """1 / (elements reduced - ddof); inf if none are left: NaN or inf results, as NumPy's."""
    if axis is None or x.ndim == 0:
        n = x.size - ddof                 # (the losses' case: no product of sizes to make)
    else:
        n = int(np.prod([x.shape[a] for a in (axis if isinstance(axis, tuple) else (axis,))]))
        n -= ddof
    return 1.0 / n if n > 0 else np.inf


@composite
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``, as sum / count."""
    axis = _axis_arg(axis)
    return sum(x, axis, keepdims) * _per(x, axis)


@composite
def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis`` (NumPy's ``ddof`` convention: population variance by default)."""
    axis = _axis_arg(axis)
    d = x - mean(x, axis, keepdims=True)
    return sum(d * d, axis, keepdims) * _per(x, axis, ddof)


@composite
def std(x, axis=None, keepdims=False, ddof=0):
    """Standard deviation, sqrt(var); its gradient is 0 where the variance is 0.

    sqrt'(0) is infinite, and var's gradient there is 0: the chain rule
    would give inf * 0 = NaN (one element, or all elements equal).  Like
    PyTorch and HIPS autograd, std takes 0 there: the square root sees a
    stand-in 1 where the variance is 0, and a ``where`` puts 0 in its place
    -- its gradient is exactly 0, so no NaN is made.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> x = Tensor([2.0, 2.0], requires_grad=True)
    >>> x.std().backward()
    >>> x.grad
    Tensor([0., 0.], shape=(2,), dtype=float32)
    """
    v = var(x, axis, keepdims, ddof)
    zero = kernel(np.equal, v._data, 0)          # (NaN and inf go through: NumPy's std of them)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))


def max(x, axis=None, keepdims=False):
    """Maximum values over ``axis`` (primitive ``Max``; ties share the gradient)."""
    return ops.Max.apply(x, axis=_axis_arg(axis), keepdims=keepdims)


@composite
def min(x, axis=None, keepdims=False):
    """Minimum values over ``axis``, as -max(-x) (ints and bools: NumPy's, which cannot overflow)."""
    if nograd.no_float(x):
        return nograd.exact(np.min, x, axis=_axis_arg(axis), keepdims=keepdims, op="min")
    return neg(max(neg(x), axis, keepdims))


# -------------------------------------------------------------- activations ---
@composite
def relu(x):
    """max(x, 0), as where(x > 0, x, 0): relu'(0) = 0.

    "x > 0" is tested as "not x <= 0", which is also true for a NaN: a NaN
    stays NaN, as in NumPy's maximum and PyTorch's relu, instead of hiding as 0.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> Tensor([-1.0, 0.0, 2.0]).relu()
    Tensor([0., 0., 2.], shape=(3,), dtype=float32)
    """
    zero = _const(0, x)   # (a 0-d array of x's dtype: NumPy compares with it faster than with 0)
    return ops.Where.apply(x, zero, cond=kernel(kernels.relu_mask, x._data, zero._data))


@composite
def leaky_relu(x, slope=0.01):
    """x for x > 0, slope * x otherwise."""
    return ops.Where.apply(x, x * slope, cond=kernel(np.greater, x._data, 0))


@composite
def sigmoid(x):
    """1 / (1 + e^-x), computed without overflow.

    For x >= 0 it is 1 / (1 + e^-x); for x < 0 the same value written as
    e^x / (1 + e^x).  Both use e = e^(-|x|) <= 1, so nothing overflows: the
    numerator is where(x >= 0, 1, e), the denominator 1 + e.  Its
    derivative s(1 - s) is not written anywhere: the engine derives it.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> Tensor([-1e4, 0.0, 1e4]).sigmoid()
    Tensor([0. , 0.5, 1. ], shape=(3,), dtype=float32)
    """
    x = _as_float(x)
    one = _const(1, x)
    pos, e = _exp_neg_abs(x, one)
    return ops.Where.apply(one, e, cond=pos) / (e + one)            # 1 or e^-|x|, over 1 + e^-|x|


def _exp_neg_abs(x, one=None):
    """``(x >= 0, e^-|x|)`` for a float x: e^-|x| <= 1 cannot overflow, so the stable sigmoid
    and softplus are written with it.  ``one``: a constant 1 of x's dtype, if you have one.

    The sign is picked by a kernel, with the constants as 0-d arrays of x's dtype: NumPy
    compares and selects faster with them than with Python numbers.
    """
    one = _const(1, x) if one is None else one
    pos = kernel(np.greater_equal, x._data, kernel_number(0, x))
    return pos, exp(x * _const(kernel(kernels.where, pos, kernel_number(-1, x), one._data), x))


def _shift(x, axis, op):
    """max(x) over ``axis`` (keepdims; 0 where it is not finite), for the stable exp-sums;
    a clear error otherwise."""
    try:
        m = kernel(np.max, x._data, axis=axis, keepdims=True)
        return kernel(np.where, kernel(np.isfinite, m), m, 0)    # all -inf: nothing to shift
    except np.exceptions.AxisError:
        raise tagged_error(np.exceptions.AxisError, axis_message(op, axis, x.shape), op) from None
    except (ValueError, TypeError) as e:
        if x.size == 0:
            raise tagged_error(ValueError, f"{op}: cannot reduce an empty axis (tensor shape "
                                           f"{x.shape}, axis {axis})", op) from None
        raise tagged_error(e, f"{op}: {e} (tensor shape {x.shape}, axis {axis})", op) from None


@composite
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, stable: the max is subtracted first."""
    axis = _axis_arg(axis)
    m = _shift(x, axis, "logsumexp")
    out = log(sum(exp(x - _const(m, x)), axis, keepdims=True)) + _const(m, x)
    return out if keepdims else out.reshape(np.sum(m, axis=axis).shape)


@composite
def log_softmax(x, axis=-1):
    """x - logsumexp(x), the log of softmax, stable for large |x|."""
    m = _shift(x, axis, "log_softmax")
    shifted = x - _const(m, x)
    return shifted - log(sum(exp(shifted), axis, keepdims=True))


@composite
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, with the max subtracted first."""
    m = _shift(x, axis, "softmax")
    e = exp(x - _const(m, x))
    return e / sum(e, axis, keepdims=True)


# ------------------------------------------------------------ selections -------
def where(cond, a, b):
    """Elementwise ``a`` where ``cond`` else ``b`` (``cond`` carries no gradient).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([-2.0, 3.0])
    >>> tg.where(x > 0, x, 0.0)
    Tensor([0., 3.], shape=(2,), dtype=float32)
    """
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    if like is None:
        a = Tensor(a)
        like = a
    a, b = _as_tensor(a, like), _as_tensor(b, like)
    cond = np.asarray(_raw(cond), dtype=bool)
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise ValueError(broadcast_error("where", cond.shape, a.shape, b.shape)) from None
    return ops.Where.apply(a, b, cond=cond)


@composite
def clip(x, lo=None, hi=None):
    """Limit values to [lo, hi]; the gradient passes where lo <= x <= hi."""
    d = x._data
    if d.dtype.kind == "b":
        raise TypeError(f"clip: cannot clip a {x.dtype} tensor; convert it first, e.g. "
                        f"x.astype('float32')")
    # One bound, or number bounds in order (the losses' case): lo <= x <= hi exactly
    # where clipping left x as it was (NaN nowhere), one comparison instead of three.
    one_test = lo is None or hi is None or (isinstance(lo, (int, float))
                                            and isinstance(hi, (int, float)) and lo <= hi)
    # Number bounds of a float tensor as 0-d arrays of its dtype (twice as fast to compare with).
    if d.dtype.kind == "f":
        lo = kernel_number(lo, x) if isinstance(lo, (int, float)) else _raw(lo)
        hi = kernel_number(hi, x) if isinstance(hi, (int, float)) else _raw(hi)
    else:
        lo, hi = _raw(lo), _raw(hi)
    # What np.clip computes, in plain ufuncs (np.clip's Python layer costs twice
    # as much on small arrays, and this is on every step of the losses).  Each
    # goes through ``kernel``, so that jit recomputes it on every replay.
    try:
        clipped = d if lo is None else kernel(np.maximum, d, lo)
        clipped = clipped if hi is None else kernel(np.minimum, clipped, hi)
    except (ValueError, TypeError) as e:    # bounds that are not numbers, or do not broadcast
        raise bounds_error("clip", e, x.shape, [b for b in (lo, hi) if b is not None]) from None
    if lo is None and hi is None:                # no bounds: every element passes
        inside = kernel(np.ones_like, d, dtype=bool)
    elif one_test:
        inside = kernel(np.equal, clipped, d)
    else:                                        # lo > hi somewhere, maybe: test both
        inside = kernel(np.logical_and, kernel(np.greater_equal, d, lo),
                        kernel(np.less_equal, d, hi))
    return ops.Where.apply(x, _const(clipped, x), cond=inside)


@composite
def maximum(a, b):
    """Elementwise maximum; at ties each side gets half of the gradient."""
    a = _as_tensor(a)
    b = _as_tensor(b, a)
    if nograd.no_float(a, b):           # no gradient to share at ties: NumPy's, in its dtype
        return nograd.exact(np.maximum, a, b, op="maximum")
    try:
        gt, lt = kernel(np.greater, a._data, b._data), kernel(np.less, a._data, b._data)
    except ValueError:
        raise tagged_error(ValueError, broadcast_error("maximum", a.shape, b.shape),
                           "maximum") from None
    tie = (a + b) * 0.5
    return where(gt, a, where(lt, b, tie))


@composite
def minimum(a, b):
    """Elementwise minimum; at ties each side gets half of the gradient."""
    a = _as_tensor(a)
    b = _as_tensor(b, a)
    if nograd.no_float(a, b):
        return nograd.exact(np.minimum, a, b, op="minimum")
    return neg(maximum(neg(a), neg(b)))


# ------------------------------------------------------------------ matmul -----
def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D, 2-D and batched N-D (batch axes broadcast).

    Batch axes that broadcast are expanded first, so ``MatMul`` sees equal ones
    and its rule is two products; Expand's rule sums over the stretched axes.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> Tensor.ones(32, 3) @ Tensor.ones(2, 4)
    Traceback (most recent call last):
    ...
    ValueError: matmul: shapes (32, 3) and (2, 4) are not aligned: 3 (dim 1 of the first) != 2 (dim 0 of the second). The inner sizes must match; transpose an operand (x.T) or check the layer sizes.
    """
    if type(b) is not Tensor:
        b = _as_tensor(b, a)
    if a._data.ndim == 2 and b._data.ndim == 2:  # the common case: two matrices
        return ops.MatMul.apply(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least one axis, got shapes {a.shape} and "
                         f"{b.shape}; use * to multiply by a scalar.")
    if a.ndim == 1 and b.ndim == 1:
        if a.shape != b.shape:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: vectors "
                             f"must have the same length.")
        return ops.MatMul.apply(a.reshape(1, -1), b.reshape(-1, 1)).reshape(())
    if a.ndim == 1:
        if a.shape[0] != b.shape[-2]:
            raise ValueError(ops.MatMul.describe_error([a.shape, b.shape], {}, None))
        return _batched_matmul(a.reshape(1, -1), b).squeeze(-2)
    if b.ndim == 1:
        if a.shape[-1] != b.shape[0]:
            raise ValueError(ops.MatMul.describe_error([a.shape, (b.shape[0], 1)], {}, None)
                             .replace(f"{(b.shape[0], 1)}", f"{b.shape}"))
        return _batched_matmul(a, b.reshape(-1, 1)).squeeze(-1)
    return _batched_matmul(a, b)


def _batched_matmul(a, b):
    """``a @ b`` for a.ndim, b.ndim >= 2, with the batch axes broadcast to one shape first."""
    batch_a, batch_b = a.shape[:-2], b.shape[:-2]
    if batch_a != batch_b:
        try:
            batch = np.broadcast_shapes(batch_a, batch_b)
        except ValueError:
            batch = None
        if batch is None or a.shape[-1] != b.shape[-2]:   # (named with the shapes as given)
            raise ValueError(ops.MatMul.describe_error([a.shape, b.shape], {}, None))
        a, b = expand(a, batch + a.shape[-2:]), expand(b, batch + b.shape[-2:])
    return ops.MatMul.apply(a, b)


# ---------------------------------------------------------------- shapes -------
def reshape(x, *shape):
    """Same data, new shape (one axis may be -1); ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if shape == x.shape:
        return x
    try:
        return ops.Reshape.apply(x, shape=shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into shape {shape}") from None


def transpose(x, *axes):
    """Permute axes; with no arguments reverse them (NumPy's convention)."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        if x.ndim < 2:
            return x
        return ops.Transpose.apply(x, axes=None)
    if sorted(a % builtins.max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of a "
                         f"tensor of shape {x.shape}")
    return ops.Transpose.apply(x, axes=tuple(a % x.ndim for a in axes))


def permute(x, *axes):
    """Permute axes (``x.permute(2, 0, 1)``); all axes must be given."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes and x.ndim:
        raise ValueError("permute: give the new order of all axes, e.g. x.permute(1, 0)")
    return transpose(x, *axes)


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    axes = list(range(x.ndim))
    for a in (axis1, axis2):
        if not -x.ndim <= a < x.ndim:
            raise tagged_error(np.exceptions.AxisError, axis_message("swapaxes", a, x.shape),
                               "swapaxes")
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, *axes)


def expand(x, *shape):
    """Broadcast to ``shape`` (NumPy broadcasting rules); ``broadcast_to`` is the same."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if shape == x.shape:
        return x
    return ops.Expand.apply(x, shape=shape)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes ``start_dim..end_dim`` into one (all of them by default, as ``np.ravel``)."""
    if x.ndim == 0:
        return x.reshape(1)
    for a in (start_dim, end_dim):
        if not -x.ndim <= a < x.ndim:
            raise tagged_error(np.exceptions.AxisError, axis_message("flatten", a, x.shape),
                               "flatten")
    s, e = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1:])


def squeeze(x, axis=None):
    """Remove axes of size 1 (all of them, or only ``axis``)."""
    if axis is not None:
        axes = axis if isinstance(axis, tuple) else (axis,)
        for a in axes:
            if not -x.ndim <= a < x.ndim or x.shape[a] != 1:
                raise ValueError(f"squeeze: cannot squeeze axis {a} of a tensor of shape "
                                 f"{x.shape}: its size is not 1")
    return x.reshape(np.squeeze(np.empty(x.shape, dtype=bool), axis=axis).shape)


def unsqueeze(x, axis):
    """Insert an axis of size 1 at ``axis``."""
    try:
        shape = np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape
    except np.exceptions.AxisError:
        raise tagged_error(np.exceptions.AxisError, axis_message("unsqueeze", axis, x.shape + (1,)),
                           "unsqueeze") from None
    return x.reshape(shape)


def astype(x, dtype):
    """Convert to ``dtype`` (float -> float keeps the gradient)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "fiub":
        raise TypeError(f"astype: {dtype!r} is not a supported dtype; use a float, int or bool "
                        f"dtype such as 'float32', 'float64', 'int64' or 'bool'")
    dtype = dt
    if dtype == x.dtype:
        return x
    return ops.Cast.apply(x, dtype=dtype)


def cat(tensors, axis=0):
    """Concatenate tensors along an existing axis (``np.concatenate``); ``axis=None``
    joins them flattened."""
    tensors = [_as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    if axis is None:
        tensors, axis = [reshape(t, (-1,)) for t in tensors], 0
    return ops.Cat.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join tensors of equal shape along a new axis (``np.stack``)."""
    tensors = [_as_tensor(t) for t in tensors]
    shapes = {t.shape for t in tensors}
    if not shapes:
        raise ValueError("stack: needs at least one tensor")
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, axis) for t in tensors], axis=axis)


def install_methods(cls):
    """Attach the functions above to ``Tensor`` as methods (``x.relu()`` etc.)."""
    for name in __all__:
        setattr(cls, name, globals()[name])
    cls.broadcast_to = expand
    cls.float = lambda self: astype(self, np.float32)
    cls.double = lambda self: astype(self, np.float64)
    for name, fn in nograd.NO_GRAD.items():
        setattr(cls, name, fn)
