"""Speed tricks, kept apart from the math.

Each function here computes what a plain NumPy expression computes -- its
docstring names the expression, and ``tests/test_fastpaths.py`` checks every
one of them against it -- only faster on the shapes our networks use.  The
primitives in ``ops.py`` call them so that the rules there can read like
their math.  The measurements behind each trick are in ``benchmarks/README.md``.
"""
from __future__ import annotations

import sys

import numpy as np

__all__ = ["sum", "sum_rows", "where", "where_zero", "relu_mask", "broadcast_to", "unshared",
           "movable"]

_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
# The integer dtype of each float size, made once (parsing "i4" costs more than the view).
_INT_OF = {n: np.dtype(f"i{n}") for n in (2, 4, 8)}
# np.where is a C function behind NumPy's ``__array_function__`` dispatcher, which costs
# a Python call of its own on every use; ``_implementation`` is the C function alone.
_np_where = getattr(np.where, "_implementation", np.where)
# NumPy's module has a ``__getattr__``, so CPython cannot cache ``np.<name>`` at a call
# site: the names used on every op are read once, here.
_empty, _add_reduce = np.empty, np.add.reduce
_less_equal, _logical_not, _ndarray = np.less_equal, np.logical_not, np.ndarray


def sum(x, axis=None, keepdims=False):
    """``np.sum(x, axis, keepdims=keepdims)``; a float matrix summed over its rows
    goes through :func:`sum_rows`."""
    if axis == 0 and x.ndim == 2 and not keepdims and x.dtype in _BLAS_FLOATS:
        return sum_rows(x)
    return _add_reduce(x, axis=axis, keepdims=keepdims)  # np.sum minus two Python layers


def sum_rows(x):
    """``np.ones(len(x)) @ x``: the column sums of a matrix, as one BLAS product.

    Reason: every bias gradient is such a sum, and NumPy's reduction down the
    rows of a narrow matrix is several times slower than BLAS.  It is as
    accurate as ``x.sum(axis=0)``; only the rounding order differs.  The
    ones are made once per dtype, as long as the longest matrix yet (read-only,
    shared; a shorter matrix takes the front of them).
    """
    n, dtype = len(x), x.dtype
    ones = _ONES.get(dtype)
    if ones is None or len(ones) < n:
        ones = _ONES[dtype] = _ones_vector(n, dtype)
    return (ones if len(ones) == n else ones[:n]) @ x


_ONES = {}   # dtype -> a read-only vector of ones, as long as the longest matrix summed


def _ones_vector(n, dtype):
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def where(cond, a, b):
    """``np.where(cond, a, b)``; ReLU's ``where(cond, x, 0)`` goes through :func:`where_zero`."""
    if cond.size >= 512 and cond.dtype == bool:
        if b.ndim == 0 and a.shape == cond.shape and _is_zero_of(b, a.dtype):
            return where_zero(cond, a)
        if a.ndim == 0 and b.shape == cond.shape and _is_zero_of(a, b.dtype):
            return where_zero(~cond, b)
    return _np_where(cond, a, b)


def _is_zero_of(s, dtype):
    """Is the 0-d array ``s`` a +0.0 of float ``dtype`` (all its bits zero)?"""
    return s.dtype == dtype and dtype.kind == "f" and not s.view(_INT_OF[dtype.itemsize])


def where_zero(cond, x):
    """``np.where(cond, x, 0)`` for a float array ``x`` of cond's shape, bit for bit.

    Reason: np.where branches per element, and on a random mask (a ReLU's)
    half of those branches are mispredicted.  Here the choice is arithmetic:
    the bits of x, read as integers, times 1 or 0 (+0.0 is all zero bits, so
    NaNs, infinities and signed zeros come out exactly as np.where gives them).
    """
    dtype = x.dtype
    return (x.view(_INT_OF[dtype.itemsize]) * cond).view(dtype)


def relu_mask(x, zero):
    """``np.logical_not(x <= zero)``: where x > 0 *or x is NaN*, so that ReLU keeps a NaN.

    Reason: the negation runs in place, one array and one call less than the
    plain expression, on every ReLU of every forward pass.

    Examples
    --------
    >>> relu_mask(np.array([-1.0, 0.0, 2.0, np.nan]), 0)
    array([False, False,  True,  True])
    """
    mask = _less_equal(x, zero)
    return _logical_not(mask, mask) if type(mask) is _ndarray else _logical_not(mask)


