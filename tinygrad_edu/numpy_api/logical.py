"""Masks and integer arithmetic: ``&``, ``|``, ``^``, ``~`` and ``//``.

These have no gradient.  A mask is a bool tensor, made by a comparison, and
combined with the bit operators as in NumPy and PyTorch::

    inside = (x > 0) & (x < 1)

On bools they are logical (and, or, exclusive or, not), on integers bitwise.
Floats have no bits to combine: the error says to compare first.  The
``logical_*`` functions take any dtype (nonzero is true) and give bools.

``a // b`` is NumPy's floor division.  On integers it is exact; on floats it
is a step function of a and b, so, like ``floor``, it stays in the graph with
a gradient of 0.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([-0.5, 0.5, 2.0])
>>> (x > 0) & (x < 1)
Tensor([False,  True, False], shape=(3,), dtype=bool)
>>> ~(x > 0)
Tensor([ True, False, False], shape=(3,), dtype=bool)
>>> tg.Tensor([7.0, -7.0]) // 2
Tensor([ 3., -4.], shape=(2,), dtype=float32)
"""
from __future__ import annotations

import numpy as np

from .. import nograd
from ..errors import tagged_error
from ..recording import composite
from ._common import operands, tensor

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "bitwise_not", "logical_and",
           "logical_or", "logical_xor", "logical_not", "floor_divide"]

_OPERATOR = {"bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^", "invert": "~"}


def _bits(fn, *tensors):
    """NumPy's bit operator ``fn`` on bool or integer tensors; floats are refused by name."""
    for t in tensors:
        if t._data.dtype.kind == "f":
            name = fn.__name__
            raise tagged_error(TypeError, (
                f"{name} ({_OPERATOR[name]}): a {t.dtype} tensor has no bits to combine; "
                f"{_OPERATOR[name]} takes bool or integer tensors. For a mask, compare first, "
                f"e.g. (x > 0) & (x < 1), or use logical_and / logical_or / logical_not."), name)
    return nograd.exact(fn, *tensors)


def bitwise_and(x1, x2):
    """``x1 & x2``: elementwise and of bools (a mask), bitwise and of integers.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> tg.bitwise_and(tg.Tensor(np.array([12, 10])), 6)
    Tensor([4, 2], shape=(2,), dtype=int64)
    """
    return _bits(np.bitwise_and, *operands(x1, x2))


def bitwise_or(x1, x2):
    """``x1 | x2``: elementwise or of bools, bitwise or of integers."""
    return _bits(np.bitwise_or, *operands(x1, x2))


def bitwise_xor(x1, x2):
    """``x1 ^ x2``: elementwise exclusive or of bools, bitwise of integers."""
    return _bits(np.bitwise_xor, *operands(x1, x2))


def invert(x):
    """``~x``: not, for a bool mask; the bitwise complement of integers (~5 = -6).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> ~(tg.Tensor([1.0, 2.0]) > 1)
    Tensor([ True, False], shape=(2,), dtype=bool)
    """
    return _bits(np.invert, tensor(x))


bitwise_not = invert


def logical_and(x1, x2):
    """Elementwise ``x1 and x2`` as bools (any dtype: nonzero is true).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.logical_and(tg.Tensor([0.0, 1.0, 2.0]), tg.Tensor([1.0, 1.0, 0.0]))
    Tensor([False,  True, False], shape=(3,), dtype=bool)
    """
    return nograd.exact(np.logical_and, *operands(x1, x2))


def logical_or(x1, x2):
    """Elementwise ``x1 or x2`` as bools (nonzero is true)."""
    return nograd.exact(np.logical_or, *operands(x1, x2))


def logical_xor(x1, x2):
    """Elementwise exclusive or as bools (nonzero is true)."""
    return nograd.exact(np.logical_xor, *operands(x1, x2))


def logical_not(x):
    """Elementwise ``not x`` as bools (nonzero is true)."""
    return nograd.exact(np.logical_not, tensor(x))


@composite
def floor_divide(x1, x2):
    """``x1 // x2``: floor(x1 / x2), NumPy's value (exact, and ``x1 % x2``'s partner).

    Integers stay integers (division by 0 gives 0, as in NumPy).  For floats
    it is a step function: its gradient is 0 with respect to both operands,
    as for ``floor``.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> tg.floor_divide(tg.Tensor(np.array([7, -7])), 2)
    Tensor([ 3, -4], shape=(2,), dtype=int64)
    """
    a, b = operands(x1, x2)
    with np.errstate(divide="ignore", invalid="ignore"):    # x // 0: NumPy's 0, inf or NaN
        q = nograd.exact(np.floor_divide, a, b, op="floor_divide")
    if nograd.no_float(a, b) or not (a._requires_grad or b._requires_grad):
        return q
    return nograd.piecewise_constant(a + b, q._data)
