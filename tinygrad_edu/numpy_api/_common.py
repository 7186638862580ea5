"""Small helpers shared by the NumPy-vocabulary modules (not public)."""
from __future__ import annotations

import numpy as np

from .. import derived as D
from ..errors import axis_message, tagged_error
from ..function import kernel
from ..tensor import Tensor


def tensor(x, like=None):
    """``x`` as a Tensor: a Tensor as it is, anything array_like converted (with ``like``'s
    dtype rules for Python numbers, when ``like`` is given)."""
    if isinstance(x, Tensor):
        return x
    return like._lift(x) if like is not None else Tensor(x)


def operands(x1, x2):
    """Both operands as Tensors; a number or array takes its dtype rules from the Tensor."""
    if isinstance(x1, Tensor):
        return x1, tensor(x2, x1)
    if isinstance(x2, Tensor):
        return tensor(x1, x2), x2
    a = tensor(x1)
    return a, tensor(x2, a)


def accumulator(a):
    """``a`` in the dtype NumPy sums and multiplies in: a bool or an int narrower than 64 bits
    widens to int64 (unsigned: uint64), so a running product of int8s does not wrap at 127."""
    kind = a._data.dtype.kind
    if kind == "b" or (kind in "iu" and a._data.dtype.itemsize < 8):
        return D.astype(a, np.uint64 if kind == "u" else np.int64)
    return a


def filled(shape, value, like):
    """A constant of ``shape`` holding ``value``, in Tensor ``like``'s dtype (a scan's padding,
    a product's extra 1).  It is made by a ``kernel``, so ``jit`` sees where it comes from."""
    return Tensor._const(kernel(np.full, shape, value, like._data.dtype), like)


def floating(x):
    """``x`` as a float Tensor: integers and bools are promoted as NumPy's ufuncs do."""
    return D._as_float(tensor(x))


def branches(cond, x, f, g, f_safe=0.0, g_safe=0.0):
    """``where(cond, f(x), g(x))`` with each branch computed only on its own elements.

    The other elements get a harmless stand-in (``f_safe`` for ``f``, ``g_safe``
    for ``g``), so a branch evaluated where it does not apply can neither
    overflow nor send a NaN back: ``where`` gives the unselected side a
    gradient of exactly 0, and 0 times a finite number is 0.  (With the real
    values there, ``0 * inf`` would make the whole gradient NaN.)
    """
    return D.where(cond, f(D.where(cond, x, f_safe)), g(D.where(cond, g_safe, x)))


def axis_index(axis, shape, op):
    """``axis`` of a tensor of ``shape`` as a non-negative int, or an AxisError naming ``op``."""
    ndim = len(shape)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise tagged_error(np.exceptions.AxisError, axis_message(op, axis, tuple(shape)), op)
    return int(axis) % ndim


def axes_tuple(axis, shape, op):
    """``axis`` (None, an int or a sequence) as a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(len(shape)))
    items = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(sorted({axis_index(a, shape, op) for a in items}))
    if len(out) != len(items):
        raise ValueError(f"{op}: repeated axis in {axis!r} (tensor shape {tuple(shape)})")
    return out


def along(axis, index):
    """The index tuple that applies ``index`` (a slice or an int array) along ``axis``."""
    return (slice(None),) * axis + (index,)
