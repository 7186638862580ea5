"""NumPy's elementwise functions, composed of primitives with care for accuracy.

A formula that is right on paper can be wrong in floating point: ``exp(x) - 1``
returns 0 for x = 1e-20 (the answer is 1e-20), ``log(1 + x)`` too.  Each
function here is built from primitives (``Exp``, ``Log``, ``Tanh``, ``Sin``,
``Where``, ...), so its gradient is derived, but arranged so that it keeps
NumPy's accuracy -- within a few units in the last place
(``tests/test_numpy_api.py`` measures it):

* ``expm1`` and ``log1p`` use exact identities (``tanh`` for the first, the
  rounding error of ``1 + x``, recovered exactly, for the second);
* ``exp2``, ``log2`` and ``log10`` split off the power of the base first, so
  ``log10(1000)`` is exactly 3 and ``exp2(3)`` exactly 8, as in NumPy;
* ``arcsinh``, ``arccosh`` and ``logaddexp`` avoid cancellation and overflow;
* ``floor``, ``ceil``, ``trunc``/``fix``, ``rint`` and ``round`` (and ``sign``) are steps:
  their gradient is 0, as in PyTorch.

Where a formula has two branches, both are computed only where they apply
(:func:`~tinygrad_edu.numpy_api._common.branches`), so no branch overflows
and no NaN leaks into a gradient.
"""
from __future__ import annotations

import math

import numpy as np

from .. import derived as D
from .. import nograd, ops
from ..errors import broadcast_error, tagged_error
from ..function import kernel
from ..recording import composite
from ..tensor import Tensor
from ._common import branches, floating, operands, tensor

__all__ = ["expm1", "log1p", "exp2", "log2", "log10", "sinh", "cosh", "tan", "arcsinh",
           "arccosh", "arctanh", "erf", "floor", "ceil", "trunc", "fix", "rint", "round",
           "around", "sign", "deg2rad", "rad2deg",
           "logaddexp", "logaddexp2", "remainder", "fmax", "fmin"]

sign = nograd.sign


def _large(x):
    """Beyond this, sqrt(1 + x^2) = |x| to x's precision: 2^28 (float64's bound, used for
    float32 too), but 64 for float16, whose squares overflow past 256."""
    return min(2.0 ** 28, math.sqrt(np.finfo(x._data.dtype).max) / 4)


# ----------------------------------------------------------- exp and log ---
@composite
def expm1(x):
    """e^x - 1, accurate for small x (where ``exp(x) - 1`` loses every digit).

    For x < 1 it uses e^x - 1 = 2t / (1 - t) with t = tanh(x/2), an exact
    identity with no cancellation (1 - t >= 0.53); elsewhere ``exp(x) - 1``,
    which is accurate there.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1e-10, 1.0], dtype="float64")
    >>> tg.expm1(x).numpy().tolist(), (x.exp() - 1).numpy().tolist()
    ([1.00000000005e-10, 1.718281828459045], [1.000000082740371e-10, 1.718281828459045])
    """
    x = floating(x)

    def small(x):
        t = D.tanh(x * 0.5)
        return t * 2 / (1 - t)

    return branches(kernel(np.less, x._data, 1), x, small, lambda x: D.exp(x) - 1)


@composite
def log1p(x):
    """log(1 + x), accurate for small x.

    ``u = 1 + x`` is rounded; its rounding error ``c = (u - 1) - x`` is computed
    exactly, and log(1 + x) = log(u - c) = log(u) - c/u to float precision.
    The derivative of c is 1 - 1 = 0, so c is a constant, and the derived
    gradient is 1/u + c/u^2, the compensated 1/(1 + x).  For an infinite x,
    c is 0 (not inf - inf): log1p(inf) = inf.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1e-10, 1.0], dtype="float64")
    >>> tg.log1p(x).numpy().tolist(), (x + 1).log().numpy().tolist()
    ([9.999999999500001e-11, 0.6931471805599453], [1.000000082690371e-10, 0.6931471805599453])
    """
    x = floating(x)
    u = x + 1
    c = Tensor._const(kernel(_rounding_error, u._data, x._data), x)
    u_or_1 = D.where(kernel(np.equal, u._data, 0), 1.0, u)   # at x = -1, c = 0: no 0/0
    return D.log(u) - c / u_or_1


