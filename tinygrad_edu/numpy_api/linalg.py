"""Products of tensors and matrix pieces, composed of primitives.

Every contraction here -- ``dot``, ``inner``, ``tensordot`` (and ``einsum``, in
``einsum.py``) -- becomes one ``MatMul``: the summed axes are moved last in
one operand and first in the other by ``Transpose``, both are reshaped to
matrices, multiplied, and the result reshaped back.  So their gradients are
MatMul's rule, ``grad @ b^T`` and ``a^T @ grad``, carried back through the
transposes and reshapes.  ``outer`` and ``kron`` are broadcast products;
``diagonal`` and ``diag`` gather and scatter; ``tril`` and ``triu`` are a
``where`` with a constant mask.
"""
from __future__ import annotations

import numpy as np

from .. import derived as D
from .. import ops
from ..function import kernel
from ..recording import composite
from ..tensor import Tensor
from ._common import axis_index, tensor
from .shapes import moveaxis

__all__ = ["tensordot", "dot", "inner", "outer", "kron", "diagonal", "trace", "diag", "tril",
           "triu", "cross"]


def _contraction_axes(axes, a, b):
    """tensordot's ``axes`` (an int N, or two sequences) as two lists of non-negative axes."""
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} must be between 0 and the smaller number of "
                             f"axes ({min(a.ndim, b.ndim)}) of shapes {a.shape} and {b.shape}")
        return list(range(a.ndim - axes, a.ndim)), list(range(axes))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got "
                         f"{axes!r}") from None
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: {len(axes_a)} axes of the first operand but "
                         f"{len(axes_b)} of the second; give one axis of each per summed pair")
    return ([axis_index(i, a.shape, "tensordot") for i in axes_a],
            [axis_index(i, b.shape, "tensordot") for i in axes_b])


@composite
def tensordot(a, b, axes=2):
    """Sum products over ``axes`` of a and b, as ``np.tensordot``: one MatMul.

    ``axes=N`` sums the last N axes of a with the first N of b; ``axes=(ia, ib)``
    sums a's axes ``ia`` with b's ``ib``, pair by pair.  The result has a's
    remaining axes, then b's.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> a, b = tg.Tensor.ones(2, 3, 4), tg.Tensor.ones(4, 3, 5)
    >>> tg.tensordot(a, b, axes=([1, 2], [1, 0])).shape
    (2, 5)
    """
    a = tensor(a)
    b = tensor(b, a)
    axes_a, axes_b = _contraction_axes(axes, a, b)
    for i, j in zip(axes_a, axes_b):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: shape mismatch for sum: axis {i} of shape {a.shape} has "
                             f"size {a.shape[i]} but axis {j} of shape {b.shape} has size "
                             f"{b.shape[j]}")
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [j for j in range(b.ndim) if j not in axes_b]
    k = int(np.prod([a.shape[i] for i in axes_a]))
    m = int(np.prod([a.shape[i] for i in free_a]))
    n = int(np.prod([b.shape[j] for j in free_b]))
    left = D.transpose(a, *(free_a + axes_a)).reshape(m, k) if a.ndim else a.reshape(1, 1)
    right = D.transpose(b, *(axes_b + free_b)).reshape(k, n) if b.ndim else b.reshape(1, 1)
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return (left @ right).reshape(out_shape)


@composite
def dot(a, b):
    """NumPy's ``dot``: a product for 0-d operands, else sum over a's last axis and b's
    second-to-last (its only one, for a vector).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.dot(tg.Tensor([1.0, 2.0]), tg.Tensor([3.0, 4.0]))
    Tensor(11., shape=(), dtype=float32)
    """
    a = tensor(a)
    b = tensor(b, a)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([a.ndim - 1], [max(b.ndim - 2, 0)]))


@composite
def inner(a, b):
    """Sum over the last axes of a and b, as ``np.inner`` (a product for 0-d operands).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.inner(tg.Tensor.ones(2, 3), tg.Tensor.ones(4, 3)).shape
    (2, 4)
    """
    a = tensor(a)
    b = tensor(b, a)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 1]))


@composite
def outer(a, b):
    """Outer product of the flattened a and b: ``out[i, j] = a[i] * b[j]``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.outer(tg.Tensor([1.0, 2.0]), tg.Tensor([1.0, 10.0, 100.0]))
    Tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]], shape=(2, 3), dtype=float32)
    """
    a = tensor(a)
    b = tensor(b, a)
    return a.reshape(-1, 1) * b.reshape(1, -1)


@composite
def kron(a, b):
    """Kronecker product, as ``np.kron``: every element of a times a copy of b.

    Both are given the same number of axes (leading 1s), then a's axes are
    interleaved with b's by a broadcast product and merged pairwise.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.kron(tg.Tensor([1.0, 10.0]), tg.Tensor([1.0, 2.0, 3.0]))
    Tensor([ 1.,  2.,  3., 10., 20., 30.], shape=(6,), dtype=float32)
    """
    a = tensor(a)
    b = tensor(b, a)
    nd = max(a.ndim, b.ndim)
    sa, sb = (1,) * (nd - a.ndim) + a.shape, (1,) * (nd - b.ndim) + b.shape
    spread_a = a.reshape(tuple(x for n in sa for x in (n, 1)))   # (a0, 1, a1, 1, ...)
    spread_b = b.reshape(tuple(x for n in sb for x in (1, n)))   # (1, b0, 1, b1, ...)
    return (spread_a * spread_b).reshape(tuple(p * q for p, q in zip(sa, sb)))


