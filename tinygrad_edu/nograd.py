"""Results that carry no gradient, and step functions whose gradient is 0.

NumPy's ``argmax``, ``any``, ``isnan``, ... of a tensor's data are Tensor
methods (``x.argmax()``) outside the graph.  Step functions -- ``sign`` here,
``floor`` and ``ceil`` in ``numpy_api`` -- are piecewise constant: their
derivative is 0 wherever it exists, so they stay in the graph with a gradient
of exactly 0 (as in PyTorch), and ``grad()`` through them works.
"""
from __future__ import annotations

import numpy as np

from . import ops
from .errors import tagged_error
from .function import kernel
from .tensor import Tensor

__all__ = ["NO_GRAD", "piecewise_constant", "sign"]


def _no_grad_result(fn):
    """``fn`` of a tensor's data, as a Tensor method whose result has no gradient."""
    def method(x, *args, **kwargs):
        try:
            return Tensor._make(kernel(fn, x._data, *args, **kwargs), False, None)
        except (ValueError, TypeError, IndexError) as e:
            raise tagged_error(e, f"{fn.__name__}: {e} (tensor shape {x.shape})",
                               fn.__name__) from None
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