def _rounding_error(u, x):
    """(u - 1) - x, the error of u = x + 1 rounded; 0 where it is not finite (x = +-inf)."""
    with np.errstate(invalid="ignore"):
        c = (u - 1) - x
    return np.where(np.isfinite(c), c, 0)


def _split_exponent(x, base):
    """The integer e nearest log_base(x) (0 where it is not finite), bounded so that
    base**e is a normal float of x's dtype."""
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.rint(np.log(x) / math.log(base))
    limit = int(np.finfo(x.dtype).maxexp * math.log(2) / math.log(base)) // 2
    return np.clip(np.where(np.isfinite(e), e, 0), -limit, limit).astype(x.dtype)


def _power(e, base, sign):
    """base ** max(sign * e, 0), exactly for the powers NumPy's floats hold."""
    return np.power(float(base), np.maximum(sign * e, 0).astype(np.float64)).astype(e.dtype)


def _log_base(x, base):
    """log_base(x) = e + log(m) / log(base) with x = m base^e, e the integer nearest
    log_base(x): exact at the powers of the base, where m = 1."""
    x = floating(x)
    e = kernel(_split_exponent, x._data, base)
    up, down = kernel(_power, e, base, -1), kernel(_power, e, base, 1)   # one of them is 1
    m = x * Tensor._const(up, x) / Tensor._const(down, x)
    return D.log(m) / math.log(base) + Tensor._const(e, x)


@composite
def log2(x):
    """Base-2 logarithm; exact at powers of 2.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.log2(tg.Tensor([0.125, 1.0, 1024.0]))
    Tensor([-3.,  0., 10.], shape=(3,), dtype=float32)
    """
    return _log_base(x, 2)


@composite
def log10(x):
    """Base-10 logarithm; exact at powers of 10 (``log10(1000) == 3``, as in NumPy).

    (``log(x) / log(10)`` gives 2.9999999999999996 for 1000.)

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.log10(tg.Tensor([0.001, 1.0, 1000.0], dtype="float64")).numpy().tolist()
    [-3.0, 0.0, 3.0]
    """
    return _log_base(x, 10)


def _nearest_integer(x):
    """The integer n nearest x (0 where x is not finite), within the exponents of x's dtype,
    so that 2^n is a float of it: the rest of x goes to e^((x - n) ln 2), which then
    overflows or underflows where 2^x does (2^1023.7 is finite; 2^n with n = 1024 is not)."""
    info = np.finfo(x.dtype)
    n = np.clip(np.where(np.isfinite(x), np.rint(x), 0), info.minexp - info.nmant, info.maxexp - 1)
    return n.astype(x.dtype)


def _power_of_two(n):
    return np.ldexp(np.ones_like(n), n.astype(np.int64))


@composite
def exp2(x):
    """2 ** x, as 2^n e^((x - n) ln 2) with n the integer nearest x: exact for integers.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.exp2(tg.Tensor([-1.0, 3.0, 0.5]))
    Tensor([0.5   , 8.    , 1.4142], shape=(3,), dtype=float32)
    """
    x = floating(x)
    n = kernel(_nearest_integer, x._data)
    return D.exp((x - Tensor._const(n, x)) * math.log(2)) * Tensor._const(
        kernel(_power_of_two, n), x)