def _diagonal_slice(n, m, offset):
    """Diagonal ``offset`` of an n x m matrix as a slice of the matrix flattened (row by row):
    from its first element, every (m + 1)-th.  A slice, not index arrays: ``jit`` replays it."""
    length = max(0, min(n + min(offset, 0), m - max(offset, 0)))
    start = offset if offset >= 0 else -offset * m
    return slice(start, start + (m + 1) * length, m + 1)


@composite
def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of the matrices over ``axis1`` and ``axis2``, as ``np.diagonal``: those
    two axes are removed and the diagonal is the last axis of the result.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.diagonal(tg.Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor([1., 4.], shape=(2,), dtype=float32)
    """
    a = tensor(a)
    if a.ndim < 2:
        raise ValueError(f"diagonal: needs at least 2 axes, got shape {a.shape}")
    i, j = axis_index(axis1, a.shape, "diagonal"), axis_index(axis2, a.shape, "diagonal")
    if i == j:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same axis ({axis1})")
    rest = [k for k in range(a.ndim) if k not in (i, j)]
    moved = D.transpose(a, *(rest + [i, j]))
    n, m = a.shape[i], a.shape[j]
    return D.reshape(moved, moved.shape[:-2] + (n * m,))[..., _diagonal_slice(n, m, offset)]


@composite
def trace(a, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal, as ``np.trace``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.trace(tg.Tensor([[1.0, 2.0], [3.0, 4.0]]))
    Tensor(5., shape=(), dtype=float32)
    """
    return D.sum(diagonal(a, offset, axis1, axis2), axis=-1)


@composite
def diag(v, k=0):
    """A 1-D v becomes a matrix with v on diagonal k (a ``ScatterAdd``); a 2-D v gives its
    diagonal k, as ``np.diag``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.diag(tg.Tensor([1.0, 2.0]))
    Tensor([[1., 0.],
            [0., 2.]], shape=(2, 2), dtype=float32)
    """
    v = tensor(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: input must be 1-D (to build a matrix) or 2-D (to take its "
                         f"diagonal), got shape {v.shape}")
    n = v.shape[0] + abs(k)
    flat = ops.ScatterAdd.apply(v, index=_diagonal_slice(n, n, k), shape=(n * n,))
    return D.reshape(flat, (n, n))


def _triangle(m, k, lower, op):
    m = tensor(m)
    if m.ndim == 0:
        raise ValueError(f"{op}: needs at least 1 axis, got a 0-d tensor")
    if not isinstance(k, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op}: k (which diagonal) must be an integer, got {k!r}")
    n, cols = (m.shape[-2], m.shape[-1]) if m.ndim >= 2 else (m.shape[0], m.shape[0])
    mask = kernel(np.tri, n, cols, k if lower else k - 1, dtype=np.bool_)
    zero = Tensor._const(0, m)                      # (in m's dtype: a bool mask stays bool)
    return D.where(mask, m, zero) if lower else D.where(mask, zero, m)


@composite
def tril(m, k=0):
    """The lower triangle (on and below diagonal k) of the last two axes; zeros above.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.tril(tg.Tensor.ones(2, 2))
    Tensor([[1., 0.],
            [1., 1.]], shape=(2, 2), dtype=float32)
    """
    return _triangle(m, k, True, "tril")


@composite
def triu(m, k=0):
    """The upper triangle (on and above diagonal k) of the last two axes; zeros below.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.triu(tg.Tensor.ones(2, 2))
    Tensor([[1., 1.],
            [0., 1.]], shape=(2, 2), dtype=float32)
    """
    return _triangle(m, k, False, "triu")


@composite
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors along the given axes (broadcasting the others), as
    ``np.cross``: ``(a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.cross(tg.Tensor([1.0, 0.0, 0.0]), tg.Tensor([0.0, 1.0, 0.0]))
    Tensor([0., 0., 1.], shape=(3,), dtype=float32)
    """
    a = tensor(a)
    b = tensor(b, a)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"cross: needs vectors, got shapes {a.shape} and {b.shape}")
    i, j = axis_index(axisa, a.shape, "cross"), axis_index(axisb, b.shape, "cross")
    if a.shape[i] != 3 or b.shape[j] != 3:
        raise ValueError(f"cross: the vectors must have 3 components, got {a.shape[i]} (axis "
                         f"{axisa} of shape {a.shape}) and {b.shape[j]} (axis {axisb} of shape "
                         f"{b.shape}); NumPy's 2-component form is deprecated")
    a, b = moveaxis(a, i, -1), moveaxis(b, j, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = D.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axisc)
