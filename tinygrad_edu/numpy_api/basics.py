"""NumPy's names for what every Tensor already does: ``tg.exp(x)``, ``tg.sum(x, axis=0)``, ...

Code written for NumPy -- or for HIPS autograd, whose users write
``import autograd.numpy as np`` -- spells ``x.exp()`` as ``np.exp(x)`` and
``a + b`` as ``np.add(a, b)``.  These functions are those spellings, nothing
more: each turns array_like arguments into Tensors (a Python number takes the
other operand's dtype, as in ``x * 2``) and calls the operator or derived op
that a Tensor method calls, so every gradient is the one derived there.

Examples
--------
>>> import tinygrad_edu as tg
>>> x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> y = tg.sum(tg.square(tg.subtract(x, 1.0)), axis=0)     # numpy's spelling
>>> y
Tensor([ 4., 10.], shape=(2,), dtype=float32, grad_fn=<Sum>)
>>> tg.grad(tg.mean(y), x)[0]                               # d/dx of mean((x - 1)^2 summed)
Tensor([[0., 1.],
        [2., 3.]], shape=(2, 2), dtype=float32)
"""
from __future__ import annotations

from .. import derived as D
from ..tensor import Tensor
from ._common import operands, tensor
from .elementwise import deg2rad, rad2deg, remainder

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "negative", "positive",
           "power", "mod", "square", "sqrt", "exp", "log", "abs", "absolute", "fabs", "sin",
           "cos", "tanh", "radians", "degrees", "sum", "mean", "var", "std", "max", "min", "amax",
           "amin", "reshape", "transpose", "swapaxes", "squeeze", "expand_dims", "concatenate",
           "matmul", "clip"]


# ------------------------------------------------------------ arithmetic ---
def add(x1, x2):
    """``x1 + x2``."""
    a, b = operands(x1, x2)
    return a + b


def subtract(x1, x2):
    """``x1 - x2``."""
    a, b = operands(x1, x2)
    return a - b


def multiply(x1, x2):
    """``x1 * x2``."""
    a, b = operands(x1, x2)
    return a * b


def divide(x1, x2):
    """``x1 / x2`` (true division: integers give floats)."""
    a, b = operands(x1, x2)
    return a / b


true_divide = divide


def power(x1, x2):
    """``x1 ** x2``: a number exponent is the primitive ``Pow``, a tensor one ``Power``."""
    return D.pow(tensor(x1, x2 if isinstance(x2, Tensor) else None), x2)


mod = remainder


def negative(x):
    """``-x``."""
    return D.neg(tensor(x))


def positive(x):
    """``+x``: the same values (a Tensor is returned as it is)."""
    return tensor(x)


def square(x):
    """``x * x``."""
    x = tensor(x)
    return x * x


# ------------------------------------------------------------- functions ---
def sqrt(x):
    """Square root."""
    return D.sqrt(D._as_float(tensor(x)))


def exp(x):
    """e^x."""
    return D.exp(tensor(x))


def log(x):
    """Natural logarithm."""
    return D.log(tensor(x))


def abs(x):
    """|x| (its gradient at 0 is 0)."""
    return D.abs(tensor(x))


absolute = abs


def fabs(x):
    """|x| as a float (integers are converted first, as NumPy's ``fabs`` does)."""
    return D.abs(D._as_float(tensor(x)))


def sin(x):
    """Sine."""
    return D.sin(tensor(x))


def cos(x):
    """Cosine."""
    return D.cos(tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return D.tanh(tensor(x))


radians, degrees = deg2rad, rad2deg


def clip(a, a_min, a_max):
    """``a`` limited to [a_min, a_max] (either may be None)."""
    return D.clip(tensor(a), a_min, a_max)


# ------------------------------------------------------------ reductions ---
# (After ``axis`` the arguments are keywords: NumPy's third positional one is ``dtype``.)
def sum(a, axis=None, *, keepdims=False):
    """Sum over ``axis``."""
    return D.sum(tensor(a), axis, keepdims)


def mean(a, axis=None, *, keepdims=False):
    """Mean over ``axis``."""
    return D.mean(tensor(a), axis, keepdims)


def var(a, axis=None, *, ddof=0, keepdims=False):
    """Variance over ``axis`` (``ddof``: delta degrees of freedom)."""
    return D.var(tensor(a), axis, keepdims, ddof)


def std(a, axis=None, *, ddof=0, keepdims=False):
    """Standard deviation over ``axis`` (its gradient at a zero deviation is 0)."""
    return D.std(tensor(a), axis, keepdims, ddof)


def max(a, axis=None, *, keepdims=False):
    """Maximum over ``axis`` (ties share the gradient)."""
    return D.max(tensor(a), axis, keepdims)


def min(a, axis=None, *, keepdims=False):
    """Minimum over ``axis``."""
    return D.min(tensor(a), axis, keepdims)


amax, amin = max, min


# ---------------------------------------------------------------- shapes ---
def reshape(a, newshape):
    """``a`` with shape ``newshape`` (one axis may be -1)."""
    shape = newshape if isinstance(newshape, (tuple, list)) else (newshape,)
    return D.reshape(tensor(a), *shape)


def transpose(a, axes=None):
    """Axes reversed, or permuted as ``axes`` says."""
    return D.transpose(tensor(a), *(() if axes is None else axes))


def swapaxes(a, axis1, axis2):
    """Axes ``axis1`` and ``axis2`` exchanged."""
    return D.swapaxes(tensor(a), axis1, axis2)


def squeeze(a, axis=None):
    """Size-1 axes removed (all of them, or ``axis``)."""
    return D.squeeze(tensor(a), axis)


def expand_dims(a, axis):
    """A size-1 axis inserted at ``axis``."""
    return D.unsqueeze(tensor(a), axis)


def concatenate(arrays, axis=0):
    """The arrays joined along an existing ``axis``."""
    return D.cat([tensor(x) for x in arrays], axis=axis)


def matmul(x1, x2):
    """The matrix product ``x1 @ x2`` (batched, broadcasting)."""
    a, b = operands(x1, x2)
    return a @ b