# -------------------------------------------------- trigonometric, hyperbolic ---
@composite
def sinh(x):
    """(e^x - e^-x) / 2, through ``expm1`` so that small x keeps its digits.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.sinh(tg.Tensor([0.0, 1.0]))
    Tensor([0.    , 1.1752], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return (expm1(x) - expm1(-x)) * 0.5


@composite
def cosh(x):
    """(e^x + e^-x) / 2.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.cosh(tg.Tensor([0.0, 1.0]))
    Tensor([1.    , 1.5431], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return (D.exp(x) + D.exp(-x)) * 0.5


@composite
def tan(x):
    """sin(x) / cos(x).

    Examples
    --------
    >>> import math
    >>> import tinygrad_edu as tg
    >>> tg.tan(tg.Tensor([0.0, math.pi / 4]))
    Tensor([0., 1.], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return D.sin(x) / D.cos(x)


def _odd(x, f):
    """f extended to negative x as an odd function: s f(s x) with s = +-1 the sign of x
    (a constant; +1 at 0, so the gradient at 0 is f'(0))."""
    s = Tensor._const(kernel(np.where, kernel(np.less, x._data, 0), -1, 1), x)
    return f(x * s) * s


@composite
def arcsinh(x):
    """Inverse hyperbolic sine, log(x + sqrt(x^2 + 1)) computed stably.

    For a = |x| (the function is odd): log1p(a + a^2 / (1 + sqrt(1 + a^2))),
    which keeps small a's digits; log(a) + log(2) beyond 2^28 (float16: 64), where
    a^2 would overflow long before a does.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.arcsinh(tg.Tensor([-1.0, 1e-20, 1e30], dtype="float64")).numpy().tolist()
    [-0.881373587019543, 1e-20, 69.77069997038132]
    """
    x = floating(x)

    def positive(a):
        def moderate(a):
            return log1p(a + a * a / (D.sqrt(a * a + 1) + 1))
        large = _large(a)
        return branches(kernel(np.less, a._data, large), a, moderate,
                        lambda a: D.log(a) + math.log(2), 0.0, large)

    return _odd(x, positive)


@composite
def arccosh(x):
    """Inverse hyperbolic cosine (x >= 1): log1p(t + sqrt(t) sqrt(t + 2)), t = x - 1.

    Near 1 this keeps the digits that log(x + sqrt(x^2 - 1)) loses; beyond
    2^28 (float16: 64) it is log(x) + log(2).  Below 1 the result is NaN, as in NumPy.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.arccosh(tg.Tensor([1.0, 2.0]))
    Tensor([0.   , 1.317], shape=(2,), dtype=float32)
    """
    x = floating(x)

    def moderate(x):
        t = x - 1
        return log1p(t + D.sqrt(t) * D.sqrt(t + 2))

    # (The stand-in is 2, not 1: sqrt'(0) is infinite, and 0 * inf would be NaN.)
    large = _large(x)
    return branches(kernel(np.less, x._data, large), x, moderate,
                    lambda x: D.log(x) + math.log(2), 2.0, large)


@composite
def arctanh(x):
    """Inverse hyperbolic tangent, log((1 + x) / (1 - x)) / 2 = log1p(2a / (1 - a)) / 2 for
    a = |x| (the function is odd).

    For a >= 1/2, ``1 - a`` is exact; with x itself, near -1 the quotient would
    be close to -1 and log1p would magnify its rounding error a trillion times.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.arctanh(tg.Tensor([0.0, 0.5]))
    Tensor([0.    , 0.5493], shape=(2,), dtype=float32)
    """
    x = floating(x)
    return _odd(x, lambda a: log1p(a * 2 / (1 - a)) * 0.5)


def erf(x):
    """The error function (primitive ``Erf``: see ``ops.Erf`` for why).

    Not in NumPy; SciPy's ``scipy.special.erf`` and PyTorch's ``torch.erf`` are it.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.erf(tg.Tensor([0.0, 1.0]))
    Tensor([0.    , 0.8427], shape=(2,), dtype=float32)
    """
    return ops.Erf.apply(floating(x))


# ------------------------------------------------------------------ steps ---
def _step(fn, x, op, *args):
    """NumPy's ``fn`` of x's data (exact), as a function of x with gradient 0."""
    x = tensor(x)
    try:
        values = kernel(fn, x._data, *args)
    except TypeError as e:
        raise tagged_error(e, f"{op}: {e} (tensor of dtype {x.dtype}, shape {x.shape})",
                           op) from None
    return nograd.piecewise_constant(x, values)


def floor(x):
    """The largest integer <= x, elementwise.  A step: its gradient is 0.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.floor(tg.Tensor([-1.5, 0.5, 2.0]))
    Tensor([-2.,  0.,  2.], shape=(3,), dtype=float32)
    """
    return _step(np.floor, x, "floor")


def ceil(x):
    """The smallest integer >= x, elementwise.  A step: its gradient is 0.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.ceil(tg.Tensor([-1.5, 0.5, 2.0]))
    Tensor([-1.,  1.,  2.], shape=(3,), dtype=float32)
    """
    return _step(np.ceil, x, "ceil")


def trunc(x):
    """x with its fraction dropped: the integer nearest x towards 0.  Gradient 0.

    ``fix`` is NumPy's other name for it (and PyTorch's).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.trunc(tg.Tensor([-1.5, 0.5, 2.7]))
    Tensor([-1.,  0.,  2.], shape=(3,), dtype=float32)
    """
    return _step(np.trunc, x, "trunc")


def fix(x):
    """The integer nearest x towards 0 (NumPy's ``fix``, the same as :func:`trunc`)."""
    return _step(np.fix, x, "fix")


def rint(x):
    """The nearest integer; a half goes to the even one (0.5 -> 0, 1.5 -> 2).  Gradient 0.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.rint(tg.Tensor([0.5, 1.5, 2.5, -0.7]))
    Tensor([ 0.,  2.,  2., -1.], shape=(4,), dtype=float32)
    """
    return _step(np.rint, x, "rint")


def round(x, decimals=0):
    """x rounded to ``decimals`` decimal places, halves to even, as NumPy's ``round``.

    A step, with gradient 0.  ``decimals`` may be negative (tens, hundreds,
    ...); on integers a negative ``decimals`` rounds too, and the dtype stays.
    The values are NumPy's: it scales by 10^decimals, rounds and scales back,
    so ``round(2.675, 2)`` gives 2.67 or 2.68 as the scaled float falls.
    ``x.round(decimals)`` and Python's ``round(x, ndigits)`` are the same.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.round(tg.Tensor([0.5, 1.5, 2.567]))
    Tensor([0., 2., 3.], shape=(3,), dtype=float32)
    >>> tg.round(tg.Tensor([2.567, 1234.5], dtype="float64"), decimals=-1)
    Tensor([   0., 1230.], shape=(2,), dtype=float64)
    """
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an integer, got {decimals!r}")
    return _step(np.round, x, "round", int(decimals))


around = round

@composite
def deg2rad(x):
    """Degrees to radians, x * (pi / 180) (NumPy's constant and order)."""
    return floating(x) * (math.pi / 180)


@composite
def rad2deg(x):
    """Radians to degrees, x * (180 / pi)."""
    return floating(x) * (180 / math.pi)


# ---------------------------------------------------------------- binary ---
def _pair(a, b, op):
    """Both operands as Tensors of one float dtype, with a clear error if they do not broadcast."""
    a, b = (floating(v) for v in operands(a, b))
    if a.dtype != b.dtype:
        dtype = np.result_type(a.dtype, b.dtype)
        a, b = D.astype(a, dtype), D.astype(b, dtype)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise tagged_error(ValueError, broadcast_error(op, a.shape, b.shape), op) from None
    return a, b


def _ordered(a, b):
    """(larger, smaller) elementwise, each a ``where`` of a and b picking the same side."""
    first = kernel(np.greater_equal, a._data, b._data)
    return D.where(first, a, b), D.where(first, b, a)


def _no_nan_difference(hi, lo):
    """lo - hi (<= 0), but 0 where both are the same infinity (not inf - inf = NaN)."""
    same_inf = kernel(np.logical_and, kernel(np.isinf, hi._data),
                      kernel(np.equal, hi._data, lo._data))
    return D.where(same_inf, 0.0, lo) - D.where(same_inf, 0.0, hi)


@composite
def logaddexp(a, b):
    """log(e^a + e^b) without overflow: hi + log1p(e^(lo - hi)), hi = max(a, b).

    ``hi`` and ``lo`` pick the same side at ties, so the gradient there is
    exactly 1/2 each, and the second derivative 1/4, as for the smooth function.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.logaddexp(tg.Tensor([0.0, 1000.0]), tg.Tensor([0.0, 1000.0])).tolist()
    [0.6931471824645996, 1000.6931762695312]
    """
    a, b = _pair(a, b, "logaddexp")
    hi, lo = _ordered(a, b)
    return hi + log1p(D.exp(_no_nan_difference(hi, lo)))


@composite
def logaddexp2(a, b):
    """log2(2^a + 2^b) without overflow: hi + log1p(2^(lo - hi)) / ln 2.

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.logaddexp2(tg.Tensor([1.0]), tg.Tensor([1.0]))
    Tensor([2.], shape=(1,), dtype=float32)
    """
    a, b = _pair(a, b, "logaddexp2")
    hi, lo = _ordered(a, b)
    return hi + log1p(exp2(_no_nan_difference(hi, lo))) / math.log(2)


@composite
def remainder(a, b):
    """a - floor(a / b) b: the remainder with the sign of b (NumPy's ``%``).

    ``floor(a / b)`` is a step, so it counts as a constant: d/da = 1,
    d/db = -floor(a / b).  The value is NumPy's, which is exact: computed as
    a - q b it would lose the digits of q b (1e6 % 2 pi in float32 is off by
    0.02).  So ``g = a - q b`` carries the gradient and ``r + (g - value of g)``
    the value, since g - (value of g) is exactly 0 (PyTorch's
    ``r + (g - g.detach())``).

    Examples
    --------
    >>> import tinygrad_edu as tg
    >>> tg.remainder(tg.Tensor([5.0, -5.0]), 3.0)
    Tensor([2., 1.], shape=(2,), dtype=float32)
    """
    a, b = operands(a, b)
    if nograd.no_float(a, b):           # ints and bools: NumPy's exact result, in their dtype
        return nograd.exact(np.remainder, a, b, op="remainder")
    a, b = _pair(a, b, "remainder")
    with np.errstate(divide="ignore", invalid="ignore"):   # b = 0 gives NaN, as in NumPy
        q = kernel(np.floor_divide, a._data, b._data)
        r = kernel(np.remainder, a._data, b._data)
    # Where q = 0 the carrier is a itself, for an infinite b too (1 % inf = 1), where q b
    # would be 0 * inf = NaN; where it is not finite (q = inf), it carries nothing.
    g = D.where(kernel(np.equal, q, 0), a, a - Tensor._const(q, a) * b)
    finite = kernel(np.isfinite, g._data)
    zero = D.where(finite, g - Tensor._const(kernel(np.where, finite, g._data, 0), a), 0.0)
    return zero + Tensor._const(r, a)


@composite
def fmax(a, b):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN).

    Like ``maximum``, ties share the gradient; a NaN operand gets none.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> tg.fmax(tg.Tensor([1.0, np.nan, np.nan]), tg.Tensor([2.0, 3.0, np.nan]))
    Tensor([ 2.,  3., nan], shape=(3,), dtype=float32)
    """
    a, b = operands(a, b)
    if nograd.no_float(a, b):           # ints and bools: NumPy's exact result, in their dtype
        return nograd.exact(np.fmax, a, b, op="fmax")
    a, b = _pair(a, b, "fmax")
    a_nan, b_nan = kernel(np.isnan, a._data), kernel(np.isnan, b._data)
    return D.maximum(D.where(a_nan, b, a), D.where(b_nan, a, b))


@composite
def fmin(a, b):
    """Elementwise minimum that ignores NaN, as -fmax(-a, -b).

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> tg.fmin(tg.Tensor([1.0, np.nan]), tg.Tensor([2.0, 3.0]))
    Tensor([1., 3.], shape=(2,), dtype=float32)
    """
    a, b = operands(a, b)
    if nograd.no_float(a, b):           # ints and bools: NumPy's exact result, in their dtype
        return nograd.exact(np.fmin, a, b, op="fmin")
    a, b = _pair(a, b, "fmin")
    return -fmax(-a, -b)
