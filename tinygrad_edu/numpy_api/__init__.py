"""NumPy's vocabulary on Tensors: ``tg.cumsum(x)``, ``tg.einsum(...)``, ``x.prod()``, ...

Every function takes NumPy's arguments and gives NumPy's values, and every
one is derived: composed of the primitives in ``ops.py``, with no
derivative rule of its own (the one exception is ``erf``, which no
composition can express: it calls the primitive ``Erf``).  Their gradients,
first and second order, are checked against finite differences in
``tests/test_properties.py`` and against NumPy's values in
``tests/test_numpy_api.py``.

=================  ==========================================================
``basics``         NumPy's names for the Tensor's own operations: add,
                   subtract, multiply, divide, power, square, sqrt, exp, log,
                   abs, sin, cos, tanh, sum, mean, var, std, max, min,
                   reshape, transpose, concatenate, matmul, clip, ...
``elementwise``    expm1, log1p, exp2, log2, log10, sinh, cosh, tan, arcsinh,
                   arccosh, arctanh, erf, floor, ceil, trunc, fix, rint, round
                   (around), sign, deg2rad, rad2deg, logaddexp, logaddexp2,
                   remainder, fmax, fmin
``reductions``     prod, cumsum, cumprod, diff, sort
``linalg``         tensordot, dot, inner, outer, kron, diagonal, trace, diag,
                   tril, triu, cross
``einsum``         einsum
``shapes``         moveaxis, repeat, tile, atleast_1d/2d/3d, split,
                   array_split, vstack, hstack, column_stack, flip, roll
``logical``        masks and integers, no gradient: bitwise_and/or/xor and
                   invert (``& | ^ ~``), logical_and/or/xor/not,
                   floor_divide (``//``; on floats a step, gradient 0)
=================  ==========================================================

They are Tensor methods too where ``ndarray`` or ``torch.Tensor`` has them
(``x.cumsum()``, ``x.tril()``, ``x % y``, ``x // y``, ``mask & other``); where the two disagree, the method
follows NumPy: ``x.repeat`` repeats elements (PyTorch's ``repeat`` is
``tile``), ``x.split`` takes sections or indices, ``x.sort()`` returns the
sorted values.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> tg.einsum("ij,ij->", x, x).item()       # the sum of squares
30.0
>>> tg.grad(x.cumsum(axis=1).prod(), x)[0]  # d/dx of 1 * 3 * 3 * 7
Tensor([[84., 21.],
        [30., 9.]], shape=(2, 2), dtype=float32)
"""
from __future__ import annotations

from . import einsum as _einsum_module
from . import basics, elementwise, linalg, logical, reductions, shapes
from .basics import *  # noqa: F401,F403 - np.exp(x) for x.exp(), np.add(a, b) for a + b, ...
from .einsum import einsum
from .elementwise import (arccosh, arcsinh, arctanh, around, ceil, cosh, deg2rad, erf, exp2, expm1,
                          fix, floor, fmax, fmin, log1p, log2, log10, logaddexp, logaddexp2,
                          rad2deg, remainder, rint, round, sign, sinh, tan, trunc)
from .logical import (bitwise_and, bitwise_not, bitwise_or, bitwise_xor, floor_divide, invert,
                      logical_and, logical_not, logical_or, logical_xor)
from .linalg import cross, diag, diagonal, dot, inner, kron, outer, tensordot, trace, tril, triu
from .reductions import cumprod, cumsum, diff, prod, sort
from .shapes import (array_split, atleast_1d, atleast_2d, atleast_3d, column_stack, flip, hstack,
                     moveaxis, repeat, roll, split, tile, vstack)

__all__ = (basics.__all__ + elementwise.__all__ + reductions.__all__ + linalg.__all__
           + _einsum_module.__all__ + shapes.__all__ + logical.__all__)

#: The functions that are also Tensor methods (``ndarray`` or ``torch.Tensor`` has them).
METHODS = ("expm1", "log1p", "exp2", "log2", "log10", "sinh", "cosh", "tan", "arcsinh", "arccosh",
           "arctanh", "erf", "floor", "ceil", "trunc", "fix", "round", "deg2rad", "rad2deg", "logaddexp", "logaddexp2",
           "remainder", "fmax", "fmin", "prod", "cumsum", "cumprod", "diff", "sort", "dot",
           "inner", "outer", "kron", "diagonal", "trace", "diag", "tril", "triu", "cross",
           "moveaxis", "repeat", "tile", "split", "flip", "roll", "floor_divide", "logical_and",
           "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not")


def install_methods(cls):
    """Attach :data:`METHODS` to ``cls`` (Tensor), ``%`` as ``remainder``, ``//`` as
    ``floor_divide``, ``& | ^ ~`` as the bit operators and Python's ``round(x, n)``."""
    for name in METHODS:
        setattr(cls, name, globals()[name])
    cls.__mod__ = remainder
    cls.__rmod__ = lambda self, other: remainder(self._lift(other), self)
    for name, fn in (("floordiv", floor_divide), ("and", bitwise_and), ("or", bitwise_or),
                     ("xor", bitwise_xor)):
        setattr(cls, f"__{name}__", fn)
        setattr(cls, f"__r{name}__", _reflected(fn))
    cls.__invert__ = invert
    cls.__round__ = lambda self, ndigits=None: round(self, 0 if ndigits is None else ndigits)


def _reflected(fn):
    """``other <op> tensor``, for Python's reflected operators (``2 // x``, ``mask & x``)."""
    return lambda self, other: fn(self._lift(other), self)
