"""Products, running sums and products, differences and sorting, composed of primitives.

* ``prod`` multiplies neighbours pairwise, halving the axis each round
  (log2(n) ``Mul`` s).  Each factor's gradient is then the product of the
  others, exactly -- also when some of them are 0, where the tempting
  ``prod(x) / x`` divides by zero.
* ``cumsum`` and ``cumprod`` are *scans*: after the round with shift k,
  element i holds the sum (product) of the 2k elements ending at i
  (Hillis and Steele, 1986), so log2(n) rounds of ``x + shifted(x)``
  suffice, O(n log n) work -- not the n x n triangular matrix that
  ``x @ triu(ones)`` would build.  Their gradient, a scan run backwards, is
  derived.
* ``sort`` gathers with ``GetItem`` at the positions ``argsort`` finds (a
  constant), so each output's gradient goes back to the element it came from.
"""
from __future__ import annotations

import numpy as np

from .. import derived as D
from ..function import kernel
from ..recording import composite
from ._common import accumulator, axes_tuple, axis_index, filled, tensor

__all__ = ["prod", "cumsum", "cumprod", "diff", "sort"]


@composite
def prod(a, axis=None, keepdims=False):
    """Product over ``axis`` (int, tuple or None for all), as ``np.prod``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]], requires_grad=True)
    >>> tg.prod(x, axis=1).tolist()
    [6.0, 0.0]
    >>> tg.grad(x.prod(), x)[0]                 # only the 0 gets a gradient: 1*2*3*4*5
    Tensor([[  0.,   0.,   0.],
            [120.,   0.,   0.]], shape=(2, 3), dtype=float32)
    """
    a = accumulator(tensor(a))
    if a.ndim == 0 and axis in (0, -1, (0,), (-1,)):      # NumPy lets a 0-d array be reduced
        axis = None                                     # over axis 0 / -1, as sum does
    axes = axes_tuple(axis, a.shape, "prod")
    kept = [i for i in range(a.ndim) if i not in axes]
    out_shape = tuple(a.shape[i] for i in kept)
    n = int(np.prod([a.shape[i] for i in axes]))          # how many factors each product has
    y = D.transpose(a, *(kept + list(axes))).reshape(out_shape + (n,)) if a.ndim else a.reshape(1)
    while y.shape[-1] > 1:                       # one round: neighbours multiplied
        if y.shape[-1] % 2:                      # an odd one out is paired with a 1
            y = D.cat([y, filled(y.shape[:-1] + (1,), 1, y)], axis=-1)
        y = y[..., 0::2] * y[..., 1::2]
    if y.shape[-1] == 0:                         # an empty product is 1
        y = D.sum(y, axis=-1, keepdims=True) + 1
    out = y.reshape(out_shape)
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return out


def _scan(a, axis, combine, identity, op):
    """Inclusive scan of ``combine`` along ``axis`` (all of a, flattened, for None)."""
    a = accumulator(tensor(a))
    if axis is None or a.ndim == 0:             # (NumPy scans a 0-d array as shape (1,))
        a, axis = D.flatten(a), 0 if axis is None else axis
    axis = axis_index(axis, a.shape, op)
    y = D.swapaxes(a, axis, -1) if axis != a.ndim - 1 else a
    n, k = y.shape[-1], 1
    while k < n:                                 # y[i] combines the 2k elements ending at i
        pad = filled(y.shape[:-1] + (k,), identity, y)
        y = combine(y, D.cat([pad, y[..., :n - k]], axis=-1))
        k *= 2
    return D.swapaxes(y, axis, -1) if axis != a.ndim - 1 else y


@composite
def cumsum(a, axis=None):
    """Running sum along ``axis`` (of the flattened tensor for None), as ``np.cumsum``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    >>> x.cumsum().tolist()
    [1.0, 3.0, 6.0, 10.0]
    >>> tg.grad(x.cumsum().sum(), x)[0]         # x[i] is in n - i of the sums
    Tensor([4., 3., 2., 1.], shape=(4,), dtype=float32)
    """
    return _scan(a, axis, lambda u, v: u + v, 0, "cumsum")


@composite
def cumprod(a, axis=None):
    """Running product along ``axis`` (of the flattened tensor for None), as ``np.cumprod``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.cumprod(tg.Tensor([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    Tensor([[1., 2.],
            [3., 8.]], shape=(2, 2), dtype=float32)
    """
    return _scan(a, axis, lambda u, v: u * v, 1, "cumprod")


def _edge(values, a, axis):
    """``prepend``/``append`` of ``diff``: a tensor of a's shape with length 1 (a number) or
    its own length along ``axis``."""
    v = tensor(values, a)
    if v.ndim == 0:
        shape = a.shape[:axis] + (1,) + a.shape[axis + 1:]
        return D.expand(v, shape)
    return v


@composite
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The n-th difference along ``axis``, ``a[1:] - a[:-1]`` n times, as ``np.diff``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.diff(tg.Tensor([1.0, 4.0, 9.0, 16.0]))
    Tensor([3., 5., 7.], shape=(3,), dtype=float32)
    >>> tg.diff(tg.Tensor([1.0, 4.0, 9.0, 16.0]), n=2)
    Tensor([2., 2.], shape=(2,), dtype=float32)
    """
    a = tensor(a)
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if a.ndim == 0:
        raise ValueError("diff: needs a tensor with at least one axis, got a 0-d tensor")
    axis = axis_index(axis, a.shape, "diff")
    parts = [p for p in (prepend, a, append) if p is not None]
    if len(parts) > 1:
        a = D.cat([p if p is a else _edge(p, a, axis) for p in parts], axis=axis)
    head = (slice(None),) * axis
    for _ in range(n):
        a = a[head + (slice(1, None),)] - a[head + (slice(None, -1),)]
    return a


def _sorted_positions(data, axis, kind):
    """Flat positions (into ``data.ravel()``) of the sorted elements, shaped like data."""
    order = np.argsort(data, axis=axis, kind=kind)
    grid = list(np.indices(data.shape, sparse=True))
    grid[axis] = order
    return np.ravel_multi_index(tuple(np.broadcast_arrays(*grid)), data.shape)


def sort(a, axis=-1, kind=None):
    """A sorted copy along ``axis`` (flattened for None), as ``np.sort``.

    A gather (``GetItem``) at the positions ``argsort`` finds: each output's
    gradient goes back to the element it came from.  (The method ``x.sort()``
    returns the sorted values too; NumPy's sorts in place, PyTorch's also
    returns the indices: use ``x.argsort()`` for those.)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([3.0, 1.0, 2.0], requires_grad=True)
    >>> y = tg.sort(x)
    >>> y.tolist()
    [1.0, 2.0, 3.0]
    >>> tg.grad(y[0], x)[0]                     # the smallest came from position 1
    Tensor([0., 1., 0.], shape=(3,), dtype=float32)
    """
    a = tensor(a)
    if axis is None:
        a, axis = D.flatten(a), 0
    if a.ndim == 0:
        raise np.exceptions.AxisError(f"sort: axis {axis} is out of range for a 0-d tensor")
    axis = axis_index(axis, a.shape, "sort")
    positions = kernel(_sorted_positions, a._data, axis=axis, kind=kind or "stable")
    return D.reshape(a, -1)[positions]
