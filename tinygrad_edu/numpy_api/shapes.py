"""NumPy's shape functions, from Reshape, Transpose, Expand, GetItem and Cat.

None of them computes anything: each moves, copies or selects elements, so
its gradient moves, sums or scatters them back -- the rules of those five
primitives.  ``repeat`` and ``tile`` copy by broadcasting (``Expand``), so a
copied element's gradient is the sum over its copies; ``split`` and ``flip``
are slices; ``roll`` is two slices joined.
"""
from __future__ import annotations

import numpy as np

from .. import derived as D
from ..function import kernel
from ..recording import composite
from ._common import axes_tuple, axis_index, tensor

__all__ = ["moveaxis", "repeat", "tile", "atleast_1d", "atleast_2d", "atleast_3d", "split",
           "array_split", "vstack", "hstack", "column_stack", "flip", "roll"]


def moveaxis(a, source, destination):
    """Move axes to new positions, the others keeping their order, as ``np.moveaxis``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.moveaxis(tg.Tensor.zeros(2, 3, 4), 0, -1).shape
    (3, 4, 2)
    """
    a = tensor(a)
    src = source if isinstance(source, (tuple, list)) else (source,)
    dst = destination if isinstance(destination, (tuple, list)) else (destination,)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must "
                         f"have the same number of axes")
    src = [axis_index(s, a.shape, "moveaxis") for s in src]
    dst = [axis_index(d, a.shape, "moveaxis") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source!r} or destination "
                         f"{destination!r}")
    order = [i for i in range(a.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a if order == list(range(a.ndim)) else D.transpose(a, *order)


@composite
def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times along ``axis`` (flattened for None), as
    ``np.repeat`` and ``ndarray.repeat``.  (PyTorch's ``Tensor.repeat`` is ``tile``.)

    A number of repeats is a broadcast (``Expand``); a list of them, one per
    element, is a gather (``GetItem``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.repeat(tg.Tensor([1.0, 2.0]), 2)
    Tensor([1., 1., 2., 2.], shape=(4,), dtype=float32)
    >>> tg.Tensor([[1.0, 2.0]]).repeat([1, 3], axis=1)
    Tensor([[1., 2., 2., 2.]], shape=(1, 4), dtype=float32)
    """
    a = tensor(a)
    if axis is None:
        a, axis = D.flatten(a), 0
    axis = axis_index(axis, a.shape, "repeat")
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iu" or np.any(counts < 0):
        raise ValueError(f"repeat: repeats must be non-negative integers, got {repeats!r}")
    if counts.ndim == 0:
        n = a.shape[axis]
        wide = a.reshape(a.shape[:axis + 1] + (1,) + a.shape[axis + 1:])
        wide = D.expand(wide, a.shape[:axis + 1] + (int(counts),) + a.shape[axis + 1:])
        return wide.reshape(a.shape[:axis] + (n * int(counts),) + a.shape[axis + 1:])
    if counts.shape != (a.shape[axis],):
        raise ValueError(f"repeat: {counts.size} repeats for axis {axis} of length "
                         f"{a.shape[axis]} (tensor shape {a.shape}); give one per element")
    # The positions to gather, by a kernel from Python numbers (so jit sees where they come
    # from), taken along axis 0: an index array alone, which jit follows, not in a tuple.
    index = kernel(_repeated_positions, tuple(counts.tolist()))
    return D.swapaxes(D.swapaxes(a, 0, axis)[index], 0, axis) if axis else a[index]


def _repeated_positions(counts):
    """0 counts[0] times, 1 counts[1] times, ...: the positions ``repeat`` gathers."""
    return np.repeat(np.arange(len(counts)), counts)


@composite
def tile(A, reps):
    """Tile A ``reps`` times along each axis, as ``np.tile`` (and PyTorch's ``repeat``).

    Each axis of size n becomes a pair (r, n) broadcast from (1, n), then the
    pairs are merged: the copies are whole blocks of A.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.tile(tg.Tensor([1.0, 2.0]), 2)
    Tensor([1., 2., 1., 2.], shape=(4,), dtype=float32)
    """
    A = tensor(A)
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    if any(not isinstance(r, (int, np.integer)) or r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative integers, got {reps!r}")
    nd = max(len(reps), A.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - A.ndim) + A.shape
    pairs = A.reshape(tuple(x for n in shape for x in (1, n)))
    pairs = D.expand(pairs, tuple(x for r, n in zip(reps, shape) for x in (r, n)))
    return pairs.reshape(tuple(r * n for r, n in zip(reps, shape)))


def _at_least(arys, shape_of, op):
    out = []
    for a in arys:
        a = tensor(a)
        shape = shape_of(a.shape)
        out.append(a if shape == a.shape else a.reshape(shape))
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Tensors with at least one axis (a 0-d one becomes shape (1,)), as ``np.atleast_1d``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.atleast_1d(tg.Tensor(2.0)).shape
    (1,)
    """
    return _at_least(arys, lambda s: s or (1,), "atleast_1d")


def atleast_2d(*arys):
    """Tensors with at least two axes: (n,) becomes (1, n), as ``np.atleast_2d``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.atleast_2d(tg.Tensor([1.0, 2.0])).shape
    (1, 2)
    """
    return _at_least(arys, lambda s: (1,) * (2 - len(s)) + s if len(s) < 2 else s, "atleast_2d")


def _three(s):
    return {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}.get(len(s), s)


def atleast_3d(*arys):
    """Tensors with at least three axes: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1),
    as ``np.atleast_3d``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.atleast_3d(tg.Tensor.ones(2, 3)).shape
    (2, 3, 1)
    """
    return _at_least(arys, _three, "atleast_3d")


def _split_points(n, indices_or_sections, equal, op):
    """The boundaries of the pieces of an axis of length n."""
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError(f"{op}: the number of sections must be positive, got {sections}")
        if equal and n % sections:
            raise ValueError(f"{op}: an axis of length {n} does not split into {sections} equal "
                             f"sections; use array_split for unequal ones")
        size, extra = divmod(n, sections)
        sizes = [size + 1] * extra + [size] * (sections - extra)
        return [0] + list(np.cumsum(sizes))
    return [0] + [int(i) for i in indices_or_sections] + [n]


def _split(ary, indices_or_sections, axis, equal, op):
    ary = tensor(ary)
    axis = axis_index(axis, ary.shape, op)
    points = _split_points(ary.shape[axis], indices_or_sections, equal, op)
    head = (slice(None),) * axis
    return [ary[head + (slice(int(start), int(stop)),)] for start, stop in zip(points, points[1:])]


def split(ary, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, along ``axis`` (``np.split``).

    (PyTorch's ``Tensor.split`` takes section *sizes* instead.)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> [t.shape for t in tg.split(tg.Tensor.zeros(6, 2), 3)]
    [(2, 2), (2, 2), (2, 2)]
    >>> [t.shape for t in tg.split(tg.Tensor.zeros(6, 2), [1, 4])]
    [(1, 2), (3, 2), (2, 2)]
    """
    return _split(ary, indices_or_sections, axis, True, "split")


def array_split(ary, indices_or_sections, axis=0):
    """Like ``split``, but a number of sections need not divide the axis (``np.array_split``):
    the first pieces are one longer.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> [t.shape for t in tg.array_split(tg.Tensor.zeros(5), 3)]
    [(2,), (2,), (1,)]
    """
    return _split(ary, indices_or_sections, axis, False, "array_split")


def _tensors(tup, op):
    tensors = [tensor(t) for t in tup]
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return tensors


@composite
def vstack(tup):
    """Stack vertically: 1-D tensors become rows, then concatenate along axis 0 (``np.vstack``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.vstack([tg.Tensor([1.0, 2.0]), tg.Tensor([3.0, 4.0])]).shape
    (2, 2)
    """
    return D.cat([atleast_2d(t) for t in _tensors(tup, "vstack")], axis=0)


@composite
def hstack(tup):
    """Stack horizontally: along axis 1, or axis 0 for 1-D tensors (``np.hstack``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.hstack([tg.Tensor([1.0, 2.0]), tg.Tensor([3.0])])
    Tensor([1., 2., 3.], shape=(3,), dtype=float32)
    """
    tensors = [atleast_1d(t) for t in _tensors(tup, "hstack")]
    return D.cat(tensors, axis=0 if tensors[0].ndim == 1 else 1)


@composite
def column_stack(tup):
    """1-D tensors as columns (shape (n, 1)), 2-D ones as they are, joined along axis 1.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.column_stack([tg.Tensor([1.0, 2.0]), tg.Tensor([3.0, 4.0])])
    Tensor([[1., 3.],
            [2., 4.]], shape=(2, 2), dtype=float32)
    """
    tensors = _tensors(tup, "column_stack")
    return D.cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], axis=1)


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes for None), as ``np.flip``.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.flip(tg.Tensor([1.0, 2.0, 3.0]))
    Tensor([3., 2., 1.], shape=(3,), dtype=float32)
    """
    m = tensor(m)
    axes = axes_tuple(axis, m.shape, "flip")
    if not axes:
        return m
    return m[tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(m.ndim))]


@composite
def roll(a, shift, axis=None):
    """Shift elements cyclically along ``axis`` (of the flattened tensor for None), as
    ``np.roll``: what falls off one end comes back at the other (two slices, joined).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.roll(tg.Tensor([1.0, 2.0, 3.0, 4.0]), 1)
    Tensor([4., 1., 2., 3.], shape=(4,), dtype=float32)
    """
    a = tensor(a)
    if axis is None:
        return roll(D.flatten(a), shift, 0).reshape(a.shape)
    try:
        shifts, axes = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    except ValueError:
        raise ValueError(f"roll: shift {shift!r} and axis {axis!r} must be one each, or sequences "
                         f"of the same length") from None
    if shifts.dtype.kind not in "biu":
        raise TypeError(f"roll: shift must be an integer or a sequence of integers, got {shift!r}")
    for s, ax in zip(shifts.ravel().tolist(), axes.ravel().tolist()):
        ax = axis_index(ax, a.shape, "roll")
        n = a.shape[ax]
        k = s % n if n else 0
        if k:
            head = (slice(None),) * ax
            a = D.cat([a[head + (slice(n - k, None),)], a[head + (slice(0, n - k),)]], axis=ax)
    return a
