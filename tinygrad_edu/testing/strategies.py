"""Hypothesis strategies for property-testing gradients (needs ``pip install hypothesis``).

Shapes:  :func:`shapes`, :func:`broadcastable_shapes`, :func:`matmul_shapes`.
Values:  :func:`reals` (optionally away from given points), :func:`positives`,
         :func:`arrays`, :func:`tensors`, :func:`separated` (pairwise distinct
         values, so max/min have no ties), :func:`indices` (for ``x[index]``).

Kinks: finite differences are meaningless within ``eps`` of a point where the
function is not differentiable.  Keep inputs ``margin`` (default 1e-3, far
more than gradcheck's ``eps=1e-6``) away from such points: ``reals(avoid=(0,))``
for relu/abs, ``separated(...)`` for max/min/maximum.

Examples
--------
>>> from hypothesis import given, settings
>>> import tinygrad_edu.testing.strategies as ts
>>> from tinygrad_edu.testing import gradcheck
>>> @settings(max_examples=5, derandomize=True)
... @given(ts.tensors(ts.shapes(max_dims=2), elements=ts.reals(avoid=(0.0,))))
... def test_relu(x):
...     assert gradcheck(lambda x: x.relu(), x, kinks="raise")
>>> test_relu()
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

__all__ = ["shapes", "broadcastable_shapes", "matmul_shapes", "reals", "positives", "arrays",
           "tensors", "separated", "indices", "KINK_MARGIN"]

#: Default distance kept from non-differentiable points (much larger than gradcheck's eps).
KINK_MARGIN = 1e-3


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, e.g. ``()``, ``(3,)``, ``(2, 1, 4)``.

    >>> from hypothesis import find
    >>> find(shapes(min_dims=2), lambda s: True)
    (1, 1)
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(n=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Tuples of ``n`` shapes that broadcast together (sizes 1 and missing axes included).

    >>> import numpy as np
    >>> from hypothesis import find
    >>> a, b = find(broadcastable_shapes(2), lambda s: s[0] != s[1])
    >>> np.broadcast_shapes(a, b) is not None
    True
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda r: r.input_shapes)


@st.composite
def matmul_shapes(draw, min_batch_dims=0, max_batch_dims=2, max_side=4, vectors=True):
    """Pairs of shapes ``(a, b)`` valid for ``a @ b``: 2-D, batched (batch axes broadcast),
    and, with ``vectors=True``, the 1-D cases (vector @ matrix, matrix @ vector, dot).
    """
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    ba, bb = draw(broadcastable_shapes(2, min_dims=min_batch_dims, max_dims=max_batch_dims,
                                       max_side=max_side))
    kinds = ["mm", "vm", "mv", "vv"] if vectors else ["mm"]
    kind = draw(st.sampled_from(kinds))
    a = (k,) if kind[0] == "v" else ba + (n, k)
    b = (k,) if kind[1] == "v" else bb + (k, m)
    return a, b


def reals(low=-3.0, high=3.0, avoid=(), margin=KINK_MARGIN, width=64):
    """Finite floats in ``[low, high]`` at least ``margin`` away from every point in ``avoid``."""
    s = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
    if avoid:
        points = tuple(float(p) for p in avoid)
        s = s.filter(lambda v: all(abs(v - p) >= margin for p in points))
    return s


def positives(low=0.1, high=3.0, width=64):
    """Floats in ``[low, high]``, ``low > 0``: the domain of log, sqrt and x ** -1."""
    if low <= 0:
        raise ValueError(f"positives: low must be > 0, got {low}")
    return reals(low, high, width=width)


def _shape(draw, shape):
    return draw(shape) if isinstance(shape, st.SearchStrategy) else tuple(shape)


@st.composite
def separated(draw, shape, low=-3.0, high=3.0, min_gap=0.01, dtype=np.float64):
    """Arrays whose values are pairwise at least ``min_gap`` apart (no ties for max/min).

    The values are a random permutation of jittered, evenly spaced points of
    ``[low, high]``.
    """
    shape = _shape(draw, shape)
    n = int(np.prod(shape))
    step = (high - low) / max(n, 1)
    if step / 2 < min_gap:
        raise ValueError(f"separated: {n} values in [{low}, {high}] cannot be {min_gap} apart")
    order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
    jitter = draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 0.5)))
    return (low + (order + jitter) * step).reshape(shape).astype(dtype)


@st.composite
def arrays(draw, shape=shapes(), dtype=np.float64, elements=None):
    """NumPy arrays of ``shape`` (a tuple or a strategy); elements default to ``reals()``."""
    shape = _shape(draw, shape)
    dtype = np.dtype(dtype)
    if elements is None:
        elements = reals(width=8 * dtype.itemsize if dtype.kind == "f" else 64)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def tensors(draw, shape=shapes(), dtype=np.float64, elements=None, requires_grad=True,
            min_gap=None, name=None):
    """Tensors of ``shape`` and ``dtype``; ``min_gap`` draws pairwise-separated values instead."""
    if min_gap is not None:
        data = draw(separated(shape, min_gap=min_gap, dtype=dtype))
    else:
        data = draw(arrays(shape, dtype, elements))
    return Tensor(data, requires_grad=requires_grad, name=name)


def indices(shape, max_index_size=4):
    """Indices for ``x[index]`` on a tensor of ``shape``: basic (ints, slices, None, ...),
    integer arrays (possibly repeating an element) and boolean masks.
    """
    shape = tuple(shape)
    options = [hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)]
    if shape:
        options.append(hnp.integer_array_indices(
            shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=max_index_size)))
        options.append(hnp.arrays(np.bool_, shape))
    return st.one_of(options)