def broadcast_to(x, shape):
    """``np.broadcast_to(x, shape)``; a small result from a 0-d ``x`` is a filled copy.

    Reason: np.broadcast_to is Python code, several times dearer than filling
    a small array (the gradient of a sum is such a broadcast).
    """
    if x.ndim == 0 and len(shape) <= 2 and (len(shape) < 2 or shape[0] * shape[1] <= 4096):
        out = _empty(shape, dtype=x.dtype)
        out.fill(x)
        return out
    return np.broadcast_to(x, shape)


def unshared(a):
    """Is ``a`` a writeable NumPy array owning its memory, held by nothing but the
    caller's one name for it?  (Then ``a`` may be kept instead of ``a.copy()``.)

    Reason: ``backward()`` can then make the gradient it computed a leaf's
    ``.grad`` itself instead of a copy of it, as PyTorch's AccumulateGrad does
    with a gradient that has no other use; the copies and their allocations
    cost a few percent of a B1 step (benchmarks/README.md, ninth pass).  Every
    other holder -- a second leaf given the same array by Add's rule, the
    caller's ``gradient=``, a watcher, a cache -- is one more reference, and
    then the answer is False, as it is for a view.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.zeros(3)
    >>> unshared(g), unshared(g[:2])
    (True, False)
    >>> also = g
    >>> unshared(g)
    False
    """
    return (type(a) is _ndarray and a.base is None and a.flags.writeable
            and _refcount(a) <= _ONE_NAME)


_ndarray = np.ndarray
_refcount = getattr(sys, "getrefcount", lambda a: 1 << 30)


def _refs_seen_by_a_callee(a):
    return _refcount(a)     # shaped as ``unshared``: one parameter, counted in place


def _one_name():
    """What ``unshared`` counts for an array that one local name holds (this
    interpreter's own references included: the argument's, the count's own);
    0 where there is no count to read (PyPy), so that nothing is unshared."""
    if not hasattr(sys, "getrefcount"):
        return 0
    a = _empty(0)
    return _refs_seen_by_a_callee(a)


_ONE_NAME = _one_name()


def movable(tensors):
    """Could each tensor's array be swapped for an equal one without anyone seeing it?

    True when each is a writeable, C-contiguous NumPy array that nothing but
    its tensor holds, and it owns its memory or is one of the views that
    alone hold their base (an earlier pack of these arrays whose optimizer is
    gone).  Anyone else holding an array -- a name, a view of it, a list, a
    second live optimizer, an op that kept it -- makes the answer False.

    Reason: an optimizer can then keep a small model's parameters as views of
    one flat array (``Optimizer._pack``) and update them all with one NumPy
    call per operation of its rule, instead of one per parameter, or on a
    concatenated copy that is copied back (benchmarks/README.md, thirteenth
    pass).  A holder that went on seeing the old array would see it stop
    changing: that is what the counts here rule out.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor(np.zeros(3), requires_grad=True)
    >>> movable([w])
    True
    >>> seen = w.numpy()
    >>> movable([w])
    False
    """
    if not _ARRAY_ALONE:
        return False                # no reference counts to read (PyPy): never move
    views_of = {}                   # id(base) -> how many of the arrays are views of it
    for t in tensors:
        a = t._data
        if (type(a) is not _ndarray or not a.flags.writeable or not a.flags.c_contiguous
                or _array_refs(t) - 1 != _ARRAY_ALONE):      # (- 1: the name ``a`` here)
            return False
        if a.base is not None:
            if type(a.base) is not _ndarray or a.base.base is not None:
                return False
            views_of[id(a.base)] = views_of.get(id(a.base), 0) + 1
    for t in tensors:               # (no name may hold a base while its count is read)
        if t._data.base is not None and (
                _base_refs(t) != views_of[id(t._data.base)] - 1 + _ONE_VIEW):
            return False            # (- 1 + _ONE_VIEW: as the count reads one view alone)
    return True


def _array_refs(t):
    return _refcount(t._data)       # t's own reference, and the count's argument


def _base_refs(t):
    return _refcount(t._data.base)  # the views' references, and the count's argument


class _Holder:
    __slots__ = ("_data",)


def _calibrate():
    """What the counts read for an array that only its holder holds, and for a base that
    one view alone holds (0, 0 where there are no counts: PyPy)."""
    if not hasattr(sys, "getrefcount"):
        return 0, 0
    h = _Holder()
    h._data = _empty(2)
    alone = _array_refs(h)
    h._data = _empty(2)[:1]
    return alone, _base_refs(h)


_ARRAY_ALONE, _ONE_VIEW = _calibrate()
