"""Results that carry no gradient, and step functions whose gradient is 0.

NumPy's ``argmax``, ``any``, ``isnan``, ... of a tensor's data are Tensor
methods (``x.argmax()``) outside the graph.  Step functions -- ``sign`` here,
``floor`` and ``ceil`` in ``numpy_api`` -- are piecewise constant: their
derivative is 0 wherever it exists, so they stay in the graph with a gradient
of exactly 0 (as in PyTorch), and ``grad()`` through them works.

Integers and bools have no gradient at all.  A derived op built for floats
(``maximum`` from a tie's average, ``min`` as -max(-x), ``%`` through a
float quotient) would round, overflow or change their dtype, so on them it
gives NumPy's own result instead (:func:`no_float`, :func:`exact`): the
``maximum`` of two int64 tensors is int64, a uint8 ``min`` does not overflow.
"""
from __future__ import annotations

import numpy as np

from . import ops
from .errors import axis_message, broadcast_error, tagged_error
from .function import kernel
from .tensor import Tensor

__all__ = ["NO_GRAD", "piecewise_constant", "sign", "no_float", "exact"]


def no_float(*tensors):
    """Are none of ``tensors`` floating point (all ints or bools, which have no gradient)?"""
    for t in tensors:
        if t._data.dtype.kind == "f":
            return False
    return True


def exact(fn, *tensors, op=None, **kwargs):
    """NumPy's ``fn`` of the tensors' data, as a Tensor outside the graph.

    For tensors with no gradient (:func:`no_float`): the value and dtype are
    NumPy's own.  A failure is reported under ``op`` (default: ``fn``'s name)
    with the input shapes.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> exact(np.maximum, tg.Tensor(np.array([1, 5])), tg.Tensor(np.array([3, 2])))
    Tensor([3, 5], shape=(2,), dtype=int64)
    """
    try:
        return Tensor._make(kernel(fn, *[t._data for t in tensors], **kwargs), False, None)
    except (ValueError, TypeError, IndexError) as e:
        raise _named(e, op or fn.__name__, [t.shape for t in tensors]) from None


def _named(err, op, shapes):
    """NumPy's ``err`` from ``op`` on tensors of ``shapes``, said in our words."""
    if isinstance(err, np.exceptions.AxisError) and err.axis is not None:
        return tagged_error(err, axis_message(op, err.axis, shapes[0]), op)
    if isinstance(err, ValueError) and len(shapes) > 1:
        try:
            np.broadcast_shapes(*shapes)
        except ValueError:
            return tagged_error(err, broadcast_error(op, *shapes), op)
    shown = ", ".join(str(s) for s in shapes)
    return tagged_error(err, f"{op}: {err} (input shapes: {shown})", op)


def _no_grad_result(fn):
    """``fn`` of a tensor's data, as a Tensor method whose result has no gradient."""
    def method(x, *args, **kwargs):
        try:
            return Tensor._make(kernel(fn, x._data, *args, **kwargs), False, None)
        except (ValueError, TypeError, IndexError) as e:
            raise _named(e, fn.__name__, [x.shape]) from None
    method.__name__ = fn.__name__
    method.__doc__ = f"``np.{fn.__name__}`` of the data (no gradient)."
    return method


#: NumPy's functions of the data that are Tensor methods with no gradient (``x.argmax()``).
NO_GRAD = {name: _no_grad_result(getattr(np, name))
            for name in ("argmax", "argmin", "all", "any", "isnan", "isfinite")}


def piecewise_constant(x, values):
    """``values`` (computed from x's data by a ``kernel``) as a function of x with gradient 0.

    For step functions -- sign, floor, ceil -- whose derivative is 0
    wherever it exists: a ``Where`` that always picks the constant keeps x in
    the graph, so ``grad()`` through them gives zeros (as in PyTorch) instead
    of failing.  Non-float tensors have no gradient: the values come back as
    they are.
    """
    if x._data.dtype.kind != "f" or values.dtype != x._data.dtype:
        return Tensor._make(values, False, None)
    never = kernel(np.zeros_like, x._data, dtype=np.bool_)
    return ops.Where.apply(x, Tensor._const(values, x), cond=never)


def sign(x):
    """-1, 0 or 1 by the sign of each element; the gradient is 0 (as in PyTorch).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> tg.grad((x.sign() * x).sum(), x)[0]      # |x|'s gradient: sign(x), through sign's 0
    Tensor([-1.,  0.,  1.], shape=(3,), dtype=float32)
    """
    try:
        return piecewise_constant(x, kernel(np.sign, x._data))
    except TypeError as e:
        raise tagged_error(e, f"sign: {e} (tensor shape {x.shape})", "sign") from None
